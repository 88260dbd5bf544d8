"""Payment notifications racing on PostgreSQL: whatever arrives at once, one change happens."""

# ruff: noqa: F811 - the payments fixtures are imported here and used as test arguments

from __future__ import annotations

import time

import pytest
from django.test import Client

from madoguchi.payments.models import GatewayNotification, IntentStatus, PaymentIntent, Refund

from ..payments.conftest import event_body, gateway, hook_log, make_intent, post_signed, sandbox  # noqa: F401 - shared fixtures
from .conftest import in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pending(intent: PaymentIntent, session: str = "cs_test_1") -> PaymentIntent:
    PaymentIntent.objects.filter(pk=intent.pk).update(status=IntentStatus.PENDING, gateway_ref=session)
    return intent


def test_same_event_delivered_in_parallel__applied_once(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    body = event_body(intent, "payment.succeeded", event_id="evt_race")
    answers: list[int] = []

    def deliver(i: int) -> None:
        answers.append(post_signed(Client(), gateway, body).json()["duplicate"])

    assert in_threads(8, deliver) == []
    assert sorted(answers) == [False] + [True] * 7
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID
    assert hook_log.events(intent) == ["paid"]
    assert GatewayNotification.objects.count() == 1


def test_different_events_for_one_intent_in_parallel__one_change(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    now = int(time.time())  # noqa: TID251

    def deliver(i: int) -> None:
        # Half say "paid", half "failed", each under its own event id, all at once.
        kind = "payment.succeeded" if i % 2 == 0 else "payment.failed"
        post_signed(Client(), gateway, event_body(intent, kind, created=now))

    assert in_threads(8, deliver) == []
    intent.refresh_from_db()
    events = hook_log.events(intent)
    # Paid once; a failure may come first (then the payment still wins), never after.
    assert intent.status == IntentStatus.PAID
    assert events.count("paid") == 1 and events[-1] == "paid" and events.count("failed") <= 1
    assert GatewayNotification.objects.count() == 8


def test_two_intents_for_one_subject_paid_at_once__one_kept_one_refunded(
    city_a,
    gateway,
    make_intent,
    hook_log,
) -> None:
    intents = [_pending(make_intent(city_a, subject_id="booking-race"), session=f"cs_{i}") for i in range(4)]

    def deliver(i: int) -> None:
        post_signed(Client(), gateway, event_body(intents[i], "payment.succeeded", session=f"cs_{i}"))

    assert in_threads(4, deliver) == []
    statuses = sorted(PaymentIntent.objects.filter(subject_id="booking-race").values_list("status", flat=True))
    assert statuses == [IntentStatus.PAID] + [IntentStatus.REFUNDED] * 3
    assert Refund.objects.count() == 3
