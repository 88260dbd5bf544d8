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
import math
import string
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse

from madoguchi.citizens.models import Citizen, LineIdentityStatus, PreferredChannel
from madoguchi.citizens.selectors import citizen_get, email_recipients, line_identity_of, line_recipients
from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.line.client import LineClient, LineError, LinePermanentError, LineRetryableError
from madoguchi.line.models import LineChannel
from madoguchi.line.selectors import channel_of
from madoguchi.messaging import ratelimit
from madoguchi.messaging.models import (
    BatchStatus,
    Channel,
    Delivery,
    DeliveryBatch,
    DeliveryJob,
    DeliveryStatus,
    JobStatus,
    MessageTemplate,
    Segment,
)

logger = logging.getLogger(__name__)

MULTICAST_MAX = 500
EMAIL_BATCH = 50  # mails per SMTP session
LEASE = dt.timedelta(seconds=30)


def lease() -> dt.timedelta:
    """How long a claimed batch is reserved before another worker may take it over."""
    return dt.timedelta(seconds=getattr(settings, "MESSAGING_LEASE_SECONDS", LEASE.total_seconds()))


MAX_ATTEMPTS = 8
INSERT_CHUNK = 5000


# --- templates ---------------------------------------------------------------


def template_placeholders(body: str) -> list[str]:
    """The ``{placeholders}`` of a template body, in order of first use."""
    try:
        return list(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(body) if name))
    except ValueError:
        raise DomainError(
            "本文の { } の使い方が正しくありません。差し込み項目は {項目名} と書きます。", field="body"
        ) from None


def template_render(template: MessageTemplate, context: dict[str, Any]) -> str:
    """Fill ``{placeholders}``; a missing value is an error, never a silent blank."""
    missing = sorted(set(template_placeholders(template.body)) - set(context))
    if missing:
        raise DomainError(f"差し込み項目が足りません: {'、'.join(missing)}", field="context")
    return template.body.format_map(context)


def template_system(*, municipality: Municipality, key: str, title: str, body: str) -> MessageTemplate:
    """The newest version of a message the system sends (booking confirmed, key, …).

    The first use creates version 1 from the app's default wording; staff can then edit it on
    the template screen like any other, and the newest version is what goes out.
    """
    newest = MessageTemplate.objects.filter(municipality=municipality, key=key).order_by("-version").first()
    if newest is not None:
        return newest
    template_placeholders(body)  # a broken default is a programming error: fail loudly here
    with transaction.atomic():
        template, _ = MessageTemplate.objects.get_or_create(
            municipality=municipality,
            key=key,
            version=1,
            defaults={"title": title, "body": body, "created_at": clock.now()},
        )
    return template


# --- creating jobs -----------------------------------------------------------


def _enqueue_run(job_id: int, run_after: dt.datetime | None = None) -> None:
    from madoguchi.messaging.tasks import run_delivery_job

    if run_after is None:
        transaction.on_commit(partial(run_delivery_job.enqueue, job_id))
    elif run_delivery_job.get_backend().supports_defer:
        transaction.on_commit(partial(run_delivery_job.using(run_after=run_after).enqueue, job_id))
    # Otherwise (a backend without deferral) a starting worker picks due jobs up: see jobs_resume.


@transaction.atomic
def broadcast(
    *,
    actor: StaffUser | None,
    template: MessageTemplate,
    segment: Segment | None = None,
    filters: dict[str, list[str]] | None = None,
    context: dict[str, Any] | None = None,
    scheduled_at: dt.datetime | None = None,
) -> DeliveryJob:
    """Send a template to everyone in ``segment`` (or matching ``filters``; neither: everyone)."""
    if actor is not None:
        require(actor, Perm.MESSAGE_SEND)
        if actor.municipality_id != template.municipality_id:
            raise DomainError("このテンプレートは使えません。")
    if segment is not None:
        if segment.municipality_id != template.municipality_id:
            raise DomainError("この配信先は使えません。", field="segment")
        filters = dict(segment.filters)
    filters = filters or {}
    if scheduled_at is not None and scheduled_at <= clock.now():
        raise DomainError("送信予定日時には、これから先の日時を指定してください。", field="scheduled_at")
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
    _enqueue_run(job.pk, run_after=scheduled_at)
    return job


