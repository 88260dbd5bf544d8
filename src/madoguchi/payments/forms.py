"""Staff forms for payments. Japanese errors beside each field; what was typed is kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from madoguchi.core import clock
from madoguchi.core.fields import NormalizedCharField, ProseCharField
from madoguchi.core.forms import JapaneseForm
from madoguchi.payments.models import IntentStatus
from madoguchi.payments.selectors import GroupBy


class YenField(NormalizedCharField):
    """An amount in yen: full-width digits and thousands separators are accepted."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        digits = text.replace(",", "").replace("円", "").strip()
        if not digits.isdigit():
            raise forms.ValidationError(f"{self.label}は数字（円）で入力してください。")
        return int(digits)


class SearchForm(JapaneseForm):
    q = NormalizedCharField(label="検索（番号・施設・手続き・内容）", required=False, max_length=60)
    status = forms.ChoiceField(label="状態", required=False, choices=[("", "すべて"), *IntentStatus.choices])


class CashForm(JapaneseForm):
    received = YenField(label="受け取った金額（円）")


class RefundForm(JapaneseForm):
    amount = YenField(label="返金額（円）", required=False, help_text="空欄の場合は返金できる全額を返金します。")
    reason = ProseCharField(label="返金の理由", max_length=200)


class ReconciliationForm(JapaneseForm):
    date_from = forms.DateField(
        label="開始日",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "開始日を「年-月-日」の形で指定してください。"},
    )
    date_to = forms.DateField(
        label="終了日",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "終了日を「年-月-日」の形で指定してください。"},
    )
    group_by = forms.ChoiceField(
        label="集計の単位",
        choices=[(g.value, g.label) for g in GroupBy],
        initial=GroupBy.DATE.value,
        widget=forms.RadioSelect,
    )

    MAX_DAYS = 366

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        today = clock.today()
        if not data or "date_from" not in data:
            data = {"date_from": today.isoformat(), "date_to": today.isoformat(), "group_by": GroupBy.DATE.value}
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                self.add_error("date_to", "終了日は開始日以降の日付にしてください。")
            elif (end - start).days >= self.MAX_DAYS:
                self.add_error("date_to", "期間は1年以内で指定してください。")
        return data
