"""Retention: unpaid intents go after a year, accounting records after five; nothing younger."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from madoguchi.core import clock
from madoguchi.core.retention import RULES_BY_NAME, retention_sweep_run
from madoguchi.payments import services
from madoguchi.payments.models import PaymentIntent, Refund

pytestmark = pytest.mark.django_db


def test_rules__are_registered_with_reasons() -> None:
    assert RULES_BY_NAME["payment_unpaid"].days == 365
    assert RULES_BY_NAME["payment_records"].days >= 5 * 365
    assert "会計" in RULES_BY_NAME["payment_records"].why


def test_sweep__unpaid_after_a_year_paid_after_five(city_a, make_intent, staff_factory) -> None:
    start = clock.now()
    cashier = staff_factory(city_a, "shogai_chief")
    with time_machine.travel(start, tick=False):
        unpaid = make_intent(city_a)
        services.intent_cancel(intent=unpaid, reason="取下げ")
        paid = make_intent(city_a)
        services.cash_record(actor=cashier, intent_id=paid.pk, received=1200)
        refunded = make_intent(city_a)
        services.cash_record(actor=cashier, intent_id=refunded.pk, received=1200)
        services.refund_issue(actor=cashier, intent=refunded, reason="中止")
        open_now = make_intent(city_a, expires_at=start + dt.timedelta(days=800))
    retention_sweep_run(now=start + dt.timedelta(days=366))
    remaining = set(PaymentIntent.objects.values_list("pk", flat=True))
    assert remaining == {paid.pk, refunded.pk, open_now.pk}
    retention_sweep_run(now=start + dt.timedelta(days=4 * 365))
    assert set(PaymentIntent.objects.values_list("pk", flat=True)) == {paid.pk, refunded.pk, open_now.pk}
    retention_sweep_run(now=start + dt.timedelta(days=5 * 365 + 3))
    assert not PaymentIntent.objects.filter(pk__in=[paid.pk, refunded.pk]).exists()
    assert not Refund.objects.exists()
