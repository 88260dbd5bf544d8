"""E-keys on smart locks: created inactive with the booking, active while paid, off when cancelled.

The database records what each key should be (``wanted``) in the same transaction as the
booking change; the lock service is called after commit (`key_sync`). A call that fails
leaves ``status`` ≠ ``wanted`` with a next attempt time, and `keys_repair` (the worker's
clock) tries again with back-off — so a lock outage delays a key, never loses or doubles it.
Units without a lock have no key: their keys are picked up at the counter.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.db import IntegrityError, transaction

from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.core.wareki import span_text
from madoguchi.reservations.locks.pins import pin_generate
from madoguchi.reservations.locks.protocol import (
    LockError,
    LockEvent,
    LockPermanentError,
    LockPinTaken,
    LockService,
)
from madoguchi.reservations.locks.remotelock import RemoteLockClient
from madoguchi.reservations.models import AccessKey, Booking, BookingStatus, KeyStatus, LockAccount, LockEventLog
from madoguchi.reservations.notices import notice_send

log = logging.getLogger(__name__)
MAX_BACKOFF = dt.timedelta(minutes=30)
# RemoteLOCK allows 120 requests a minute and a repair takes up to four (look-up, create, grant): stay well under.
REPAIR_BATCH = 20


def lock_service(account: LockAccount) -> LockService:
    return RemoteLockClient(
        client_id=account.client_id,
        client_secret=account.client_secret,
        api_url=account.api_url,
        token_url=account.token_url,
    )


@transaction.atomic
def lock_account_connect(
    *,
    municipality: Municipality,
    api_url: str,
    token_url: str,
    client_id: str,
    client_secret: str,
    webhook_secret: str,
    webhook_scheme: str = "x-secret",
    send_minutes_before: int = 60,
    slack_minutes: int = 15,
) -> LockAccount:
    """The city's account at the lock service (an operator's command; the demo uses it for the sandbox)."""
    try:
        RemoteLockClient(client_id=client_id, client_secret=client_secret, api_url=api_url, token_url=token_url)
    except ValueError as exc:
        raise DomainError(f"錠サービスの設定が正しくありません: {exc}") from None
    if webhook_scheme not in ("x-secret", "hmac-sha256"):
        raise DomainError("Webhookの検証方式は x-secret か hmac-sha256 です。")
    if len(webhook_secret) < 16:
        raise DomainError("Webhookの共有シークレットは16文字以上にしてください。")
    if not (5 <= send_minutes_before <= 24 * 60 and 0 <= slack_minutes <= 120):
        raise DomainError("鍵を送る時刻は5〜1440分前、前後の余裕は0〜120分にしてください。")
    account, _ = LockAccount.objects.update_or_create(
        municipality=municipality,
        defaults={
            "api_url": api_url,
            "token_url": token_url,
            "client_id": client_id,
            "client_secret": client_secret,
            "webhook_secret": webhook_secret,
            "webhook_scheme": webhook_scheme,
            "send_minutes_before": send_minutes_before,
            "slack_minutes": slack_minutes,
        },
    )
    audit_record(municipality=municipality, actor=None, action="lock.account_connect", obj=account)
    return account


def _account(municipality_id: int) -> LockAccount | None:
    return LockAccount.objects.filter(municipality_id=municipality_id).first()


def _sync_after_commit(key_id: int) -> None:
    transaction.on_commit(partial(_sync_quietly, key_id))


def _sync_quietly(key_id: int) -> None:
    try:
        key_sync(key_id=key_id)
    except Exception:  # the repair task retries; a lock outage must not fail the resident's request
        log.exception("key %s: sync failed; the repair task will retry", key_id)


def key_prepare(*, booking: Booking) -> AccessKey | None:
    """An inactive key for a booking on a unit with a smart lock (None: counter pick-up); the lock service
    hears of it from `keys_repair` within a minute, or at once when the booking is paid."""
    if not booking.unit.lock_id:
        return None
    account = _account(booking.municipality_id)
    slack = dt.timedelta(minutes=account.slack_minutes if account else 15)
    key = AccessKey.objects.create(
        booking=booking,
        lock_id=booking.unit.lock_id,
        pin=pin_generate(),
        status=KeyStatus.PENDING,
        wanted=KeyStatus.INACTIVE,
        starts_at=booking.start - slack,
        ends_at=booking.end + slack,
        next_attempt_at=clock.now(),
    )
    # Not called at once: an inactive key can wait for the repair job's next minute, and a lottery's
    # hundreds of winners then reach the lock service at its pace, not in one burst. Paying calls at once.
    return key


def _want(booking: Booking, wanted: KeyStatus) -> AccessKey | None:
    key = AccessKey.objects.select_for_update(of=("self",)).filter(booking=booking).first()
    if key is None:
        return None
    if key.wanted != wanted:
        key.wanted = wanted
        key.attempts = 0
        key.next_attempt_at = clock.now()
        key.save(update_fields=["wanted", "attempts", "next_attempt_at"])
        _sync_after_commit(key.pk)
    return key


def key_want_active(*, booking: Booking) -> AccessKey | None:
    return _want(booking, KeyStatus.ACTIVE)


def key_want_inactive(*, booking: Booking) -> AccessKey | None:
    return _want(booking, KeyStatus.DEACTIVATED)


def key_retry(*, actor: StaffUser, booking_id: int) -> AccessKey:
    """Staff push a booking's key to the lock now (instead of waiting for the repair job); audited."""
    require(actor, Perm.BOOKING_CHANGE)
    key = AccessKey.objects.filter(booking__municipality_id=actor.municipality_id, booking_id=booking_id).first()
    if key is None:
        raise DomainError("この予約には電子鍵がありません。")
    audit_record(municipality=actor.municipality, actor=actor, action="lock.key_retry", obj=key.booking)
    return key_sync(key_id=key.pk)


