"""開庁日: weekdays that are not national holidays (jpholiday) nor the 12/29–1/3 closure."""

from __future__ import annotations

import datetime as dt

import jpholiday


def is_year_end_closure(d: dt.date) -> bool:
    """12/29–1/3, when the city hall is closed (行政機関の休日)."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


def is_closed_day(d: dt.date) -> bool:
    """Saturday, Sunday, a national holiday (振替休日 and 国民の休日 included) or 12/29–1/3."""
    return d.weekday() >= 5 or is_year_end_closure(d) or jpholiday.is_holiday(d)


def is_business_day(d: dt.date) -> bool:
    return not is_closed_day(d)


def add_business_days(start: dt.date, n: int) -> dt.date:
    """The n-th business day after ``start`` (n=0: start itself, or the next business day)."""
    if n < 0:
        raise ValueError("営業日数には0以上の数を指定してください。")
    d = start
    if n == 0:
        while is_closed_day(d):
            d += dt.timedelta(days=1)
        return d
    while n:
        d += dt.timedelta(days=1)
        if is_business_day(d):
            n -= 1
    return d


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days in (start, end]; 0 when end is not after start."""
    count, d = 0, start
    while d < end:
        d += dt.timedelta(days=1)
        count += is_business_day(d)
    return count
