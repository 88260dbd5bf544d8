"""和暦 formatting and parsing, under property-based tests."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.wareki import age_on, parse_date, to_wareki, wareki_year

DATES = st.dates(min_value=dt.date(1868, 10, 23), max_value=dt.date(2100, 12, 31))


@given(DATES)
def test_round_trip__long_short_and_iso(d: dt.date) -> None:
    assert parse_date(to_wareki(d)) == d
    assert parse_date(to_wareki(d, short=True)) == d
    assert parse_date(d.isoformat()) == d
    assert parse_date(d.strftime("%Y%m%d")) == d
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == d


@given(DATES)
def test_round_trip__full_width_input(d: dt.date) -> None:
    full = to_wareki(d, short=True).translate(str.maketrans("0123456789.RHSTM", "０１２３４５６７８９．ＲＨＳＴＭ"))
    assert parse_date(full) == d


@given(DATES)
def test_wareki_year__matches_the_long_form(d: dt.date) -> None:
    era, year = wareki_year(d)
    assert year >= 1
    expected_year = "元" if year == 1 else str(year)
    assert to_wareki(d).startswith(f"{era}{expected_year}年")
    assert to_wareki(d, short=True).split(".")[0][1:] == str(year)


@pytest.mark.parametrize(
    "d,text,short",
    [
        (dt.date(2019, 5, 1), "令和元年5月1日", "R1.5.1"),
        (dt.date(2019, 4, 30), "平成31年4月30日", "H31.4.30"),
        (dt.date(1989, 1, 7), "昭和64年1月7日", "S64.1.7"),
        (dt.date(1989, 1, 8), "平成元年1月8日", "H1.1.8"),
        (dt.date(1926, 12, 25), "昭和元年12月25日", "S1.12.25"),
        (dt.date(1926, 12, 24), "大正15年12月24日", "T15.12.24"),
        (dt.date(1912, 7, 30), "大正元年7月30日", "T1.7.30"),
        (dt.date(1912, 7, 29), "明治45年7月29日", "M45.7.29"),
        (dt.date(1868, 10, 23), "明治元年10月23日", "M1.10.23"),
        (dt.date(2024, 4, 1), "令和6年4月1日", "R6.4.1"),
    ],
)
def test_to_wareki__era_boundaries(d: dt.date, text: str, short: str) -> None:
    assert to_wareki(d) == text
    assert to_wareki(d, short=True) == short


def test_wareki_year__examples() -> None:
    assert wareki_year(dt.date(2019, 5, 1)) == ("令和", 1)
    assert wareki_year(dt.date(2024, 4, 1)) == ("令和", 6)
    assert wareki_year(dt.date(1989, 1, 7)) == ("昭和", 64)


def test_to_wareki__rejects_dates_before_meiji() -> None:
    with pytest.raises(ValueError, match="明治より前"):
        to_wareki(dt.date(1868, 10, 22))


@pytest.mark.parametrize(
    "text,expected",
    [
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("令和6年4月1日", dt.date(2024, 4, 1)),
        ("R6.4.1", dt.date(2024, 4, 1)),
        ("R6/4/1", dt.date(2024, 4, 1)),
        ("r6-4-1", dt.date(2024, 4, 1)),
        ("Ｒ６．４．１", dt.date(2024, 4, 1)),
        ("令6.4.1", dt.date(2024, 4, 1)),
        ("平31.4.30", dt.date(2019, 4, 30)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("S64.1.7", dt.date(1989, 1, 7)),
        ("昭64.1.7", dt.date(1989, 1, 7)),
        ("令和 6年 4月 1日", dt.date(2024, 4, 1)),
        ("令和　６年　４月　１日", dt.date(2024, 4, 1)),
        ("2024-04-01", dt.date(2024, 4, 1)),
        ("2024/4/1", dt.date(2024, 4, 1)),
        ("2024.4.1", dt.date(2024, 4, 1)),
        ("20240401", dt.date(2024, 4, 1)),
        ("2024年4月1日", dt.date(2024, 4, 1)),
        ("２０２４／４／１", dt.date(2024, 4, 1)),
        ("2024ー4ー1", dt.date(2024, 4, 1)),  # an IME in kana mode types ー for -
        (" 2024-04-01 ", dt.date(2024, 4, 1)),
    ],
)
def test_parse_date__accepts_common_forms(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["平成31年5月1日", "令和1年4月30日", "昭和64年1月8日", "令和元年4月1日", "大正15年12月25日"]
)
def test_parse_date__rejects_day_outside_era(text: str) -> None:
    with pytest.raises(ValueError, match=r"存在しません（元号の期間外です）。$"):
        parse_date(text)


def test_parse_date__names_the_impossible_era_date() -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_date("平成31年5月1日")
    assert str(excinfo.value) == "平成31年5月1日は存在しません（元号の期間外です）。"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "あした",
        "2024-02-30",
        "R6.13.1",
        "令和0年1月1日",
        "X6.4.1",
        "2024月4年1日",
        "٢٠٢٤-٠٤-٠١",
        "2024-4",
        "R6.4.1.2",
    ],
)
def test_parse_date__rejects_nonsense_in_japanese(text: str) -> None:
    with pytest.raises(
        ValueError, match=f"^{re.escape('日付の形式が正しくありません。例: 令和6年4月1日、R6.4.1、2024-04-01')}$"
    ):
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


def test_age_on__leap_day_birth() -> None:
    birth = dt.date(2004, 2, 29)
    assert age_on(birth, dt.date(2023, 2, 28)) == 18
    assert age_on(birth, dt.date(2023, 3, 1)) == 19
    assert age_on(birth, dt.date(2024, 2, 28)) == 19
    assert age_on(birth, dt.date(2024, 2, 29)) == 20
