"""Facility settings kept by 生涯学習課: facilities, their unit tree, time frames and rates,
cancellation tiers, photos, and the city's 利用者区分 and 減免 reasons.

Every function checks ``Perm.FACILITY_MANAGE``, loads rows only from the actor's city, and
writes one audit record. A booking keeps the fee it was booked with (``Booking.fee_amount``
and ``fee_detail`` are a snapshot), so changing a rate changes the next quote only.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q

from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.core.models import Department, StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.reservations import occupancy
from madoguchi.reservations.models import (
    Booking,
    CancellationTier,
    Facility,
    FacilityKind,
    FacilityPhoto,
    FrameMode,
    Rate,
    ReductionReason,
    Rounding,
    TimeFrame,
    Unit,
    UserCategory,
)

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# What the first bytes of an accepted image look like, by extension.
PHOTO_TYPES = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "webp": "webp"}
MAX_RATE = 10_000_000


def _check_range(value: int | Decimal | None, low: int | Decimal, high: int | Decimal, field: str, label: str) -> None:
    if value is not None and not (low <= value <= high):
        raise DomainError(f"{label}は{low}から{high}までの値にしてください。", field=field)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _on_grid(t: dt.time, grid: int) -> bool:
    return t.second == 0 and t.microsecond == 0 and _minutes(t) % grid == 0


def _changed(obj: Any, values: dict[str, Any]) -> list[str]:
    """Apply ``values`` to ``obj``; the verbose names of what changed (for the audit record)."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(str(obj._meta.get_field(name).verbose_name))
    return changed


def _reason(changed: list[str]) -> str:
    return ("変更: " + "、".join(changed))[:200] if changed else "変更なし"


# --- facilities ------------------------------------------------------------------------


@dataclass(frozen=True)
class FacilitySettings:
    """What staff may change on a facility (``grid_minutes`` is fixed once units have times)."""

    name: str
    name_kana: str
    kind: str
    postal_code: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    phone: str
    description: str
    equipment: str
    accessibility: str
    is_public: bool
    closed_weekdays: list[int]
    closed_on_holidays: bool
    closed_year_end: bool
    hold_minutes: int
    lead_hours: int
    weekend_surcharge_pct: int
    admission_surcharge_pct: int
    commercial_surcharge_pct: int
    rounding: str


def _validate_facility(s: FacilitySettings) -> None:
    if not s.name.strip():
        raise DomainError("施設名を入力してください。", field="name")
    if s.kind not in FacilityKind.values:
        raise DomainError("種類を選んでください。", field="kind")
    if not s.address.strip():
        raise DomainError("所在地を入力してください。", field="address")
    _check_range(s.latitude, Decimal(-90), Decimal(90), "latitude", "緯度")
    _check_range(s.longitude, Decimal(-180), Decimal(180), "longitude", "経度")
    if (s.latitude is None) != (s.longitude is None):
        missing = "longitude" if s.longitude is None else "latitude"
        raise DomainError("緯度と経度は両方入力するか、両方空欄にしてください。", field=missing)
    if any(d not in range(7) for d in s.closed_weekdays):
        raise DomainError("定休日の曜日を選び直してください。", field="closed_weekdays")
    _check_range(s.hold_minutes, 10, 60 * 24 * 14, "hold_minutes", "仮予約の支払期限（分）")
    _check_range(s.lead_hours, 0, 24 * 30, "lead_hours", "予約の締切")
    for name, label in (
        ("weekend_surcharge_pct", "土日祝の加算"),
        ("admission_surcharge_pct", "入場料を徴収する場合の加算"),
        ("commercial_surcharge_pct", "営利目的の加算"),
    ):
        _check_range(getattr(s, name), 0, 500, name, label)
    if s.rounding not in Rounding.values:
        raise DomainError("端数処理を選んでください。", field="rounding")


def _facility_values(s: FacilitySettings) -> dict[str, Any]:
    values = {f.name: getattr(s, f.name) for f in fields(s)}
    values["closed_weekdays"] = sorted(set(s.closed_weekdays))
    return values


def _facility(actor: StaffUser, facility_id: int, *, lock: bool = False) -> Facility:
    qs = Facility.objects.filter(municipality_id=actor.municipality_id, pk=facility_id)
    facility = (qs.select_for_update() if lock else qs).first()
    if facility is None:
        raise DomainError("施設が見つかりません。")
    return facility