@transaction.atomic
def job_cancel(*, actor: StaffUser, job_id: int) -> DeliveryJob:
    """Cancel a scheduled job that has not started."""
    require(actor, Perm.MESSAGE_SEND)
    job = DeliveryJob.objects.select_for_update().filter(pk=job_id, municipality_id=actor.municipality_id).first()
    if job is None:
        raise DomainError("この配信は見つかりません。")
    if job.status != JobStatus.PENDING or job.prepared:
        raise DomainError("送信を始めた配信は取り消せません。")
    job.status = JobStatus.CANCELLED
    job.save(update_fields=["status"])
    audit_record(municipality=job.municipality, actor=actor, action="message.cancel", obj=job)
    return job


@transaction.atomic
def template_save(*, actor: StaffUser, key: str, title: str, body: str) -> MessageTemplate:
    """Save a template; an existing key gets a new version (jobs keep the version they were sent with)."""
    require(actor, Perm.MESSAGE_SEND)
    template_placeholders(body)  # refuses a body whose braces do not parse
    latest = (
        MessageTemplate.objects.select_for_update()
        .filter(municipality_id=actor.municipality_id, key=key)
        .order_by("-version")
        .first()
    )
    template = MessageTemplate.objects.create(
        municipality_id=actor.municipality_id,
        key=key,
        version=(latest.version + 1) if latest else 1,
        title=title,
        body=body,
        created_at=clock.now(),
    )
    audit_record(municipality=template.municipality, actor=actor, action="message.template_save", obj=template)
    return template


@transaction.atomic
def segment_save(*, actor: StaffUser, name: str, filters: dict[str, list[str]]) -> Segment:
    require(actor, Perm.MESSAGE_SEND)
    segment = Segment.objects.create(
        municipality_id=actor.municipality_id, name=name, filters={k: v for k, v in filters.items() if v}
    )
    audit_record(municipality=segment.municipality, actor=actor, action="message.segment_save", obj=segment)
    return segment


def _personal_recipient(job: DeliveryJob, citizen: Citizen) -> Delivery:
    """The one row of a personal message: e-mail if the citizen chose it, else LINE."""
    now = clock.now()
    fresh = citizen_get(municipality=job.municipality, citizen_id=citizen.pk)  # the caller's copy may be stale
    if fresh is None:
        raise DomainError("この方のアカウントは見つかりません。")
    citizen = fresh
    wants_email = citizen.preferred_channel == PreferredChannel.EMAIL and citizen.email and citizen.email_verified_at
    identity = line_identity_of(citizen_id=citizen.pk)
    if wants_email or identity is None:
        if not (citizen.email and citizen.email_verified_at):
            raise DomainError("この方には連絡手段（LINE・確認済みのメール）がありません。")
        return Delivery.objects.create(job=job, channel=Channel.EMAIL, email_citizen=citizen, updated_at=now)
    return Delivery.objects.create(job=job, channel=Channel.LINE, identity=identity, updated_at=now)


@transaction.atomic
def notify(*, citizen: Citizen, template: MessageTemplate, context: dict[str, Any]) -> DeliveryJob:
    """Send a personalised message to one citizen: LINE push, or e-mail if that is what they chose."""
    if citizen.municipality_id != template.municipality_id:
        raise DomainError("このテンプレートは使えません。")
    job = DeliveryJob.objects.create(
        municipality_id=template.municipality_id,
        template=template,
        segment_filters={},
        text=template_render(template, context),
        personal=True,
        created_at=clock.now(),
    )
    _personal_recipient(job, citizen)
    _enqueue_run(job.pk)
    return job


# --- preparing -----------------------------------------------------------------


