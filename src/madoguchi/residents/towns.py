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
