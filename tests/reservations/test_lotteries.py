"""Lotteries end to end: applications → draw → held bookings for winners → published and re-runnable."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from madoguchi.core.clock import TOKYO
from madoguchi.core.errors import DomainError
from madoguchi.reservations import lottery
from madoguchi.reservations.errors import SlotUnavailable
from madoguchi.reservations.models import Booking, BookingStatus, LotteryStatus, Occupancy
from madoguchi.reservations.models.lotteries import ApplicationStatus
from madoguchi.reservations.services import bookings as booking_svc
from madoguchi.reservations.services import lotteries as svc

from ..conftest import make_staff
from . import scenario

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=TOKYO)
DAY = dt.date(2027, 1, 9)  # a Saturday in the target month


@pytest.fixture
def setting(city_a):
    with time_machine.travel(T0, tick=False):
        gym = scenario.gym(city_a)
        chief = make_staff(city_a, "shogai_chief")
        item = svc.lottery_create(
            actor=chief,
            facility_id=gym.facility.pk,
            name="令和9年1月分 体育館抽選",
            target_start=dt.date(2027, 1, 4),
            target_end=dt.date(2027, 1, 31),
            apply_from=T0,
            apply_until=T0 + dt.timedelta(days=10),
            draw_at=T0 + dt.timedelta(days=11),
            confirm_until=T0 + dt.timedelta(days=18),
            max_wins_per_applicant=1,
        )
    return gym, chief, item


def _apply(gym, item, category, choices, who=None):
    who = who or scenario.citizen(gym.city)
    reg = scenario.registration(who, category)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        return svc.lottery_apply(
            citizen=who,
            lottery_id=item.pk,
            registration_id=reg.pk,
            choices=[svc.Choice(unit.pk, *gym.at(DAY, frame)) for unit, frame in choices],
        )


def test_lottery__blocks_first_come_until_the_draw_then_winners_hold_their_slots(setting) -> None:
    gym, _chief, item = setting
    assert item.seed_commitment == lottery.seed_commitment(item.seed)
    apps = [
        _apply(gym, item, gym.resident, [(gym.full, "午前"), (gym.half_b, "午後")]),
        _apply(gym, item, gym.resident, [(gym.half_a, "午前"), (gym.half_a, "夜間")]),
        _apply(gym, item, gym.group, [(gym.full, "午前")]),
    ]
    late = scenario.citizen(gym.city)
    late_reg = scenario.registration(late, gym.resident)
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False), pytest.raises(SlotUnavailable) as err:
        booking_svc.booking_hold(
            citizen=late,
            registration_id=late_reg.pk,
            unit_id=gym.half_b.pk,
            start=gym.at(DAY, "夜間")[0],
            end=gym.at(DAY, "夜間")[1],
        )
    assert "抽選" in err.value.message

    with time_machine.travel(item.draw_at, tick=False):
        assert svc.lotteries_advance() == 2  # closed, then drawn
    item.refresh_from_db()
    assert item.status == LotteryStatus.DRAWN and item.seed and item.published_input
    results = {a.pk: a for a in (a.__class__.objects.get(pk=a.pk) for a in apps)}
    won = [a for a in results.values() if a.status == ApplicationStatus.WON]
    # 全面 午前 and 半面A 午前 conflict: whoever drew first got it; the other took its next choice or lost.
    assert len(won) >= 2
    for application in won:
        assert application.booking.status == BookingStatus.HELD
        assert application.booking.hold_deadline == item.confirm_until
    leaves = list(Occupancy.objects.values_list("leaf_id", "start"))
    assert len(leaves) == len(set(leaves))

    # Anyone re-runs the published draw and gets the same winners.
    rerun = lottery.draw(lottery.draw_input_from_json(item.published_input))
    assert lottery.draw_result_to_json(rerun) == item.published_result
    # Applicants appear only as pseudonyms.
    published = json.loads(item.published_input)
    applicants = {a["applicant"] for a in published["applications"]}
    assert len(applicants) == 3 and not applicants & {str(a.applicant_id) for a in apps}

    # Unwon slots open for first-come after the draw.
    with time_machine.travel(item.draw_at + dt.timedelta(hours=1), tick=False):
        free = booking_svc.booking_hold(
            citizen=late,
            registration_id=late_reg.pk,
            unit_id=gym.half_b.pk,
            start=gym.at(DAY, "夜間")[0],
            end=gym.at(DAY, "夜間")[1],
        )
    assert free.status == BookingStatus.HELD


def test_lottery__unconfirmed_winners_lose_the_slot(setting) -> None:
    gym, _chief, item = setting
    application = _apply(gym, item, gym.resident, [(gym.half_a, "午前")])
    with time_machine.travel(item.draw_at, tick=False):
        svc.lotteries_advance()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WON
    with time_machine.travel(item.confirm_until + dt.timedelta(minutes=1), tick=False):
        booking_svc.bookings_expire_overdue()
        svc.lotteries_advance()
    assert Booking.objects.get(pk=application.booking_id).status == BookingStatus.EXPIRED
    item.refresh_from_db()
    assert item.status == LotteryStatus.SETTLED


def test_lottery_apply__enforces_choices_dates_and_caps(setting) -> None:
    gym, _chief, item = setting
    with pytest.raises(DomainError) as err:
        _apply(gym, item, gym.resident, [(gym.half_a, "午前"), (gym.half_a, "午前")])
    assert "重ねて" in err.value.message
    who = scenario.citizen(gym.city)
    with pytest.raises(SlotUnavailable):
        reg = scenario.registration(who, gym.resident)
        with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
            svc.lottery_apply(
                citizen=who,
                lottery_id=item.pk,
                registration_id=reg.pk,
                choices=[svc.Choice(gym.half_a.pk, *gym.at(dt.date(2027, 2, 6), "午前"))],
            )
    item.max_applications = 1
    item.save()
    first = _apply(gym, item, gym.resident, [(gym.half_a, "午前")])
    with pytest.raises(DomainError) as err, time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        svc.lottery_apply(
            citizen=first.applicant,
            lottery_id=item.pk,
            registration_id=first.registration_id,
            choices=[svc.Choice(gym.half_b.pk, *gym.at(DAY, "午前"))],
        )
    assert "1件まで" in err.value.message


def test_lottery_apply__refused_after_the_deadline(setting) -> None:
    gym, _chief, item = setting
    who = scenario.citizen(gym.city)
    reg = scenario.registration(who, gym.resident)
    with time_machine.travel(item.apply_until + dt.timedelta(seconds=1), tick=False), pytest.raises(DomainError):
        svc.lottery_apply(
            citizen=who,
            lottery_id=item.pk,
            registration_id=reg.pk,
            choices=[svc.Choice(gym.half_a.pk, *gym.at(DAY, "午前"))],
        )
