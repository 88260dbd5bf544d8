"""The delivery engine: every app sends through `broadcast` and `notify`.

A job is prepared once (one `Delivery` row per recipient, batches of ≤500 with their
retry keys stored), then any number of worker threads and processes claim batches,
send them, and record the outcome. A worker killed at any point leaves the job
resumable: an unfinished batch's lease runs out, another worker sends it again with
the same retry key, and LINE answers 409 ("already accepted") instead of delivering twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import string
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Count, Q

from madoguchi.citizens.models import LineIdentity, LineIdentityStatus
from madoguchi.citizens.selectors import line_recipients
from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.line.client import LineClient, LineError, LinePermanentError, LineRetryableError
from madoguchi.line.models import LineChannel
from madoguchi.messaging import ratelimit
from madoguchi.messaging.models import (
    BatchStatus,
    Delivery,
    DeliveryBatch,
    DeliveryJob,
    DeliveryStatus,
    JobStatus,
    MessageTemplate,
)

logger = logging.getLogger(__name__)

MULTICAST_MAX = 500
LEASE = dt.timedelta(seconds=30)


def lease() -> dt.timedelta:
    """How long a claimed batch is reserved before another worker may take it over."""
    from django.conf import settings

    return dt.timedelta(seconds=getattr(settings, "MESSAGING_LEASE_SECONDS", LEASE.total_seconds()))


MAX_ATTEMPTS = 8
INSERT_CHUNK = 5000


# --- templates ---------------------------------------------------------------


def template_render(template: MessageTemplate, context: dict[str, Any]) -> str:
    """Fill ``{placeholders}``; a missing value is an error, never a silent blank."""
    needed = {name for _, name, _, _ in string.Formatter().parse(template.body) if name}
    missing = sorted(needed - set(context))
    if missing:
        raise DomainError(f"差し込み項目が足りません: {'、'.join(missing)}", field="context")
    return template.body.format_map(context)


# --- creating jobs -----------------------------------------------------------


def _enqueue_run(job_id: int) -> None:
    from madoguchi.messaging.tasks import run_delivery_job

    transaction.on_commit(partial(run_delivery_job.enqueue, job_id))


@transaction.atomic
def broadcast(
    *,
    actor: StaffUser | None,
    template: MessageTemplate,
    filters: dict[str, list[str]],
    context: dict[str, Any] | None = None,
    scheduled_at: dt.datetime | None = None,
) -> DeliveryJob:
    """Send a template to everyone matching ``filters`` (a segment's saved filter)."""
    if actor is not None:
        require(actor, Perm.MESSAGE_SEND)
        if actor.municipality_id != template.municipality_id:
            raise DomainError("このテンプレートは使えません。")
    job = DeliveryJob.objects.create(
        municipality_id=template.municipality_id,
        template=template,
        segment_filters=filters,
        text=template_render(template, context or {}),
        created_by=actor,
        created_at=clock.now(),
        scheduled_at=scheduled_at,
    )
    audit_record(municipality=template.municipality, actor=actor, action="message.broadcast", obj=job)
    if scheduled_at is None:
        _enqueue_run(job.pk)
    return job


@transaction.atomic
def notify(*, identity: LineIdentity, template: MessageTemplate, context: dict[str, Any]) -> DeliveryJob:
    """Send a personalised message to one citizen (push)."""
    if identity.municipality_id != template.municipality_id:
        raise DomainError("このテンプレートは使えません。")
    job = DeliveryJob.objects.create(
        municipality_id=template.municipality_id,
        template=template,
        segment_filters={},
        text=template_render(template, context),
        personal=True,
        created_at=clock.now(),
    )
    Delivery.objects.create(job=job, identity=identity, updated_at=clock.now())
    _enqueue_run(job.pk)
    return job


# --- preparing -----------------------------------------------------------------


def job_prepare(job_id: int) -> None:
    """Create the recipient rows and their batches. Safe to run again after a crash."""
    job = DeliveryJob.objects.get(pk=job_id)
    if job.prepared:
        return
    now = clock.now()
    if not job.personal:
        identities = line_recipients(municipality=job.municipality, filters=job.segment_filters)
        pending: list[Delivery] = []
        for pk, status in identities.values_list("pk", "status").iterator(chunk_size=INSERT_CHUNK):
            blocked = status != LineIdentityStatus.FOLLOWING
            pending.append(
                Delivery(
                    job_id=job.pk,
                    identity_id=pk,
                    updated_at=now,
                    status=DeliveryStatus.BLOCKED if blocked else DeliveryStatus.QUEUED,
                    reason="ブロックされています" if blocked else "",
                )
            )
            if len(pending) >= INSERT_CHUNK:
                Delivery.objects.bulk_create(pending, ignore_conflicts=True)
                pending = []
        Delivery.objects.bulk_create(pending, ignore_conflicts=True)
    else:
        Delivery.objects.filter(job=job, identity__status=LineIdentityStatus.BLOCKED).update(
            status=DeliveryStatus.BLOCKED, reason="ブロックされています"
        )
    size = 1 if job.personal else MULTICAST_MAX
    number = DeliveryBatch.objects.filter(job=job).count()
    unbatched = list(
        Delivery.objects.filter(job=job, batch__isnull=True, status=DeliveryStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(unbatched), size):
        ids = unbatched[start : start + size]
        number += 1
        with transaction.atomic():
            batch = DeliveryBatch.objects.create(job=job, number=number, retry_key=uuid.uuid4())
            Delivery.objects.filter(pk__in=ids).update(batch=batch)
    DeliveryJob.objects.filter(pk=job.pk).update(prepared=True, status=JobStatus.SENDING)


# --- sending -------------------------------------------------------------------


def _claim(job_id: int) -> DeliveryBatch | None:
    """Take the next batch to send: pending and due, or sending with an expired lease."""
    now = clock.now()
    claimable = (
        DeliveryBatch.objects.filter(job_id=job_id)
        .filter(
            Q(status=BatchStatus.PENDING, not_before__isnull=True)
            | Q(status=BatchStatus.PENDING, not_before__lte=now)
            | Q(status=BatchStatus.SENDING, lease_until__lt=now)
        )
        .order_by("number")
    )
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            batch = claimable.select_for_update(skip_locked=True).first()
            if batch is None:
                return None
            candidates = [batch.pk]
        else:
            candidates = list(claimable.values_list("pk", flat=True)[:8])
        for pk in candidates:
            # The conditional update is the claim: only one worker's matches.
            won = (
                DeliveryBatch.objects.filter(pk=pk)
                .filter(Q(status=BatchStatus.PENDING) | Q(status=BatchStatus.SENDING, lease_until__lt=now))
                .update(status=BatchStatus.SENDING, lease_until=now + lease())
            )
            if won:
                return DeliveryBatch.objects.select_related("job").get(pk=pk)
    return None


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(60.0, 0.5 * 2**attempts))


def _send(batch: DeliveryBatch, channel: LineChannel) -> None:
    job = batch.job
    recipients = list(batch.deliveries.values_list("identity__line_user_id", flat=True))
    client = LineClient()
    now = clock.now()
    try:
        if not recipients:
            result_ok = True
        elif job.personal:
            ratelimit.bucket(channel.pk, "push").acquire()
            client.push(channel, to=recipients[0], texts=[job.text], retry_key=str(batch.retry_key))
            result_ok = True
        else:
            ratelimit.bucket(channel.pk, "multicast").acquire()
            client.multicast(channel, to=recipients, texts=[job.text], retry_key=str(batch.retry_key))
            result_ok = True
    except LineRetryableError as exc:
        attempts = batch.attempts + 1
        with transaction.atomic():
            if attempts >= MAX_ATTEMPTS:
                _finish(
                    batch,
                    BatchStatus.FAILED,
                    DeliveryStatus.FAILED_PERMANENT,
                    f"再送の上限に達しました（{exc.status}）",
                )
            else:
                DeliveryBatch.objects.filter(pk=batch.pk).update(
                    status=BatchStatus.PENDING,
                    attempts=attempts,
                    not_before=now + _backoff(attempts),
                    last_error=str(exc)[:200],
                )
                batch.deliveries.update(status=DeliveryStatus.FAILED_RETRYABLE, reason=str(exc)[:200], updated_at=now)
        return
    except LinePermanentError as exc:
        _finish(batch, BatchStatus.FAILED, DeliveryStatus.FAILED_PERMANENT, str(exc)[:200])
        return
    if result_ok:
        _finish(batch, BatchStatus.SENT, DeliveryStatus.SENT, "")


@transaction.atomic
def _finish(batch: DeliveryBatch, batch_status: str, delivery_status: str, reason: str) -> None:
    now = clock.now()
    DeliveryBatch.objects.filter(pk=batch.pk).update(
        status=batch_status, sent_at=now if batch_status == BatchStatus.SENT else None, last_error=reason
    )
    batch.deliveries.update(status=delivery_status, reason=reason, updated_at=now)


def _sender_loop(job_id: int, channel: LineChannel, stop: threading.Event, *, own_thread: bool) -> int:
    sent = 0
    try:
        while not stop.is_set():
            batch = _claim(job_id)
            if batch is None:
                return sent
            try:
                _send(batch, channel)
            except LineError:
                logger.exception("batch %s failed", batch.pk)
            sent += 1
    finally:
        if own_thread:  # a pool thread's connections die with it
            connections.close_all()
    return sent


def job_run(job_id: int, *, threads: int = 8, deadline: dt.datetime | None = None) -> DeliveryJob:
    """Prepare (if needed) and send a job until nothing is left that can be sent now."""
    job = DeliveryJob.objects.select_related("municipality").get(pk=job_id)
    if job.status in (JobStatus.DONE, JobStatus.CANCELLED):
        return job
    job_prepare(job_id)
    channel = LineChannel.objects.get(municipality=job.municipality)
    stop = threading.Event()
    while True:
        # Threads have their own connections: they cannot see rows of a transaction still open
        # here (and SQLite has one writer anyway), so then this thread sends alone.
        if connection.vendor == "sqlite" or connection.in_atomic_block or threads <= 1:
            _sender_loop(job_id, channel, stop, own_thread=False)
        else:
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"job{job_id}") as pool:
                list(pool.map(lambda _: _sender_loop(job_id, channel, stop, own_thread=True), range(threads)))
        remaining = DeliveryBatch.objects.filter(job_id=job_id).exclude(
            status__in=[BatchStatus.SENT, BatchStatus.FAILED]
        )
        if not remaining.exists():
            DeliveryJob.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=clock.now())
            break
        # Batches waiting for a backoff, or leased by another worker: wait for the earliest.
        if deadline is not None and clock.now() >= deadline:
            break
        next_due = min(
            (b.not_before or b.lease_until or clock.now() for b in remaining.only("not_before", "lease_until")),
            default=clock.now(),
        )
        pause = max(0.05, min(5.0, (next_due - clock.now()).total_seconds()))
        stop.wait(pause)
    return DeliveryJob.objects.get(pk=job_id)