def job_prepare(job_id: int) -> None:
    """Create the recipient rows and their batches. Safe to run again after a crash.

    Recipients are written in chunks, each chunk in one transaction with its batches, so a
    recipient is never left without a batch and a re-run only adds who is missing.
    """
    job = DeliveryJob.objects.get(pk=job_id)
    if job.prepared:
        return
    now = clock.now()
    size = 1 if job.personal else MULTICAST_MAX
    if job.personal:
        # The one recipient row was written by `notify`; give it its batch (or mark it blocked).
        with transaction.atomic():
            Delivery.objects.filter(job=job, identity__status=LineIdentityStatus.BLOCKED).update(
                status=DeliveryStatus.BLOCKED, reason="ブロックされています"
            )
            for delivery in Delivery.objects.filter(job=job, batch__isnull=True, status=DeliveryStatus.QUEUED):
                batch = DeliveryBatch.objects.create(
                    job=job, number=1, retry_key=uuid.uuid4(), channel=delivery.channel
                )
                Delivery.objects.filter(pk=delivery.pk).update(batch=batch)
    else:
        done = set(Delivery.objects.filter(job=job).values_list("identity_id", flat=True))
        number = DeliveryBatch.objects.filter(job=job).count()
        recipients = line_recipients(municipality=job.municipality, filters=job.segment_filters)
        chunk: list[tuple[int, str]] = []

        def flush(rows: list[tuple[int, str]]) -> None:
            nonlocal number
            following = [pk for pk, status in rows if status == LineIdentityStatus.FOLLOWING]
            with transaction.atomic():
                batches = []
                for _ in range(math.ceil(len(following) / size)):
                    number += 1
                    batches.append(DeliveryBatch(job=job, number=number, retry_key=uuid.uuid4()))
                DeliveryBatch.objects.bulk_create(batches)
                if batches and batches[0].pk is None:  # backends that return no ids
                    batches = list(
                        DeliveryBatch.objects.filter(job=job, number__gt=number - len(batches)).order_by("number")
                    )
                batch_of = {pk: batches[i // size] for i, pk in enumerate(following)}
                Delivery.objects.bulk_create(
                    [
                        Delivery(
                            job_id=job.pk,
                            identity_id=pk,
                            batch=batch_of.get(pk),
                            updated_at=now,
                            status=DeliveryStatus.QUEUED if pk in batch_of else DeliveryStatus.BLOCKED,
                            reason="" if pk in batch_of else "ブロックされています",
                        )
                        for pk, _ in rows
                    ]
                )

        for pk, status in recipients.values_list("pk", "status").iterator(chunk_size=INSERT_CHUNK):
            if pk in done:
                continue
            chunk.append((pk, status))
            if len(chunk) >= INSERT_CHUNK:
                flush(chunk)
                chunk = []
        if chunk:
            flush(chunk)
        _prepare_email(job, now)
    DeliveryJob.objects.filter(pk=job.pk).update(prepared=True, status=JobStatus.SENDING)


def _prepare_email(job: DeliveryJob, now: dt.datetime) -> None:
    """Recipients who chose e-mail: rows and batches of EMAIL_BATCH, written in one transaction."""
    done = set(Delivery.objects.filter(job=job, channel=Channel.EMAIL).values_list("email_citizen_id", flat=True))
    citizens = [
        pk
        for pk in email_recipients(municipality=job.municipality, filters=job.segment_filters).values_list(
            "pk", flat=True
        )
        if pk not in done
    ]
    if not citizens:
        return
    with transaction.atomic():
        number = DeliveryBatch.objects.filter(job=job).count()
        for start in range(0, len(citizens), EMAIL_BATCH):
            number += 1
            batch = DeliveryBatch.objects.create(job=job, number=number, retry_key=uuid.uuid4(), channel=Channel.EMAIL)
            Delivery.objects.bulk_create(
                [
                    Delivery(job=job, channel=Channel.EMAIL, email_citizen_id=pk, batch=batch, updated_at=now)
                    for pk in citizens[start : start + EMAIL_BATCH]
                ]
            )


# --- sending -------------------------------------------------------------------


def _claimable(job_id: int, now: dt.datetime) -> Q:
    return Q(job_id=job_id) & (
        Q(status=BatchStatus.PENDING, not_before__isnull=True)
        | Q(status=BatchStatus.PENDING, not_before__lte=now)
        | Q(status=BatchStatus.SENDING, lease_until__lt=now)
    )


def _claim_many(job_id: int, limit: int) -> list[DeliveryBatch]:
    """Take up to ``limit`` batches to send: pending and due, or sending with an expired lease.

    The conditional UPDATE with this worker's claim token is the claim, so two workers
    never take the same batch; on PostgreSQL, SKIP LOCKED keeps them from queueing
    behind each other's candidates.
    """
    now = clock.now()
    token = uuid.uuid4()
    with transaction.atomic():
        candidates = DeliveryBatch.objects.filter(_claimable(job_id, now)).order_by("number")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        pks = list(candidates.values_list("pk", flat=True)[:limit])
        if not pks:
            return []
        DeliveryBatch.objects.filter(_claimable(job_id, now), pk__in=pks).update(
            status=BatchStatus.SENDING, lease_until=now + lease(), claim_token=token
        )
    return list(DeliveryBatch.objects.filter(claim_token=token, status=BatchStatus.SENDING).order_by("number"))


def _claim(job_id: int) -> DeliveryBatch | None:
    claimed = _claim_many(job_id, 1)
    return claimed[0] if claimed else None


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(60.0, 0.5 * 2**attempts))


@dataclass(frozen=True)
class _Outcome:
    batch: DeliveryBatch
    error: LineError | None = None


def _email_footer() -> str:
    return (
        "\n\n――\nこのメールは送信専用です。受信設定の変更・配信の停止は次のページから: "
        f"{settings.SITE_URL.rstrip('/')}{reverse('citizens:preferences')}"
    )


def _send_email(job: DeliveryJob, batch: DeliveryBatch, addresses: list[str]) -> None:
    """One SMTP session for the batch. The Message-ID comes from the batch's retry key, so a batch
    sent again after a crash carries the same ids and receiving systems can drop the copy
    (SMTP itself cannot refuse a duplicate the way LINE's 409 does)."""
    ratelimit.bucket(job.municipality_id, "email").acquire()
    messages = [
        EmailMessage(
            subject=f"【{job.municipality.name}】{job.template.title}",
            body=job.text + _email_footer(),
            to=[address],
            headers={"Message-ID": f"<{batch.retry_key}.{n}@madoguchi>"},
        )
        for n, address in enumerate(addresses)
    ]
    try:
        with get_connection(fail_silently=False) as connection:
            connection.send_messages(messages)
    except (OSError, ConnectionError) as exc:  # smtplib errors are OSError subclasses
        raise LineRetryableError(f"メール送信: {type(exc).__name__}") from None


def _send_http(job: DeliveryJob, channel: LineChannel | None, batch: DeliveryBatch, recipients: list[str]) -> _Outcome:
    """The network part only (runs in a pool thread, touches no database)."""
    client = LineClient()
    try:
        if batch.channel == Channel.EMAIL:
            _send_email(job, batch, recipients)
        elif channel is None:
            raise LinePermanentError("LINEチャネルが設定されていません")
        elif job.personal:
            ratelimit.bucket(channel.pk, "push").acquire()
            client.push(channel, to=recipients[0], texts=[job.text], retry_key=str(batch.retry_key))
        elif recipients:
            ratelimit.bucket(channel.pk, "multicast").acquire()
            client.multicast(channel, to=recipients, texts=[job.text], retry_key=str(batch.retry_key))
    except LineError as exc:
        return _Outcome(batch, exc)
    return _Outcome(batch)


def _record(outcomes: list[_Outcome]) -> None:
    """Write what happened to a round of batches: one statement for all that were sent."""
    now = clock.now()
    sent = [o.batch.pk for o in outcomes if o.error is None]
    if sent:
        DeliveryBatch.objects.filter(pk__in=sent).update(status=BatchStatus.SENT, sent_at=now, last_error="")
    for outcome in outcomes:
        exc, batch = outcome.error, outcome.batch
        if exc is None:
            continue
        reason = str(exc)[:200]
        attempts = batch.attempts + 1
        if isinstance(exc, LineRetryableError) and attempts < MAX_ATTEMPTS:
            with transaction.atomic():
                DeliveryBatch.objects.filter(pk=batch.pk).update(
                    status=BatchStatus.PENDING,
                    attempts=attempts,
                    not_before=now + _backoff(attempts),
                    last_error=reason,
                )
                batch.deliveries.update(status=DeliveryStatus.FAILED_RETRYABLE, reason=reason, updated_at=now)
        else:
            if isinstance(exc, LineRetryableError):
                reason = f"再送の上限に達しました（{exc.status}）"
            DeliveryBatch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.FAILED, attempts=attempts, last_error=reason
            )


