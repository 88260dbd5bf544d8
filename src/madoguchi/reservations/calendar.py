"""When a unit can be used: the facility's opening calendar and the unit's candidate slots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import jpholiday

from madoguchi.core.business_days import is_year_end_closure
from madoguchi.core.clock import TOKYO
from madoguchi.reservations.models import Closure, Facility, FrameMode, TimeFrame, Unit


@dataclass(frozen=True)
class Slot:
    unit_id: int
    start: dt.datetime
    end: dt.datetime
    label: str  # 午前 / 9:00〜10:00

    @property
    def key(self) -> str:
        """A stable name for the slot (the lottery's and the forms' currency)."""
        return f"{self.unit_id}@{self.start.astimezone(TOKYO):%Y%m%dT%H%M}-{self.end.astimezone(TOKYO):%H%M}"


def aware(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=TOKYO)


def regular_closed(facility: Facility, day: dt.date) -> str | None:
    """Why the facility is closed on ``day`` by its regular calendar, or None."""
    if day.weekday() in (facility.closed_weekdays or []):
        return "休館日"
    if facility.closed_year_end and is_year_end_closure(day):
        return "年末年始の休館"
    if facility.closed_on_holidays and jpholiday.is_holiday(day):
        return "祝日の休館"
    return None


def closures_between(facility: Facility, first: dt.date, last: dt.date) -> list[Closure]:
    return list(facility.closures.filter(start_date__lte=last, end_date__gte=first))


def closed_reason(facility: Facility, unit: Unit | None, day: dt.date, closures: Iterable[Closure]) -> str | None:
    """Why ``unit`` (or the whole facility) cannot be used on ``day``, or None when it is open."""
    reason = regular_closed(facility, day)
    if reason:
        return reason
    for closure in closures:
        if closure.start_date <= day <= closure.end_date and (
            closure.unit_id is None or unit is None or closure.unit_id in _self_and_ancestors(unit)
        ):
            return closure.reason
    return None


def _self_and_ancestors(unit: Unit) -> set[int]:
    ids: set[int] = set()
    current: Unit | None = unit
    while current is not None:
        ids.add(current.pk)
        current = current.parent
    return ids


def candidate_slots(unit: Unit, day: dt.date, frames: list[TimeFrame] | None = None) -> list[Slot]:
    """Every slot a resident could pick on ``day`` (frames, or hourly starts of the shortest length)."""
    if unit.frame_mode == FrameMode.FRAMES:
        frames = frames if frames is not None else list(unit.frames.all())
        return [Slot(unit.pk, aware(day, f.start), aware(day, f.end), f.name) for f in frames]
    if unit.open_time is None or unit.close_time is None:
        return []
    slots = []
    start = aware(day, unit.open_time)
    close = aware(day, unit.close_time)
    step = dt.timedelta(minutes=unit.start_interval_minutes)
    length = dt.timedelta(minutes=unit.min_minutes)
    while start + length <= close:
        slots.append(Slot(unit.pk, start, start + length, f"{start:%H:%M}〜{start + length:%H:%M}"))
        start += step
    return slots


def slot_fits(unit: Unit, start: dt.datetime, end: dt.datetime) -> TimeFrame | bool | None:
    """Whether [start, end) is a slot the unit offers: its frame (frames mode), True (hourly), or False."""
    start, end = start.astimezone(TOKYO), end.astimezone(TOKYO)
    if end <= start or start.date() != (end - dt.timedelta(microseconds=1)).date():
        return False
    if unit.frame_mode == FrameMode.FRAMES:
        for frame in unit.frames.all():
            if frame.start == start.timetz().replace(tzinfo=None) and frame.end == end.timetz().replace(tzinfo=None):
                return frame
        return False
    if unit.open_time is None or unit.close_time is None:
        return False
    opens, closes = aware(start.date(), unit.open_time), aware(start.date(), unit.close_time)
    minutes = int((end - start).total_seconds() // 60)
    offset = int((start - opens).total_seconds() // 60)
    return (
        opens <= start
        and end <= closes
        and offset % unit.start_interval_minutes == 0
        and unit.min_minutes <= minutes <= unit.max_minutes
        and minutes % unit.facility.grid_minutes == 0
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (clamped to the month's end)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError("unreachable")
