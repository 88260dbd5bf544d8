"""Payment notifications racing on PostgreSQL: whatever arrives at once, one change happens."""

# ruff: noqa: F811 - the payments fixtures are imported here and used as test arguments

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connections
from django.test import Client

from madoguchi.payments.models import GatewayNotification, IntentStatus, PaymentIntent, Refund

from ..payments.conftest import event_body, gateway, hook_log, make_intent, post_signed, sandbox  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(n: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def _pending(intent: PaymentIntent, session: str = "cs_test_1") -> PaymentIntent:
    PaymentIntent.objects.filter(pk=intent.pk).update(status=IntentStatus.PENDING, gateway_ref=session)
    return intent


def test_same_event_delivered_in_parallel__applied_once(city_a, gateway, make_intent, hook_log) -> None:
    intent = _pending(make_intent(city_a))
    body = event_body(intent, "payment.succeeded", event_id="evt_race")
    answers: list[int] = []

    def deliver(i: int) -> None:
        answers.append(post_signed(Client(), gateway, body).json()["duplicate"])

    assert _in_threads(8, deliver) == []
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

    assert _in_threads(8, deliver) == []
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

    assert _in_threads(4, deliver) == []
    statuses = sorted(PaymentIntent.objects.filter(subject_id="booking-race").values_list("status", flat=True))
    assert statuses == [IntentStatus.PAID] + [IntentStatus.REFUNDED] * 3
    assert Refund.objects.count() == 3