def _backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=30 * 2 ** min(attempts, 10)), MAX_BACKOFF)


def key_sync(*, key_id: int, service: LockService | None = None) -> AccessKey:
    """Bring the lock service in line with what the key should be. Safe to run again."""
    key = AccessKey.objects.select_related("booking").get(pk=key_id)
    if key.in_sync and key.guest_id:
        return key
    if service is None:
        account = _account(key.booking.municipality_id)
        if account is None:
            return _failed(key, "スマートロックの契約が設定されていません")
        service = lock_service(account)
    try:
        if not key.guest_id:
            if key.wanted == KeyStatus.DEACTIVATED:
                return _store(key, status=KeyStatus.DEACTIVATED)  # cancelled before the lock ever heard of it
            ref = service.guest_create(
                lock_id=key.lock_id,
                name=f"予約 {key.booking.number}",
                pin=key.pin,
                starts_at=key.starts_at,
                ends_at=key.ends_at,
                idempotency_key=f"booking-{key.booking_id}",
            )
            key = _store(key, guest_id=ref.guest_id, status=KeyStatus.INACTIVE)
        if key.wanted == KeyStatus.ACTIVE and key.status != KeyStatus.ACTIVE:
            service.guest_activate(guest_id=key.guest_id, lock_id=key.lock_id)
            key = _store(key, status=KeyStatus.ACTIVE)
        elif key.wanted == KeyStatus.DEACTIVATED and key.status != KeyStatus.DEACTIVATED:
            service.guest_deactivate(guest_id=key.guest_id)
            key = _store(key, status=KeyStatus.DEACTIVATED)
    except LockPinTaken:
        # Another guest in the account has this PIN: draw another and create the guest again.
        with transaction.atomic():
            fresh = AccessKey.objects.select_for_update(of=("self",)).get(pk=key.pk)
            fresh.pin = pin_generate(avoid=[key.pin])
            fresh.save(update_fields=["pin"])
        return _failed(fresh, "暗証番号が他の鍵と重なったため、別の番号で作り直します")
    except LockError as exc:
        permanent = isinstance(exc, LockPermanentError)
        return _failed(key, f"{'錠サービスが要求を拒否' if permanent else '錠サービスに接続できません'}: {exc}")
    return key


def _store(key: AccessKey, **changes: object) -> AccessKey:
    """Save what the lock service confirmed, unless ``wanted`` moved meanwhile (then sync again)."""
    with transaction.atomic():
        fresh = AccessKey.objects.select_for_update(of=("self",)).get(pk=key.pk)
        for name, value in changes.items():
            setattr(fresh, name, value)
        fresh.last_error = ""
        fresh.attempts = 0
        fresh.next_attempt_at = None if fresh.in_sync else clock.now()
        fresh.synced_at = clock.now()
        fresh.save()
    return fresh