def _reconcile(job_id: int) -> None:
    """Bring every recipient row in line with its batch's outcome (one statement per outcome)."""
    now = clock.now()
    Delivery.objects.filter(job_id=job_id, batch__status=BatchStatus.SENT).exclude(status=DeliveryStatus.SENT).update(
        status=DeliveryStatus.SENT, reason="", updated_at=now
    )
    for batch in DeliveryBatch.objects.filter(job_id=job_id, status=BatchStatus.FAILED):
        batch.deliveries.exclude(status=DeliveryStatus.FAILED_PERMANENT).update(
            status=DeliveryStatus.FAILED_PERMANENT, reason=batch.last_error, updated_at=now
        )


def _send_round(job: DeliveryJob, channel: LineChannel | None, pool: ThreadPoolExecutor | None, size: int) -> int:
    batches = _claim_many(job.pk, size)
    if not batches:
        return 0
    # A LINE user id or an e-mail address per row: the check constraint allows exactly one.
    recipients: dict[int, list[str]] = {b.pk: [] for b in batches}
    rows = (
        Delivery.objects.filter(batch_id__in=recipients)
        .order_by("pk")
        .values_list("batch_id", "identity__line_user_id", "email_citizen__email")
    )
    for batch_id, user_id, address in rows:
        recipients[batch_id].append(user_id or address)
    if pool is None:
        outcomes = [_send_http(job, channel, b, recipients[b.pk]) for b in batches]
    else:
        outcomes = list(pool.map(lambda b: _send_http(job, channel, b, recipients[b.pk]), batches))
    _record(outcomes)
    return len(batches)