@transaction.atomic
def facility_create(
    *, actor: StaffUser, code: str, department_id: int, grid_minutes: int = 30, settings: FacilitySettings
) -> Facility:
    require(actor, Perm.FACILITY_MANAGE)
    if not code:
        raise DomainError("施設コードを入力してください。", field="code")
    if Facility.objects.filter(municipality_id=actor.municipality_id, code=code).exists():
        raise DomainError("この施設コードはすでに使われています。別のコードにしてください。", field="code")
    department = Department.objects.filter(municipality_id=actor.municipality_id, pk=department_id).first()
    if department is None:
        raise DomainError("所管課を選んでください。", field="department")
    if grid_minutes not in (5, 10, 15, 30, 60):
        raise DomainError("時間の刻みは5・10・15・30・60分から選んでください。", field="grid_minutes")
    _validate_facility(settings)
    facility = Facility.objects.create(
        municipality_id=actor.municipality_id,
        department=department,
        code=code,
        grid_minutes=grid_minutes,
        **_facility_values(settings),
    )
    audit_record(municipality=actor.municipality, actor=actor, action="facility.create", obj=facility)
    return facility


@transaction.atomic
def facility_update(*, actor: StaffUser, facility_id: int, settings: FacilitySettings) -> Facility:
    """Existing bookings are kept as they are: a new closing weekday does not cancel them (臨時休館 does)."""
    require(actor, Perm.FACILITY_MANAGE)
    facility = _facility(actor, facility_id, lock=True)
    _validate_facility(settings)
    changed = _changed(facility, _facility_values(settings))
    facility.save()
    audit_record(
        municipality=actor.municipality, actor=actor, action="facility.update", obj=facility, reason=_reason(changed)
    )
    return facility


# --- units -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSettings:
    name: str
    code: str
    parent_id: int | None
    capacity: int | None
    bookable: bool
    position: int
    frame_mode: str
    open_time: dt.time | None
    close_time: dt.time | None
    start_interval_minutes: int
    min_minutes: int
    max_minutes: int
    lock_id: str


def _validate_unit(s: UnitSettings, grid: int) -> None:
    if not s.name.strip():
        raise DomainError("区画名を入力してください。", field="name")
    if not s.code:
        raise DomainError("区画コードを入力してください。", field="code")
    if s.frame_mode not in FrameMode.values:
        raise DomainError("予約の単位を選んでください。", field="frame_mode")
    _check_range(s.capacity, 1, 100_000, "capacity", "定員")
    _check_range(s.position, 0, 999, "position", "表示順")
    if s.frame_mode != FrameMode.HOURLY:
        return
    if s.open_time is None:
        raise DomainError("時間単位の区画は開始時刻を入力してください。", field="open_time")
    if s.close_time is None:
        raise DomainError("時間単位の区画は終了時刻を入力してください。", field="close_time")
    if s.close_time <= s.open_time:
        raise DomainError("終了時刻は開始時刻より後にしてください。", field="close_time")
    for name, value, label in (("open_time", s.open_time, "開始時刻"), ("close_time", s.close_time, "終了時刻")):
        if not _on_grid(value, grid):
            raise DomainError(f"{label}はこの施設の時間の刻み（{grid}分）に合わせてください。", field=name)
    if s.start_interval_minutes <= 0:
        raise DomainError("開始時刻の間隔は1分以上にしてください。", field="start_interval_minutes")
    for name, minutes, label in (
        ("start_interval_minutes", s.start_interval_minutes, "開始時刻の間隔"),
        ("min_minutes", s.min_minutes, "最短利用時間"),
        ("max_minutes", s.max_minutes, "最長利用時間"),
    ):
        if minutes <= 0 or minutes % grid:
            raise DomainError(f"{label}はこの施設の時間の刻み（{grid}分）の倍数にしてください。", field=name)
    if s.min_minutes > s.max_minutes:
        raise DomainError("最短利用時間は最長利用時間以下にしてください。", field="min_minutes")
    if s.min_minutes > _minutes(s.close_time) - _minutes(s.open_time):
        raise DomainError("最短利用時間が開始から終了までの時間より長くなっています。", field="min_minutes")


def _ancestors(unit: Unit | None) -> list[Unit]:
    out: list[Unit] = []
    while unit is not None:
        out.append(unit)
        unit = unit.parent
    return out


