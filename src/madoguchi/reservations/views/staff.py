"""Staff screens of facility booking and classes (生涯学習課): home, facility calendar, booking
detail and its actions, counter/phone bookings, blocks, closures, 利用者登録 verification,
減免, lotteries and classes. Permission checks live in services and selectors; a view that
loads an object goes through a selector scoped to the actor's city and answers 404 otherwise."""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from madoguchi.core import clock
from madoguchi.core.clock import TOKYO
from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, has_perm, require
from madoguchi.core.wareki import span_text, weekday_name
from madoguchi.reservations import calendar, selectors
from madoguchi.reservations import staff_forms as sf
from madoguchi.reservations.models import (
    AccessKey,
    Booking,
    BookingKind,
    BookingStatus,
    ClassSession,
    Enrollment,
    EnrollmentStatus,
    Facility,
    KeyStatus,
    Lottery,
    LotteryStatus,
    ReductionReason,
    Registration,
    RegistrationStatus,
    Unit,
)
from madoguchi.reservations.models.bookings import ReductionStatus
from madoguchi.reservations.services import bookings as booking_services
from madoguchi.reservations.services import classes as class_services
from madoguchi.reservations.services import keys as key_services
from madoguchi.reservations.services import lotteries as lottery_services
from madoguchi.reservations.services import payment as payment_services
from madoguchi.reservations.services import registrations as registration_services

MAX_DAYS = 14
SHORT_STATUS = {BookingStatus.HELD: "仮予約", BookingStatus.CONFIRMED: "確定", BookingStatus.CANCELLED: "取消"}


def _actor(request: HttpRequest) -> StaffUser:
    return request.user  # type: ignore[return-value]


def _form_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _facility(actor: StaffUser, facility_id: int) -> Facility:
    facility = selectors.facilities_for(actor=actor).filter(pk=facility_id).first()
    if facility is None:
        raise Http404("この施設は見つかりません。")
    return facility


def _booking(request: HttpRequest, booking_id: int) -> Booking:
    booking = selectors.booking_for_staff(actor=_actor(request), booking_id=booking_id)
    if booking is None:
        raise Http404("この予約は見つかりません。")
    return booking


def _units(facility: Facility) -> list[Unit]:
    return [u for u in facility.units.all().order_by("position", "code") if u.bookable]


# --- how a booking reads on the screens --------------------------------------------------


@dataclass(frozen=True)
class KeyState:
    icon: str
    label: str
    tone: str
    failing: bool = False


def key_state(booking: Booking) -> KeyState | None:
    """The e-key as staff need to know it: an icon (decorative) and the same in words."""
    if booking.kind == BookingKind.BLOCK:
        return None
    try:
        key: AccessKey = booking.access_key
    except AccessKey.DoesNotExist:
        return KeyState("🏢", "鍵は窓口で受け渡し", "neutral")
    if not key.in_sync and key.last_error:
        return KeyState("⚠", "電子鍵エラー（錠に届いていません）", "danger", failing=True)
    if not key.in_sync:
        return KeyState("⏳", "電子鍵を錠に反映中", "neutral")
    if key.status == KeyStatus.ACTIVE:
        return KeyState("🔑", "電子鍵 有効（送付済み）" if key.sent_at else "電子鍵 有効", "success")
    if key.status == KeyStatus.DEACTIVATED:
        return KeyState("🚫", "電子鍵 無効", "neutral")
    return KeyState("🔒", "電子鍵 支払い後に有効", "neutral")


@dataclass(frozen=True)
class Entry:
    """One booking or block on the calendar or in a list."""

    booking: Booking
    times: str
    status: str
    who: str
    key: KeyState | None

    @property
    def is_block(self) -> bool:
        return self.booking.kind == BookingKind.BLOCK

    @property
    def tone(self) -> str:
        if self.is_block or self.booking.status == BookingStatus.CANCELLED:
            return "neutral"
        return "success" if self.booking.status == BookingStatus.CONFIRMED else "warning"


