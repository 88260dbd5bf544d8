"""Staff forms for deliveries. Japanese errors beside each field; what was typed is kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from madoguchi.citizens.models import AGE_BANDS, TOPICS
from madoguchi.core import clock
from madoguchi.core.fields import NormalizedCharField, ProseCharField
from madoguchi.core.forms import JapaneseForm
from madoguchi.messaging.models import MessageTemplate, Segment
from madoguchi.messaging.services import template_placeholders

EVERYONE = ""


class ComposeForm(JapaneseForm):
    template = forms.ChoiceField(label="テンプレート")
    segment = forms.ChoiceField(label="配信先", required=False)
    when = forms.ChoiceField(
        label="送信のタイミング",
        choices=[("now", "今すぐ送信"), ("later", "日時を指定して送信")],
        initial="now",
        widget=forms.RadioSelect,
    )
    scheduled_at = forms.DateTimeField(
        label="送信予定日時",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
        error_messages={"invalid": "送信予定日時を「年-月-日 時:分」の形で指定してください。"},
    )

    def __init__(self, *args: Any, templates: list[MessageTemplate], segments: list[Segment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates = {str(t.pk): t for t in templates}
        self.segments = {str(s.pk): s for s in segments}
        self.fields["template"].choices = [("", "選んでください"), *[(k, str(t)) for k, t in self.templates.items()]]  # type: ignore[attr-defined]
        self.fields["segment"].choices = [  # type: ignore[attr-defined]
            (EVERYONE, "友だち・登録者全員"),
            *[(k, s.name) for k, s in self.segments.items()],
        ]
        self.fields["template"].error_messages["required"] = "テンプレートを選んでください。"
        chosen = self.templates.get(str(self.data.get("template") or self.initial.get("template") or ""))
        self.placeholder_names = template_placeholders(chosen.body) if chosen else []
        for name in self.placeholder_names:
            self.fields[f"ctx_{name}"] = ProseCharField(
                label=f"差し込み: {name}", max_length=200, error_messages={"required": f"{name}を入力してください。"}
            )

    def chosen_template(self) -> MessageTemplate:
        return self.templates[self.cleaned_data["template"]]

    def chosen_filters(self) -> dict[str, list[str]]:
        segment = self.segments.get(self.cleaned_data.get("segment") or "")
        return dict(segment.filters) if segment else {}

    def context(self) -> dict[str, str]:
        return {name: self.cleaned_data[f"ctx_{name}"] for name in self.placeholder_names}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("when") == "later":
            at = data.get("scheduled_at")
            if at is None and "scheduled_at" not in self.errors:
                self.add_error("scheduled_at", "送信予定日時を指定してください。")
            elif at is not None and at <= clock.now() + dt.timedelta(minutes=1):
                self.add_error("scheduled_at", "送信予定日時には、これから先の日時を指定してください。")
        else:
            data["scheduled_at"] = None
        return data


class TemplateForm(JapaneseForm):
    key = forms.SlugField(
        label="識別名（半角英数字）",
        max_length=60,
        help_text="同じ識別名で保存すると新しい版になります（送信済みの配信は元の版のまま）。例: bousai-kunren",
        error_messages={"invalid": "識別名は半角の英数字・ハイフン・下線で入力してください。"},
    )
    title = NormalizedCharField(label="件名", max_length=100)
    body = forms.CharField(
        label="本文",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="差し込み項目は {地区} のように波かっこで囲みます。LINEでは1通5,000文字までです。",
    )


class SegmentForm(JapaneseForm):
    name = NormalizedCharField(label="名前", max_length=100, help_text="例: 防災情報を希望する磯原地区の方")
    area = forms.MultipleChoiceField(
        label="地域（町名）", required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    age_band = forms.MultipleChoiceField(
        label="年代", required=False, choices=[(a, a) for a in AGE_BANDS], widget=forms.CheckboxSelectMultiple
    )
    topic = forms.MultipleChoiceField(
        label="受け取りたい情報", required=False, choices=[(t, t) for t in TOPICS], widget=forms.CheckboxSelectMultiple
    )
    school = forms.MultipleChoiceField(label="子どもの学校", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, towns: list[str], schools: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(t, t) for t in towns]  # type: ignore[attr-defined]
        self.fields["school"].choices = [(s, s) for s in schools]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, list[str]]:
        return {k: self.cleaned_data.get(k) or [] for k in ("area", "age_band", "topic", "school")}