def _future_bookings_on(units: list[Unit]) -> bool:
    leaf_ids = {leaf.pk for u in units for leaf in occupancy.leaves_of(u)} | {u.pk for u in units}
    return (
        Booking.objects.active()
        .filter(end__gt=clock.now())
        .filter(Q(unit_id__in={u.pk for u in units}) | Q(occupancies__leaf_id__in=leaf_ids))
        .exists()
    )


def _parent(facility: Facility, unit: Unit | None, parent_id: int | None) -> Unit | None:
    """The new parent, refused when it belongs elsewhere or would make a cycle."""
    if parent_id is None:
        return None
    parent = Unit.objects.filter(pk=parent_id, facility__municipality_id=facility.municipality_id).first()
    if parent is None or parent.facility_id != facility.pk:
        raise DomainError("親の区画は同じ施設の区画から選んでください。", field="parent")
    if unit is not None and unit.pk in {a.pk for a in _ancestors(parent)}:
        raise DomainError(
            "この区画自身や、この区画の下にある区画は親にできません（親子関係が循環します）。", field="parent"
        )
    return parent


def _unit_values(s: UnitSettings) -> dict[str, Any]:
    values = {f.name: getattr(s, f.name) for f in fields(s) if f.name != "parent_id"}
    if s.frame_mode != FrameMode.HOURLY:
        values.pop("open_time"), values.pop("close_time")
        for name in ("start_interval_minutes", "min_minutes", "max_minutes"):
            values.pop(name)
    return values


@transaction.atomic
def unit_create(*, actor: StaffUser, facility_id: int, settings: UnitSettings) -> Unit:
    require(actor, Perm.FACILITY_MANAGE)
    facility = _facility(actor, facility_id, lock=True)
    _validate_unit(settings, facility.grid_minutes)
    if facility.units.filter(code=settings.code).exists():
        raise DomainError("この区画コードはこの施設ですでに使われています。", field="code")
    parent = _parent(facility, None, settings.parent_id)
    if parent is not None and not parent.children.exists() and _future_bookings_on([parent]):
        # The parent would stop being a leaf: its bookings would no longer block the new child.
        raise DomainError(f"「{parent.name}」には今後の予約があるため、その下に区画を追加できません。", field="parent")
    unit = Unit.objects.create(facility=facility, parent=parent, **_unit_values(settings))
    audit_record(municipality=actor.municipality, actor=actor, action="facility.unit_create", obj=unit)
    return unit


@transaction.atomic
def unit_update(*, actor: StaffUser, unit_id: int, settings: UnitSettings) -> Unit:
    require(actor, Perm.FACILITY_MANAGE)
    unit = Unit.objects.filter(facility__municipality_id=actor.municipality_id, pk=unit_id).first()
    if unit is None:
        raise DomainError("区画が見つかりません。")
    facility = _facility(actor, unit.facility_id, lock=True)
    _validate_unit(settings, facility.grid_minutes)
    if facility.units.filter(code=settings.code).exclude(pk=unit.pk).exists():
        raise DomainError("この区画コードはこの施設ですでに使われています。", field="code")
    parent = _parent(facility, unit, settings.parent_id)
    changed = []
    if parent != unit.parent:
        # Moving a unit changes which leaves its old and new ancestors cover; bookings already made
        # occupy the old leaves, so the tree stays as it is while any of them is still to come.
        touched = [unit, *_ancestors(unit.parent), *_ancestors(parent)]
        if _future_bookings_on(touched):
            raise DomainError(
                "この区画または親の区画に今後の予約があるため、親の区画は変えられません。"
                "予約がなくなってから変更してください。",
                field="parent",
            )
        unit.parent = parent
        changed.append("親の区画")
    changed += _changed(unit, _unit_values(settings))
    unit.save()
    audit_record(
        municipality=actor.municipality, actor=actor, action="facility.unit_update", obj=unit, reason=_reason(changed)
    )
    return unit


# --- time frames and rates -----------------------------------------------------------------


def _unit(actor: StaffUser, unit_id: int) -> Unit:
    unit = (
        Unit.objects.select_related("facility")
        .filter(facility__municipality_id=actor.municipality_id, pk=unit_id)
        .first()
    )
    if unit is None:
        raise DomainError("区画が見つかりません。")
    Facility.objects.select_for_update().filter(pk=unit.facility_id).first()  # one writer per facility
    return unit


def _check_amount(amount: int) -> None:
    _check_range(amount, 0, MAX_RATE, "amount", "使用料")