def _failed(key: AccessKey, message: str) -> AccessKey:
    with transaction.atomic():
        fresh = AccessKey.objects.select_for_update(of=("self",)).get(pk=key.pk)
        fresh.attempts += 1
        fresh.last_error = message[:200]
        fresh.next_attempt_at = clock.now() + _backoff(fresh.attempts)
        fresh.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    return fresh


def keys_repair(*, now: dt.datetime | None = None) -> int:
    """Retry every key whose lock call failed or never ran (the worker's clock)."""
    now = now or clock.now()
    due = (
        AccessKey.objects.filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:REPAIR_BATCH]
    )
    fixed = 0
    for key_id in list(due):
        fixed += key_sync(key_id=key_id).in_sync
    return fixed


def keys_send_due(*, now: dt.datetime | None = None) -> int:
    """Send each active key's PIN by LINE shortly before the slot (once)."""
    now = now or clock.now()
    sent = 0
    for account in LockAccount.objects.all():
        lead = dt.timedelta(minutes=account.send_minutes_before)
        due = AccessKey.objects.filter(
            booking__municipality_id=account.municipality_id,
            booking__status=BookingStatus.CONFIRMED,
            status=KeyStatus.ACTIVE,
            wanted=KeyStatus.ACTIVE,
            sent_at__isnull=True,
            booking__start__lte=now + lead,
            booking__end__gt=now,
        ).values_list("pk", flat=True)
        for key_id in list(due):
            sent += _send(key_id, now)
    return sent


def _send(key_id: int, now: dt.datetime) -> int:
    from madoguchi.reservations.services.bookings import booking_context

    with transaction.atomic():
        key = AccessKey.objects.select_for_update(of=("self",)).select_related("booking__unit__facility").get(pk=key_id)
        if key.sent_at is not None:
            return 0
        key.sent_at = now
        key.save(update_fields=["sent_at"])
        booking = key.booking
        notice_send(
            citizen_id=booking.resident_id,
            key="reservations.key",
            context={**booking_context(booking), "pin": key.pin, "valid": span_text(key.starts_at, key.ends_at)},
        )
    return 1


def lock_events_recover() -> int:
    """Read back recent lock events (``GET /events``) in case a webhook was missed; each applies once."""
    applied = 0
    for account in LockAccount.objects.all():
        service = lock_service(account)
        try:
            events = service.event_list(page=1)  # type: ignore[attr-defined]
        except LockError as exc:
            log.warning("lock events for municipality %s not read: %s", account.municipality_id, type(exc).__name__)
            continue
        applied += sum(lock_event_record(municipality_id=account.municipality_id, event=e) for e in events)
    return applied


def send_lead_minutes(municipality_id: int) -> int:
    """How long before the slot the PIN goes out (the city's lock account setting)."""
    account = _account(municipality_id)
    return account.send_minutes_before if account else 60


def lock_event_record(*, municipality_id: int, event: LockEvent) -> bool:
    """Apply one webhook event once; a repeated delivery returns False and changes nothing."""
    from madoguchi.reservations.services.bookings import booking_check_in

    with transaction.atomic():
        try:
            with transaction.atomic():
                LockEventLog.objects.create(
                    event_id=event.event_id, kind=event.kind, guest_id=event.guest_id, received_at=clock.now()
                )
        except IntegrityError:
            return False
        key = (
            AccessKey.objects.select_for_update(of=("self",))
            .select_related("booking__municipality")
            .filter(guest_id=event.guest_id, booking__municipality_id=municipality_id)
            .first()
        )
        if key is None:
            return True
        if event.kind == "used":
            if key.first_used_at is None:
                key.first_used_at = event.occurred_at
                key.save(update_fields=["first_used_at"])
            booking_check_in(booking=key.booking, at=event.occurred_at)
        elif event.kind == "sync_failed":
            # The service accepted the change but the lock did not get it: push it again.
            if key.status == KeyStatus.ACTIVE:
                key.status = KeyStatus.INACTIVE
            key.last_error = f"錠への反映に失敗: {event.detail}"[:200]
            key.next_attempt_at = clock.now()
            key.save(update_fields=["status", "last_error", "next_attempt_at"])
        return True
