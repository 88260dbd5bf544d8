"""Pages for a signed-in resident: book, my bookings (pay, e-key, cancel), 利用者登録,
class sign-up and cancel, lottery applications.

Booking is two steps without JavaScript: the form, then a confirm page with the fee;
only the confirm page's POST creates the 仮予約. A second POST of the same confirm page
meets the database's overlap guard and is shown as "already booked", not as a second booking.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from madoguchi.citizens.auth import citizen_required, safe_next
from madoguchi.citizens.models import Citizen
from madoguchi.core import clock
from madoguchi.core.errors import DomainError
from madoguchi.core.wareki import span_text
from madoguchi.reservations import calendar, selectors
from madoguchi.reservations.errors import SlotTaken
from madoguchi.reservations.forms import (
    BOOKING_FIELDS,
    BookingForm,
    EvidenceForm,
    LotteryApplyForm,
    RegistrationForm,
    add_domain_error,
    registration_label,
    target_days,
)
from madoguchi.reservations.models import (
    AccessKey,
    Booking,
    BookingStatus,
    Enrollment,
    EnrollmentStatus,
    KeyStatus,
    Lottery,
    ReductionReason,
    RegistrationStatus,
    TimeFrame,
)
from madoguchi.reservations.models.bookings import ReductionStatus
from madoguchi.reservations.selectors import SlotState
from madoguchi.reservations.services import bookings as booking_services
from madoguchi.reservations.services import classes as class_services
from madoguchi.reservations.services import lotteries as lottery_services
from madoguchi.reservations.services import payment as payment_services
from madoguchi.reservations.services import registrations as registration_services
from madoguchi.reservations.views import day_text, moment_text, parse_local
from madoguchi.reservations.views.feeds import feed_url
from madoguchi.reservations.views.public import _facility, _lottery, lottery_context, tier_lines

STATUS_TONES = {
    BookingStatus.HELD: "neutral",
    BookingStatus.CONFIRMED: "success",
    BookingStatus.CANCELLED: "danger",
    BookingStatus.EXPIRED: "danger",
}


def _citizen(request: HttpRequest) -> Citizen:
    return request.citizen  # type: ignore[attr-defined, no-any-return]


# --- booking ------------------------------------------------------------------------------


def _slots_for(unit: Any, start: dt.datetime, end: dt.datetime) -> tuple[list[calendar.Slot], calendar.Slot | None]:
    """The unit's slots on the day of ``start``, and the one asked for (None when the unit does not offer it)."""
    slots = calendar.candidate_slots(unit, start.date())
    asked = next((s for s in slots if s.start == start and s.end == end), None)
    if asked is None and calendar.slot_fits(unit, start, end) is True:
        asked = calendar.Slot(unit.pk, start, end, f"{start:%H:%M}〜{end:%H:%M}")
        slots = sorted([*slots, asked], key=lambda s: (s.start, s.end))
    return slots, asked


def _still_free(unit: Any, slot: calendar.Slot) -> bool:
    day = slot.start.date()
    for unit_day in selectors.availability(facility=unit.facility, first=day, last=day)[day]:
        if unit_day.unit.pk == unit.pk:
            return any(
                v.slot.start == slot.start and v.slot.end == slot.end and v.state == SlotState.FREE
                for v in unit_day.slots
            )
    return False


def _same_booking(citizen: Citizen, unit_id: int, slot: calendar.Slot) -> Booking | None:
    """The resident's own live booking of exactly this slot (a second tap of 「仮予約する」)."""
    return (
        selectors.bookings_of(citizen=citizen)
        .filter(
            unit_id=unit_id, start=slot.start, end=slot.end, status__in=[BookingStatus.HELD, BookingStatus.CONFIRMED]
        )
        .first()
    )


