"""Staff screens that keep a facility's own settings (生涯学習課): the facility, its unit tree,
time frames and rates, cancellation tiers and photos, and the city's 利用者区分 and 減免 reasons.
Every screen needs ``Perm.FACILITY_MANAGE`` (403 otherwise) and loads only the actor's city's
rows (404 otherwise); the writes are the services in ``services/facilities.py``.

Also the public view that streams a facility photo (MEDIA is never served directly)."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from madoguchi.core.errors import DomainError
from madoguchi.core.models import Department, StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.core.selectors import municipality_for_request
from madoguchi.reservations import selectors
from madoguchi.reservations import staff_forms as sf
from madoguchi.reservations.models import (
    CancellationTier,
    Facility,
    FacilityPhoto,
    FrameMode,
    Rate,
    ReductionReason,
    TimeFrame,
    Unit,
    UserCategory,
)
from madoguchi.reservations.services import facilities as services

RATE_NOTE = (
    "使用料を変えても、すでに受け付けた予約の使用料は変わりません（予約した時点の金額のままです）。"
    "新しい金額は、これから受け付ける予約に使われます。"
)


# --- loading, always through the actor's city ---------------------------------------------


def _manager(request: HttpRequest) -> StaffUser:
    actor: StaffUser = request.user  # type: ignore[assignment]
    require(actor, Perm.FACILITY_MANAGE)
    return actor


def _facility(actor: StaffUser, facility_id: int) -> Facility:
    facility = Facility.objects.filter(municipality_id=actor.municipality_id, pk=facility_id).first()
    if facility is None:
        raise Http404("この施設は見つかりません。")
    return facility


def _unit(actor: StaffUser, unit_id: int) -> Unit:
    unit = (
        Unit.objects.select_related("facility", "parent")
        .filter(facility__municipality_id=actor.municipality_id, pk=unit_id)
        .first()
    )
    if unit is None:
        raise Http404("この区画は見つかりません。")
    return unit


def _frame(actor: StaffUser, frame_id: int) -> TimeFrame:
    frame = (
        TimeFrame.objects.select_related("unit__facility")
        .filter(unit__facility__municipality_id=actor.municipality_id, pk=frame_id)
        .first()
    )
    if frame is None:
        raise Http404("この区分は見つかりません。")
    return frame


M = TypeVar("M", bound=Model)


def _found(queryset: QuerySet[M], pk: int, missing: str) -> M:
    """The row ``pk`` of an already city-scoped queryset, or a 404 saying what was not found."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(missing)
    return found


def _tier(actor: StaffUser, tier_id: int) -> CancellationTier:
    mine = CancellationTier.objects.filter(facility__municipality_id=actor.municipality_id)
    return _found(mine, tier_id, "この取消料の段階は見つかりません。")


def _photo(actor: StaffUser, photo_id: int) -> FacilityPhoto:
    mine = FacilityPhoto.objects.filter(facility__municipality_id=actor.municipality_id)
    return _found(mine, photo_id, "この写真は見つかりません。")


def _category(actor: StaffUser, category_id: int) -> UserCategory:
    return _found(
        UserCategory.objects.filter(municipality_id=actor.municipality_id),
        category_id,
        "この利用者区分は見つかりません。",
    )


def _reason(actor: StaffUser, reason_id: int) -> ReductionReason:
    mine = ReductionReason.objects.filter(municipality_id=actor.municipality_id)
    return _found(mine, reason_id, "この減免の理由は見つかりません。")


def _form_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _status(form: forms.Form) -> int:
    return 400 if form.is_bound else 200


# --- settings home and facilities -------------------------------------------------------------