def _check_frame(unit: Unit, name: str, start: dt.time, end: dt.time, exclude: int | None) -> None:
    if unit.frame_mode != FrameMode.FRAMES:
        raise DomainError("時間単位の区画には区分を作れません。時間あたりの使用料を設定してください。")
    if not name.strip():
        raise DomainError("区分名を入力してください。", field="name")
    grid = unit.facility.grid_minutes
    for field, value, label in (("start", start, "開始"), ("end", end, "終了")):
        if not _on_grid(value, grid):
            raise DomainError(f"{label}の時刻はこの施設の時間の刻み（{grid}分）に合わせてください。", field=field)
    if end <= start:
        raise DomainError("終了は開始より後の時刻にしてください。", field="end")
    others = unit.frames.exclude(pk=exclude) if exclude else unit.frames.all()
    clash = others.filter(start__lt=end, end__gt=start).first()
    if clash is not None:
        raise DomainError(f"「{clash}」と時間が重なっています。", field="start")


@transaction.atomic
def frame_create(*, actor: StaffUser, unit_id: int, name: str, start: dt.time, end: dt.time, amount: int) -> TimeFrame:
    require(actor, Perm.FACILITY_MANAGE)
    unit = _unit(actor, unit_id)
    _check_frame(unit, name, start, end, None)
    _check_amount(amount)
    frame = TimeFrame.objects.create(unit=unit, name=name, start=start, end=end)
    Rate.objects.create(unit=unit, frame=frame, amount=amount)
    audit_record(
        municipality=actor.municipality,
        actor=actor,
        action="facility.frame_create",
        obj=frame,
        reason=f"{frame} {amount:,}円",
    )
    return frame


@transaction.atomic
def frame_update(*, actor: StaffUser, frame_id: int, name: str, start: dt.time, end: dt.time, amount: int) -> TimeFrame:
    """Bookings already made keep their times and their fee; the next quote uses the new rate."""
    require(actor, Perm.FACILITY_MANAGE)
    frame = TimeFrame.objects.filter(unit__facility__municipality_id=actor.municipality_id, pk=frame_id).first()
    if frame is None:
        raise DomainError("区分が見つかりません。")
    unit = _unit(actor, frame.unit_id)
    _check_frame(unit, name, start, end, frame.pk)
    _check_amount(amount)
    changed = _changed(frame, {"name": name, "start": start, "end": end})
    frame.save()
    rate, created = Rate.objects.get_or_create(unit=unit, frame=frame, defaults={"amount": amount})
    if not created and rate.amount != amount:
        changed.append(f"使用料 {rate.amount:,}円→{amount:,}円")
        rate.amount = amount
        rate.save(update_fields=["amount"])
    audit_record(
        municipality=actor.municipality, actor=actor, action="facility.frame_update", obj=frame, reason=_reason(changed)
    )
    return frame


@transaction.atomic
def frame_delete(*, actor: StaffUser, frame_id: int) -> None:
    require(actor, Perm.FACILITY_MANAGE)
    frame = TimeFrame.objects.filter(unit__facility__municipality_id=actor.municipality_id, pk=frame_id).first()
    if frame is None:
        raise DomainError("区分が見つかりません。")
    _unit(actor, frame.unit_id)
    audit_record(
        municipality=actor.municipality, actor=actor, action="facility.frame_delete", obj=frame, reason=str(frame)
    )
    frame.delete()  # its rate goes with it; bookings keep their own times and fee


@transaction.atomic
def hourly_rate_set(*, actor: StaffUser, unit_id: int, amount: int) -> Rate:
    """The per-hour fee of an hourly unit (a frames unit also falls back to it for odd times)."""
    require(actor, Perm.FACILITY_MANAGE)
    unit = _unit(actor, unit_id)
    _check_amount(amount)
    rate = Rate.objects.filter(unit=unit, frame__isnull=True).first()
    before = rate.amount if rate else None
    if rate is None:
        rate = Rate.objects.create(unit=unit, frame=None, amount=amount)
    else:
        rate.amount = amount
        rate.save(update_fields=["amount"])
    was = f"{before:,}円" if before is not None else "未設定"
    audit_record(
        municipality=actor.municipality,
        actor=actor,
        action="facility.rate_set",
        obj=unit,
        reason=f"1時間あたり {was}→{amount:,}円",
    )
    return rate


# --- cancellation tiers --------------------------------------------------------------------


