"""Forms of the staff screens of facility booking and classes. Input is normalized on the way in;
messages are Japanese and shown next to their field."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms

from madoguchi.core import wareki
from madoguchi.core.clock import TOKYO
from madoguchi.core.forms import JapaneseForm
from madoguchi.core.text import normalize_digits, normalize_prose, normalize_text, to_furigana
from madoguchi.reservations.models import Facility, FacilityKind, FrameMode, Rounding, Unit
from madoguchi.reservations.services.facilities import CategorySettings, FacilitySettings, UnitSettings

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


# --- facility settings (施設の設定) ----------------------------------------------------------

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
WEEKDAYS = [(str(i), f"{name}曜日") for i, name in enumerate(wareki.WEEKDAYS)]


def _code(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=40,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )


def _clean_code(value: str, label: str) -> str:
    code = normalize_text(value).lower()
    if not CODE_PATTERN.match(code):
        raise forms.ValidationError(f"{label}は半角の英小文字・数字・ハイフンで入力してください（例: gym-1）。")
    return code


def _text(label: str, *, rows: int = 3, max_length: int | None = None, help_text: str = "") -> forms.CharField:
    widget: forms.Widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=False, max_length=max_length, help_text=help_text, widget=widget)


def _degrees(label: str, help_text: str) -> forms.DecimalField:
    message = f"{label}は 36.802 のような10進数の度で、小数第6位までで入力してください。"
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=9,
        decimal_places=6,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": message,
            "max_digits": message,
            "max_decimal_places": message,
            "max_whole_digits": message,
        },
    )


def _yen(label: str, help_text: str = "") -> forms.IntegerField:
    field = _count(label, 0, minimum=0, maximum=10_000_000)
    field.help_text = help_text or "円。0円なら無料です。"
    field.widget.attrs.update({"inputmode": "numeric"})
    return field


def _timed(field: forms.TimeField, grid: int) -> None:
    field.widget.attrs["step"] = grid * 60


class FacilityForm(JapaneseForm):
    name = forms.CharField(label="施設名", max_length=100)
    name_kana = forms.CharField(
        label="施設名（フリガナ）", max_length=100, required=False, help_text="ひらがなでもカタカナでも入力できます。"
    )
    kind = forms.ChoiceField(label="種類", choices=FacilityKind.choices)
    postal_code = forms.CharField(
        label="郵便番号",
        max_length=10,
        required=False,
        help_text="所在地を空欄にすると、郵便番号から町名まで入ります。",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    address = forms.CharField(label="所在地", max_length=200, required=False)
    latitude = _degrees("緯度", "地図に表示する位置です。北緯は正の数（例: 36.801800）。")
    longitude = _degrees("経度", "東経は正の数（例: 140.751000）。緯度と経度は両方入力します。")
    phone = forms.CharField(
        label="電話番号",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    description = _text("説明", rows=4)
    equipment = _text("設備・備品", rows=3)
    accessibility = _text("バリアフリー情報", rows=3, help_text="車いす用駐車場、多目的トイレ、段差など")
    is_public = forms.BooleanField(label="受付中（市民が予約できる）", required=False)
    closed_weekdays = forms.MultipleChoiceField(
        label="定休日",
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="休館する曜日にチェックを入れます。すでに入っている予約は取り消されません（取り消す場合は臨時休館を登録してください）。",
    )
    closed_on_holidays = forms.BooleanField(label="祝日は休館", required=False)
    closed_year_end = forms.BooleanField(label="年末年始（12月29日〜1月3日）は休館", required=False)
    hold_minutes = _count("仮予約の支払期限（分）", 1440, minimum=10, maximum=60 * 24 * 14)
    lead_hours = _count("予約の締切（利用開始の何時間前）", 1, minimum=0, maximum=24 * 30)
    weekend_surcharge_pct = _count("土日祝の加算（％）", 0, minimum=0, maximum=500)
    admission_surcharge_pct = _count("入場料を徴収する場合の加算（％）", 0, minimum=0, maximum=500)
    commercial_surcharge_pct = _count("営利目的の加算（％）", 0, minimum=0, maximum=500)
    rounding = forms.ChoiceField(label="使用料の端数処理", choices=Rounding.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hold_minutes"].help_text = "仮予約のまま支払いを待つ時間です。1440分 = 24時間。"

    def clean_name(self) -> str:
        return normalize_text(self.cleaned_data["name"])

    def clean_name_kana(self) -> str:
        try:
            return to_furigana(self.cleaned_data["name_kana"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_postal_code(self) -> str:
        digits = normalize_digits(self.cleaned_data["postal_code"]).lstrip("〒")
        if not digits:
            return ""
        if not (digits.isdigit() and len(digits) == 7):
            raise forms.ValidationError("郵便番号は7桁の数字で入力してください（例: 319-1541）。")
        return f"{digits[:3]}-{digits[3:]}"

    def clean_phone(self) -> str:
        value = normalize_text(self.cleaned_data["phone"])
        digits = normalize_digits(value)
        if value and not (digits.isdigit() and 10 <= len(digits) <= 11):
            raise forms.ValidationError("電話番号は市外局番から10桁か11桁の数字で入力してください。")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["address"] = normalize_text(data.get("address") or "")
        if not data["address"] and data.get("postal_code"):
            from madoguchi.core import postal

            found = postal.lookup(data["postal_code"])
            if found is None:
                self.add_error("postal_code", "この郵便番号は見つかりません。番号を確かめてください。")
            else:
                data["address"] = f"{found.prefecture}{found.city}{found.town}"
        return data

    def settings(self) -> FacilitySettings:
        d = self.cleaned_data
        return FacilitySettings(
            name=d["name"],
            name_kana=d["name_kana"],
            kind=d["kind"],
            postal_code=d["postal_code"],
            address=d["address"],
            latitude=d["latitude"],
            longitude=d["longitude"],
            phone=d["phone"],
            description=normalize_prose(d["description"]),
            equipment=normalize_prose(d["equipment"]),
            accessibility=normalize_prose(d["accessibility"]),
            is_public=d["is_public"],
            closed_weekdays=[int(v) for v in d["closed_weekdays"]],
            closed_on_holidays=d["closed_on_holidays"],
            closed_year_end=d["closed_year_end"],
            hold_minutes=d["hold_minutes"],
            lead_hours=d["lead_hours"],
            weekend_surcharge_pct=d["weekend_surcharge_pct"],
            admission_surcharge_pct=d["admission_surcharge_pct"],
            commercial_surcharge_pct=d["commercial_surcharge_pct"],
            rounding=d["rounding"],
        )

    @staticmethod
    def initial_of(facility: Facility) -> dict[str, Any]:
        names = [n for n in FacilityForm.base_fields if n != "closed_weekdays"]
        initial = {n: getattr(facility, n) for n in names}
        initial["closed_weekdays"] = [str(d) for d in facility.closed_weekdays or []]
        return initial


class FacilityCreateForm(FacilityForm):
    code = _code("施設コード", "市民向けページのアドレスに使います。半角英小文字・数字・ハイフン（例: gym-isohara）。")
    department = forms.ChoiceField(label="所管課")
    grid_minutes = forms.TypedChoiceField(
        label="時間の刻み（分）",
        coerce=int,
        choices=[(str(m), f"{m}分") for m in (5, 10, 15, 30, 60)],
        initial="30",
        help_text="区画の時刻や利用時間はこの刻みに合わせます。作成後は変えられません。",
    )
    field_order = ["code", "department", "grid_minutes"]

    def __init__(self, *args: Any, departments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "department", [("", "選んでください"), *departments])
        self.order_fields(self.field_order)

    def clean_code(self) -> str:
        return _clean_code(self.cleaned_data["code"], "施設コード")


class UnitForm(JapaneseForm):
    name = forms.CharField(label="区画名", max_length=100, help_text="例: アリーナ全面、アリーナ半面A、第1会議室")
    code = _code("区画コード", "施設の中で重ならない半角英小文字・数字・ハイフン（例: half-a）。")
    parent = forms.ChoiceField(
        label="親の区画",
        required=False,
        help_text="半面は全面の下に置きます。親の区画を予約すると、その下の区画もすべて使用中になります。",
    )
    capacity = _count("定員（人）", 0, minimum=1, maximum=100_000, required=False)
    bookable = forms.BooleanField(label="予約できる", required=False, initial=True)
    position = _count("表示順", 0, minimum=0, maximum=999)
    frame_mode = forms.ChoiceField(label="予約の単位", choices=FrameMode.choices, widget=forms.RadioSelect)
    open_time = _time("開始時刻（時間単位）")
    close_time = _time("終了時刻（時間単位）")
    start_interval_minutes = _count("開始時刻の間隔（分）", 60, minimum=1, maximum=1440)
    min_minutes = _count("最短利用時間（分）", 60, minimum=1, maximum=1440)
    max_minutes = _count("最長利用時間（分）", 240, minimum=1, maximum=1440)
    lock_id = forms.CharField(
        label="スマートロックID",
        max_length=64,
        required=False,
        help_text="空欄なら鍵は窓口で受け渡します。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, facility: Facility, unit: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = [u for u in facility.units.all().order_by("position", "code") if unit is None or u.pk != unit.pk]
        _choices(self, "parent", [("", "なし（いちばん上の区画）")] + [(str(u.pk), u.name) for u in others])
        for name in ("open_time", "close_time"):
            field = self.fields[name]
            assert isinstance(field, forms.TimeField)
            field.required = False
            _timed(field, facility.grid_minutes)
        self.fields["min_minutes"].help_text = f"{facility.grid_minutes}分の倍数で入力します。"
        self.fields["capacity"].initial = None

    def clean_name(self) -> str:
        return normalize_text(self.cleaned_data["name"])

    def clean_code(self) -> str:
        return _clean_code(self.cleaned_data["code"], "区画コード")

    def settings(self) -> UnitSettings:
        d = self.cleaned_data
        return UnitSettings(
            name=d["name"],
            code=d["code"],
            parent_id=int(d["parent"]) if d["parent"] else None,
            capacity=d["capacity"],
            bookable=d["bookable"],
            position=d["position"],
            frame_mode=d["frame_mode"],
            open_time=d["open_time"],
            close_time=d["close_time"],
            start_interval_minutes=d["start_interval_minutes"],
            min_minutes=d["min_minutes"],
            max_minutes=d["max_minutes"],
            lock_id=normalize_text(d["lock_id"]),
        )

    @staticmethod
    def initial_of(unit: Unit) -> dict[str, Any]:
        names = [n for n in UnitForm.base_fields if n != "parent"]
        initial = {n: getattr(unit, n) for n in names}
        initial["parent"] = str(unit.parent_id) if unit.parent_id else ""
        return initial


class FrameForm(JapaneseForm):
    name = forms.CharField(label="区分名", max_length=20, help_text="例: 午前、午後、夜間")
    start = _time("開始")
    end = _time("終了")
    amount = _yen("使用料（円）")

    def __init__(self, *args: Any, grid: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            field = self.fields[name]
            assert isinstance(field, forms.TimeField)
            _timed(field, grid)

    def clean_name(self) -> str:
        return normalize_text(self.cleaned_data["name"])


class HourlyRateForm(JapaneseForm):
    amount = _yen("1時間あたりの使用料（円）")


class TierForm(JapaneseForm):
    min_days_before = _count("利用日の何日前から", 0, minimum=0, maximum=365)
    fee_pct = _count("取消料（％）", 0, minimum=0, maximum=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["min_days_before"].help_text = "0 は利用日当日です。"
        self.fields["fee_pct"].help_text = "使用料に対する割合。0〜100で入力します。"


class PhotoForm(JapaneseForm):
    image = forms.FileField(
        label="写真",
        help_text="JPEG・PNG・WebP形式、5MBまで。",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    alt = forms.CharField(
        label="写真の説明（代替テキスト）",
        max_length=200,
        help_text="目の不自由な方の画面読み上げで読まれます。写っているものを日本語で書いてください（例: 体育館アリーナの全景）。",
    )

    def clean_alt(self) -> str:
        return normalize_text(self.cleaned_data["alt"])


class CategoryForm(JapaneseForm):
    name = forms.CharField(label="区分名", max_length=50, help_text="例: 市内個人、市外団体、社会教育関係団体")
    is_group = forms.BooleanField(label="団体", required=False)
    is_resident = forms.BooleanField(label="市内（在住・在勤・在学）", required=False)
    requires_verification = forms.BooleanField(label="登録時に職員の確認が必要", required=False)
    advance_months = _count("予約できる期間（何か月先まで）", 2, minimum=1, maximum=24)
    fee_multiplier = forms.DecimalField(
        label="使用料の倍率",
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("9.99"),
        initial=Decimal("1.00"),
        help_text="1.00 で基本料金、2.00 で2倍です。",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={
            "invalid": "使用料の倍率は 1.50 のように小数第2位までの数で入力してください。",
            "max_digits": "使用料の倍率は 9.99 以下にしてください。",
            "max_decimal_places": "使用料の倍率は小数第2位までにしてください。",
            "max_whole_digits": "使用料の倍率は 9.99 以下にしてください。",
            "min_value": "使用料の倍率は0以上にしてください。",
            "max_value": "使用料の倍率は 9.99 以下にしてください。",
        },
    )
    max_active_bookings = _count("同時に持てる予約の上限", 4, minimum=1, maximum=100)
    lottery_weight = _count("抽選の重み", 1, minimum=1, maximum=10)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lottery_weight"].help_text = "1〜10。大きいほど抽選で当たりやすくなります。"

    def clean_name(self) -> str:
        return normalize_text(self.cleaned_data["name"])

    def settings(self) -> CategorySettings:
        d = self.cleaned_data
        return CategorySettings(**{name: d[name] for name in CategoryForm.base_fields})


class CategoryCreateForm(CategoryForm):
    code = _code("区分コード", "半角英小文字・数字・ハイフン（例: resident）。作成後は変えられません。")
    field_order = ["code"]

    def clean_code(self) -> str:
        return _clean_code(self.cleaned_data["code"], "区分コード")


class ReasonForm(JapaneseForm):
    name = forms.CharField(label="減免の理由", max_length=100, help_text="例: 障害者団体の利用、市の共催事業")
    percent = _count("減免率（％）", 50, minimum=1, maximum=100)
    requires_evidence = forms.BooleanField(label="証明書類の提出が必要", required=False, initial=True)

    def clean_name(self) -> str:
        return normalize_text(self.cleaned_data["name"])


class ReasonCreateForm(ReasonForm):
    code = _code("コード", "半角英小文字・数字・ハイフン（例: disability）。作成後は変えられません。")
    field_order = ["code"]

    def clean_code(self) -> str:
        return _clean_code(self.cleaned_data["code"], "コード")