def _entry(booking: Booking, *, names: bool) -> Entry:
    start, end = booking.start.astimezone(TOKYO), booking.end.astimezone(TOKYO)
    if booking.kind == BookingKind.BLOCK:
        status, who = "職員確保", booking.purpose
    else:
        status = SHORT_STATUS.get(BookingStatus(booking.status), booking.get_status_display())
        who = booking.registration.name if names and booking.registration else ""
    return Entry(booking, f"{start:%-H:%M}〜{end:%-H:%M}", status, who, key_state(booking))


# --- home ------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    today = clock.today()
    context: dict[str, Any] = {
        "facilities": list(selectors.facilities_for(actor=actor)),
        "registrations_pending": selectors.registrations_pending(actor=actor).count(),
        "reductions_pending": selectors.reductions_pending(actor=actor).count(),
        "keys_failing": [(key, _entry(key.booking, names=False)) for key in selectors.keys_failing(actor=actor)[:50]],
        "today": today,
        "today_entries": [_entry(b, names=False) for b in selectors.bookings_on(actor=actor, day=today)[:200]],
        "can_manage": has_perm(actor, Perm.FACILITY_MANAGE),
    }
    return render(request, "reservations/staff/home.html", context)


# --- facility calendar -------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    unit: Unit
    closed: str | None
    entries: list[Entry]


@dataclass(frozen=True)
class Row:
    day: dt.date
    closed: str | None
    cells: list[Cell]

    @property
    def weekday(self) -> str:
        return weekday_name(self.day)


