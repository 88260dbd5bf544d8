"""Residents' forms for facility booking, 利用者登録, and lottery applications.

Forms only parse and check the shape of what was typed; the rules (who may book what,
when, for how much) live in the services, whose errors are put back beside the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from madoguchi.core.clock import TOKYO
from madoguchi.core.errors import DomainError
from madoguchi.core.fields import NormalizedCharField, ProseCharField
from madoguchi.core.forms import JapaneseForm
from madoguchi.core.text import normalize_text
from madoguchi.core.wareki import day_text
from madoguchi.reservations.calendar import Slot
from madoguchi.reservations.models import ReductionReason, Registration, TimeFrame, Unit, UserCategory

# Where a service's error belongs on the booking form (the slot is one field there).
BOOKING_FIELDS = {"start": "slot", "end": "slot", "unit": "slot", "registration": "registration"}


class ChoicesForm(JapaneseForm):
    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


def add_domain_error(form: forms.Form, exc: DomainError, mapping: dict[str, str] | None = None) -> None:
    """Show a service's error beside its field (or at the top when it concerns the whole form)."""
    field = (mapping or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


def slot_value(slot: Slot) -> str:
    return f"{slot.start.astimezone(TOKYO):%H:%M}-{slot.end.astimezone(TOKYO):%H:%M}"


def slot_text(slot: Slot) -> str:
    start, end = slot.start.astimezone(TOKYO), slot.end.astimezone(TOKYO)
    prefix = f"{slot.label} " if not slot.label.startswith(f"{start:%H:%M}") else ""
    return f"{prefix}{start:%-H:%M}〜{end:%-H:%M}"


def registration_label(registration: Registration) -> str:
    return f"{registration.name}（{registration.category.name}・利用者番号 {registration.number}）"


class WideIntegerField(forms.IntegerField):
    """A number typed in any width (１２ from a Japanese keyboard is 12)."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = normalize_text(value).replace("人", "").strip()
        return super().to_python(value)


class BookingForm(ChoicesForm):
    """Step 1 of booking: which time, with which registration, for what."""

    slot = forms.ChoiceField(label="利用する時間")
    registration = forms.ChoiceField(label="利用者登録")
    purpose = ProseCharField(label="利用目的", max_length=100, help_text="例: バレーボールの練習、地区の会議")
    headcount = WideIntegerField(
        label="利用人数",
        min_value=1,
        max_value=10000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": "利用人数は数字で入力してください。",
            "min_value": "利用人数は1人以上で入力してください。",
            "max_value": "利用人数が多すぎます。施設にお問い合わせください。",
        },
    )
    admission_charged = forms.BooleanField(label="入場料を徴収する", required=False)
    commercial = forms.BooleanField(label="営利目的で使う", required=False)
    reduction_reason = forms.ChoiceField(label="減免（使用料の減額・免除）", required=False)

    def __init__(
        self,
        *args: Any,
        slots: list[Slot],
        registrations: list[Registration],
        reductions: list[ReductionReason],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.slots = {slot_value(s): s for s in slots}
        self._choice("slot").choices = [(value, slot_text(s)) for value, s in self.slots.items()]
        self.registrations = {str(r.pk): r for r in registrations}
        self._choice("registration").choices = [(key, registration_label(r)) for key, r in self.registrations.items()]
        if len(registrations) == 1:
            self.fields["registration"].widget = forms.HiddenInput()
        self.reductions = {str(r.pk): r for r in reductions}
        self._choice("reduction_reason").choices = [
            ("", "減免を申請しない"),
            *[(key, f"{r.name}（{r.percent}%減額）") for key, r in self.reductions.items()],
        ]
        needs = [r.name for r in reductions if r.requires_evidence]
        self.fields["reduction_reason"].help_text = (
            "減免は職員が審査します。審査の間、お支払いは待っていただきます。"
            + (f"「{'」「'.join(needs)}」は、次の確認画面で証明書類（画像またはPDF）を添付します。" if needs else "")
        )
        if not reductions:
            del self.fields["reduction_reason"]

    @property
    def chosen_slot(self) -> Slot:
        return self.slots[self.cleaned_data["slot"]]

    @property
    def chosen_registration(self) -> Registration:
        return self.registrations[self.cleaned_data["registration"]]

    @property
    def chosen_reduction(self) -> ReductionReason | None:
        key = self.cleaned_data.get("reduction_reason") or ""
        return self.reductions.get(key)


class EvidenceForm(JapaneseForm):
    """Step 2, only when the 減免 reason needs documents."""

    reduction_evidence = forms.FileField(
        label="減免の証明書類",
        help_text="画像（JPEG・PNG）またはPDF。スマートフォンで撮影した写真でもかまいません。",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def clean_reduction_evidence(self) -> Any:
        upload = self.cleaned_data["reduction_evidence"]
        name = (upload.name or "").lower()
        if not name.endswith((".jpg", ".jpeg", ".png", ".pdf")):
            raise forms.ValidationError("証明書類は画像（JPEG・PNG）またはPDFで添付してください。")
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError("証明書類は10MB以下のファイルにしてください。")
        return upload


class RegistrationForm(ChoicesForm):
    category = forms.ChoiceField(label="利用者区分", widget=forms.RadioSelect)
    name = NormalizedCharField(
        label="氏名または団体名", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    name_kana = NormalizedCharField(
        label="フリガナ",
        max_length=100,
        help_text="ひらがなでもカタカナでも入力できます。",
    )
    phone = NormalizedCharField(
        label="電話番号",
        max_length=20,
        help_text="市外局番から。ハイフンはあってもなくてもかまいません。",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    representative = NormalizedCharField(
        label="代表者名（団体の場合）",
        max_length=100,
        required=False,
        help_text="団体で登録する場合は必ず入力してください。",
    )

    def __init__(self, *args: Any, categories: list[UserCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("category").choices = [
            (str(c.pk), c.name + ("（職員の確認後に利用できます）" if c.requires_verification else ""))
            for c in categories
        ]


# --- lottery ------------------------------------------------------------------------


def target_days(first: dt.date, last: dt.date) -> list[dt.date]:
    days, day = [], first
    while day <= last:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


class LotteryApplyForm(ChoicesForm):
    """第1〜第N希望: each a unit, a day of the target period, and a frame."""

    registration = forms.ChoiceField(label="利用者登録")
    purpose = ProseCharField(label="利用目的", max_length=100, required=False)

    def __init__(
        self,
        *args: Any,
        registrations: list[Registration],
        units: list[Unit],
        days: list[dt.date],
        frames: list[TimeFrame],
        max_choices: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.registrations = {str(r.pk): r for r in registrations}
        self._choice("registration").choices = [(key, registration_label(r)) for key, r in self.registrations.items()]
        self.max_choices = max_choices
        # Frames by (start, end): the same 午前 exists on every unit.
        self.frames: dict[str, tuple[dt.time, dt.time]] = {}
        frame_choices = []
        for f in frames:
            key = f"{f.start:%H%M}-{f.end:%H%M}"
            if key not in self.frames:
                self.frames[key] = (f.start, f.end)
                frame_choices.append((key, f"{f.name}（{f.start:%-H:%M}〜{f.end:%-H:%M}）"))
        unit_choices = [(str(u.pk), u.name) for u in units]
        day_choices = [(d.isoformat(), day_text(d)) for d in days]
        for rank in range(1, max_choices + 1):
            required = rank == 1
            empty = [] if required else [("", "選ばない")]
            self.fields[f"unit_{rank}"] = forms.ChoiceField(
                label=f"第{rank}希望の区画", choices=[*empty, *unit_choices], required=required
            )
            self.fields[f"day_{rank}"] = forms.ChoiceField(
                label=f"第{rank}希望の日", choices=[*empty, *day_choices], required=required
            )
            self.fields[f"frame_{rank}"] = forms.ChoiceField(
                label=f"第{rank}希望の時間帯", choices=[*empty, *frame_choices], required=required
            )
        from madoguchi.core.forms import _required_messages

        _required_messages(self)

    def rank_fields(self) -> list[tuple[int, list[forms.BoundField]]]:
        return [
            (rank, [self[f"unit_{rank}"], self[f"day_{rank}"], self[f"frame_{rank}"]])
            for rank in range(1, self.max_choices + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for rank in range(2, self.max_choices + 1):
            parts = [data.get(f"{name}_{rank}") for name in ("unit", "day", "frame")]
            if any(parts) and not all(parts):
                self.add_error(f"unit_{rank}", f"第{rank}希望は、区画・日・時間帯をすべて選んでください。")
        return data

    def choices(self) -> list[tuple[int, dt.datetime, dt.datetime]]:
        """(unit id, start, end) in rank order, skipping empty ranks."""
        out = []
        for rank in range(1, self.max_choices + 1):
            unit, day, frame = (self.cleaned_data.get(f"{n}_{rank}") for n in ("unit", "day", "frame"))
            if not (unit and day and frame):
                continue
            start, end = self.frames[frame]
            date = dt.date.fromisoformat(day)
            out.append(
                (
                    int(unit),
                    dt.datetime.combine(date, start, tzinfo=TOKYO),
                    dt.datetime.combine(date, end, tzinfo=TOKYO),
                )
            )
        return out

    @property
    def chosen_registration(self) -> Registration:
        return self.registrations[self.cleaned_data["registration"]]
