"""Fault test on PostgreSQL: a 40,000-recipient job survives its worker being killed at random
points; after restarts every recipient is recorded by the LINE sandbox exactly once."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db import connection

from madoguchi.citizens.models import Citizen, LineIdentity, LineIdentityStatus
from madoguchi.core import clock
from madoguchi.line.models import LineChannel
from madoguchi.line.sandbox.server import LineSandbox
from madoguchi.messaging import services
from madoguchi.messaging.models import DeliveryJob, JobStatus, MessageTemplate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RECIPIENTS = 40_000
KILLS = 10


def _worker_env() -> dict[str, str]:
    settings = connection.settings_dict
    url = f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "MADOGUCHI_TEST_DATABASE_URL")}
    env.update({"DATABASE_URL": url, "MADOGUCHI_TESTING": "1", "LOG_LEVEL": "WARNING"})
    return env


def test_job__killed_worker_resumes_and_each_recipient_gets_exactly_one(city_a) -> None:
    sandbox = LineSandbox(access_token="tok", channel_secret="sec").start()
    sandbox.state.latency_ms = 20  # a real network's round trip, so kills land mid-request too
    sandbox.state.buckets["multicast"].rate = 40  # slower than LINE so the sending phase is long enough to hit
    try:
        LineChannel.objects.create(
            municipality=city_a, channel_id="1", channel_secret="sec", access_token="tok", api_base_url=sandbox.base_url
        )
        now = clock.now()
        citizens = Citizen.objects.bulk_create(
            [Citizen(municipality=city_a, created_at=now) for _ in range(RECIPIENTS)]
        )
        LineIdentity.objects.bulk_create(
            [
                LineIdentity(
                    municipality=city_a,
                    citizen=c,
                    line_user_id=f"U{i:032x}",
                    status=LineIdentityStatus.FOLLOWING,
                    followed_at=now,
                )
                for i, c in enumerate(citizens)
            ],
            batch_size=5000,
        )
        template = MessageTemplate.objects.create(
            municipality=city_a, key="t", title="t", body="訓練です", created_at=now
        )
        # Scheduled for later, so nothing is sent from this process: only the `deliver` subprocesses send.
        job = services.broadcast(actor=None, template=template, filters={}, scheduled_at=now + dt.timedelta(hours=1))
        # Workers kill-test with a short lease so a killed batch comes back quickly.
        env = _worker_env()
        env["MESSAGING_LEASE_SECONDS"] = "2"
        env["LINE_MULTICAST_RATE"] = "40"
        rng = random.Random(82155)
        command = [sys.executable, "-m", "madoguchi.cli", "manage", "deliver", str(job.pk), "--threads", "4"]
        seen_after_kill = []
        for i in range(KILLS):
            worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            before = len(sandbox.state.deliveries)
            if i % 2 == 0:
                # At a random moment: during start-up, while writing recipients, or while sending.
                time.sleep(rng.uniform(1.0, 8.0))
            else:
                # While sending: after a random number of further batches were accepted.
                target = before + rng.randint(1, 12) * 500
                deadline = time.monotonic() + 60
                while len(sandbox.state.deliveries) < target and worker.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.005)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            seen_after_kill.append(len(sandbox.state.deliveries))
        # Some kills landed while sending, not only before or after it.
        assert any(0 < n < RECIPIENTS for n in seen_after_kill), seen_after_kill
        final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr[-2000:]
        assert DeliveryJob.objects.get(pk=job.pk).status == JobStatus.DONE
        delivered = Counter(d.to for d in sandbox.state.deliveries)
        assert len(delivered) == RECIPIENTS
        assert max(delivered.values()) == 1, [u for u, n in delivered.items() if n > 1][:5]
        progress = services.job_progress(job)
        assert progress.sent == RECIPIENTS
    finally:
        sandbox.stop()