@citizen_required
def book(request: HttpRequest, code: str) -> HttpResponse:
    citizen = _citizen(request)
    facility = _facility(request, code)
    unit = next((u for u in facility.units.all() if str(u.pk) == request.GET.get("unit") and u.bookable), None)
    start, end = parse_local(request.GET.get("start")), parse_local(request.GET.get("end"))
    facility_url = reverse("reservations:facility", args=[facility.code])
    if unit is None or start is None or end is None:
        messages.error(request, "予約する区画と時間を、空き状況から選び直してください。")
        return redirect(facility_url)
    slots, asked = _slots_for(unit, start, end)
    if asked is None:
        messages.error(request, "この区画で選べる時間ではありません。空き状況から選び直してください。")
        return redirect(f"{facility_url}?date={start.date().isoformat()}")
    registrations = selectors.registrations_usable(citizen=citizen)
    if not registrations:
        pending = [r for r in selectors.registrations_of(citizen=citizen) if r.status == RegistrationStatus.PENDING]
        return render(
            request,
            "reservations/resident/need_registration.html",
            {
                "facility": facility,
                "pending": pending,
                "register_url": reverse("reservations:register") + "?" + urlencode({"next": request.get_full_path()}),
            },
        )
    reductions = list(ReductionReason.objects.filter(municipality_id=citizen.municipality_id).order_by("percent", "pk"))
    form = BookingForm(
        request.POST or None,
        initial={"slot": f"{asked.start:%H:%M}-{asked.end:%H:%M}", "registration": str(registrations[0].pk)},
        slots=slots,
        registrations=registrations,
        reductions=reductions,
    )
    context: dict[str, Any] = {
        "facility": facility,
        "unit": unit,
        "day_label": day_text(start.date()),
        "form": form,
        "back_url": f"{facility_url}?date={start.date().isoformat()}",
    }
    step = request.POST.get("step", "")
    if request.method != "POST" or step == "edit" or not form.is_valid():
        return render(request, "reservations/resident/book_form.html", context)

    slot, registration, reduction = form.chosen_slot, form.chosen_registration, form.chosen_reduction
    needs_evidence = reduction is not None and reduction.requires_evidence
    if step == "hold" and not needs_evidence:
        # The service checks everything again in its transaction; in a rush for one slot most answers are
        # 「すでに予約」, which it gives before any other work.
        return _hold(request, citizen, form, context, unit, slot, registration, reduction, None)
    request_ = booking_services.BookingRequest(
        unit, slot.start, slot.end, form.cleaned_data["admission_charged"], form.cleaned_data["commercial"], reduction
    )
    try:
        booking_services.check_bookable(
            unit=unit, start=slot.start, end=slot.end, advance_months=registration.category.advance_months
        )
        if step != "hold" and not _still_free(unit, slot):
            raise SlotTaken()
        quote = booking_services.booking_quote(registration=registration, request=request_)
    except SlotTaken as exc:
        add_domain_error(form, exc, {"": "slot"})
        return render(request, "reservations/resident/book_form.html", context)
    except DomainError as exc:
        add_domain_error(form, exc, BOOKING_FIELDS)
        return render(request, "reservations/resident/book_form.html", context)

    evidence_form = EvidenceForm(request.POST, request.FILES) if step == "hold" and needs_evidence else EvidenceForm()
    context.update(
        {
            "slot_text": f"{day_text(slot.start.date())} {slot.start:%-H:%M}〜{slot.end:%-H:%M}",
            "registration_text": registration_label(registration),
            "quote": quote,
            "reduction": reduction,
            "needs_evidence": needs_evidence,
            "evidence_form": evidence_form,
            "tiers": tier_lines(facility),
            "hold_hours": _duration_text(facility.hold_minutes),
        }
    )
    if step != "hold":
        return render(request, "reservations/resident/book_confirm.html", context)
    if needs_evidence and not evidence_form.is_valid():
        return render(request, "reservations/resident/book_confirm.html", context)
    return _hold(request, citizen, form, context, unit, slot, registration, reduction, evidence_form)


