"""Use cases of payments: create an intent, start a checkout on a gateway, receive its signed
notifications (once each, in any order), take cash at the counter, cancel, refund, expire.

State machine of an intent::

    created ─┬─> pending ─┬─> paid ──> refunded
             │     ↑ ↓    ├─> failed ─> (pending | paid | expired | cancelled)
             │            ├─> expired
             └────────────┴─> cancelled

A payment that arrives for a cancelled or expired intent, or a second payment for a subject
already paid, is refunded automatically and recorded (``late_payment``, a `Refund`); money is
never silently kept. Every change is audited; the owning app hears of it through `hooks` inside
the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from madoguchi.citizens.models import Citizen
from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.core.sandbox import is_outbound_url_allowed
from madoguchi.payments import hooks
from madoguchi.payments.gateways.base import (
    BadSignature,
    CheckoutRequest,
    EventKind,
    GatewayError,
    GatewayEvent,
    GatewayPermanentError,
    GatewayRetryableError,
    MalformedNotification,
)
from madoguchi.payments.gateways.registry import UnknownKind, adapter_for
from madoguchi.payments.models import (
    CASH_GATEWAY,
    PAYABLE,
    GatewayConfig,
    GatewayNotification,
    IntentStatus,
    Method,
    NotificationOutcome,
    PaymentIntent,
    Refund,
    RefundKind,
    RefundStatus,
)

logger = logging.getLogger(__name__)

S = IntentStatus
# Which status may follow which. Anything else is refused (InvalidTransition).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.PENDING, S.PAID, S.FAILED, S.EXPIRED, S.CANCELLED}),
    S.PENDING: frozenset({S.PENDING, S.PAID, S.FAILED, S.EXPIRED, S.CANCELLED}),
    S.FAILED: frozenset({S.PENDING, S.PAID, S.EXPIRED, S.CANCELLED}),
    S.PAID: frozenset({S.REFUNDED}),
    S.EXPIRED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}
HOOKED = {S.PAID: "paid", S.FAILED: "failed", S.EXPIRED: "expired", S.CANCELLED: "cancelled", S.REFUNDED: "refunded"}
MAX_REFUND_ATTEMPTS = 10


class InvalidTransition(DomainError):
    pass


class UnknownGateway(DomainError):
    pass


class NotificationRefused(Exception):
    """Base of the reasons a notification is refused (the gateway should see 400)."""


class BadNotificationSignature(NotificationRefused):
    pass


class BadNotificationBody(NotificationRefused):
    pass


@dataclass(frozen=True)
class NotificationResult:
    outcome: str  # a NotificationOutcome value, or "duplicate"
    intent_id: int | None
    duplicate: bool = False


# --- helpers ----------------------------------------------------------------------


def _move(intent: PaymentIntent, to: IntentStatus, *, now: dt.datetime, fields: list[str] | None = None) -> None:
    """Change the status (refusing what the state machine does not allow), save, tell the owner."""
    if to not in TRANSITIONS[intent.status]:
        raise InvalidTransition(f"「{intent.get_status_display()}」の支払いを「{to.label}」にすることはできません。")
    changed = intent.status != to
    intent.status = to
    intent.updated_at = now
    intent.save(update_fields=["status", "updated_at", *(fields or [])])
    if changed and to in HOOKED:
        hooks.emit(intent, HOOKED[to])


def _audit(
    intent: PaymentIntent, action: str, *, actor: StaffUser | None = None, label: str = "", reason: str = ""
) -> None:
    audit_record(
        municipality=intent.municipality,
        actor=actor,
        actor_label=label,
        action=action,
        obj=intent,
        reason=reason,
    )


def _locked(intent_id: int, **scope: object) -> PaymentIntent | None:
    return (
        PaymentIntent.objects.select_for_update(of=("self",))
        .select_related("municipality")
        .filter(pk=intent_id, **scope)
        .first()
    )


def _subject_paid_elsewhere(intent: PaymentIntent) -> bool:
    return (
        PaymentIntent.objects.filter(
            municipality_id=intent.municipality_id, purpose=intent.purpose, subject_id=intent.subject_id
        )
        .filter(Q(status=S.PAID) | Q(status=S.REFUNDED, late_payment=False))
        .exclude(pk=intent.pk)
        .exists()
    )


def _citizen_label(intent: PaymentIntent) -> str:
    return f"citizen:{intent.citizen_id}" if intent.citizen_id else "system"


# --- intents --------------------------------------------------------------------------


@transaction.atomic
def intent_create(
    *,
    municipality: Municipality,
    purpose: str,
    subject_id: str,
    amount: int,
    description: str,
    account_label: str,
    expires_at: dt.datetime,
    citizen: Citizen | None = None,
) -> PaymentIntent:
    """A fee to be paid. ``description`` is shown on the checkout page (no personal data);
    ``account_label`` is what the reconciliation groups by (the facility or procedure)."""
    if hooks.get(purpose) is None:
        raise DomainError(f"用途 {purpose} は登録されていません。")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError("金額は1円以上の整数で指定してください。", field="amount")
    if not description.strip() or len(description) > 100:
        raise DomainError("内容は1〜100文字で指定してください。", field="description")
    if not account_label.strip() or len(account_label) > 60:
        raise DomainError("施設・手続きの名前は1〜60文字で指定してください。", field="account_label")
    if not subject_id or len(subject_id) > 64:
        raise DomainError("対象IDを指定してください。")
    now = clock.now()
    if expires_at.tzinfo is None or expires_at <= now:
        raise DomainError("支払期限には、これから先の日時を指定してください。", field="expires_at")
    if citizen is not None and citizen.municipality_id != municipality.pk:
        raise DomainError("別の自治体の利用者です。")
    intent = PaymentIntent.objects.create(
        municipality=municipality,
        purpose=purpose,
        subject_id=str(subject_id),
        amount=amount,
        description=description.strip(),
        account_label=account_label.strip(),
        citizen=citizen,
        expires_at=expires_at,
        created_at=now,
        updated_at=now,
    )
    _audit(intent, "payment.intent_create", label=_citizen_label(intent))
    return intent


def _gateway_for(municipality_id: int, gateway_code: str | None) -> GatewayConfig:
    configs = GatewayConfig.objects.filter(municipality_id=municipality_id, enabled=True)
    config = configs.filter(code=gateway_code).first() if gateway_code else configs.filter(is_default=True).first()
    if config is None:
        raise UnknownGateway("オンライン決済の設定がありません。窓口でお支払いください。")
    return config


def _site_url(site_url: str | None) -> str:
    return (site_url or settings.SITE_URL).rstrip("/")


def return_url_for(
    intent: PaymentIntent, *, next_url: str, site_url: str | None = None, cancelled: bool = False
) -> str:
    """Where the gateway sends the resident back: our result page, which then links to ``next_url``."""
    query = {"next": next_url} if next_url else {}
    if cancelled:
        query["cancelled"] = "1"
    url = _site_url(site_url) + reverse("payments:return", args=[intent.public_token])
    return url + ("?" + urlencode(query, quote_via=quote) if query else "")


def intent_checkout_start(
    *, intent: PaymentIntent, gateway_code: str | None = None, return_url: str, site_url: str | None = None
) -> str:
    """Open a checkout session on the gateway; returns the URL to send the resident to.

    ``return_url`` is the page on this site the resident goes back to after the result page
    (checked again there: only local URLs are followed). The gateway call happens outside the
    database transaction; the intent is then marked pending under a row lock.
    """
    fresh = PaymentIntent.objects.select_related("municipality").get(pk=intent.pk)
    now = clock.now()
    if fresh.status not in PAYABLE:
        raise DomainError(f"この支払いは「{fresh.get_status_display()}」のため、お支払いできません。")
    if fresh.expires_at <= now:
        raise DomainError("支払期限を過ぎています。")
    config = _gateway_for(fresh.municipality_id, gateway_code)
    request = CheckoutRequest(
        reference=fresh.public_token,
        amount=fresh.amount,
        description=fresh.description,
        success_url=return_url_for(fresh, next_url=return_url, site_url=site_url),
        cancel_url=return_url_for(fresh, next_url=return_url, site_url=site_url, cancelled=True),
        notify_url=_site_url(site_url) + reverse("payments:notify", args=[config.code]),
        expires_at=fresh.expires_at,
        idempotency_key=uuid.uuid4().hex,
    )
    try:
        session = adapter_for(config).checkout_start(request)
    except GatewayRetryableError:
        raise DomainError("ただいま決済サービスにつながりません。しばらくしてからもう一度お試しください。") from None
    except (GatewayPermanentError, UnknownKind):
        logger.exception("checkout start refused by gateway %s", config.code)
        raise DomainError("決済を開始できませんでした。お手数ですが窓口にお問い合わせください。") from None
    with transaction.atomic():
        locked = _locked(fresh.pk)
        assert locked is not None
        if locked.status not in PAYABLE:
            raise DomainError(f"この支払いは「{locked.get_status_display()}」のため、お支払いできません。")
        locked.gateway, locked.gateway_ref = config.code, session.session_ref
        _move(locked, S.PENDING, now=now, fields=["gateway", "gateway_ref"])
        _audit(locked, "payment.checkout_start", label=_citizen_label(locked), reason=config.code)
    intent.status, intent.gateway, intent.gateway_ref = locked.status, locked.gateway, locked.gateway_ref
    return session.redirect_url


@transaction.atomic
def intent_cancel(*, intent: PaymentIntent, reason: str) -> PaymentIntent:
    """The owning app no longer wants this paid (a hold expired, an application was withdrawn).
    Idempotent; a payment arriving later is refunded automatically."""
    locked = _locked(intent.pk)
    assert locked is not None
    if locked.status in (S.CANCELLED, S.EXPIRED):
        return locked
    if locked.status not in PAYABLE:
        raise InvalidTransition("支払い済みのため取り消せません。返金の手続きをしてください。")
    locked.closed_reason = reason[:200]
    _move(locked, S.CANCELLED, now=clock.now(), fields=["closed_reason"])
    _audit(locked, "payment.cancel", reason=reason)
    intent.status = locked.status
    return locked


def intents_expire_overdue() -> int:
    """Expire unpaid intents past their deadline (run by the scheduler); returns how many."""
    now = clock.now()
    count = 0
    ids = list(PaymentIntent.objects.filter(status__in=PAYABLE, expires_at__lt=now).values_list("pk", flat=True))
    for intent_id in ids:
        with transaction.atomic():
            locked = _locked(intent_id, status__in=PAYABLE, expires_at__lt=now)
            if locked is None:
                continue  # paid or cancelled meanwhile
            _move(locked, S.EXPIRED, now=now)
            _audit(locked, "payment.expire")
            count += 1
    return count


# --- the counter ----------------------------------------------------------------------


@dataclass(frozen=True)
class CashReceipt:
    intent: PaymentIntent
    change: int  # おつり


@transaction.atomic
def cash_record(*, actor: StaffUser, intent_id: int, received: int) -> PaymentIntent:
    """Staff took the fee in cash at the counter. ``received`` is what the resident handed over."""
    require(actor, Perm.PAYMENT_CASH)
    intent = _locked(intent_id, municipality_id=actor.municipality_id)
    if intent is None:
        raise DomainError("この支払いは見つかりません。")
    now = clock.now()
    if intent.status not in PAYABLE:
        raise InvalidTransition(f"この支払いは「{intent.get_status_display()}」のため、現金を受け取れません。")
    if intent.expires_at <= now:
        raise DomainError("支払期限を過ぎています。担当課に確認してください。")
    if isinstance(received, bool) or not isinstance(received, int) or received < intent.amount:
        raise DomainError(f"受け取った金額が手数料（{intent.amount:,}円）に足りません。", field="received")
    if _subject_paid_elsewhere(intent):
        raise DomainError("この対象はすでに別の支払いで支払い済みです。")
    intent.method, intent.gateway, intent.gateway_ref = Method.CASH, CASH_GATEWAY, f"cash-{intent.pk}"
    intent.paid_at, intent.cash_received = now, received
    _move(intent, S.PAID, now=now, fields=["method", "gateway", "gateway_ref", "paid_at", "cash_received"])
    _audit(intent, "payment.cash", actor=actor, reason=f"受領 {received}円 おつり {received - intent.amount}円")
    return intent


# --- refunds -----------------------------------------------------------------------------


def _refund_new(
    intent: PaymentIntent,
    *,
    kind: RefundKind,
    amount: int,
    reason: str,
    actor: StaffUser | None,
    method: str,
    gateway: str,
    payment_ref: str,
    received_at: dt.datetime | None = None,
) -> Refund:
    now = clock.now()
    cash = gateway == CASH_GATEWAY
    refund = Refund.objects.create(
        municipality_id=intent.municipality_id,
        intent=intent,
        kind=kind,
        amount=amount,
        reason=reason[:200],
        method=method,
        gateway=gateway,
        payment_ref=payment_ref,
        idempotency_key=uuid.uuid4().hex,
        actor=actor,
        status=RefundStatus.SUCCEEDED if cash else RefundStatus.PENDING,
        completed_at=now if cash else None,
        received_at=received_at,
        created_at=now,
    )
    if not cash:
        from madoguchi.payments.tasks import submit_refund

        transaction.on_commit(partial(submit_refund.enqueue, refund.pk))
    return refund


@transaction.atomic
def refund_issue(*, actor: StaffUser | None, intent: PaymentIntent, amount: int | None = None, reason: str) -> Refund:
    """Give back all (``amount=None``) or part of a paid fee. ``actor=None`` is the system (e.g. a
    facility closure); staff need PAYMENT_REFUND. Cash is handed back at once; a gateway refund
    is sent after commit, with an idempotency key, and retried until the gateway answers."""
    if actor is not None:
        require(actor, Perm.PAYMENT_REFUND)
        if intent.municipality_id != actor.municipality_id:
            raise DomainError("この支払いは見つかりません。")
    locked = _locked(intent.pk)
    assert locked is not None
    if locked.status != S.PAID:
        raise InvalidTransition(f"この支払いは「{locked.get_status_display()}」のため、返金できません。")
    if not reason.strip():
        raise DomainError("返金の理由を入力してください。", field="reason")
    amount = locked.refundable_amount if amount is None else amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= locked.refundable_amount:
        raise DomainError(f"返金額は1円から{locked.refundable_amount:,}円までで指定してください。", field="amount")
    refund = _refund_new(
        locked,
        kind=RefundKind.STAFF if actor else RefundKind.SYSTEM,
        amount=amount,
        reason=reason.strip(),
        actor=actor,
        method=locked.method,
        gateway=locked.gateway,
        payment_ref=locked.gateway_ref,
    )
    locked.refunded_amount += amount
    now = clock.now()
    if locked.refunded_amount == locked.amount:
        _move(locked, S.REFUNDED, now=now, fields=["refunded_amount"])
    else:
        locked.updated_at = now
        locked.save(update_fields=["refunded_amount", "updated_at"])
    _audit(locked, "payment.refund", actor=actor, reason=f"{amount}円 {reason.strip()}")
    intent.status, intent.refunded_amount = locked.status, locked.refunded_amount
    return refund


def refund_submit(*, refund_id: int) -> Refund | None:
    """Send one pending refund to its gateway (a task; safe to run again: same idempotency key)."""
    refund = Refund.objects.select_related("intent__municipality").filter(pk=refund_id).first()
    if refund is None or refund.status != RefundStatus.PENDING or refund.gateway == CASH_GATEWAY:
        return refund
    config = GatewayConfig.objects.filter(code=refund.gateway).first()
    now = clock.now()
    if config is None:
        Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED, error="gateway not configured")
        refund.refresh_from_db()
        return refund
    try:
        result = adapter_for(config).refund(
            payment_ref=refund.payment_ref,
            amount=refund.amount,
            reason=refund.get_kind_display(),
            idempotency_key=refund.idempotency_key,
        )
    except GatewayRetryableError as exc:
        Refund.objects.filter(pk=refund.pk).update(attempts=refund.attempts + 1, error=str(exc)[:200])
    except (GatewayPermanentError, UnknownKind) as exc:
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk).update(
                status=RefundStatus.FAILED, attempts=refund.attempts + 1, error=str(exc)[:200], completed_at=now
            )
            _audit(refund.intent, "payment.refund_failed", reason=f"返金 {refund.pk}")
        logger.warning("refund %s refused by gateway %s", refund.pk, config.code)
    else:
        Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
            gateway_ref=result.refund_ref,
            attempts=refund.attempts + 1,
            error="",
            **({"status": RefundStatus.SUCCEEDED, "completed_at": now} if result.completed else {}),
        )
    refund.refresh_from_db()
    return refund


def refunds_retry() -> int:
    """Send again the gateway refunds still pending (their worker stopped, or the gateway was down)."""
    ids = list(
        Refund.objects.filter(status=RefundStatus.PENDING, attempts__lt=MAX_REFUND_ATTEMPTS)
        .exclude(gateway=CASH_GATEWAY)
        .values_list("pk", flat=True)
    )
    done = 0
    for refund_id in ids:
        refund = refund_submit(refund_id=refund_id)
        done += bool(refund and refund.status != RefundStatus.PENDING)
    return done


# --- notifications -------------------------------------------------------------------------


def notification_receive(*, gateway_code: str, headers: Mapping[str, str], body: bytes) -> NotificationResult:
    """Verify, store once, apply if the state machine allows.

    Raises UnknownGateway (404), BadNotificationSignature or BadNotificationBody (400). A
    duplicate delivery returns ``duplicate=True`` and changes nothing (the database refuses a
    second row for the same event id, even when both copies arrive at once).
    """
    config = GatewayConfig.objects.select_related("municipality").filter(code=gateway_code, enabled=True).first()
    if config is None:
        raise UnknownGateway("unknown gateway")
    try:
        event = adapter_for(config).notification_parse(headers=headers, body=body, now=clock.now())
    except BadSignature as exc:
        logger.warning("payment notification refused (gateway %s): %s", config.code, exc)
        raise BadNotificationSignature(str(exc)) from None
    except (MalformedNotification, UnknownKind) as exc:
        raise BadNotificationBody(str(exc)) from None
    return _receive(config, event)


def _receive(config: GatewayConfig, event: GatewayEvent) -> NotificationResult:
    now = clock.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                log = GatewayNotification.objects.create(
                    gateway=config,
                    event_id=event.event_id,
                    event_type=event.kind,
                    outcome=NotificationOutcome.UNKNOWN,
                    occurred_at=event.occurred_at,
                    received_at=now,
                )
        except IntegrityError:
            return NotificationResult(outcome="duplicate", intent_id=None, duplicate=True)
        intent = (
            PaymentIntent.objects.select_for_update(of=("self",))
            .select_related("municipality")
            .filter(municipality_id=config.municipality_id, public_token=event.reference)
            .first()
            if event.reference
            else None
        )
        if intent is None:
            log.detail = "no intent with this reference"
            log.save(update_fields=["detail"])
            logger.warning("payment notification %s for an unknown intent (gateway %s)", event.event_id, config.code)
            return NotificationResult(outcome=NotificationOutcome.UNKNOWN, intent_id=None)
        outcome, detail = _apply(intent, event, config, now)
        log.intent, log.outcome, log.detail = intent, outcome, detail[:200]
        log.save(update_fields=["intent", "outcome", "detail"])
    return NotificationResult(outcome=outcome, intent_id=intent.pk)


def _apply(intent: PaymentIntent, event: GatewayEvent, config: GatewayConfig, now: dt.datetime) -> tuple[str, str]:
    label = f"gateway:{config.code}"
    if event.kind in (EventKind.REFUND_SUCCEEDED, EventKind.REFUND_FAILED):
        return _apply_refund_event(intent, event, now)
    if event.amount != intent.amount:
        logger.warning("payment notification %s: amount differs from the intent %s", event.event_id, intent.pk)
        return NotificationOutcome.MISMATCH, f"通知の金額 {event.amount}円 / 請求額 {intent.amount}円"
    if event.kind == EventKind.PAID:
        return _apply_paid(intent, event, config, now, label)
    same_session = not intent.gateway_ref or event.session_ref == intent.gateway_ref
    stale = intent.last_event_at is not None and event.occurred_at < intent.last_event_at
    if intent.status not in PAYABLE or not same_session or stale:
        return NotificationOutcome.IGNORED, f"現在の状態「{intent.get_status_display()}」のため反映しません"
    if event.kind == EventKind.PENDING:
        if intent.status == S.PENDING and intent.method == (event.method or intent.method):
            return NotificationOutcome.IGNORED, "反映済み"
        intent.method, intent.last_event_at = _method(event.method), event.occurred_at
        _move(intent, S.PENDING, now=now, fields=["method", "last_event_at"])
    elif event.kind == EventKind.FAILED:
        if intent.status == S.FAILED:
            return NotificationOutcome.IGNORED, "反映済み"
        intent.last_event_at = event.occurred_at
        _move(intent, S.FAILED, now=now, fields=["last_event_at"])
    elif event.kind == EventKind.EXPIRED:
        # The checkout session ended. Past the intent's own deadline it expires; otherwise
        # the resident may start again, so it counts as a failed attempt.
        intent.last_event_at = event.occurred_at
        to = S.EXPIRED if intent.expires_at <= now else S.FAILED
        if intent.status == to:
            return NotificationOutcome.IGNORED, "反映済み"
        _move(intent, to, now=now, fields=["last_event_at"])
    _audit(intent, f"payment.{intent.status}", label=label)
    return NotificationOutcome.APPLIED, intent.get_status_display()


def _method(value: str) -> str:
    return value if value in Method.values and value != Method.CASH else Method.OTHER


def _apply_paid(
    intent: PaymentIntent, event: GatewayEvent, config: GatewayConfig, now: dt.datetime, label: str
) -> tuple[str, str]:
    method = _method(event.method)
    if intent.status in (S.PAID, S.REFUNDED):
        if intent.gateway == config.code and event.session_ref == intent.gateway_ref:
            return NotificationOutcome.IGNORED, "反映済みの入金"
        # Money for a subject already paid (another session, or cash at the counter): give it back.
        _refund_new(
            intent,
            kind=RefundKind.DUPLICATE,
            amount=event.amount,
            reason="二重払いのため自動返金",
            actor=None,
            method=method,
            gateway=config.code,
            payment_ref=event.session_ref,
            received_at=event.occurred_at,
        )
        _audit(intent, "payment.duplicate_refund", label=label)
        return NotificationOutcome.REFUNDED, "二重払いのため自動返金"
    if intent.status in PAYABLE and not _subject_paid_elsewhere(intent):
        intent.method, intent.gateway, intent.gateway_ref = method, config.code, event.session_ref
        intent.paid_at, intent.last_event_at = event.occurred_at, event.occurred_at
        try:
            with transaction.atomic():
                _move(intent, S.PAID, now=now, fields=["method", "gateway", "gateway_ref", "paid_at", "last_event_at"])
        except IntegrityError:
            intent.refresh_from_db()  # another intent for the subject was paid at the same moment
        else:
            _audit(intent, "payment.paid", label=label)
            return NotificationOutcome.APPLIED, intent.get_status_display()
    # Paid after it was cancelled or expired, or the subject was paid by another intent: refund.
    why = (
        "二重払いのため自動返金" if intent.status in PAYABLE else f"{intent.get_status_display()}後の入金のため自動返金"
    )
    kind = RefundKind.DUPLICATE if intent.status in PAYABLE else RefundKind.LATE
    intent.method, intent.gateway, intent.gateway_ref = method, config.code, event.session_ref
    intent.paid_at, intent.last_event_at = event.occurred_at, event.occurred_at
    intent.late_payment, intent.refunded_amount = True, intent.amount
    intent.status = S.REFUNDED
    intent.updated_at = now
    intent.save(
        update_fields=[
            "status",
            "method",
            "gateway",
            "gateway_ref",
            "paid_at",
            "last_event_at",
            "late_payment",
            "refunded_amount",
            "updated_at",
        ]
    )
    hooks.emit(intent, "refunded")
    _refund_new(
        intent,
        kind=kind,
        amount=event.amount,
        reason=why,
        actor=None,
        method=method,
        gateway=config.code,
        payment_ref=event.session_ref,
        received_at=event.occurred_at,
    )
    _audit(intent, "payment.late_refund", label=label, reason=why)
    return NotificationOutcome.REFUNDED, why


def _apply_refund_event(intent: PaymentIntent, event: GatewayEvent, now: dt.datetime) -> tuple[str, str]:
    refund = (
        Refund.objects.select_for_update().filter(intent=intent, gateway_ref=event.refund_ref).first()
        if event.refund_ref
        else None
    )
    if refund is None or refund.status != RefundStatus.PENDING:
        return NotificationOutcome.IGNORED, "対象の返金なし、または反映済み"
    ok = event.kind == EventKind.REFUND_SUCCEEDED
    refund.status = RefundStatus.SUCCEEDED if ok else RefundStatus.FAILED
    refund.completed_at = now
    refund.error = "" if ok else "gateway reported the refund failed"
    refund.save(update_fields=["status", "completed_at", "error"])
    if not ok:
        _audit(intent, "payment.refund_failed", reason=f"返金 {refund.pk}")
    return NotificationOutcome.APPLIED, refund.get_status_display()


def intent_status_refresh(*, intent: PaymentIntent) -> PaymentIntent:
    """Ask the gateway about a pending checkout (a notification may be late or lost) and apply
    what it says through the same path as a notification. Failures leave the intent as it is."""
    if intent.status != S.PENDING or not intent.gateway_ref or intent.gateway == CASH_GATEWAY:
        return intent
    config = GatewayConfig.objects.filter(code=intent.gateway, municipality_id=intent.municipality_id).first()
    if config is None:
        return intent
    try:
        status = adapter_for(config).status_fetch(session_ref=intent.gateway_ref)
    except (GatewayError, UnknownKind):
        return intent
    if status.kind is None or status.kind == EventKind.PENDING:
        return intent
    now = clock.now()
    event = GatewayEvent(
        event_id=f"fetch:{status.session_ref}:{status.kind}"[:100],
        kind=status.kind,
        reference=intent.public_token,
        session_ref=status.session_ref,
        amount=status.amount,
        method=status.method,
        occurred_at=now,
    )
    _receive(config, event)
    intent.refresh_from_db()
    return intent


# --- configuration ----------------------------------------------------------------------------


@transaction.atomic
def gateway_connect(
    *,
    municipality: Municipality,
    code: str,
    name: str,
    base_url: str,
    api_key: str,
    signing_secret: str,
    kind: str = "hosted",
    is_default: bool = True,
    enabled: bool = True,
    tolerance_seconds: int = 300,
) -> GatewayConfig:
    """Register (or update) a municipality's connection to a gateway; operators run it once."""
    from madoguchi.payments.gateways.registry import kinds

    if kind not in {k.kind for k in kinds()}:
        raise DomainError(f"方式 {kind} の接続は用意されていません。", field="kind")
    if not is_outbound_url_allowed(base_url):
        raise DomainError("APIのURLは https:// で始まるものを指定してください。", field="base_url")
    if not api_key.strip() or len(signing_secret) < 16:
        raise DomainError("APIキーと、16文字以上の署名用シークレットを指定してください。", field="signing_secret")
    other = GatewayConfig.objects.filter(code=code).exclude(municipality=municipality).first()
    if other is not None:
        raise DomainError("この接続コードは別の自治体で使われています。", field="code")
    if is_default:
        GatewayConfig.objects.filter(municipality=municipality, is_default=True).exclude(code=code).update(
            is_default=False
        )
    config, _ = GatewayConfig.objects.update_or_create(
        code=code,
        defaults={
            "municipality": municipality,
            "name": name,
            "kind": kind,
            "base_url": base_url,
            "api_key": api_key.strip(),
            "signing_secret": signing_secret,
            "is_default": is_default,
            "enabled": enabled,
            "tolerance_seconds": tolerance_seconds,
        },
    )
    audit_record(municipality=municipality, actor=None, action="payment.gateway_connect", obj=config)
    return config