def _parse_day(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
def facility_calendar(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor = _actor(request)
    first = _parse_day(request.GET.get("date"), clock.today())
    try:
        days = min(max(int(request.GET.get("days", "7")), 1), MAX_DAYS)
    except ValueError:
        days = 7
    try:
        facility, bookings = selectors.staff_calendar(actor=actor, facility_id=facility_id, first=first, days=days)
    except Facility.DoesNotExist:
        raise Http404("この施設は見つかりません。") from None
    units = _units(facility)
    last = first + dt.timedelta(days=days - 1)
    closures = calendar.closures_between(facility, first, last)
    rows = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        day_start = calendar.aware(day, dt.time())
        day_end = day_start + dt.timedelta(days=1)
        cells = [
            Cell(
                unit,
                calendar.closed_reason(facility, unit, day, closures),
                [
                    _entry(b, names=True)
                    for b in bookings
                    if b.unit_id == unit.pk and b.start < day_end and b.end > day_start
                ],
            )
            for unit in units
        ]
        rows.append(Row(day, calendar.closed_reason(facility, None, day, closures), cells))
    step = dt.timedelta(days=days)
    context = {
        "facility": facility,
        "units": units,
        "rows": rows,
        "first": first,
        "last": last,
        "days": days,
        "prev": (first - step).isoformat(),
        "next": (first + step).isoformat(),
        "today": clock.today().isoformat(),
    }
    return render(request, "reservations/staff/calendar.html", context)


# --- booking detail and its actions ------------------------------------------------------


def _booking_detail(
    request: HttpRequest,
    booking: Booking,
    *,
    cancel_form: sf.StaffCancelForm | None = None,
    reduction_form: sf.DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    intent = None
    if booking.payment_intent_id and has_perm(actor, Perm.PAYMENT_VIEW):
        from madoguchi.payments import selectors as payment_selectors

        intent = payment_selectors.intent_for(actor=actor, intent_id=booking.payment_intent_id)
    try:
        key: AccessKey | None = booking.access_key
    except AccessKey.DoesNotExist:
        key = None
    active = booking.status in (BookingStatus.HELD, BookingStatus.CONFIRMED)
    reduction_pending = booking.reduction_status == ReductionStatus.PENDING and booking.status == BookingStatus.HELD
    context: dict[str, Any] = {
        "booking": booking,
        "entry": _entry(booking, names=True),
        "when": span_text(booking.start, booking.end),
        "fee_lines": (booking.fee_detail or {}).get("lines", []),
        "money": {
            name: f"{getattr(booking, name):,}円"
            for name in ("fee_amount", "paid_amount", "cancel_fee", "refund_amount")
        },
        "intent": intent,
        "key": key,
        "key_state": key_state(booking),
        "active": active,
        "reduction_pending": reduction_pending,
        "can_cancel": active and has_perm(actor, Perm.BOOKING_CHANGE),
        "can_decide": reduction_pending and has_perm(actor, Perm.FEE_REDUCTION_APPROVE),
        "can_see_evidence": has_perm(actor, Perm.FEE_REDUCTION_APPROVE),
        "can_cash": (
            booking.status == BookingStatus.HELD
            and booking.fee_amount > 0
            and not reduction_pending
            and has_perm(actor, Perm.PAYMENT_CASH)
        ),
        "can_retry_key": key is not None and not key.in_sync and has_perm(actor, Perm.BOOKING_CHANGE),
        "cancel_form": cancel_form or sf.StaffCancelForm(),
        "reduction_form": reduction_form or sf.DecisionForm(),
    }
    return render(request, "reservations/staff/booking_detail.html", context, status=status)


@login_required
def booking_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    return _booking_detail(request, _booking(request, booking_id))


@login_required
@require_POST
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(request, booking_id)
    form = sf.StaffCancelForm(request.POST)
    if form.is_valid():
        try:
            booking = booking_services.booking_cancel_by_staff(
                actor=_actor(request),
                booking_id=booking.pk,
                reason=form.cleaned_data["reason"],
                full_refund=form.cleaned_data["full_refund"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            note = f"返金額 {booking.refund_amount:,}円。" if booking.paid_amount else ""
            messages.success(request, f"予約 {booking.number} を取り消しました。{note}")
            return redirect("staff:reservations:booking", booking_id=booking.pk)
    return _booking_detail(request, booking, cancel_form=form, status=400)


@login_required
@require_POST
def booking_reduction(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(request, booking_id)
    form = sf.DecisionForm(request.POST)
    if form.is_valid():
        try:
            booking = booking_services.reduction_decide(
                actor=_actor(request), booking_id=booking.pk, approve=form.approve, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            verdict = "承認" if form.approve else "却下"
            messages.success(request, f"減免を{verdict}しました。使用料は {booking.fee_amount:,}円です。")
            return redirect("staff:reservations:booking", booking_id=booking.pk)
    return _booking_detail(request, booking, reduction_form=form, status=400)


@login_required
@require_POST
def booking_cash(request: HttpRequest, booking_id: int) -> HttpResponse:
    """「窓口で現金を受け取る」: the payment to record the cash against, on the payments screen."""
    booking = _booking(request, booking_id)
    try:
        intent = payment_services.payment_at_counter(actor=_actor(request), booking_id=booking.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("staff:reservations:booking", booking_id=booking.pk)
    return redirect(reverse("staff:payments:intent", kwargs={"intent_id": intent.pk}) + "#cash")


@login_required
@require_POST
def booking_key_retry(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(request, booking_id)
    try:
        key = key_services.key_retry(actor=_actor(request), booking_id=booking.pk)
    except DomainError as exc:
        raise Http404(exc.message) from None
    if key.in_sync:
        messages.success(request, f"電子鍵を錠に反映しました（{key.get_status_display()}）。")
    else:
        messages.error(
            request,
            f"錠に反映できませんでした: {key.last_error}。自動で再試行します。利用日が近い場合は窓口で鍵をお渡しください。",
        )
    return redirect("staff:reservations:booking", booking_id=booking.pk)


@login_required
def booking_evidence(request: HttpRequest, booking_id: int) -> FileResponse:
    """The 減免 evidence, to staff who may see the booking only (MEDIA is never served publicly)."""
    booking = selectors.reduction_evidence_for(actor=_actor(request), booking_id=booking_id)
    if booking is None:
        raise Http404("証明書類は見つかりません。")
    name = (booking.reduction_evidence.name or "evidence").rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(
        booking.reduction_evidence.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def reductions(request: HttpRequest) -> HttpResponse:
    pending = selectors.reductions_pending(actor=_actor(request)).order_by("hold_deadline", "pk")
    return render(
        request, "reservations/staff/reductions.html", {"entries": [_entry(b, names=True) for b in pending[:200]]}
    )


# --- counter / phone booking, blocks, closures -----------------------------------------------


def _slot_groups(facility: Facility, day: dt.date) -> list[tuple[Unit, list[tuple[str, str, str, bool]]]]:
    """Per unit: (slot key, time label, state, whether staff may book it)."""
    staff_ok = {selectors.SlotState.FREE, selectors.SlotState.LOTTERY, selectors.SlotState.NOT_YET}
    days = selectors.availability(facility=facility, first=day, last=day)
    groups = []
    for unit_day in days[day]:
        groups.append(
            (
                unit_day.unit,
                [
                    (
                        v.slot.key,
                        f"{v.slot.label}"
                        if ":" in v.slot.label
                        else f"{v.slot.label}（{v.slot.start:%-H:%M}〜{v.slot.end:%-H:%M}）",
                        v.note or v.label,
                        v.state in staff_ok,
                    )
                    for v in unit_day.slots
                ],
            )
        )
    return groups


def _reductions(actor: StaffUser) -> list[tuple[str, str]]:
    return [
        (str(r.pk), str(r))
        for r in ReductionReason.objects.filter(municipality_id=actor.municipality_id).order_by("percent", "code")
    ]


@login_required
def counter_booking(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Perm.BOOKING_CHANGE)
    facility = _facility(actor, facility_id)
    day = _parse_day(request.POST.get("date") or request.GET.get("date"), clock.today())
    groups = _slot_groups(facility, day)
    choices = [(key, f"{unit.name} {label}") for unit, slots in groups for key, label, _, ok in slots if ok]
    lookup = sf.RegistrationLookupForm(request.POST if request.POST.get("action") == "lookup" else None)
    registration: Registration | None = None
    booking_form: sf.CounterBookingForm | None = None
    status = 200
    if request.method == "POST" and request.POST.get("action") == "lookup":
        if lookup.is_valid():
            registration = selectors.registration_by_number(actor=actor, number=lookup.cleaned_data["number"])
            if registration is None:
                lookup.add_error("number", "この利用者番号の登録は見つかりません。番号をお確かめください。")
            elif registration.status != RegistrationStatus.ACTIVE:
                lookup.add_error(
                    "number", f"この利用者登録は「{registration.get_status_display()}」のため予約できません。"
                )
        if lookup.errors:
            registration, status = None, 400
        else:
            booking_form = sf.CounterBookingForm(
                initial={"registration_number": registration.number if registration else ""},
                slots=choices,
                reductions=_reductions(actor),
            )
    elif request.method == "POST" and request.POST.get("action") == "book":
        booking_form = sf.CounterBookingForm(request.POST, slots=choices, reductions=_reductions(actor))
        number = sf.RegistrationLookupForm({"number": request.POST.get("registration_number", "")})
        if number.is_valid():
            registration = selectors.registration_by_number(actor=actor, number=number.cleaned_data["number"])
        if registration is None:
            raise Http404("利用者登録が見つかりません。")
        if booking_form.is_valid():
            unit_id, start, end = booking_form.cleaned_data["slot"]
            unit = next((u for u, _ in groups if u.pk == unit_id), None)
            if unit is not None and unit.frame_mode == "hourly" and booking_form.cleaned_data["hours"]:
                end = start + dt.timedelta(hours=booking_form.cleaned_data["hours"])
            try:
                booking = booking_services.booking_create_by_staff(
                    actor=actor,
                    registration_id=registration.pk,
                    unit_id=unit_id,
                    start=start,
                    end=end,
                    purpose=booking_form.cleaned_data["purpose"],
                    headcount=booking_form.cleaned_data["headcount"],
                    admission_charged=booking_form.cleaned_data["admission_charged"],
                    commercial=booking_form.cleaned_data["commercial"],
                    reduction_reason_id=booking_form.cleaned_data["reduction_reason"],
                )
            except DomainError as exc:
                _form_error(booking_form, exc if exc.field != "start" else DomainError(exc.message, field="slot"))
            else:
                state = (
                    "確定しました" if booking.status == BookingStatus.CONFIRMED else "仮予約にしました（お支払い待ち）"
                )
                messages.success(request, f"予約 {booking.number} を{state}。使用料は {booking.fee_amount:,}円です。")
                return redirect("staff:reservations:booking", booking_id=booking.pk)
        status = 400
    context = {
        "facility": facility,
        "day": day,
        "day_form": sf.DayForm(initial={"date": day}),
        "lookup": lookup,
        "registration": registration,
        "booking_form": booking_form,
        "groups": groups,
    }
    return render(request, "reservations/staff/counter_booking.html", context, status=status)


@login_required
def block_create(request: HttpRequest, facility_id: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Perm.BOOKING_CHANGE)
    facility = _facility(actor, facility_id)
    form = sf.BlockForm(request.POST or None, facility=facility, initial={"date": clock.today()})
    if request.method == "POST" and form.is_valid():
        start, end = form.span()
        try:
            block = booking_services.block_create(
                actor=actor,
                unit_id=int(form.cleaned_data["unit"]),
                start=start,
                end=end,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{block.unit.name} を {span_text(start, end)} 確保しました（{block.number}）。")
            url = reverse("staff:reservations:calendar", kwargs={"facility_id": facility.pk})
            return redirect(f"{url}?date={start.date().isoformat()}")
    status = 400 if form.is_bound else 200
    return render(request, "reservations/staff/block.html", {"facility": facility, "form": form}, status=status)


@login_required
def closure_create(request: HttpRequest, facility_id: int) -> HttpResponse:
    """臨時休館: the first submit shows which bookings would be cancelled; the second closes."""
    actor = _actor(request)
    require(actor, Perm.BOOKING_CHANGE)
    facility = _facility(actor, facility_id)
    form = sf.ClosureForm(request.POST or None, facility=facility)
    affected: list[Entry] | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["confirm"]:
            try:
                closure, cancelled = booking_services.closure_create(
                    actor=actor,
                    facility_id=facility.pk,
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    reason=data["reason"],
                    unit_id=form.unit_id,
                    is_disaster=data["is_disaster"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    f"臨時休館を登録しました。予約{cancelled}件を取り消し、支払い済みの分は全額返金します。"
                    "利用者には通知が送られます。",
                )
                url = reverse("staff:reservations:calendar", kwargs={"facility_id": facility.pk})
                return redirect(f"{url}?date={closure.start_date.isoformat()}")
        else:
            bookings = selectors.closure_affected(
                actor=actor,
                facility_id=facility.pk,
                start_date=data["start_date"],
                end_date=data["end_date"],
                unit_id=form.unit_id,
            )
            affected = [_entry(b, names=True) for b in bookings]
    status = 400 if form.is_bound and form.errors else 200
    context: dict[str, Any] = {"facility": facility, "form": form, "affected": affected}
    if affected is not None:
        unit = next((u for u in _units(facility) if u.pk == form.unit_id), None)
        context["scope"] = unit.name if unit else "施設全体"
    return render(request, "reservations/staff/closure.html", context, status=status)


# --- 利用者登録 ---------------------------------------------------------------------------


def _registrations_page(
    request: HttpRequest, *, bound: tuple[int, sf.DecisionForm] | None = None, status: int = 200
) -> HttpResponse:
    pending = list(selectors.registrations_pending(actor=_actor(request)).order_by("created_at", "pk"))
    rows = [(r, bound[1] if bound and bound[0] == r.pk else sf.DecisionForm(prefix=f"r{r.pk}")) for r in pending]
    return render(request, "reservations/staff/registrations.html", {"rows": rows}, status=status)


@login_required
def registrations(request: HttpRequest) -> HttpResponse:
    return _registrations_page(request)


@login_required
@require_POST
def registration_decide(request: HttpRequest, registration_id: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Perm.BOOKING_CHANGE)
    registration = selectors.registration_for_staff(actor=actor, registration_id=registration_id)
    if registration is None:
        raise Http404("この利用者登録は見つかりません。")
    form = sf.DecisionForm(request.POST, prefix=f"r{registration.pk}")
    if form.is_valid():
        try:
            registration = registration_services.registration_decide(
                actor=actor, registration_id=registration.pk, approve=form.approve, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            verdict = "承認しました。予約できるようになります" if form.approve else "却下しました"
            messages.success(request, f"利用者登録 {registration.number} を{verdict}。")
            return redirect("staff:reservations:registrations")
    return _registrations_page(request, bound=(registration.pk, form), status=400)


# --- lotteries ---------------------------------------------------------------------------


@login_required
def lottery_list(request: HttpRequest) -> HttpResponse:
    lotteries = list(selectors.lotteries_for(actor=_actor(request))[:100])
    return render(request, "reservations/staff/lottery_list.html", {"lotteries": lotteries})


@login_required
def lottery_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Perm.FACILITY_MANAGE)
    form = sf.LotteryForm(request.POST or None, facilities=list(selectors.facilities_for(actor=actor)))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = lottery_services.lottery_create(
                actor=actor,
                facility_id=int(data["facility"]),
                name=data["name"],
                target_start=data["target_start"],
                target_end=data["target_end"],
                apply_from=data["apply_from"],
                apply_until=data["apply_until"],
                draw_at=data["draw_at"],
                confirm_until=data["confirm_until"],
                max_choices=data["max_choices"],
                max_applications=data["max_applications"],
                max_wins_per_applicant=data["max_wins_per_applicant"],
                max_wins_per_group=data["max_wins_per_group"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"抽選「{item.name}」を作成しました。シードのハッシュを公開できます。")
            return redirect("staff:reservations:lottery", lottery_id=item.pk)
    status = 400 if form.is_bound else 200
    return render(request, "reservations/staff/lottery_form.html", {"form": form}, status=status)


def _lottery(request: HttpRequest, lottery_id: int) -> tuple[Lottery, list[selectors.SlotDemand], list[Any]]:
    found = selectors.lottery_for_staff(actor=_actor(request), lottery_id=lottery_id)
    if found is None:
        raise Http404("この抽選は見つかりません。")
    return found


@login_required
def lottery_detail(request: HttpRequest, lottery_id: int) -> HttpResponse:
    from madoguchi.core import clock

    item, slots, applications = _lottery(request, lottery_id)
    can_draw = item.status in (LotteryStatus.OPEN, LotteryStatus.CLOSED) and clock.now() >= item.draw_at
    context = {
        "lottery": item,
        "slots": slots,
        "applications": applications,
        "can_draw": can_draw,
        "drawn": item.status in (LotteryStatus.DRAWN, LotteryStatus.SETTLED),
        "active_count": sum(a.status != "withdrawn" for a in applications),
        "won_count": sum(a.status == "won" for a in applications),
    }
    return render(request, "reservations/staff/lottery_detail.html", context)


@login_required
@require_POST
def lottery_draw(request: HttpRequest, lottery_id: int) -> HttpResponse:
    item, _, _ = _lottery(request, lottery_id)
    try:
        result = lottery_services.lottery_draw(lottery_id=item.pk, actor=_actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        won = sum(1 for o in result.outcomes.values() if o.slot is not None)
        messages.success(request, f"抽選を実行しました。当選 {won}件、落選 {len(result.outcomes) - won}件です。")
    return redirect("staff:reservations:lottery", lottery_id=item.pk)


def _published(request: HttpRequest, lottery_id: int, *, result: bool) -> HttpResponse:
    """The draw's published input or result (pseudonyms only), to post on the city's website."""
    item, _, _ = _lottery(request, lottery_id)
    text = item.published_result if result else item.published_input
    if not text:
        raise Http404("抽選はまだ実施されていません。")
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    name = f"lottery-{item.municipality_id}-{item.pk}-{'result' if result else 'input'}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def lottery_input_json(request: HttpRequest, lottery_id: int) -> HttpResponse:
    return _published(request, lottery_id, result=False)


@login_required
def lottery_result_json(request: HttpRequest, lottery_id: int) -> HttpResponse:
    return _published(request, lottery_id, result=True)


# --- classes -----------------------------------------------------------------------------


@login_required
def class_list(request: HttpRequest) -> HttpResponse:
    sessions = list(selectors.sessions_with_counts(actor=_actor(request))[:200])
    return render(request, "reservations/staff/class_list.html", {"sessions": sessions})


@login_required
def class_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    facilities = list(selectors.facilities_for(actor=actor))
    form = sf.ClassSessionForm(request.POST or None, facilities=facilities)
    if request.method == "POST" and form.is_valid():
        try:
            session = class_services.class_session_create(actor=actor, **form.service_kwargs())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"「{session.event.title}」の回を追加しました。")
            return redirect("staff:reservations:class", session_id=session.pk)
    return render(request, "reservations/staff/class_form.html", {"form": form}, status=400 if form.is_bound else 200)


def _roster(
    request: HttpRequest,
    session_id: int,
    *,
    walk_in: sf.WalkInForm | None = None,
    capacity: sf.CapacityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    found = selectors.session_roster(actor=_actor(request), session_id=session_id)
    if found is None:
        raise Http404("この講座は見つかりません。")
    session, roster = found
    registered = [e for e in roster if e.status == EnrollmentStatus.REGISTERED]
    waitlisted = [e for e in roster if e.status == EnrollmentStatus.WAITLISTED]
    context = {
        "session": session,
        "when": span_text(session.start, session.end),
        "registered": registered,
        "waitlisted": waitlisted,
        "attended": sum(1 for e in registered if e.attended),
        "walk_in": walk_in or sf.WalkInForm(),
        "capacity_form": capacity or sf.CapacityForm(initial={"capacity": session.capacity}),
    }
    return render(request, "reservations/staff/class_roster.html", context, status=status)


@login_required
def class_roster(request: HttpRequest, session_id: int) -> HttpResponse:
    return _roster(request, session_id)


def _session(request: HttpRequest, session_id: int) -> ClassSession:
    session = selectors.sessions_for(actor=_actor(request)).filter(pk=session_id).first()
    if session is None:
        raise Http404("この講座は見つかりません。")
    return session


@login_required
@require_POST
def class_walk_in(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    form = sf.WalkInForm(request.POST)
    if form.is_valid():
        try:
            enrollment = class_services.enrollment_create_by_staff(
                actor=_actor(request), session_id=session.pk, **form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            where = "参加者" if enrollment.status == EnrollmentStatus.REGISTERED else "キャンセル待ち"
            messages.success(request, f"{enrollment.walk_in_name} さんを{where}として受け付けました。")
            return redirect("staff:reservations:class", session_id=session.pk)
    return _roster(request, session.pk, walk_in=form, status=400)


@login_required
@require_POST
def class_capacity(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    form = sf.CapacityForm(request.POST)
    if form.is_valid():
        try:
            promoted = class_services.session_capacity_set(
                actor=_actor(request), session_id=session.pk, capacity=form.cleaned_data["capacity"]
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            note = f"キャンセル待ちから{len(promoted)}人が繰り上がりました。" if promoted else ""
            messages.success(request, f"定員を{form.cleaned_data['capacity']}人にしました。{note}")
            return redirect("staff:reservations:class", session_id=session.pk)
    return _roster(request, session.pk, capacity=form, status=400)


def _enrollment(request: HttpRequest, enrollment_id: int) -> Enrollment:
    enrollment = selectors.enrollment_for_staff(actor=_actor(request), enrollment_id=enrollment_id)
    if enrollment is None:
        raise Http404("この申込は見つかりません。")
    return enrollment


@login_required
@require_POST
def enrollment_attendance(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = _enrollment(request, enrollment_id)
    form = sf.AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "出席か欠席を選んでください。")
    else:
        try:
            class_services.attendance_set(
                actor=_actor(request), enrollment_id=enrollment.pk, attended=form.cleaned_data["attended"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
    url = reverse("staff:reservations:class", kwargs={"session_id": enrollment.session_id})
    return redirect(f"{url}#enrollment-{enrollment.pk}")


@login_required
@require_POST
def enrollment_cancel(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = _enrollment(request, enrollment_id)
    try:
        class_services.enrollment_cancel_by_staff(actor=_actor(request), enrollment_id=enrollment.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "申込を取り消しました。キャンセル待ちの方がいれば繰り上がります。")
    return redirect("staff:reservations:class", session_id=enrollment.session_id)