def jobs_resume() -> list[int]:
    """Jobs a killed worker left unfinished; a worker calls this when it starts."""
    return list(
        DeliveryJob.objects.filter(status__in=[JobStatus.PENDING, JobStatus.SENDING], scheduled_at__isnull=True)
        .values_list("pk", flat=True)
        .order_by("pk")
    )


@dataclass(frozen=True)
class JobProgress:
    total: int
    sent: int
    failed: int
    blocked: int
    queued: int
    done: bool

    @property
    def percent(self) -> int:
        handled = self.sent + self.failed + self.blocked
        return 100 if self.total == 0 else int(handled * 100 / self.total)


def job_progress(job: DeliveryJob) -> JobProgress:
    counts = dict(
        Delivery.objects.filter(job=job).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    total = sum(counts.values())
    return JobProgress(
        total=total,
        sent=counts.get(DeliveryStatus.SENT, 0),
        failed=counts.get(DeliveryStatus.FAILED_PERMANENT, 0),
        blocked=counts.get(DeliveryStatus.BLOCKED, 0),
        queued=counts.get(DeliveryStatus.QUEUED, 0) + counts.get(DeliveryStatus.FAILED_RETRYABLE, 0),
        done=DeliveryJob.objects.filter(pk=job.pk, status=JobStatus.DONE).exists(),
    )
