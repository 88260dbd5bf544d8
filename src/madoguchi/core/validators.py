"""Validators for identifiers Japanese public administration uses."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def local_government_check_digit(first_five: str) -> int:
    """Check digit of a 全国地方公共団体コード (JIS X 0402 + check digit).

    Weights 6,5,4,3,2 over the five digits; the digit is 11 - (sum mod 11),
    keeping its last digit (a remainder of 0 gives 1, of 1 gives 0).
    """
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def validate_local_government_code(value: str) -> None:
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        raise ValidationError("全国地方公共団体コードは6桁の数字で入力してください。", code="format")
    if local_government_check_digit(value[:5]) != int(value[5]):
        raise ValidationError("全国地方公共団体コードの検査数字が正しくありません。", code="check_digit")
