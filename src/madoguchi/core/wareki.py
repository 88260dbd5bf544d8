"""和暦: format dates as 令和6年4月1日 (元年 for the first year) and read 和暦 or 西暦 input."""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from madoguchi.core.clock import TOKYO
from madoguchi.core.text import normalize_text


class Era(NamedTuple):
    name: str
    letter: str
    start: dt.date


ERAS: tuple[Era, ...] = (
    Era("令和", "R", dt.date(2019, 5, 1)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
    Era("大正", "T", dt.date(1912, 7, 30)),
    Era("明治", "M", dt.date(1868, 10, 23)),
)
_BY_KEY = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS} | {e.name[0]: e for e in ERAS}
FORMAT_ERROR = "日付の形式が正しくありません。例: 令和6年4月1日、R6.4.1、2024-04-01"

# Between year, month and day: 年 and 月, or . / - (also the dashes an IME types, like ー).
_DASH = r"[./\-‐−–—ー]"
_Y = rf"\s*(?:年|{_DASH})\s*"
_M = rf"\s*(?:月|{_DASH})\s*"
_WAREKI = re.compile(
    rf"^(?P<era>令和|平成|昭和|大正|明治|[令平昭大明]|[RHSTMrhstm])\s*(?P<year>元|[0-9]{{1,2}}){_Y}"
    rf"(?P<month>[0-9]{{1,2}}){_M}(?P<day>[0-9]{{1,2}})\s*日?$"
)
_SEIREKI = re.compile(rf"^(?P<year>[0-9]{{4}}){_Y}(?P<month>[0-9]{{1,2}}){_M}(?P<day>[0-9]{{1,2}})\s*日?$")
_COMPACT = re.compile(r"^(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})$")


def era_of(d: dt.date) -> Era:
    for era in ERAS:
        if d >= era.start:
            return era
    raise ValueError("明治より前の日付は和暦で表せません。")


def wareki_year(d: dt.date) -> tuple[str, int]:
    era = era_of(d)
    return era.name, d.year - era.start.year + 1


def to_wareki(d: dt.date, *, short: bool = False) -> str:
    """令和6年4月1日 (令和元年5月1日), or R6.4.1 with ``short``."""
    era = era_of(d)
    year = d.year - era.start.year + 1
    if short:
        return f"{era.letter}{year}.{d.month}.{d.day}"
    return f"{era.name}{'元' if year == 1 else year}年{d.month}月{d.day}日"


def _make(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(FORMAT_ERROR) from None


def parse_date(value: str) -> dt.date:
    """Read a date typed as 和暦 (令和6年4月1日, R6.4.1, 平31.4.30) or 西暦 (2024-04-01, 20240401)."""
    text = normalize_text(value or "")
    if match := _WAREKI.match(text):
        era = _BY_KEY[match["era"].upper() if match["era"].isascii() else match["era"]]
        year_in_era = 1 if match["year"] == "元" else int(match["year"])
        month, day = int(match["month"]), int(match["day"])
        if year_in_era < 1:
            raise ValueError(FORMAT_ERROR)
        date = _make(era.start.year + year_in_era - 1, month, day)
        later = ERAS[ERAS.index(era) - 1] if era is not ERAS[0] else None
        if date < era.start or (later is not None and date >= later.start):
            label = f"{era.name}{'元' if year_in_era == 1 else year_in_era}年{month}月{day}日"
            raise ValueError(f"{label}は存在しません（元号の期間外です）。")
        return date
    if match := (_SEIREKI.match(text) or _COMPACT.match(text)):
        return _make(int(match["year"]), int(match["month"]), int(match["day"]))
    raise ValueError(FORMAT_ERROR)


def age_on(birth: dt.date, on: dt.date) -> int:
    """Age in whole years on ``on`` (a 2/29 birthday counts from 3/1 in common years)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


WEEKDAYS = "月火水木金土日"


def weekday_name(d: dt.date) -> str:
    """月 … 日"""
    return WEEKDAYS[d.weekday()]


def wareki_month(d: dt.date) -> str:
    """令和8年12月 (令和元年5月)."""
    era, year = wareki_year(d)
    return f"{era}{'元' if year == 1 else year}年{d.month}月"


def day_text(d: dt.date) -> str:
    """令和8年12月15日（火）: a day as residents read it."""
    return f"{to_wareki(d)}（{weekday_name(d)}）"


def moment_text(moment: dt.datetime | None) -> str:
    """令和8年12月15日（火）9:00, in Japan time ("" for none)."""
    if moment is None:
        return ""
    local = moment.astimezone(TOKYO)
    return f"{day_text(local.date())}{local:%-H:%M}"


def span_text(start: dt.datetime, end: dt.datetime) -> str:
    """令和8年12月15日（火）9:00〜12:00, in Japan time."""
    start, end = start.astimezone(TOKYO), end.astimezone(TOKYO)
    return f"{day_text(start.date())}{start:%-H:%M}〜{end:%-H:%M}"
