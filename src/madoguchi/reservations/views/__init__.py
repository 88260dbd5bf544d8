"""Pages of facility booking and classes: public (`public`), signed-in residents (`resident`),
iCalendar feeds (`feeds`). Staff screens are in `staff`.

Views parse the request, call one selector or service, and render; a service's
`DomainError` is shown beside the field it names, with what the resident typed kept.
"""

from __future__ import annotations

import datetime as dt

from madoguchi.core.clock import TOKYO
from madoguchi.core.wareki import to_wareki, wareki_year

WEEKDAYS = "月火水木金土日"


def wareki_month(day: dt.date) -> str:
    """令和8年12月 (令和元年5月)."""
    era, year = wareki_year(day)
    return f"{era}{'元' if year == 1 else year}年{day.month}月"


def day_text(day: dt.date) -> str:
    """令和8年12月15日（火）"""
    return f"{to_wareki(day)}（{WEEKDAYS[day.weekday()]}）"


def moment_text(moment: dt.datetime | None) -> str:
    """令和8年12月15日（火）9:00"""
    if moment is None:
        return ""
    local = moment.astimezone(TOKYO)
    return f"{day_text(local.date())}{local:%-H:%M}"


def parse_local(value: str | None) -> dt.datetime | None:
    """``2026-12-15T09:00`` (Japan time) → aware datetime, or None when it is not one."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TOKYO)
    return moment.astimezone(TOKYO)


def local_param(moment: dt.datetime) -> str:
    return f"{moment.astimezone(TOKYO):%Y-%m-%dT%H:%M}"