@transaction.atomic
def cancellation_tier_create(
    *, actor: StaffUser, facility_id: int, min_days_before: int, fee_pct: int
) -> CancellationTier:
    require(actor, Perm.FACILITY_MANAGE)
    facility = _facility(actor, facility_id, lock=True)
    _check_range(min_days_before, 0, 365, "min_days_before", "利用日の何日前から")
    _check_range(fee_pct, 0, 100, "fee_pct", "取消料（%）")
    if facility.cancellation_tiers.filter(min_days_before=min_days_before).exists():
        raise DomainError(f"{min_days_before}日前からの段階はすでにあります。", field="min_days_before")
    tier = CancellationTier.objects.create(facility=facility, min_days_before=min_days_before, fee_pct=fee_pct)
    audit_record(
        municipality=actor.municipality, actor=actor, action="facility.tier_create", obj=tier, reason=str(tier)
    )
    return tier


@transaction.atomic
def cancellation_tier_delete(*, actor: StaffUser, tier_id: int) -> None:
    require(actor, Perm.FACILITY_MANAGE)
    tier = CancellationTier.objects.filter(facility__municipality_id=actor.municipality_id, pk=tier_id).first()
    if tier is None:
        raise DomainError("取消料の段階が見つかりません。")
    _facility(actor, tier.facility_id, lock=True)
    audit_record(
        municipality=actor.municipality, actor=actor, action="facility.tier_delete", obj=tier, reason=str(tier)
    )
    tier.delete()


# --- photos --------------------------------------------------------------------------------


