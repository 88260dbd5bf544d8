"""Forms of the staff screens of facility booking and classes. Input is normalized on the way in;
messages are Japanese and shown next to their field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from madoguchi.core.clock import TOKYO
from madoguchi.core.forms import JapaneseForm
from madoguchi.core.text import normalize_digits, normalize_text
from madoguchi.reservations.models import Facility

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time", "step": 60 * 30}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _date(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label, widget=DATE, error_messages={"invalid": f"{label}は 2026-04-01 の形で入力してください。"}, **kwargs
    )


def _datetime(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=DATETIME,
        input_formats=DATETIME_FORMATS,
        error_messages={"invalid": f"{label}は日付と時刻を入力してください。"},
    )


def _time(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label, widget=TIME, error_messages={"invalid": f"{label}は 9:00 のように入力してください。"}
    )


def _count(
    label: str, initial: int, *, minimum: int = 1, maximum: int = 20, required: bool = True
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        initial=initial,
        min_value=minimum,
        max_value=maximum,
        required=required,
        error_messages={
            "invalid": f"{label}は数字で入力してください。",
            "min_value": f"{label}は{minimum}以上にしてください。",
            "max_value": f"{label}は{maximum}以下にしてください。",
        },
    )


def _choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def unit_choices(facility: Facility, *, blank: str | None = None) -> list[tuple[str, str]]:
    units = [u for u in facility.units.all().order_by("position", "code") if u.bookable]
    choices = [(str(u.pk), u.name) for u in units]
    return ([("", blank)] if blank is not None else []) + choices


def parse_slot_key(key: str) -> tuple[int, dt.datetime, dt.datetime] | None:
    """``12@20261215T0900-1200`` (calendar.Slot.key) → (unit id, start, end)."""
    try:
        unit_part, rest = key.split("@", 1)
        day_start, end_hm = rest.split("-", 1)
        start = dt.datetime.strptime(day_start, "%Y%m%dT%H%M").replace(tzinfo=TOKYO)
        end_time = dt.datetime.strptime(end_hm, "%H%M").time()
        return int(unit_part), start, dt.datetime.combine(start.date(), end_time, tzinfo=TOKYO)
    except ValueError:
        return None


class DayForm(JapaneseForm):
    """Which day the counter booking screen shows."""

    date = _date("利用日")


class RegistrationLookupForm(JapaneseForm):
    number = forms.CharField(
        label="利用者番号",
        max_length=20,
        help_text="利用者カードや登録完了の通知にある「U」から始まる番号です。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_number(self) -> str:
        return normalize_digits(normalize_text(self.cleaned_data["number"])).replace(" ", "").upper()


class CounterBookingForm(JapaneseForm):
    """A booking taken at the counter or by telephone for a registered user."""

    registration_number = forms.CharField(widget=forms.HiddenInput)
    slot = forms.ChoiceField(label="区画と時間", widget=forms.RadioSelect)
    hours = forms.TypedChoiceField(
        label="利用時間（時間単位の部屋）",
        coerce=int,
        choices=[(str(h), f"{h}時間") for h in range(1, 5)],
        initial="1",
        required=False,
        help_text="会議室など時間単位の区画だけに使います。区分（午前・午後・夜間）の区画では無視されます。",
    )
    purpose = forms.CharField(label="利用目的", max_length=100, required=False)
    headcount = _count("利用人数", 10, maximum=10000, required=False)
    admission_charged = forms.BooleanField(label="入場料を徴収する", required=False)
    commercial = forms.BooleanField(label="営利目的", required=False)
    reduction_reason = forms.TypedChoiceField(label="減免の理由", coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, slots: list[tuple[str, str]], reductions: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "slot", slots)
        _choices(self, "reduction_reason", [("", "なし"), *reductions])

    def clean_slot(self) -> tuple[int, dt.datetime, dt.datetime]:
        parsed = parse_slot_key(self.cleaned_data["slot"])
        if parsed is None:
            raise forms.ValidationError("区画と時間を選び直してください。")
        return parsed

    def clean_purpose(self) -> str:
        return normalize_text(self.cleaned_data["purpose"])


class BlockForm(JapaneseForm):
    unit = forms.ChoiceField(label="区画")
    date = _date("日付")
    start = _time("開始時刻")
    end = _time("終了時刻")
    reason = forms.CharField(label="理由", max_length=100, help_text="例: 市主催の大会、床の補修")

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "unit", unit_choices(facility))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "終了時刻は開始時刻より後にしてください。")
        return data

    def span(self) -> tuple[dt.datetime, dt.datetime]:
        day = self.cleaned_data["date"]
        return (
            dt.datetime.combine(day, self.cleaned_data["start"], tzinfo=TOKYO),
            dt.datetime.combine(day, self.cleaned_data["end"], tzinfo=TOKYO),
        )


class ClosureForm(JapaneseForm):
    start_date = _date("休館の開始日")
    end_date = _date("休館の終了日")
    unit = forms.ChoiceField(label="区画", required=False, help_text="空欄なら施設全体を休館にします。")
    reason = forms.CharField(
        label="理由", max_length=100, help_text="利用者への通知にそのまま載ります。例: 台風接近のため"
    )
    is_disaster = forms.BooleanField(label="災害による休館", required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "unit", unit_choices(facility, blank="施設全体"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "終了日は開始日以降にしてください。")
        return data

    def clean_reason(self) -> str:
        return normalize_text(self.cleaned_data["reason"])

    @property
    def unit_id(self) -> int | None:
        value = self.cleaned_data.get("unit")
        return int(value) if value else None


class StaffCancelForm(JapaneseForm):
    reason = forms.CharField(label="取消の理由", max_length=100, help_text="利用者への通知に載ります。")
    full_refund = forms.BooleanField(
        label="全額を返金する（取消料をとらない）",
        required=False,
        initial=True,
        help_text="市の都合による取消では全額を返金します。利用者の都合なら外すと取消料の規定が適用されます。",
    )

    def clean_reason(self) -> str:
        return normalize_text(self.cleaned_data["reason"])


class DecisionForm(JapaneseForm):
    """Approve or reject (減免, 利用者登録) with a note; a rejection needs its reason."""

    decision = forms.ChoiceField(label="判断", choices=[("approve", "承認する"), ("reject", "却下する")])
    note = forms.CharField(label="メモ（却下の場合は理由）", max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", "却下する場合は理由を入力してください。")
        return data

    @property
    def approve(self) -> bool:
        return bool(self.cleaned_data["decision"] == "approve")


class LotteryForm(JapaneseForm):
    facility = forms.ChoiceField(label="施設")
    name = forms.CharField(label="名称", max_length=100, help_text="例: 令和9年4月分 市民体育館 抽選")
    target_start = _date("対象期間の開始日")
    target_end = _date("対象期間の終了日")
    apply_from = _datetime("申込開始")
    apply_until = _datetime("申込締切")
    draw_at = _datetime("抽選日時")
    confirm_until = _datetime("当選者の確定期限")
    max_choices = _count("希望の数", 3, maximum=5)
    max_applications = _count("1登録あたりの申込上限", 4)
    max_wins_per_applicant = _count("1人あたりの当選上限", 2)
    max_wins_per_group = _count("1団体あたりの当選上限", 3, required=False)

    def __init__(self, *args: Any, facilities: list[Facility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "facility", [("", "選んでください")] + [(str(f.pk), f.name) for f in facilities])
        self.fields["max_wins_per_group"].help_text = "空欄なら団体ごとの上限なし"

    def clean_name(self) -> str:
        return normalize_text(self.cleaned_data["name"])


class WalkInForm(JapaneseForm):
    name = forms.CharField(label="氏名", max_length=100)
    phone = forms.CharField(
        label="電話番号",
        max_length=20,
        required=False,
        help_text="連絡がとれる番号（キャンセル待ちからの繰り上げを電話で伝えます）",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )


class CapacityForm(JapaneseForm):
    capacity = _count("定員", 10, maximum=1000)


class AttendanceForm(JapaneseForm):
    attended = forms.TypedChoiceField(label="出欠", choices=[("1", "出席"), ("0", "欠席")], coerce=lambda v: v == "1")


class ClassSessionForm(JapaneseForm):
    title = forms.CharField(
        label="講座名", max_length=100, help_text="同じ講座名・会場の回は一つの講座にまとまります。"
    )
    description = forms.CharField(label="内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    facility = forms.ChoiceField(label="会場の施設", required=False)
    place = forms.CharField(label="会場（部屋名や、施設以外の場所）", max_length=100, required=False)
    bring = forms.CharField(label="持ち物", max_length=200, required=False)
    date = _date("日付")
    start = _time("開始時刻")
    end = _time("終了時刻")
    capacity = _count("定員", 10, maximum=500)
    opens_at = _datetime("申込開始")
    closes_at = _datetime("申込締切")

    def __init__(self, *args: Any, facilities: list[Facility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "facility", [("", "施設以外の場所")] + [(str(f.pk), f.name) for f in facilities])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "終了時刻は開始時刻より後にしてください。")
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        day = data["date"]
        return {
            "title": data["title"],
            "description": data["description"],
            "facility_id": int(data["facility"]) if data["facility"] else None,
            "place": data["place"],
            "bring": data["bring"],
            "start": dt.datetime.combine(day, data["start"], tzinfo=TOKYO),
            "end": dt.datetime.combine(day, data["end"], tzinfo=TOKYO),
            "capacity": data["capacity"],
            "opens_at": data["opens_at"].astimezone(TOKYO),
            "closes_at": data["closes_at"].astimezone(TOKYO),
        }
