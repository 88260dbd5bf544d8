"""開庁日: weekends, national holidays and 12/29–1/3 are closed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.business_days import add_business_days, business_days_between, is_business_day, is_closed_day

DATES = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@given(DATES, st.integers(0, 60))
def test_add_business_days__lands_on_a_business_day_n_days_on(start: dt.date, n: int) -> None:
    end = add_business_days(start, n)
    assert is_business_day(end)
    assert not (end.month == 12 and end.day >= 29) and not (end.month == 1 and end.day <= 3)
    if n >= 1:
        assert business_days_between(start, end) == n


@pytest.mark.parametrize(
    "d,closed",
    [
        (dt.date(2024, 1, 1), True),  # 元日
        (dt.date(2024, 12, 27), False),  # Friday
        (dt.date(2024, 12, 30), True),  # Monday in the year-end closure
        (dt.date(2025, 1, 3), True),
        (dt.date(2025, 1, 6), False),
        (dt.date(2024, 5, 6), True),  # 振替休日
        (dt.date(2024, 11, 23), True),  # Saturday and 勤労感謝の日
    ],
)
def test_is_closed_day__known_days(d: dt.date, closed: bool) -> None:
    assert is_closed_day(d) is closed


def test_add_business_days__skips_the_year_end() -> None:
    assert add_business_days(dt.date(2024, 12, 27), 1) == dt.date(2025, 1, 6)
    assert add_business_days(dt.date(2024, 12, 28), 0) == dt.date(2025, 1, 6)