def _image_kind(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


@transaction.atomic
def photo_add(*, actor: StaffUser, facility_id: int, image: UploadedFile, alt: str) -> FacilityPhoto:
    """A photo for the public facility page. Its file name is random (what staff called it stays out)."""
    require(actor, Perm.FACILITY_MANAGE)
    facility = _facility(actor, facility_id, lock=True)
    if not alt.strip():
        raise DomainError("写真の説明（代替テキスト）を入力してください。画面読み上げで読まれます。", field="alt")
    ext = (image.name or "").rsplit(".", 1)[-1].lower() if "." in (image.name or "") else ""
    if ext not in PHOTO_TYPES:
        raise DomainError("写真はJPEG・PNG・WebPのいずれかの形式にしてください。", field="image")
    if (image.size or 0) > MAX_PHOTO_BYTES:
        raise DomainError("写真のファイルは5MB以下にしてください。", field="image")
    image.seek(0)
    head = image.read(16)
    image.seek(0)
    if _image_kind(head) != PHOTO_TYPES[ext]:
        raise DomainError("画像ファイルとして読み取れません。JPEG・PNG・WebPの写真を選んでください。", field="image")
    position = (facility.photos.aggregate(top=Max("position"))["top"] or 0) + 1
    photo = FacilityPhoto(facility=facility, alt=alt, position=position)
    photo.image.save(f"{facility.pk}-{secrets.token_hex(8)}.{ext}", image, save=False)
    photo.save()
    audit_record(municipality=actor.municipality, actor=actor, action="facility.photo_add", obj=photo)
    return photo


@transaction.atomic
def photo_delete(*, actor: StaffUser, photo_id: int) -> None:
    require(actor, Perm.FACILITY_MANAGE)
    photo = FacilityPhoto.objects.filter(facility__municipality_id=actor.municipality_id, pk=photo_id).first()
    if photo is None:
        raise DomainError("写真が見つかりません。")
    _facility(actor, photo.facility_id, lock=True)
    audit_record(municipality=actor.municipality, actor=actor, action="facility.photo_delete", obj=photo)
    storage, name = photo.image.storage, photo.image.name
    photo.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def photo_move(*, actor: StaffUser, photo_id: int, up: bool) -> FacilityPhoto:
    """Swap the photo with its neighbour (the first photo is the one the facility page shows first)."""
    require(actor, Perm.FACILITY_MANAGE)
    photo = FacilityPhoto.objects.filter(facility__municipality_id=actor.municipality_id, pk=photo_id).first()
    if photo is None:
        raise DomainError("写真が見つかりません。")
    facility = _facility(actor, photo.facility_id, lock=True)
    photos = list(facility.photos.order_by("position", "pk"))
    index = next(i for i, p in enumerate(photos) if p.pk == photo.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(photos):
        photos[index], photos[other] = photos[other], photos[index]
    for position, item in enumerate(photos, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    audit_record(
        municipality=actor.municipality,
        actor=actor,
        action="facility.photo_move",
        obj=photo,
        reason="前へ" if up else "後ろへ",
    )
    return next(p for p in photos if p.pk == photo.pk)


# --- 利用者区分 and 減免 reasons ---------------------------------------------------------------


@dataclass(frozen=True)
class CategorySettings:
    name: str
    is_group: bool
    is_resident: bool
    requires_verification: bool
    advance_months: int
    fee_multiplier: Decimal
    max_active_bookings: int
    lottery_weight: int


def _validate_category(s: CategorySettings) -> None:
    if not s.name.strip():
        raise DomainError("区分名を入力してください。", field="name")
    _check_range(s.advance_months, 1, 24, "advance_months", "予約できる期間")
    _check_range(s.fee_multiplier, Decimal("0"), Decimal("10"), "fee_multiplier", "使用料の倍率")
    if s.fee_multiplier != s.fee_multiplier.quantize(Decimal("0.01")):
        raise DomainError("使用料の倍率は小数第2位までにしてください。", field="fee_multiplier")
    _check_range(s.max_active_bookings, 1, 100, "max_active_bookings", "同時に持てる予約の上限")
    _check_range(s.lottery_weight, 1, 10, "lottery_weight", "抽選の重み")


@transaction.atomic
def user_category_create(*, actor: StaffUser, code: str, settings: CategorySettings) -> UserCategory:
    require(actor, Perm.FACILITY_MANAGE)
    if not code:
        raise DomainError("区分コードを入力してください。", field="code")
    _validate_category(settings)
    if UserCategory.objects.filter(municipality_id=actor.municipality_id, code=code).exists():
        raise DomainError("この区分コードはすでに使われています。", field="code")
    category = UserCategory.objects.create(
        municipality_id=actor.municipality_id,
        code=code,
        **{f.name: getattr(settings, f.name) for f in fields(settings)},
    )
    audit_record(municipality=actor.municipality, actor=actor, action="user_category.create", obj=category)
    return category


@transaction.atomic
def user_category_update(*, actor: StaffUser, category_id: int, settings: CategorySettings) -> UserCategory:
    """Applies to quotes from now on; bookings already made keep their fee."""
    require(actor, Perm.FACILITY_MANAGE)
    category = (
        UserCategory.objects.select_for_update().filter(municipality_id=actor.municipality_id, pk=category_id).first()
    )
    if category is None:
        raise DomainError("利用者区分が見つかりません。")
    _validate_category(settings)
    changed = _changed(category, {f.name: getattr(settings, f.name) for f in fields(settings)})
    category.save()
    audit_record(
        municipality=actor.municipality,
        actor=actor,
        action="user_category.update",
        obj=category,
        reason=_reason(changed),
    )
    return category


def _validate_reason(name: str, percent: int) -> None:
    if not name.strip():
        raise DomainError("減免の理由を入力してください。", field="name")
    _check_range(percent, 1, 100, "percent", "減免率（%）")


@transaction.atomic
def reduction_reason_create(
    *, actor: StaffUser, code: str, name: str, percent: int, requires_evidence: bool
) -> ReductionReason:
    require(actor, Perm.FACILITY_MANAGE)
    if not code:
        raise DomainError("コードを入力してください。", field="code")
    _validate_reason(name, percent)
    if ReductionReason.objects.filter(municipality_id=actor.municipality_id, code=code).exists():
        raise DomainError("このコードはすでに使われています。", field="code")
    reason = ReductionReason.objects.create(
        municipality_id=actor.municipality_id,
        code=code,
        name=name,
        percent=percent,
        requires_evidence=requires_evidence,
    )
    audit_record(municipality=actor.municipality, actor=actor, action="reduction_reason.create", obj=reason)
    return reason


@transaction.atomic
def reduction_reason_update(
    *, actor: StaffUser, reason_id: int, name: str, percent: int, requires_evidence: bool
) -> ReductionReason:
    """Applies to requests from now on; a 減免 already approved keeps its amount."""
    require(actor, Perm.FACILITY_MANAGE)
    reason = (
        ReductionReason.objects.select_for_update().filter(municipality_id=actor.municipality_id, pk=reason_id).first()
    )
    if reason is None:
        raise DomainError("減免の理由が見つかりません。")
    _validate_reason(name, percent)
    changed = _changed(reason, {"name": name, "percent": percent, "requires_evidence": requires_evidence})
    reason.save()
    audit_record(
        municipality=actor.municipality,
        actor=actor,
        action="reduction_reason.update",
        obj=reason,
        reason=_reason(changed),
    )
    return reason