def _hold(
    request: HttpRequest,
    citizen: Citizen,
    form: BookingForm,
    context: dict[str, Any],
    unit: Any,
    slot: calendar.Slot,
    registration: Any,
    reduction: ReductionReason | None,
    evidence_form: EvidenceForm | None,
) -> HttpResponse:
    """Step 3: the 仮予約 itself."""
    try:
        booking = booking_services.booking_hold(
            citizen=citizen,
            registration_id=registration.pk,
            unit_id=unit.pk,
            start=slot.start,
            end=slot.end,
            purpose=form.cleaned_data["purpose"],
            headcount=form.cleaned_data["headcount"],
            admission_charged=form.cleaned_data["admission_charged"],
            commercial=form.cleaned_data["commercial"],
            reduction_reason_id=reduction.pk if reduction else None,
            reduction_evidence=evidence_form.cleaned_data["reduction_evidence"] if evidence_form else None,
        )
    except SlotTaken as exc:
        mine = _same_booking(citizen, unit.pk, slot)
        if mine is not None:
            messages.info(
                request, f"この予約はすでに受け付けています（予約番号 {mine.number}）。二重に予約されてはいません。"
            )
            return redirect("reservations:booking", booking_id=mine.pk)
        add_domain_error(form, exc, {"": "slot"})
        return render(request, "reservations/resident/book_form.html", context)
    except DomainError as exc:
        if exc.field == "reduction_evidence" and evidence_form is not None:
            evidence_form.add_error("reduction_evidence", exc.message)
            return render(request, "reservations/resident/book_confirm.html", context)
        add_domain_error(form, exc, BOOKING_FIELDS)
        return render(request, "reservations/resident/book_form.html", context)
    if booking.status == BookingStatus.CONFIRMED:
        messages.success(request, f"予約が確定しました（予約番号 {booking.number}）。")
    elif booking.reduction_status == ReductionStatus.PENDING:
        messages.success(
            request, f"仮予約を受け付けました（予約番号 {booking.number}）。減免の審査結果をお待ちください。"
        )
    else:
        messages.success(
            request,
            f"仮予約を受け付けました（予約番号 {booking.number}）。支払期限までに使用料をお支払いください。",
        )
    return redirect("reservations:booking", booking_id=booking.pk)


def _duration_text(minutes: int) -> str:
    if minutes % (60 * 24) == 0:
        return f"{minutes // (60 * 24)}日"
    if minutes % 60 == 0:
        return f"{minutes // 60}時間"
    return f"{minutes}分"


# --- my bookings ---------------------------------------------------------------------------


def _booking_row(booking: Booking) -> dict[str, Any]:
    return {
        "booking": booking,
        "when": span_text(booking.start, booking.end),
        "tone": STATUS_TONES.get(BookingStatus(booking.status), "neutral"),
        "url": reverse("reservations:booking", args=[booking.pk]),
    }


