"""The one clock. Everything asks it for the time; tests move it with time-machine."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def now() -> dt.datetime:
    """The current time, aware, in Asia/Tokyo."""
    return dt.datetime.now(TOKYO)  # noqa: TID251 - the one allowed place


def today() -> dt.date:
    """Today's date in Japan (not the server's zone)."""
    return now().date()
