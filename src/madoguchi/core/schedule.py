"""Recurring jobs (expire unpaid holds, send e-keys before the slot, repair locks, retention).

Apps register their jobs in AppConfig.ready(); every `madoguchi worker` runs `tick()` about
every ``TICK_SECONDS``. A job is claimed with a conditional UPDATE on its row, so with
many workers each due run happens once; a job that raises is logged and runs again at its
next interval (every job is written to be safe to run again). Cron-based deployments can
call `madoguchi tick` instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections, transaction

from madoguchi.core import clock
from madoguchi.core.models import ScheduledJob

log = logging.getLogger(__name__)
TICK_SECONDS = 20


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    run: Callable[[], object]


_JOBS: dict[str, Job] = {}


def every(name: str, interval: dt.timedelta, run: Callable[[], object]) -> None:
    _JOBS[name] = Job(name, interval, run)


def jobs() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda j: j.name)


def _claim(job: Job, now: dt.datetime) -> bool:
    with transaction.atomic():
        ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        claimed = ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=now + job.every, last_started_at=now
        )
    return claimed == 1


def tick(*, now: dt.datetime | None = None) -> list[str]:
    """Run every job that is due and not claimed by another worker; returns the names run."""
    now = now or clock.now()
    ran = []
    for job in jobs():
        if not _claim(job, now):
            continue
        try:
            job.run()
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next interval", job.name)
        else:
            ran.append(job.name)
    return ran


def run_forever(stop: threading.Event) -> None:
    """The worker's clock thread."""
    while not stop.wait(TICK_SECONDS):
        close_old_connections()
        try:
            tick()
        except Exception:
            log.exception("scheduler tick failed")
        finally:
            close_old_connections()
