"""和暦 formatting and parsing, under property-based tests."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.wareki import age_on, parse_date, to_wareki

DATES = st.dates(min_value=dt.date(1868, 10, 23), max_value=dt.date(2100, 12, 31))


@given(DATES)
def test_round_trip__long_short_and_iso(d: dt.date) -> None:
    assert parse_date(to_wareki(d)) == d
    assert parse_date(to_wareki(d, short=True)) == d
    assert parse_date(d.isoformat()) == d
    assert parse_date(d.strftime("%Y%m%d")) == d


@given(DATES)
def test_round_trip__full_width_input(d: dt.date) -> None:
    full = to_wareki(d, short=True).translate(str.maketrans("0123456789.RHSTM", "０１２３４５６７８９．ＲＨＳＴＭ"))
    assert parse_date(full) == d


@pytest.mark.parametrize(
    "d,text",
    [
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
        (dt.date(2024, 4, 1), "令和6年4月1日"),
    ],
)
def test_to_wareki__era_boundaries(d: dt.date, text: str) -> None:
    assert to_wareki(d) == text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("R6.4.1", dt.date(2024, 4, 1)),
        ("r6-4-1", dt.date(2024, 4, 1)),
        ("令6.4.1", dt.date(2024, 4, 1)),
        ("平31.4.30", dt.date(2019, 4, 30)),
        ("S64.1.7", dt.date(1989, 1, 7)),
        ("令和 6年 4月 1日", dt.date(2024, 4, 1)),
        ("2024年4月1日", dt.date(2024, 4, 1)),
        ("２０２４／４／１", dt.date(2024, 4, 1)),
    ],
)
def test_parse_date__accepts_common_forms(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["平成31年5月1日", "令和1年4月30日", "昭和64年1月8日", "令和元年4月1日"])
def test_parse_date__rejects_day_outside_era(text: str) -> None:
    with pytest.raises(ValueError, match="存在しません"):
        parse_date(text)


@pytest.mark.parametrize("text", ["", "あした", "2024-02-30", "R6.13.1", "令和0年1月1日", "X6.4.1"])
def test_parse_date__rejects_nonsense_in_japanese(text: str) -> None:
    with pytest.raises(ValueError, match="日付の形式が正しくありません"):
        parse_date(text)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2090, 1, 1)), st.integers(0, 110))
def test_age_on__increases_on_the_birthday(birth: dt.date, years: int) -> None:
    try:
        birthday = birth.replace(year=birth.year + years)
    except ValueError:  # 2/29 in a common year: a year older from 3/1
        birthday = dt.date(birth.year + years, 3, 1)
    assert age_on(birth, birthday) == years
    if years > 0:
        assert age_on(birth, birthday - dt.timedelta(days=1)) == years - 1
