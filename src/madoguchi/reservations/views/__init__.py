"""Pages of facility booking and classes: public (`public`), signed-in residents (`resident`),
iCalendar feeds (`feeds`). Staff screens are in `staff`.

Views parse the request, call one selector or service, and render; a service's
`DomainError` is shown beside the field it names, with what the resident typed kept.
"""

from __future__ import annotations

import datetime as dt

from madoguchi.core.clock import TOKYO
from madoguchi.core.wareki import day_text, moment_text, wareki_month

__all__ = ["day_text", "local_param", "moment_text", "parse_local", "wareki_month"]


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
