"""First-come booking: holds, overlaps (全面/半面), windows, closures, limits, expiry, staff blocks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from madoguchi.core.clock import TOKYO
from madoguchi.core.models import AuditEvent
from madoguchi.reservations import occupancy
from madoguchi.reservations.errors import LimitReached, SlotTaken, SlotUnavailable
from madoguchi.reservations.models import Booking, BookingStatus, Occupancy
from madoguchi.reservations.services import bookings as svc

from . import scenario

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)  # a Tuesday
SAT = dt.date(2026, 12, 12)
TUE = dt.date(2026, 12, 15)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def gym(city_a):
    return scenario.gym(city_a)


@pytest.fixture
def hanako(city_a, gym):
    who = scenario.citizen(city_a)
    return who, scenario.registration(who, gym.resident)


def _hold(who_reg, unit, start, end, **kw):
    who, reg = who_reg
    return svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=unit.pk, start=start, end=end, **kw)


def _another(city, gym):
    who = scenario.citizen(city)
    return who, scenario.registration(who, gym.resident)


def test_booking_hold__holds_the_slot_until_the_payment_deadline(gym, hanako) -> None:
    start, end = gym.at(TUE, "午前")
    booking = _hold(hanako, gym.half_a, start, end)
    assert booking.status == BookingStatus.HELD
    assert booking.fee_amount == 1000
    assert booking.hold_deadline == NOW + dt.timedelta(days=1)
    assert booking.fee_detail["rules"]["base"] == 1000
    assert set(Occupancy.objects.filter(booking=booking).values_list("leaf_id", flat=True)) == {gym.half_a.pk}
    assert AuditEvent.objects.filter(action="booking.hold", object_id=str(booking.pk)).count() == 1


def test_booking_hold__refuses_the_same_slot_twice(city_a, gym, hanako) -> None:
    start, end = gym.at(TUE, "午後")
    _hold(hanako, gym.half_a, start, end)
    with pytest.raises(SlotTaken) as err:
        _hold(_another(city_a, gym), gym.half_a, start, end)
    assert "すでに予約" in err.value.message
    assert Booking.objects.filter(unit=gym.half_a).count() == 1


def test_booking_hold__full_court_blocks_both_halves_and_a_half_blocks_the_full(city_a, gym, hanako) -> None:
    start, end = gym.at(TUE, "夜間")
    _hold(hanako, gym.full, start, end)
    for half in (gym.half_a, gym.half_b):
        with pytest.raises(SlotTaken):
            _hold(_another(city_a, gym), half, start, end)
    other_start, other_end = gym.at(TUE, "午前")
    _hold(_another(city_a, gym), gym.half_b, other_start, other_end)
    with pytest.raises(SlotTaken):
        _hold(_another(city_a, gym), gym.full, other_start, other_end)
    # The other half stays free.
    assert _hold(_another(city_a, gym), gym.half_a, other_start, other_end).status == BookingStatus.HELD


def test_booking_hold__hourly_room_refuses_partial_overlap_and_allows_adjacent(city_a, gym, hanako) -> None:
    at = lambda h: dt.datetime.combine(TUE, dt.time(h), tzinfo=TOKYO)  # noqa: E731
    _hold(hanako, gym.room, at(10), at(12))
    with pytest.raises(SlotTaken):
        _hold(_another(city_a, gym), gym.room, at(11), at(13))
    assert _hold(_another(city_a, gym), gym.room, at(12), at(13)).fee_amount == 330
    assert _hold(_another(city_a, gym), gym.room, at(9), at(10)).status == BookingStatus.HELD


def test_overlap__is_refused_by_the_database_itself(city_a, gym, hanako) -> None:
    """Bypassing the service: a second occupancy of the same leaf and time cannot be written."""
    start, end = gym.at(TUE, "午前")
    first = _hold(hanako, gym.half_a, start, end)
    intruder = Booking.objects.create(
        municipality=city_a,
        number="X-1",
        status=BookingStatus.HELD,
        source="web",
        unit=gym.full,
        start=start + dt.timedelta(hours=1),
        end=end + dt.timedelta(hours=1),
        registration=first.registration,
        created_at=NOW,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        occupancy.occupy(intruder)


@pytest.mark.parametrize(
    ("day", "frame", "expected"),
    [
        (dt.date(2026, 12, 14), "午前", "休館日"),  # a Monday
        (dt.date(2026, 12, 29), "午前", "年末年始"),
        (NOW.date(), "午前", "時間前まで"),  # already started
        (dt.date(2027, 2, 2), "午前", "まだ予約できません"),  # beyond 2 months
    ],
)
def test_booking_hold__explains_why_a_day_cannot_be_booked(gym, hanako, day, frame, expected) -> None:
    start, end = gym.at(day, frame)
    with pytest.raises(SlotUnavailable) as err:
        _hold(hanako, gym.half_a, start, end)
    assert expected in err.value.message


def test_booking_hold__outsiders_book_one_month_ahead_residents_two(city_a, gym) -> None:
    day = dt.date(2027, 1, 12)  # 1 month + 11 days ahead
    start, end = gym.at(day, "午前")
    outsider = scenario.citizen(city_a)
    with pytest.raises(SlotUnavailable) as err:
        _hold((outsider, scenario.registration(outsider, gym.outsider)), gym.half_a, start, end)
    assert "令和9年1月1日の分まで" in err.value.message
    resident = scenario.citizen(city_a)
    assert _hold((resident, scenario.registration(resident, gym.resident)), gym.half_a, start, end).pk


def test_booking_hold__refuses_a_time_that_is_not_a_frame(gym, hanako) -> None:
    start = dt.datetime.combine(TUE, dt.time(10), tzinfo=TOKYO)
    with pytest.raises(SlotUnavailable):
        _hold(hanako, gym.half_a, start, start + dt.timedelta(hours=2))


def test_booking_hold__caps_active_bookings_per_registration(city_a, gym, hanako) -> None:
    gym.resident.max_active_bookings = 2
    gym.resident.save()
    _hold(hanako, gym.half_a, *gym.at(TUE, "午前"))
    _hold(hanako, gym.half_a, *gym.at(TUE, "午後"))
    with pytest.raises(LimitReached) as err:
        _hold(hanako, gym.half_a, *gym.at(TUE, "夜間"))
    assert "2件まで" in err.value.message


def test_pending_registration__cannot_book(city_a, gym) -> None:
    who = scenario.citizen(city_a)
    reg = scenario.registration(who, gym.group, status="pending")
    with pytest.raises(Exception) as err:
        _hold((who, reg), gym.half_a, *gym.at(TUE, "午前"))
    assert "確認待ち" in str(err.value)


def test_hold_past_its_deadline__is_released_and_the_slot_opens(city_a, gym, hanako) -> None:
    start, end = gym.at(TUE, "午前")
    booking = _hold(hanako, gym.half_a, start, end)
    with time_machine.travel(booking.hold_deadline - dt.timedelta(seconds=1), tick=False):
        assert svc.bookings_expire_overdue() == 0
    with time_machine.travel(booking.hold_deadline + dt.timedelta(seconds=1), tick=False):
        assert svc.bookings_expire_overdue() == 1
        assert svc.bookings_expire_overdue() == 0  # running again changes nothing
        booking.refresh_from_db()
        assert booking.status == BookingStatus.EXPIRED
        assert not Occupancy.objects.filter(booking=booking).exists()
        assert _hold(_another(city_a, gym), gym.half_a, start, end).status == BookingStatus.HELD


def test_zero_fee_booking__is_confirmed_at_once(city_a, gym, hanako) -> None:
    free = scenario.reduction(city_a, 100)
    booking = svc.booking_create_by_staff(
        actor=_staff(city_a),
        registration_id=hanako[1].pk,
        unit_id=gym.full.pk,
        start=gym.at(TUE, "午前")[0],
        end=gym.at(TUE, "午前")[1],
        reduction_reason_id=free.pk,
    )
    assert booking.fee_amount == 0
    assert booking.status == BookingStatus.CONFIRMED


def test_staff_block__occupies_and_residents_are_refused(city_a, gym, hanako) -> None:
    start, end = gym.at(SAT, "午後")
    block = svc.block_create(actor=_staff(city_a), unit_id=gym.full.pk, start=start, end=end, reason="市民運動会の準備")
    assert block.status == BookingStatus.CONFIRMED
    with pytest.raises(SlotTaken):
        _hold(hanako, gym.half_b, start, end)


def test_staff_without_the_role__cannot_block(city_a, gym, staff_factory) -> None:
    from django.core.exceptions import PermissionDenied

    start, end = gym.at(SAT, "午後")
    with pytest.raises(PermissionDenied):
        svc.block_create(actor=staff_factory(city_a, "clerk"), unit_id=gym.full.pk, start=start, end=end, reason="x")


def test_closure__cancels_bookings_in_it(city_a, gym, hanako) -> None:
    booking = _hold(hanako, gym.half_a, *gym.at(TUE, "午前"))
    _closure, cancelled = svc.closure_create(
        actor=_staff(city_a),
        facility_id=gym.facility.pk,
        start_date=TUE,
        end_date=TUE,
        reason="台風接近",
        is_disaster=True,
    )
    booking.refresh_from_db()
    assert cancelled == 1
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancel_fee == 0
    with pytest.raises(SlotUnavailable) as err:
        _hold(hanako, gym.half_b, *gym.at(TUE, "午後"))
    assert "台風接近" in err.value.message


def _staff(city):
    from ..conftest import make_staff

    return make_staff(city, "shogai_chief", username=f"chief-{city.code}-{Booking.objects.count()}")


def test_reminder__goes_once_the_day_before_to_confirmed_bookings_only(city_a, gym, hanako) -> None:
    confirmed = _hold(hanako, gym.half_a, *gym.at(TUE, "午前"))
    svc.booking_confirm(booking=confirmed, paid=confirmed.fee_amount)
    held = _hold(_another(city_a, gym), gym.half_b, *gym.at(TUE, "午前"))
    with time_machine.travel(dt.datetime(2026, 12, 13, 18, 0, tzinfo=TOKYO), tick=False):
        assert svc.booking_reminders_send() == 0  # two days before
    with time_machine.travel(dt.datetime(2026, 12, 14, 18, 0, tzinfo=TOKYO), tick=False):
        assert svc.booking_reminders_send() == 1
        assert svc.booking_reminders_send() == 0
    confirmed.refresh_from_db()
    held.refresh_from_db()
    assert confirmed.reminder_sent_at is not None and held.reminder_sent_at is None