@login_required
def settings_home(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    facilities = list(Facility.objects.filter(municipality_id=actor.municipality_id).order_by("kind", "code"))
    return render(request, "reservations/staff/settings/home.html", {"facilities": facilities})


def _departments(actor: StaffUser) -> list[tuple[str, str]]:
    departments = Department.objects.filter(municipality_id=actor.municipality_id).order_by("code")
    return [(str(d.pk), d.name) for d in departments]


@login_required
def facility_create(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    departments = _departments(actor)
    own = next((pk for pk, _ in departments if actor.roles.filter(department_id=int(pk)).exists()), "")
    form = sf.FacilityCreateForm(
        request.POST or None,
        departments=departments,
        initial={"department": own, "is_public": False, "closed_year_end": True, "rounding": "floor_10"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.facility_create(
                actor=actor,
                code=form.cleaned_data["code"],
                department_id=int(form.cleaned_data["department"]),
                grid_minutes=form.cleaned_data["grid_minutes"],
                settings=form.settings(),
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"「{facility.name}」を登録しました。続けて区画と使用料を登録してください。")
            return redirect("staff:reservations:settings_units", facility_id=facility.pk)
    return render(request, "reservations/staff/settings/facility_form.html", {"form": form}, status=_status(form))


@login_required
def facility_edit(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor = _manager(request)
    facility = _facility(actor, facility_id)
    form = sf.FacilityForm(request.POST or None, initial=sf.FacilityForm.initial_of(facility))
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.facility_update(actor=actor, facility_id=facility.pk, settings=form.settings())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"「{facility.name}」の設定を保存しました。")
            return redirect("staff:reservations:settings_facility", facility_id=facility.pk)
    context = {"facility": facility, "form": form, "tab": "facility"}
    return render(request, "reservations/staff/settings/facility_form.html", context, status=_status(form))


# --- units -------------------------------------------------------------------------------------


@dataclass
class Node:
    unit: Unit
    children: list[Node] = field(default_factory=list)


def _tree(facility: Facility) -> list[Node]:
    units = list(facility.units.all().order_by("position", "code"))
    nodes = {u.pk: Node(u) for u in units}
    roots: list[Node] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(nodes[unit.pk])
    return roots


@login_required
def unit_list(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor = _manager(request)
    facility = _facility(actor, facility_id)
    rates: dict[int, list[Rate]] = {}
    for rate in Rate.objects.filter(unit__facility=facility).select_related("frame").order_by("frame__start"):
        rates.setdefault(rate.unit_id, []).append(rate)
    context = {"facility": facility, "tree": _tree(facility), "rates": rates, "tab": "units"}
    return render(request, "reservations/staff/settings/units.html", context)


@login_required
def unit_create(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor = _manager(request)
    facility = _facility(actor, facility_id)
    position = (facility.units.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    form = sf.UnitForm(
        request.POST or None,
        facility=facility,
        initial={"frame_mode": FrameMode.FRAMES, "bookable": True, "position": position},
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=actor, facility_id=facility.pk, settings=form.settings())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"区画「{unit.name}」を追加しました。続けて利用区分と使用料を登録してください。")
            return redirect("staff:reservations:settings_frames", unit_id=unit.pk)
    context = {"facility": facility, "form": form, "tab": "units"}
    return render(request, "reservations/staff/settings/unit_form.html", context, status=_status(form))


@login_required
def unit_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    actor = _manager(request)
    unit = _unit(actor, unit_id)
    facility = unit.facility
    form = sf.UnitForm(request.POST or None, facility=facility, unit=unit, initial=sf.UnitForm.initial_of(unit))
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_update(actor=actor, unit_id=unit.pk, settings=form.settings())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"区画「{unit.name}」を保存しました。")
            return redirect("staff:reservations:settings_units", facility_id=facility.pk)
    context = {"facility": facility, "unit": unit, "form": form, "tab": "units"}
    return render(request, "reservations/staff/settings/unit_form.html", context, status=_status(form))


# --- time frames and rates --------------------------------------------------------------------


def _frames_page(
    request: HttpRequest, unit: Unit, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    grid = unit.facility.grid_minutes
    amounts = {r.frame_id: r.amount for r in unit.rates.all()}
    rows = []
    for frame in unit.frames.all().order_by("start"):
        key = f"frame:{frame.pk}"
        initial = {"name": frame.name, "start": frame.start, "end": frame.end, "amount": amounts.get(frame.pk)}
        rows.append((frame, bound.get(key) or sf.FrameForm(prefix=f"f{frame.pk}", grid=grid, initial=initial)))
    context = {
        "facility": unit.facility,
        "unit": unit,
        "hourly": unit.frame_mode == FrameMode.HOURLY,
        "rows": rows,
        "new_form": bound.get("new") or sf.FrameForm(prefix="new", grid=grid),
        "rate_form": bound.get("rate") or sf.HourlyRateForm(initial={"amount": amounts.get(None)}),
        "hourly_amount": amounts.get(None),
        "rate_note": RATE_NOTE,
        "tab": "units",
    }
    return render(request, "reservations/staff/settings/frames.html", context, status=status)


@login_required
def frame_list(request: HttpRequest, unit_id: int) -> HttpResponse:
    actor = _manager(request)
    return _frames_page(request, _unit(actor, unit_id))


def _frames_url(unit_id: int) -> str:
    return reverse("staff:reservations:settings_frames", kwargs={"unit_id": unit_id})


@login_required
@require_POST
def frame_create(request: HttpRequest, unit_id: int) -> HttpResponse:
    actor = _manager(request)
    unit = _unit(actor, unit_id)
    form = sf.FrameForm(request.POST, prefix="new", grid=unit.facility.grid_minutes)
    if form.is_valid():
        try:
            frame = services.frame_create(actor=actor, unit_id=unit.pk, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"区分「{frame}」を追加しました。")
            return redirect(_frames_url(unit.pk))
    return _frames_page(request, unit, bound={"new": form}, status=400)


@login_required
@require_POST
def frame_update(request: HttpRequest, frame_id: int) -> HttpResponse:
    actor = _manager(request)
    frame = _frame(actor, frame_id)
    unit = frame.unit
    form = sf.FrameForm(request.POST, prefix=f"f{frame.pk}", grid=unit.facility.grid_minutes)
    if form.is_valid():
        try:
            frame = services.frame_update(actor=actor, frame_id=frame.pk, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"区分「{frame}」を保存しました。すでに受け付けた予約の使用料は変わりません。")
            return redirect(_frames_url(unit.pk))
    return _frames_page(request, unit, bound={f"frame:{frame.pk}": form}, status=400)


@login_required
@require_POST
def frame_delete(request: HttpRequest, frame_id: int) -> HttpResponse:
    actor = _manager(request)
    frame = _frame(actor, frame_id)
    name = str(frame)
    try:
        services.frame_delete(actor=actor, frame_id=frame.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"区分「{name}」を削除しました。すでに受け付けた予約はそのままです。")
    return redirect(_frames_url(frame.unit_id))


@login_required
@require_POST
def hourly_rate(request: HttpRequest, unit_id: int) -> HttpResponse:
    actor = _manager(request)
    unit = _unit(actor, unit_id)
    form = sf.HourlyRateForm(request.POST)
    if form.is_valid():
        try:
            rate = services.hourly_rate_set(actor=actor, unit_id=unit.pk, amount=form.cleaned_data["amount"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"1時間あたりの使用料を{rate.amount:,}円にしました。")
            return redirect(_frames_url(unit.pk))
    return _frames_page(request, unit, bound={"rate": form}, status=400)


# --- cancellation tiers -----------------------------------------------------------------------


@login_required
def tier_list(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor = _manager(request)
    facility = _facility(actor, facility_id)
    form = sf.TierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tier = services.cancellation_tier_create(actor=actor, facility_id=facility.pk, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"取消料の段階「{tier}」を追加しました。")
            return redirect("staff:reservations:settings_tiers", facility_id=facility.pk)
    from madoguchi.reservations.views.public import tier_lines

    context = {
        "facility": facility,
        "tiers": list(facility.cancellation_tiers.order_by("-min_days_before")),
        "lines": tier_lines(facility),
        "form": form,
        "tab": "tiers",
    }
    return render(request, "reservations/staff/settings/tiers.html", context, status=_status(form))


@login_required
@require_POST
def tier_delete(request: HttpRequest, tier_id: int) -> HttpResponse:
    actor = _manager(request)
    tier = _tier(actor, tier_id)
    label = str(tier)
    try:
        services.cancellation_tier_delete(actor=actor, tier_id=tier.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"取消料の段階「{label}」を削除しました。")
    return redirect("staff:reservations:settings_tiers", facility_id=tier.facility_id)


# --- photos -----------------------------------------------------------------------------------


@login_required
def photo_list(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor = _manager(request)
    facility = _facility(actor, facility_id)
    posted = request.method == "POST"
    form = sf.PhotoForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            services.photo_add(
                actor=actor, facility_id=facility.pk, image=form.cleaned_data["image"], alt=form.cleaned_data["alt"]
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "写真を追加しました。市民向けの施設のページに表示されます。")
            return redirect("staff:reservations:settings_photos", facility_id=facility.pk)
    context = {
        "facility": facility,
        "photos": list(facility.photos.order_by("position", "pk")),
        "form": form,
        "max_mb": services.MAX_PHOTO_BYTES // (1024 * 1024),
        "tab": "photos",
    }
    return render(request, "reservations/staff/settings/photos.html", context, status=_status(form))


@login_required
@require_POST
def photo_delete(request: HttpRequest, photo_id: int) -> HttpResponse:
    actor = _manager(request)
    photo = _photo(actor, photo_id)
    try:
        services.photo_delete(actor=actor, photo_id=photo.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"写真「{photo.alt}」を削除しました。")
    return redirect("staff:reservations:settings_photos", facility_id=photo.facility_id)


@login_required
@require_POST
def photo_move(request: HttpRequest, photo_id: int) -> HttpResponse:
    actor = _manager(request)
    photo = _photo(actor, photo_id)
    try:
        services.photo_move(actor=actor, photo_id=photo.pk, up=request.POST.get("direction") == "up")
    except DomainError as exc:
        messages.error(request, exc.message)
    url = reverse("staff:reservations:settings_photos", kwargs={"facility_id": photo.facility_id})
    return redirect(f"{url}#photo-{photo.pk}")


def _stream(photo: FacilityPhoto, cache: str) -> FileResponse:
    name = photo.image.name or ""
    try:
        handle = photo.image.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("写真のファイルが見つかりません。") from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if not content_type.startswith("image/"):
        raise Http404("写真のファイルが見つかりません。")
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def photo_image(request: HttpRequest, photo_id: int) -> FileResponse:
    """The photo for the staff screen (the facility may not be public yet)."""
    return _stream(_photo(_manager(request), photo_id), "private, max-age=300")


def facility_photo(request: HttpRequest, code: str, photo_id: int) -> FileResponse:
    """A photo of a public facility, for the resident facility page."""
    facility = selectors.facilities_public(municipality=municipality_for_request(request)).filter(code=code).first()
    photo = facility.photos.filter(pk=photo_id).first() if facility else None
    if photo is None:
        raise Http404("写真が見つかりません。")
    return _stream(photo, "public, max-age=3600")


# --- 利用者区分 and 減免 reasons -------------------------------------------------------------------


@login_required
def category_list(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    categories = UserCategory.objects.filter(municipality_id=actor.municipality_id)
    context: dict[str, Any] = {"categories": list(categories.order_by("is_group", "-is_resident", "code"))}
    return render(request, "reservations/staff/settings/categories.html", context)


@login_required
def category_create(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = sf.CategoryCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.user_category_create(
                actor=actor, code=form.cleaned_data["code"], settings=form.settings()
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"利用者区分「{category.name}」を追加しました。")
            return redirect("staff:reservations:settings_categories")
    return render(request, "reservations/staff/settings/category_form.html", {"form": form}, status=_status(form))


@login_required
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    actor = _manager(request)
    category = _category(actor, category_id)
    initial = {name: getattr(category, name) for name in sf.CategoryForm.base_fields}
    form = sf.CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.user_category_update(actor=actor, category_id=category.pk, settings=form.settings())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"利用者区分「{category.name}」を保存しました。")
            return redirect("staff:reservations:settings_categories")
    context = {"form": form, "category": category}
    return render(request, "reservations/staff/settings/category_form.html", context, status=_status(form))


@login_required
def reason_list(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    reasons = ReductionReason.objects.filter(municipality_id=actor.municipality_id).order_by("-percent", "code")
    return render(request, "reservations/staff/settings/reasons.html", {"reasons": list(reasons)})


@login_required
def reason_create(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = sf.ReasonCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reason = services.reduction_reason_create(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"減免の理由「{reason.name}」を追加しました。")
            return redirect("staff:reservations:settings_reasons")
    return render(request, "reservations/staff/settings/reason_form.html", {"form": form}, status=_status(form))


@login_required
def reason_edit(request: HttpRequest, reason_id: int) -> HttpResponse:
    actor = _manager(request)
    reason = _reason(actor, reason_id)
    initial = {"name": reason.name, "percent": reason.percent, "requires_evidence": reason.requires_evidence}
    form = sf.ReasonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reason = services.reduction_reason_update(actor=actor, reason_id=reason.pk, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"減免の理由「{reason.name}」を保存しました。")
            return redirect("staff:reservations:settings_reasons")
    context = {"form": form, "reason": reason}
    return render(request, "reservations/staff/settings/reason_form.html", context, status=_status(form))
