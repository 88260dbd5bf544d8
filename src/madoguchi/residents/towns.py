"""The 町名 of a municipality, from the postal code data (works for any municipality)."""

from __future__ import annotations

from functools import lru_cache

from madoguchi.core import postal
from madoguchi.core.models import Municipality


@lru_cache(maxsize=64)
def _towns(jisx0402: str) -> tuple[postal.PostalAddress, ...]:
    return tuple(postal.towns_of_city(jisx0402))


def town_addresses(municipality: Municipality) -> tuple[postal.PostalAddress, ...]:
    return _towns(municipality.code[:5])


def towns_for(municipality: Municipality) -> list[str]:
    return [a.town for a in town_addresses(municipality)]


def is_local_postal_code(municipality: Municipality, code: str) -> bool:
    """True when the postal code belongs to the municipality (転居 and 転入 addresses must)."""
    towns = town_addresses(municipality)
    found = postal.lookup(code) if len(code) == 7 and code.isdigit() else None
    return bool(towns) and found is not None and (found.prefecture, found.city) == (towns[0].prefecture, towns[0].city)
