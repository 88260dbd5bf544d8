"""Form fields for Japanese input: width-normalized text, ふりがな, 和暦 dates, postal codes.

Each normalizes what was typed and, when it cannot, says why in Japanese; the
form is redisplayed with the typed value kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from madoguchi.core import postal, text, wareki


class NormalizedCharField(forms.CharField):
    """Full-width letters/digits → half-width, half-width kana → full-width, spaces tidied."""

    def to_python(self, value: Any) -> str:
        return text.normalize_text(super().to_python(value) or "")


class ProseCharField(forms.CharField):
    """Text for residents to read (message placeholders): half-width kana fixed, punctuation kept."""

    def to_python(self, value: Any) -> str:
        return text.normalize_prose(super().to_python(value) or "")


class FuriganaField(forms.CharField):
    """ふりがな: accepts hiragana or katakana (any width), stores katakana."""

    def to_python(self, value: Any) -> str:
        raw = super().to_python(value) or ""
        try:
            return text.to_furigana(raw)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="furigana") from None


class WarekiDateField(forms.Field):
    """A date typed as 和暦 (令和6年4月1日, R6.4.1) or 西暦 (2024-04-01), in any width."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "例: 令和6年4月1日、R6.4.1、2024-04-01")
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "maxlength": "30"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return wareki.to_wareki(value)
        return value

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        raw = str(value or "").strip()
        if not raw:
            return None
        try:
            return wareki.parse_date(raw)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="date") from None


class PostalCodeField(forms.CharField):
    """郵便番号: 7 digits, hyphen and width optional; stored as 7 digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "postal-code"})

    def to_python(self, value: Any) -> str:
        raw = super().to_python(value)
        if not raw:
            return ""
        digits = text.normalize_digits(raw.replace("〒", ""))
        if len(digits) != 7 or not digits.isdigit():
            raise forms.ValidationError("郵便番号は7桁の数字で入力してください。", code="postal")
        return digits

    @staticmethod
    def lookup(code: str) -> postal.PostalAddress | None:
        return postal.lookup(code)


class NormalizedEmailField(forms.EmailField):
    """An e-mail address typed with a Japanese keyboard: full-width letters and ＠ become ASCII, lower-cased."""

    def to_python(self, value: Any) -> str:
        return text.normalize_text(super().to_python(value) or "").replace("＠", "@").lower()
