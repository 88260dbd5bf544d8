"""Forms for the staff screen of the city's LINE account."""

from __future__ import annotations

from django import forms

from madoguchi.core.fields import NormalizedCharField, ProseCharField
from madoguchi.core.forms import JapaneseForm


class KeywordReplyForm(JapaneseForm):
    keywords = NormalizedCharField(
        label="キーワード",
        max_length=200,
        help_text="読点（、）か空白で区切ります。住民のメッセージにどれかが含まれると、この返信を送ります。例: ごみ、粗大ごみ、分別",
    )
    reply = ProseCharField(
        label="返信する文",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="LINEで1通として送られます（2,000文字まで）。",
    )
    priority = forms.IntegerField(
        label="優先順位",
        min_value=1,
        max_value=999,
        initial=100,
        help_text="複数のキーワードに当てはまるとき、数の小さいものを使います。",
    )
    active = forms.BooleanField(label="この応答を使う", required=False, initial=True)


class DisasterModeForm(JapaneseForm):
    on = forms.TypedChoiceField(
        choices=[("1", "災害モードにする"), ("0", "通常に戻す")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    confirm = forms.BooleanField(
        label="すべての友だちのメニューが切り替わることを確認しました",
        error_messages={"required": "確認のチェックを入れてください。"},
    )
