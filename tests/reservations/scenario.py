"""Scenario constructors for bookings: a gym with 全面 and two 半面, rates, categories, residents."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from madoguchi.citizens.models import Citizen
from madoguchi.core import clock
from madoguchi.core.clock import TOKYO
from madoguchi.core.models import Department, Municipality
from madoguchi.reservations.calendar import regular_closed
from madoguchi.reservations.models import (
    CancellationTier,
    Facility,
    FacilityKind,
    FrameMode,
    Rate,
    ReductionReason,
    Registration,
    RegistrationStatus,
    TimeFrame,
    Unit,
    UserCategory,
)

_numbers = itertools.count(1)
FRAMES = [("午前", dt.time(9), dt.time(12)), ("午後", dt.time(13), dt.time(17)), ("夜間", dt.time(18), dt.time(21))]


@dataclass
class Gym:
    city: Municipality
    facility: Facility
    full: Unit
    half_a: Unit
    half_b: Unit
    room: Unit  # an hourly meeting room in the same building
    resident: UserCategory
    outsider: UserCategory
    group: UserCategory
    frames: dict[str, TimeFrame] = field(default_factory=dict)

    def at(self, day: dt.date, frame: str) -> tuple[dt.datetime, dt.datetime]:
        f = self.frames[frame]
        return dt.datetime.combine(day, f.start, tzinfo=TOKYO), dt.datetime.combine(day, f.end, tzinfo=TOKYO)


def _frames(unit: Unit, rates: dict[str, int]) -> dict[str, TimeFrame]:
    out = {}
    for name, start, end in FRAMES:
        frame = TimeFrame.objects.create(unit=unit, name=name, start=start, end=end)
        Rate.objects.create(unit=unit, frame=frame, amount=rates[name])
        out[name] = frame
    return out


def gym(city: Municipality, **facility_fields: object) -> Gym:
    facility = Facility.objects.create(
        municipality=city,
        department=Department.objects.get(municipality=city, code="shogai_gakushu"),
        code=f"gym{next(_numbers)}",
        name="市民体育館",
        kind=FacilityKind.GYM,
        address="茨城県北茨城市磯原町磯原1630",
        closed_weekdays=[0],  # 月曜休館
        **facility_fields,
    )
    full = Unit.objects.create(facility=facility, code="full", name="アリーナ全面", position=1)
    half_a = Unit.objects.create(facility=facility, parent=full, code="half-a", name="アリーナ半面A", position=2)
    half_b = Unit.objects.create(facility=facility, parent=full, code="half-b", name="アリーナ半面B", position=3)
    frames = _frames(full, {"午前": 2000, "午後": 2600, "夜間": 3000})
    for half in (half_a, half_b):
        _frames(half, {"午前": 1000, "午後": 1300, "夜間": 1500})
    room = Unit.objects.create(
        facility=facility,
        code="room",
        name="会議室",
        frame_mode=FrameMode.HOURLY,
        open_time=dt.time(9),
        close_time=dt.time(21),
        start_interval_minutes=60,
        min_minutes=60,
        max_minutes=180,
        position=4,
    )
    Rate.objects.create(unit=room, frame=None, amount=330)
    for days, pct in ((7, 0), (1, 50), (0, 100)):
        CancellationTier.objects.create(facility=facility, min_days_before=days, fee_pct=pct)
    resident = UserCategory.objects.get_or_create(
        municipality=city, code="resident", defaults={"name": "市内個人", "advance_months": 2}
    )[0]
    outsider = UserCategory.objects.get_or_create(
        municipality=city,
        code="outsider",
        defaults={"name": "市外個人", "is_resident": False, "advance_months": 1, "fee_multiplier": Decimal("2.00")},
    )[0]
    group = UserCategory.objects.get_or_create(
        municipality=city,
        code="local-group",
        defaults={
            "name": "市内登録団体",
            "is_group": True,
            "requires_verification": True,
            "advance_months": 3,
            "lottery_weight": 2,
            "max_active_bookings": 8,
        },
    )[0]
    return Gym(city, facility, full, half_a, half_b, room, resident, outsider, group, frames)


def citizen(city: Municipality) -> Citizen:
    return Citizen.objects.create(municipality=city, created_at=clock.now(), display_name=f"利用者{next(_numbers)}")


def registration(who: Citizen, category: UserCategory, **fields: object) -> Registration:
    values: dict[str, object] = {
        "municipality": who.municipality,
        "number": f"U{next(_numbers):09d}",
        "owner": who,
        "category": category,
        "name": "北茨城 花子",
        "name_kana": "キタイバラキ ハナコ",
        "phone": "0293431111",
        "status": RegistrationStatus.ACTIVE,
        "created_at": clock.now(),
        "feed_token": secrets.token_urlsafe(32),
    }
    values.update(fields)
    return Registration.objects.create(**values)


def reduction(city: Municipality, percent: int = 50, *, evidence: bool = False) -> ReductionReason:
    return ReductionReason.objects.create(
        municipality=city,
        code=f"r{next(_numbers)}",
        name="障害者団体の利用" if percent < 100 else "市の共催事業",
        percent=percent,
        requires_evidence=evidence,
    )


def next_weekday(start: dt.date, weekday: int) -> dt.date:
    """The first ``weekday`` (0 = Monday) on or after ``start``."""
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def open_day(facility: Facility, start: dt.date, *, weekday: int | None = None) -> dt.date:
    """The first day on or after ``start`` the facility opens (not 定休日, 祝日 where closed, 年末年始),
    on ``weekday`` if given: tests that run on the real date stay right near the year's end."""
    day = start
    while regular_closed(facility, day) or (weekday is not None and day.weekday() != weekday):
        day += dt.timedelta(days=1)
    return day
