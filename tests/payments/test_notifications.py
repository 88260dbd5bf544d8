"""Gateway notifications: signatures are checked, each event is applied once, and out-of-order
events never move a payment backwards. Late money is refunded automatically, never kept."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.test import Client

from madoguchi.core import clock
from madoguchi.core.models import AuditEvent
from madoguchi.payments import hooks, services
from madoguchi.payments.gateways import signing
from madoguchi.payments.models import (
    GatewayNotification,
    IntentStatus,
    NotificationOutcome,
    PaymentIntent,
    Refund,
    RefundKind,
    RefundStatus,
)

from .conftest import PURPOSE, SECRET, event_body, post_signed

pytestmark = pytest.mark.django_db


def _now() -> int:
    return int(time.time())  # noqa: TID251


def _pending(intent: PaymentIntent, session: str = "cs_test_1") -> PaymentIntent:
    PaymentIntent.objects.filter(pk=intent.pk).update(status=IntentStatus.PENDING, gateway="x", gateway_ref=session)
    intent.refresh_from_db()
    return intent


def test_paid_notification__marks_paid_once_and_tells_the_owner(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    response = post_signed(Client(), gateway, event_body(intent, "payment.succeeded", method="qr"))
    assert response.status_code == 200
    assert response.json()["outcome"] == "applied"
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID
    assert intent.method == "qr" and intent.gateway == gateway.code and intent.paid_at is not None
    assert hook_log.events(intent) == ["paid"]
    # The owner ran inside the transaction and saw the new status.
    assert hook_log.calls[-1][2] == IntentStatus.PAID
    assert AuditEvent.objects.filter(action="payment.paid", object_id=str(intent.pk)).count() == 1


def test_duplicate_delivery__is_acknowledged_and_changes_nothing(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    body = event_body(intent, "payment.succeeded", event_id="evt_same")
    client = Client()
    first = post_signed(client, gateway, body)
    second = post_signed(client, gateway, body)
    third = post_signed(client, gateway, body)
    assert first.status_code == second.status_code == third.status_code == 200
    assert [r.json()["duplicate"] for r in (first, second, third)] == [False, True, True]
    assert hook_log.events(intent) == ["paid"]
    assert GatewayNotification.objects.filter(gateway=gateway, event_id="evt_same").count() == 1
    assert AuditEvent.objects.filter(action="payment.paid", object_id=str(intent.pk)).count() == 1


def test_tampered_body__is_refused_with_400_and_nothing_changes(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    body = event_body(intent, "payment.succeeded")
    header_for_original = body
    tampered = body.replace(b'"amount": 1200', b'"amount": 12')
    assert tampered != body

    header = signing.sign(SECRET, header_for_original, _now())
    response = Client().post(
        f"/payments/notify/{gateway.code}/",
        data=tampered,
        content_type="application/json",
        headers={signing.HEADER: header},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_signature"
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING
    assert hook_log.calls == [] and not GatewayNotification.objects.exists()


@pytest.mark.parametrize(
    ("secret", "age"),
    # ±330 s: the window is 300 s, and the margin keeps a slow run from sliding a future one back inside it.
    [("whsec_someone_else_entirely_000", 0), (SECRET, 330), (SECRET, -330)],
    ids=["wrong-secret", "stale", "from-the-future"],
)
def test_bad_signature__is_refused(city_a, gateway, make_intent, hook_log, secret: str, age: int) -> None:
    intent = _pending(make_intent(city_a))
    response = post_signed(
        Client(), gateway, event_body(intent, "payment.succeeded"), secret=secret, timestamp=_now() - age
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_signature"
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING and hook_log.calls == []


def test_signature_within_tolerance__is_accepted(city_a, gateway, make_intent) -> None:
    intent = _pending(make_intent(city_a))
    assert (
        post_signed(Client(), gateway, event_body(intent, "payment.succeeded"), timestamp=_now() - 270).status_code
        == 200
    )


def test_unsigned_and_malformed__are_refused(city_a, gateway, make_intent) -> None:
    intent = _pending(make_intent(city_a))
    client = Client()
    unsigned = client.post(
        f"/payments/notify/{gateway.code}/",
        data=event_body(intent, "payment.succeeded"),
        content_type="application/json",
    )
    assert unsigned.status_code == 400
    malformed = post_signed(client, gateway, b'{"id": "evt_1", "type": "payment.teleported", "data": {}}')
    assert malformed.status_code == 400 and malformed.json()["error"] == "malformed_notification"
    assert post_signed(client, gateway, b"not json").status_code == 400
    dollars = post_signed(client, gateway, event_body(intent, "payment.succeeded", currency="usd"))
    assert dollars.status_code == 400
    assert client.get(f"/payments/notify/{gateway.code}/").status_code == 405
    assert post_signed(client, gateway.__class__(code="nope"), b"{}").status_code == 404
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING


def test_rotated_secret__either_signature_is_enough(city_a, gateway, make_intent) -> None:

    intent = _pending(make_intent(city_a))
    body = event_body(intent, "payment.succeeded")
    t = _now()
    header = (
        f"t={t},v1={signing.signature('old-secret-being-retired', body, t)},v1={signing.signature(SECRET, body, t)}"
    )
    response = Client().post(
        f"/payments/notify/{gateway.code}/",
        data=body,
        content_type="application/json",
        headers={signing.HEADER: header},
    )
    assert response.status_code == 200


def test_out_of_order__pending_after_paid_keeps_it_paid(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    client = Client()
    post_signed(client, gateway, event_body(intent, "payment.succeeded", created=_now()))
    for late in ("payment.pending", "payment.failed", "payment.expired"):
        response = post_signed(client, gateway, event_body(intent, late, created=_now() - 30))
        assert response.status_code == 200 and response.json()["outcome"] == NotificationOutcome.IGNORED
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID
    assert hook_log.events(intent) == ["paid"]


def test_out_of_order__older_pending_after_failure_is_ignored(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    client = Client()
    post_signed(client, gateway, event_body(intent, "payment.failed", created=_now()))
    post_signed(client, gateway, event_body(intent, "payment.pending", created=_now() - 20, method="convenience"))
    intent.refresh_from_db()
    assert intent.status == IntentStatus.FAILED
    assert hook_log.events(intent) == ["failed"]


def test_failure_of_an_older_session__does_not_fail_the_current_one(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a), session="cs_new")
    post_signed(Client(), gateway, event_body(intent, "payment.failed", session="cs_old"))
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING and hook_log.calls == []


def test_expired_then_paid__is_refunded_automatically_and_recorded(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    with time_machine.travel(clock.now() + dt.timedelta(hours=2)):
        assert services.intents_expire_overdue() == 1
        response = post_signed(Client(), gateway, event_body(intent, "payment.succeeded"))
    assert response.status_code == 200 and response.json()["outcome"] == NotificationOutcome.REFUNDED
    intent.refresh_from_db()
    assert intent.status == IntentStatus.REFUNDED and intent.late_payment
    assert intent.refunded_amount == intent.amount
    refund = Refund.objects.get(intent=intent)
    assert refund.kind == RefundKind.LATE and refund.amount == 1200 and refund.payment_ref == "cs_test_1"
    assert refund.actor is None and refund.status == RefundStatus.PENDING
    assert hook_log.events(intent) == ["expired", "refunded"]
    assert AuditEvent.objects.filter(action="payment.late_refund", object_id=str(intent.pk)).count() == 1


def test_cancelled_then_paid__is_refunded(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    services.intent_cancel(intent=intent, reason="仮予約の期限切れ")
    post_signed(Client(), gateway, event_body(intent, "payment.succeeded"))
    intent.refresh_from_db()
    assert intent.status == IntentStatus.REFUNDED and intent.late_payment
    assert Refund.objects.get(intent=intent).kind == RefundKind.LATE
    assert hook_log.events(intent) == ["cancelled", "refunded"]


def test_second_session_paid__is_refunded_as_duplicate(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a), session="cs_b")
    client = Client()
    post_signed(client, gateway, event_body(intent, "payment.succeeded", session="cs_a"))
    post_signed(client, gateway, event_body(intent, "payment.succeeded", session="cs_b"))
    # The same payment told again under another event id changes nothing.
    post_signed(client, gateway, event_body(intent, "payment.succeeded", session="cs_a"))
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID and intent.gateway_ref == "cs_a"
    refund = Refund.objects.get(intent=intent)
    assert refund.kind == RefundKind.DUPLICATE and refund.payment_ref == "cs_b"
    assert hook_log.events(intent) == ["paid"]


def test_paid_at_the_counter_then_online__online_money_is_refunded(
    city_a, gateway, make_intent, hook_log, staff_factory
) -> None:
    intent = _pending(make_intent(city_a))
    services.cash_record(actor=staff_factory(city_a, "shogai"), intent_id=intent.pk, received=2000)
    post_signed(Client(), gateway, event_body(intent, "payment.succeeded"))
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID and intent.method == "cash"
    assert Refund.objects.get(intent=intent).kind == RefundKind.DUPLICATE
    assert hook_log.events(intent) == ["paid"]


def test_subject_paid_by_another_intent__second_is_refunded(city_a, gateway, make_intent, hook_log) -> None:
    first = _pending(make_intent(city_a, subject_id="booking-x"))
    second = _pending(make_intent(city_a, subject_id="booking-x"), session="cs_2")
    client = Client()
    post_signed(client, gateway, event_body(first, "payment.succeeded"))
    post_signed(client, gateway, event_body(second, "payment.succeeded", session="cs_2"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == IntentStatus.PAID
    assert second.status == IntentStatus.REFUNDED and second.late_payment
    assert Refund.objects.get(intent=second).kind == RefundKind.DUPLICATE


def test_amount_mismatch__is_not_applied_and_is_recorded(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    response = post_signed(Client(), gateway, event_body(intent, "payment.succeeded", amount=120))
    assert response.status_code == 200 and response.json()["outcome"] == NotificationOutcome.MISMATCH
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING and hook_log.calls == []
    assert GatewayNotification.objects.get().outcome == NotificationOutcome.MISMATCH


def test_notification_for_another_city__does_not_touch_it(city_a, city_b, sandbox, make_intent, hook_log) -> None:
    from .conftest import make_gateway

    gateway_b = make_gateway(city_b, sandbox.base_url)
    intent_a = _pending(make_intent(city_a))
    response = post_signed(Client(), gateway_b, event_body(intent_a, "payment.succeeded"))
    assert response.status_code == 200 and response.json()["outcome"] == NotificationOutcome.UNKNOWN
    intent_a.refresh_from_db()
    assert intent_a.status == IntentStatus.PENDING


def test_hook_failure__rolls_back_the_change_and_the_log(city_a, gateway, make_intent, hook_log) -> None:
    def broken(intent: PaymentIntent, event: str) -> None:
        raise RuntimeError("owner failed")

    intent = _pending(make_intent(city_a))
    hooks.register(PURPOSE, label="壊れた", on_change=broken)
    body = event_body(intent, "payment.succeeded", event_id="evt_retry_me")
    with pytest.raises(RuntimeError):
        services.notification_receive(
            gateway_code=gateway.code, headers={signing.HEADER: signing.sign(SECRET, body, _now())}, body=body
        )
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING
    assert not GatewayNotification.objects.filter(event_id="evt_retry_me").exists()
    # The gateway's retry of the same event is processed, not mistaken for a duplicate.
    hooks.register(PURPOSE, label="直った", on_change=hook_log)
    assert post_signed(Client(), gateway, body).json() == {"received": True, "duplicate": False, "outcome": "applied"}
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID and hook_log.events(intent) == ["paid"]
