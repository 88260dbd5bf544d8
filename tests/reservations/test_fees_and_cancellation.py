"""使用料: every category × surcharge × 減免 combination follows the rules; 取消料 tiers by day."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.clock import TOKYO
from madoguchi.reservations import fees
from madoguchi.reservations.models import Rounding
from madoguchi.reservations.services import bookings as svc

from . import scenario

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)
WEEKDAY, SATURDAY, HOLIDAY = dt.date(2026, 12, 15), dt.date(2026, 12, 12), dt.date(2027, 1, 11)  # 成人の日


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "day", "admission", "commercial", "reduction", "expected"),
    [
        # 半面 午前 is 1000円; 土日祝 +30%, 入場料 +50%, 営利 +100%; 市外 ×2; 10円未満切り捨て.
        (cat, day, adm, com, red, None)
        for cat, day, adm, com, red in itertools.product(
            ("resident", "outsider"), (WEEKDAY, SATURDAY, HOLIDAY), (False, True), (False, True), (None, 50, 100)
        )
    ],
)
def test_booking_quote__every_combination_matches_the_rules(
    city_a, category, day, admission, commercial, reduction, expected
) -> None:
    with time_machine.travel(NOW, tick=False):
        gym = scenario.gym(city_a, weekend_surcharge_pct=30, admission_surcharge_pct=50, commercial_surcharge_pct=100)
        gym.facility.closed_weekdays = []
        gym.facility.save()
        who = scenario.citizen(city_a)
        reg = scenario.registration(who, getattr(gym, category))
        reason = scenario.reduction(city_a, reduction) if reduction else None
        start, end = gym.at(day, "午前")
        quote = svc.booking_quote(
            registration=reg,
            request=svc.BookingRequest(gym.half_a, start, end, admission, commercial, reason),
        )
    multiplier = 2 if category == "outsider" else 1
    pct = 100 + (30 if day != WEEKDAY else 0) + (50 if admission else 0) + (100 if commercial else 0)
    raw = 1000 * multiplier * pct * (100 - (reduction or 0))  # in units of 1/10000 yen
    assert quote.amount == raw // 10000 // 10 * 10
    assert quote.rules.surcharges == tuple(
        s
        for s in (
            ("土日祝", 30) if day != WEEKDAY else None,
            ("入場料徴収", 50) if admission else None,
            ("営利目的", 100) if commercial else None,
        )
        if s
    )
    assert quote.snapshot()["rules"]["multiplier"] == ("2.00" if multiplier == 2 else "1.00")


def test_fee_compute__hourly_rate_is_prorated_and_rounded_per_rule() -> None:
    rules = fees.FeeRules(base=330, per_hour=True, minutes=90, category="市内個人", multiplier="1.00")
    assert fees.fee_compute(rules).amount == 490  # 495 → 10円未満切り捨て
    for rounding, expected in ((Rounding.NONE, 495), (Rounding.ROUND_10, 500), (Rounding.FLOOR_100, 400)):
        assert fees.fee_compute(fees.FeeRules(**{**rules.__dict__, "rounding": rounding})).amount == expected


@given(
    base=st.integers(0, 20000),
    multiplier=st.sampled_from(["0.50", "1.00", "1.50", "2.00", "3.00"]),
    surcharges=st.lists(st.integers(0, 200), max_size=3),
    reduction=st.one_of(st.none(), st.integers(1, 100)),
)
def test_fee_compute__never_negative_never_above_the_unreduced_fee_and_full_reduction_is_free(
    base, multiplier, surcharges, reduction
) -> None:
    common = {"base": base, "per_hour": False, "minutes": 180, "category": "x", "multiplier": multiplier}
    surcharge_rules = tuple((f"s{i}", pct) for i, pct in enumerate(surcharges))
    full = fees.fee_compute(fees.FeeRules(**common, surcharges=surcharge_rules)).amount
    reduced = fees.fee_compute(
        fees.FeeRules(**common, surcharges=surcharge_rules, reduction=("r", reduction) if reduction else None)
    ).amount
    assert 0 <= reduced <= full
    assert full % 10 == 0
    exact = Decimal(base) * Decimal(multiplier) * (100 + sum(surcharges)) / 100
    assert full <= exact < full + 10
    if reduction == 100:
        assert reduced == 0


@pytest.mark.parametrize(
    ("days_before", "expected_fee"),
    [(30, 0), (7, 0), (6, 1300), (1, 1300), (0, 2600)],
)
def test_cancellation_fee__tiers_by_day(days_before: int, expected_fee: int) -> None:
    tiers = [(7, 0), (1, 50), (0, 100)]
    assert fees.cancellation_fee(paid=2600, tiers=tiers, days_before=days_before) == expected_fee


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "fee"), [(dt.date(2026, 12, 8), 0), (dt.date(2026, 12, 9), 650), (dt.date(2026, 12, 15), 1300)]
)
def test_booking_cancel__charges_the_tier_of_the_day_and_refunds_the_rest(city_a, today, fee) -> None:
    with time_machine.travel(NOW, tick=False):
        gym = scenario.gym(city_a)
        who = scenario.citizen(city_a)
        reg = scenario.registration(who, gym.resident)
        start, end = gym.at(dt.date(2026, 12, 15), "午後")
        booking = svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end)
        svc.booking_confirm(booking=booking, paid=booking.fee_amount)  # paid in cash: no online refund
    with time_machine.travel(dt.datetime.combine(today, dt.time(8), tzinfo=TOKYO), tick=False):
        quote = svc.cancellation_quote(booking=booking)
        cancelled = svc.booking_cancel(citizen=who, booking_id=booking.pk)
    assert booking.fee_amount == 1300
    assert quote.fee == fee
    assert (cancelled.cancel_fee, cancelled.refund_amount) == (fee, 1300 - fee)