def job_run(job_id: int, *, threads: int = 8, deadline: dt.datetime | None = None) -> DeliveryJob:
    """Prepare (if needed) and send a job until nothing is left that can be sent now.

    This thread does all database work; a pool of ``threads`` does only the HTTP calls.
    """
    job = DeliveryJob.objects.select_related("municipality", "template").get(pk=job_id)
    if job.status in (JobStatus.DONE, JobStatus.CANCELLED):
        return job
    job_prepare(job_id)
    # Loaded with its template and city so the sending threads never touch the database.
    job = DeliveryJob.objects.select_related("municipality", "template").get(pk=job_id)
    channel = channel_of(municipality_id=job.municipality_id)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"job{job_id}") if threads > 1 else None
    try:
        while True:
            while _send_round(job, channel, pool, size=max(1, threads) * 2):
                pass
            remaining = DeliveryBatch.objects.filter(job_id=job_id).exclude(
                status__in=[BatchStatus.SENT, BatchStatus.FAILED]
            )
            if not remaining.exists():
                _reconcile(job_id)
                DeliveryJob.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=clock.now())
                break
            if deadline is not None and clock.now() >= deadline:
                break
            # Batches waiting out a backoff, or leased by another worker: wait for the earliest.
            next_due = min(
                (b.not_before or b.lease_until or clock.now() for b in remaining.only("not_before", "lease_until")),
                default=clock.now(),
            )
            time.sleep(max(0.05, min(5.0, (next_due - clock.now()).total_seconds())))
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return DeliveryJob.objects.get(pk=job_id)


def jobs_resume() -> list[int]:
    """Jobs a killed worker left unfinished, and scheduled jobs now due; a worker calls this when it starts."""
    return list(
        DeliveryJob.objects.filter(
            Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=clock.now()),
            status__in=[JobStatus.PENDING, JobStatus.SENDING],
        )
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
    """Counts for the progress bar, from the batches while sending (rows are reconciled at the end)."""
    counts: dict[str, int] = {}
    rows = Delivery.objects.filter(job=job).values_list("status", "batch__status").annotate(n=Count("id"))
    for status, batch_status, n in rows:
        if batch_status == BatchStatus.SENT:
            status = DeliveryStatus.SENT
        elif batch_status == BatchStatus.FAILED:
            status = DeliveryStatus.FAILED_PERMANENT
        counts[status] = counts.get(status, 0) + n
    return JobProgress(
        total=sum(counts.values()),
        sent=counts.get(DeliveryStatus.SENT, 0),
        failed=counts.get(DeliveryStatus.FAILED_PERMANENT, 0),
        blocked=counts.get(DeliveryStatus.BLOCKED, 0),
        queued=counts.get(DeliveryStatus.QUEUED, 0) + counts.get(DeliveryStatus.FAILED_RETRYABLE, 0),
        done=DeliveryJob.objects.filter(pk=job.pk, status=JobStatus.DONE).exists(),
    )
