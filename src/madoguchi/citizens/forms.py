"""Residents' forms: e-mail sign-in, the counter code, 受信設定. Errors in Japanese beside the field."""

from __future__ import annotations

from typing import Any

from django import forms

from madoguchi.citizens.models import AGE_BANDS, TOPICS, InterestKind, PreferredChannel
from madoguchi.core.fields import NormalizedCharField, NormalizedEmailField
from madoguchi.core.forms import JapaneseForm


class EmailSignInForm(JapaneseForm):
    email = NormalizedEmailField(
        label="メールアドレス",
        max_length=254,
        error_messages={"invalid": "メールアドレスの形式が正しくありません（例: taro@example.jp）。"},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )


class LinkCodeForm(JapaneseForm):
    code = NormalizedCharField(
        label="連携コード",
        max_length=20,
        help_text="窓口でお渡しした用紙に印刷された10文字のコード（例: ABCD-EFGH-JK）。ハイフンは省略できます。",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )


class UnlinkForm(JapaneseForm):
    confirm = forms.BooleanField(label="住民記録との連携を解除することを確認しました")


class StaffUnlinkForm(JapaneseForm):
    reason = NormalizedCharField(
        label="解除の理由", max_length=200, help_text="例: 本人から携帯電話を紛失したとの申し出"
    )


class PreferencesForm(JapaneseForm):
    area = forms.ChoiceField(label="お住まいの地域（町名）", required=False)
    age_band = forms.ChoiceField(label="年代", required=False, choices=[("", "選ばない"), *[(a, a) for a in AGE_BANDS]])
    topics = forms.MultipleChoiceField(
        label="受け取りたい情報",
        required=False,
        choices=[(t, t) for t in TOPICS],
        widget=forms.CheckboxSelectMultiple,
    )
    schools = forms.MultipleChoiceField(
        label="お子さんの学校",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="休校や行事のお知らせが届きます。",
    )
    preferred_channel = forms.ChoiceField(
        label="受け取り方法",
        choices=PreferredChannel.choices,
        widget=forms.RadioSelect,
        help_text="メールを選ぶには、先にメールアドレスでログインして確認してください。",
    )

    def __init__(self, *args: Any, towns: list[str], schools: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "選ばない"), *[(t, t) for t in towns]]  # type: ignore[attr-defined]
        self.fields["schools"].choices = [(s, s) for s in schools]  # type: ignore[attr-defined]
        if not schools:
            del self.fields["schools"]

    @staticmethod
    def initial_from(current: dict[str, list[str]], preferred_channel: str) -> dict[str, Any]:
        """The form's values from the stored 受信設定 ({kind: [values]})."""
        return {
            "area": (current[InterestKind.AREA] or [""])[0],
            "age_band": (current[InterestKind.AGE_BAND] or [""])[0],
            "topics": current[InterestKind.TOPIC],
            "schools": current[InterestKind.SCHOOL],
            "preferred_channel": preferred_channel,
        }

    def choices(self) -> dict[str, list[str]]:
        """What was chosen, as the service stores it ({kind: [values]})."""
        data = self.cleaned_data
        return {
            InterestKind.AREA: [data["area"]] if data["area"] else [],
            InterestKind.AGE_BAND: [data["age_band"]] if data["age_band"] else [],
            InterestKind.TOPIC: data["topics"],
            InterestKind.SCHOOL: data.get("schools", []),
        }
