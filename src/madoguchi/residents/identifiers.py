"""宛名番号, 世帯番号 and 住民票コード."""

from __future__ import annotations

import secrets

from django.db import transaction

from madoguchi.core.models import Municipality
from madoguchi.residents.models import NumberSequence, Person

ATENA_DIGITS = 10
HOUSEHOLD_DIGITS = 10


def resident_code_check_digit(first_ten: str) -> int:
    """Check digit of a 住民票コード: modulus 11 with weights 2..7 from the right."""
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(first_ten)))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_resident_code(code: str) -> bool:
    return (
        len(code) == 11 and code.isascii() and code.isdigit() and resident_code_check_digit(code[:10]) == int(code[10])
    )


def _next(municipality: Municipality, name: str, count: int = 1) -> int:
    """Reserve ``count`` numbers; returns the first."""
    with transaction.atomic():
        seq, _ = NumberSequence.objects.select_for_update().get_or_create(municipality=municipality, name=name)
        first = seq.last_value + 1
        seq.last_value += count
        seq.save(update_fields=["last_value"])
    return first


def next_atena_number(municipality: Municipality) -> str:
    return str(_next(municipality, "atena")).zfill(ATENA_DIGITS)


def next_household_number(municipality: Municipality) -> str:
    return str(_next(municipality, "household")).zfill(HOUSEHOLD_DIGITS)


def reserve(municipality: Municipality, name: str, count: int) -> int:
    """Reserve a block of numbers for bulk loading (demo data, migration from another system)."""
    return _next(municipality, name, count)


def make_resident_code(first_ten: str) -> str:
    return first_ten + str(resident_code_check_digit(first_ten))


def new_resident_code(municipality: Municipality, rng: secrets.SystemRandom | None = None) -> str:
    rng = rng or secrets.SystemRandom()
    while True:
        code = make_resident_code(str(rng.randrange(10**9, 10**10)))
        if not Person.objects.filter(municipality=municipality, resident_code=code).exists():
            return code
