"""開庁日: weekends, national holidays and 12/29–1/3 are closed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.business_days import add_business_days, business_days_between, is_business_day, is_closed_day

DATES = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


def _in_year_end_closure(d: dt.date) -> bool:
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


@given(DATES, st.integers(0, 60))
def test_add_business_days__lands_on_a_business_day_n_days_on(start: dt.date, n: int) -> None:
    end = add_business_days(start, n)
    assert is_business_day(end)
    assert not _in_year_end_closure(end)
    assert end >= start
    if n >= 1:
        assert end > start
        assert business_days_between(start, end) == n


@given(DATES)
def test_add_business_days__zero_is_start_or_the_next_business_day(start: dt.date) -> None:
    end = add_business_days(start, 0)
    assert (end == start) is is_business_day(start)
    assert business_days_between(start, end) == (0 if end == start else 1)


@given(DATES)
def test_is_closed_day__weekends_and_year_end_are_always_closed(d: dt.date) -> None:
    if d.weekday() >= 5 or _in_year_end_closure(d):
        assert is_closed_day(d)
    assert is_business_day(d) is not is_closed_day(d)


@given(DATES, DATES)
def test_business_days_between__is_empty_unless_end_is_later(a: dt.date, b: dt.date) -> None:
    start, end = min(a, b), max(a, b)
    assert business_days_between(end, start) == 0
    assert business_days_between(start, start) == 0


@pytest.mark.parametrize(
    "d,closed",
    [
        (dt.date(2024, 1, 1), True),  # 元日
        (dt.date(2024, 1, 4), False),  # first business day of 2024
        (dt.date(2024, 12, 27), False),  # Friday
        (dt.date(2024, 12, 30), True),  # Monday in the year-end closure
        (dt.date(2025, 1, 3), True),
        (dt.date(2025, 1, 6), False),
        (dt.date(2024, 5, 6), True),  # 振替休日
        (dt.date(2024, 11, 23), True),  # Saturday and 勤労感謝の日
        (dt.date(2019, 5, 1), True),  # 天皇の即位の日
        (dt.date(2026, 9, 22), True),  # 国民の休日 between 敬老の日 and 秋分の日
    ],
)
def test_is_closed_day__known_days(d: dt.date, closed: bool) -> None:
    assert is_closed_day(d) is closed


def test_add_business_days__skips_the_year_end() -> None:
    assert add_business_days(dt.date(2024, 12, 27), 1) == dt.date(2025, 1, 6)
    assert add_business_days(dt.date(2024, 12, 28), 0) == dt.date(2025, 1, 6)
    assert add_business_days(dt.date(2024, 12, 27), 0) == dt.date(2024, 12, 27)


def test_business_days_between__examples() -> None:
    assert business_days_between(dt.date(2024, 12, 27), dt.date(2025, 1, 6)) == 1
    assert business_days_between(dt.date(2024, 4, 1), dt.date(2024, 4, 8)) == 5


def test_add_business_days__refuses_negative_counts_in_japanese() -> None:
    with pytest.raises(ValueError, match="0以上"):
        add_business_days(dt.date(2024, 4, 1), -1)