@citizen_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    citizen = _citizen(request)
    now = clock.now()
    bookings = list(selectors.bookings_of(citizen=citizen))
    upcoming = sorted(
        (b for b in bookings if b.end > now and b.status in (BookingStatus.HELD, BookingStatus.CONFIRMED)),
        key=lambda b: b.start,
    )
    upcoming_ids = {b.pk for b in upcoming}
    past = [b for b in bookings if b.pk not in upcoming_ids]
    enrollments = [
        {
            "enrollment": e,
            "when": span_text(e.session.start, e.session.end),
            "position": class_services.waitlist_position(e),
            "past": e.session.end <= now,
        }
        for e in selectors.enrollments_of(citizen=citizen)
    ]
    registrations = selectors.registrations_of(citizen=citizen)
    feeds = [
        {
            "registration": r,
            "url": request.build_absolute_uri(feed_url(r.feed_token)),
        }
        for r in registrations
        if r.owner_id == citizen.pk
    ]
    response = render(
        request,
        "reservations/resident/my_bookings.html",
        {
            "upcoming": [_booking_row(b) for b in upcoming],
            "past": [_booking_row(b) for b in past[:30]],
            "enrollments": enrollments,
            "registrations": registrations,
            "feeds": feeds,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _own(citizen: Citizen, booking_id: int) -> Booking:
    booking = selectors.booking_of(citizen=citizen, booking_id=booking_id)
    if booking is None:
        raise Http404("booking")
    return booking


def _key(booking: Booking) -> AccessKey | None:
    try:
        return booking.access_key
    except AccessKey.DoesNotExist:
        return None


@citizen_required
def booking_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    citizen = _citizen(request)
    booking = _own(citizen, booking_id)
    now = clock.now()
    key = _key(booking)
    show_pin = (
        key is not None
        and booking.status == BookingStatus.CONFIRMED
        and key.status == KeyStatus.ACTIVE
        and key.sent_at is not None
        and now < key.ends_at
    )
    active = booking.status in (BookingStatus.HELD, BookingStatus.CONFIRMED)
    response = render(
        request,
        "reservations/resident/booking_detail.html",
        {
            "booking": booking,
            "row": _booking_row(booking),
            "facility": booking.unit.facility,
            "lines": booking.fee_detail.get("lines", []) if booking.fee_detail else [],
            "deadline": moment_text(booking.hold_deadline),
            "payable": booking.status == BookingStatus.HELD
            and booking.fee_amount > 0
            and booking.reduction_status != ReductionStatus.PENDING,
            "reduction_pending": booking.reduction_status == ReductionStatus.PENDING,
            "key": key,
            "show_pin": show_pin,
            "key_valid": f"{moment_text(key.starts_at)}〜{moment_text(key.ends_at)}" if show_pin and key else "",
            "has_lock": bool(booking.unit.lock_id),
            "active": active,
            "cancellable": active and booking.start > now,
        },
    )
    response["Cache-Control"] = "private, no-store"  # the PIN must not stay in a cache
    return response


@citizen_required
@require_POST
def booking_pay(request: HttpRequest, booking_id: int) -> HttpResponse:
    """「お支払いへ進む」: open a checkout on the gateway and send the resident there.

    The gateway brings them back to payments' result page, which links on to ``return_url``:
    this booking's page, as a path on this site (the result page follows only local URLs).
    """
    citizen = _citizen(request)
    booking = _own(citizen, booking_id)
    detail = reverse("reservations:booking", args=[booking.pk])
    try:
        url = payment_services.payment_start(citizen=citizen, booking_id=booking.pk, return_url=detail)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(detail)
    return HttpResponseRedirect(url)


@citizen_required
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    citizen = _citizen(request)
    booking = _own(citizen, booking_id)
    detail = reverse("reservations:booking", args=[booking.pk])
    error = ""
    if request.method == "POST":
        try:
            booking_services.booking_cancel(citizen=citizen, booking_id=booking.pk)
        except DomainError as exc:
            error = exc.message
        else:
            booking.refresh_from_db()
            note = (
                f"取消料 {booking.cancel_fee:,}円、返金額 {booking.refund_amount:,}円。" if booking.paid_amount else ""
            )
            messages.success(request, f"予約を取り消しました（予約番号 {booking.number}）。{note}")
            return redirect(detail)
    if booking.status not in (BookingStatus.HELD, BookingStatus.CONFIRMED):
        messages.info(request, "この予約はすでに取り消されています。")
        return redirect(detail)
    quote = booking_services.cancellation_quote(booking=booking)
    return render(
        request,
        "reservations/resident/booking_cancel.html",
        {
            "booking": booking,
            "row": _booking_row(booking),
            "quote": quote,
            "tiers": tier_lines(booking.unit.facility),
            "error": error,
            "started": booking.start <= clock.now(),
            "held": booking.status == BookingStatus.HELD,
        },
        status=409 if error else 200,
    )


# --- 利用者登録 ------------------------------------------------------------------------------


@citizen_required
def register(request: HttpRequest) -> HttpResponse:
    citizen = _citizen(request)
    categories = list(selectors.categories_for(municipality=citizen.municipality))
    form = RegistrationForm(request.POST or None, categories=categories)
    next_url = safe_next(request, reverse("reservations:my"))
    if request.method == "POST" and form.is_valid():
        try:
            registration = registration_services.registration_create(
                citizen=citizen,
                category_id=int(form.cleaned_data["category"]),
                name=form.cleaned_data["name"],
                name_kana=form.cleaned_data["name_kana"],
                phone=form.cleaned_data["phone"],
                representative=form.cleaned_data["representative"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if registration.status == RegistrationStatus.ACTIVE:
                messages.success(request, f"利用者登録が完了しました（利用者番号 {registration.number}）。")
                return redirect(next_url)
            messages.success(
                request,
                f"利用者登録を受け付けました（利用者番号 {registration.number}）。"
                "職員が確認したあと、予約できるようになります。",
            )
            return redirect("reservations:my")
    return render(
        request,
        "reservations/resident/register.html",
        {
            "form": form,
            "next": next_url,
            "existing": selectors.registrations_of(citizen=citizen),
            "verified_names": [c.name for c in categories if c.requires_verification],
        },
    )


# --- classes ---------------------------------------------------------------------------------


@citizen_required
def class_enroll(request: HttpRequest, session_id: int) -> HttpResponse:
    """「申し込む」 (a GET, e.g. after signing in, just shows the session page again)."""
    page = reverse("reservations:class", args=[session_id])
    if request.method != "POST":
        return redirect(page)
    citizen = _citizen(request)
    try:
        enrollment = class_services.enrollment_create(citizen=citizen, session_id=session_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(page)
    if enrollment.status == EnrollmentStatus.REGISTERED:
        messages.success(request, "お申し込みを受け付けました。参加が決まりました。")
    else:
        position = class_services.waitlist_position(enrollment)
        messages.success(
            request,
            f"定員に達しているため、キャンセル待ち（{position}番目）で受け付けました。繰り上がったらお知らせします。",
        )
    return redirect(page)


@citizen_required
@require_POST
def class_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    citizen = _citizen(request)
    page = reverse("reservations:class", args=[session_id])
    enrollment = (
        Enrollment.objects.filter(session_id=session_id, citizen=citizen)
        .exclude(status=EnrollmentStatus.CANCELLED)
        .first()
    )
    if enrollment is None:
        messages.info(request, "この講座へのお申し込みはありません。")
        return redirect(page)
    try:
        class_services.enrollment_cancel(citizen=citizen, enrollment_id=enrollment.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "お申し込みを取り消しました。")
    return redirect(page)


# --- lotteries --------------------------------------------------------------------------------


def lottery_apply_form(citizen: Citizen, item: Lottery, data: Any) -> dict[str, Any]:
    registrations = selectors.registrations_usable(citizen=citizen)
    if not registrations:
        return {
            "apply_form": None,
            "register_url": reverse("reservations:register")
            + "?"
            + urlencode({"next": reverse("reservations:lottery", args=[item.pk])}),
        }
    units = [u for u in item.facility.units.order_by("position", "code") if u.bookable]
    frames = list(TimeFrame.objects.filter(unit__in=units).order_by("start", "end"))
    form = LotteryApplyForm(
        data,
        registrations=registrations,
        units=units,
        days=target_days(item.target_start, item.target_end),
        frames=frames,
        max_choices=item.max_choices,
    )
    return {"apply_form": form, "register_url": ""}


@citizen_required
def lottery_apply(request: HttpRequest, lottery_id: int) -> HttpResponse:
    citizen = _citizen(request)
    item = _lottery(request, lottery_id)
    page = reverse("reservations:lottery", args=[item.pk])
    if request.method != "POST":
        return redirect(page)
    context = lottery_context(request, item)
    context.update(lottery_apply_form(citizen, item, request.POST))
    form: LotteryApplyForm | None = context["apply_form"]
    if form is None or not form.is_valid():
        return render(request, "reservations/public/lottery_detail.html", context, status=200)
    try:
        application = lottery_services.lottery_apply(
            citizen=citizen,
            lottery_id=item.pk,
            registration_id=form.chosen_registration.pk,
            choices=[lottery_services.Choice(unit_id, start, end) for unit_id, start, end in form.choices()],
            purpose=form.cleaned_data["purpose"],
        )
    except DomainError as exc:
        add_domain_error(form, exc, {"choices": "unit_1"})
        return render(request, "reservations/public/lottery_detail.html", context)
    messages.success(
        request, f"抽選に申し込みました（申込番号 {application.public_id}）。結果は抽選日にお知らせします。"
    )
    return redirect(page)


@citizen_required
@require_POST
def lottery_withdraw(request: HttpRequest, lottery_id: int, application_id: int) -> HttpResponse:
    citizen = _citizen(request)
    page = reverse("reservations:lottery", args=[lottery_id])
    try:
        lottery_services.lottery_withdraw(citizen=citizen, application_id=application_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "抽選の申込を取り下げました。")
    return redirect(page)
