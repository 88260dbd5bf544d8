"""全国地方公共団体コード: the check digit catches every single-digit slip."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.validators import local_government_check_digit, validate_local_government_code


@pytest.mark.parametrize("code", ["082155", "082147", "131016", "011002", "082015", "472018"])
def test_known_codes__validate(code: str) -> None:
    validate_local_government_code(code)


@pytest.mark.parametrize("code", ["082156", "08215", "0821550", "０８２１５５", "abcdef", ""])
def test_bad_codes__are_refused_in_japanese(code: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_local_government_code(code)
    assert "全国地方公共団体コード" in error.value.messages[0]


@given(st.text("0123456789", min_size=5, max_size=5), st.integers(0, 4), st.integers(1, 9))
def test_check_digit__detects_any_single_digit_change(first_five: str, position: int, delta: int) -> None:
    code = first_five + str(local_government_check_digit(first_five))
    changed = list(first_five)
    changed[position] = str((int(changed[position]) + delta) % 10)
    changed_code = "".join(changed) + code[5]
    # Weights 6..2 are coprime with 11, so a changed digit always changes the sum mod 11.
    # The rule keeps the last digit of 11 - remainder, so remainders 0 and 10 share check digit 1.
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    changed_total = sum(int(d) * w for d, w in zip(changed, (6, 5, 4, 3, 2), strict=True))
    if {total % 11, changed_total % 11} != {0, 10}:
        with pytest.raises(ValidationError):
            validate_local_government_code(changed_code)
    validate_local_government_code(code)


@pytest.mark.django_db
def test_addmunicipality__refuses_a_bad_code_and_creates_departments() -> None:
    from django.core.management import CommandError, call_command

    from madoguchi.core.models import Department, Municipality

    with pytest.raises(CommandError, match="検査数字"):
        call_command("addmunicipality", "082156", "北茨城市", "茨城県")
    call_command("addmunicipality", "082155", "北茨城市", "茨城県")
    municipality = Municipality.objects.get(code="082155")
    assert set(Department.objects.filter(municipality=municipality).values_list("name", flat=True)) >= {
        "市民課",
        "企画政策課",
    }
