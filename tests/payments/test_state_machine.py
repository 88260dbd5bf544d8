"""The intent's state machine: every allowed transition, every refused one, hooks once per change,
and the database's own guarantees (positive amounts, one payment per subject)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.db import IntegrityError, transaction

from madoguchi.core import clock
from madoguchi.core.errors import DomainError
from madoguchi.payments import services
from madoguchi.payments.models import IntentStatus, PaymentIntent
from madoguchi.payments.services import TRANSITIONS, InvalidTransition, _move

pytestmark = pytest.mark.django_db

S = IntentStatus
ALLOWED = {
    (S.CREATED, S.PENDING), (S.CREATED, S.PAID), (S.CREATED, S.FAILED), (S.CREATED, S.EXPIRED), (S.CREATED, S.CANCELLED),
    (S.PENDING, S.PENDING), (S.PENDING, S.PAID), (S.PENDING, S.FAILED), (S.PENDING, S.EXPIRED), (S.PENDING, S.CANCELLED),
    (S.FAILED, S.PENDING), (S.FAILED, S.PAID), (S.FAILED, S.EXPIRED), (S.FAILED, S.CANCELLED),
    (S.PAID, S.REFUNDED),
}  # fmt: skip


def test_transition_table__is_exactly_the_documented_one() -> None:
    table = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(("start", "to"), sorted(itertools.product(S.values, S.values)))
def test_every_transition__allowed_ones_move_others_are_refused(
    city_a, make_intent, hook_log, start: str, to: str
) -> None:
    intent = make_intent(city_a)
    PaymentIntent.objects.filter(pk=intent.pk).update(status=start)
    intent.refresh_from_db()
    if (start, to) in ALLOWED:
        _move(intent, S(to), now=clock.now())
        intent.refresh_from_db()
        assert intent.status == to
        expected = [] if start == to or to in (S.PENDING, S.CREATED) else [to]
        assert hook_log.events(intent) == expected
    else:
        with pytest.raises(InvalidTransition):
            _move(intent, S(to), now=clock.now())
        intent.refresh_from_db()
        assert intent.status == start and hook_log.calls == []


def test_intent_create__validates_its_input(city_a, city_b, hook_log) -> None:
    good = {
        "municipality": city_a,
        "purpose": "testapp.fee",
        "subject_id": "1",
        "amount": 300,
        "description": "住民票の写し 1通",
        "account_label": "住民票の写し",
        "expires_at": clock.now() + dt.timedelta(minutes=30),
    }
    intent = services.intent_create(**good)
    assert intent.status == S.CREATED and len(intent.public_token) >= 32
    for bad in (
        {"purpose": "nobody.registered"},
        {"amount": 0},
        {"amount": -5},
        {"amount": True},
        {"amount": 1.5},
        {"description": ""},
        {"account_label": "x" * 61},
        {"expires_at": clock.now() - dt.timedelta(seconds=1)},
    ):
        with pytest.raises(DomainError):
            services.intent_create(**{**good, **bad})
    from madoguchi.citizens.models import Citizen

    outsider = Citizen.objects.create(municipality=city_b, created_at=clock.now())
    with pytest.raises(DomainError):
        services.intent_create(**good, citizen=outsider)


def test_database__refuses_a_zero_amount(city_a, make_intent) -> None:
    intent = make_intent(city_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentIntent.objects.filter(pk=intent.pk).update(amount=0)


def test_database__refuses_a_second_paid_intent_for_the_same_subject(city_a, city_b, make_intent) -> None:
    first = make_intent(city_a, subject_id="booking-42")
    second = make_intent(city_a, subject_id="booking-42")
    PaymentIntent.objects.filter(pk=first.pk).update(status=S.PAID)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentIntent.objects.filter(pk=second.pk).update(status=S.PAID)
    # Refunded after being paid still counts as the subject's payment …
    PaymentIntent.objects.filter(pk=first.pk).update(status=S.REFUNDED)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentIntent.objects.filter(pk=second.pk).update(status=S.PAID)
    # … but money refunded because it came late does not.
    PaymentIntent.objects.filter(pk=first.pk).update(late_payment=True)
    PaymentIntent.objects.filter(pk=second.pk).update(status=S.PAID)
    # Another purpose, another subject or another city is a different thing to pay for.
    for other in (
        make_intent(city_a, subject_id="booking-43"),
        make_intent(city_b, subject_id="booking-42"),
    ):
        PaymentIntent.objects.filter(pk=other.pk).update(status=S.PAID)
    assert PaymentIntent.objects.filter(status=S.PAID).count() == 3


def test_intent_cancel__is_idempotent_and_refuses_paid(city_a, make_intent, hook_log, staff_factory) -> None:
    intent = make_intent(city_a)
    services.intent_cancel(intent=intent, reason="仮予約の期限切れ")
    services.intent_cancel(intent=intent, reason="二度目")
    intent.refresh_from_db()
    assert intent.status == S.CANCELLED and intent.closed_reason == "仮予約の期限切れ"
    assert hook_log.events(intent) == ["cancelled"]
    paid = make_intent(city_a)
    services.cash_record(actor=staff_factory(city_a, "shogai"), intent_id=paid.pk, received=1200)
    with pytest.raises(InvalidTransition):
        services.intent_cancel(intent=paid, reason="x")


def test_intents_expire_overdue__expires_only_unpaid_past_deadline(
    city_a, make_intent, hook_log, staff_factory
) -> None:
    overdue = make_intent(city_a, expires_at=clock.now() + dt.timedelta(minutes=10))
    later = make_intent(city_a, expires_at=clock.now() + dt.timedelta(days=2))
    paid = make_intent(city_a, expires_at=clock.now() + dt.timedelta(minutes=10))
    services.cash_record(actor=staff_factory(city_a, "shogai"), intent_id=paid.pk, received=1200)
    with time_machine.travel(clock.now() + dt.timedelta(hours=1)):
        assert services.intents_expire_overdue() == 1
        assert services.intents_expire_overdue() == 0
    for intent, status in ((overdue, S.EXPIRED), (later, S.CREATED), (paid, S.PAID)):
        intent.refresh_from_db()
        assert intent.status == status
    assert hook_log.events(overdue) == ["expired"]
