"""Booking use cases: quote, hold (仮予約), confirm on payment, expire, cancel, staff blocks and closures."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from madoguchi.citizens.models import Citizen
from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.clock import TOKYO
from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.core.text import normalize_prose
from madoguchi.core.wareki import moment_text, span_text, to_wareki
from madoguchi.reservations import calendar, fees, occupancy
from madoguchi.reservations.errors import LimitReached, NotCancellable, SlotTaken, SlotUnavailable
from madoguchi.reservations.models import (
    Booking,
    BookingKind,
    BookingSource,
    BookingStatus,
    Closure,
    Facility,
    Lottery,
    Occupancy,
    Rate,
    ReductionReason,
    Registration,
    RegistrationStatus,
    Unit,
)
from madoguchi.reservations.models.bookings import ACTIVE_STATUSES, ReductionStatus
from madoguchi.reservations.models.lotteries import LOTTERY_BLOCKING
from madoguchi.reservations.notices import notice_send
from madoguchi.reservations.services import keys, payment
from madoguchi.reservations.services.registrations import audit_citizen, registration_usable

# A resident may hold this many active bookings across all their registrations.
MAX_ACTIVE_PER_CITIZEN = getattr(settings, "RESERVATIONS_MAX_ACTIVE_PER_CITIZEN", 6)
# A 減免 request waits this long for a decision before the hold lapses.
REDUCTION_DECISION_DAYS = 7


# --- what residents see --------------------------------------------------------


def booking_context(booking: Booking) -> dict[str, str]:
    return {
        "facility": booking.unit.facility.name,
        "unit": booking.unit.name,
        "when": span_text(booking.start, booking.end),
        "number": booking.number,
        "fee": f"{booking.fee_amount:,}円",
    }


# --- fees ------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingRequest:
    unit: Unit
    start: dt.datetime
    end: dt.datetime
    admission_charged: bool = False
    commercial: bool = False
    reduction: ReductionReason | None = None


def _base_rate(unit: Unit, frame: object) -> tuple[int, bool]:
    """(yen, per hour) for the unit: the frame's rate, else the hourly rate."""
    rates = {r.frame_id: r.amount for r in Rate.objects.filter(unit=unit)}
    frame_id = getattr(frame, "pk", None)
    if frame_id is not None and frame_id in rates:
        return rates[frame_id], False
    if None in rates:
        return rates[None], True
    raise SlotUnavailable("この区画の使用料が設定されていません。施設にお問い合わせください。")


def booking_quote(*, registration: Registration, request: BookingRequest) -> fees.FeeQuote:
    fits = calendar.slot_fits(request.unit, request.start, request.end)
    if fits is False:
        raise SlotUnavailable("この区画で選べる時間ではありません。", field="start")
    base, per_hour = _base_rate(request.unit, fits)
    facility = request.unit.facility
    day = request.start.astimezone(TOKYO).date()
    surcharges: list[tuple[str, int]] = []
    if facility.weekend_surcharge_pct and (day.weekday() >= 5 or calendar.jpholiday.is_holiday(day)):
        surcharges.append(("土日祝", facility.weekend_surcharge_pct))
    if request.admission_charged and facility.admission_surcharge_pct:
        surcharges.append(("入場料徴収", facility.admission_surcharge_pct))
    if request.commercial and facility.commercial_surcharge_pct:
        surcharges.append(("営利目的", facility.commercial_surcharge_pct))
    rules = fees.FeeRules(
        base=base,
        per_hour=per_hour,
        minutes=int((request.end - request.start).total_seconds() // 60),
        category=registration.category.name,
        multiplier=str(registration.category.fee_multiplier),
        surcharges=tuple(surcharges),
        reduction=(request.reduction.name, request.reduction.percent) if request.reduction else None,
        rounding=facility.rounding,
    )
    return fees.fee_compute(rules)


# --- checks ----------------------------------------------------------------------


def _lottery_blocks(facility: Facility, start: dt.datetime) -> Lottery | None:
    """A lottery over this day that has not yet released its slots to first-come."""
    day = start.astimezone(TOKYO).date()
    return Lottery.objects.filter(
        facility=facility, target_start__lte=day, target_end__gte=day, status__in=LOTTERY_BLOCKING
    ).first()


def check_bookable(*, unit: Unit, start: dt.datetime, end: dt.datetime, advance_months: int | None) -> None:
    """Raise SlotUnavailable with the reason a resident may not book [start, end) on ``unit``.

    ``advance_months`` None skips the booking window (staff bookings and blocks).
    """
    facility = unit.facility
    if not (facility.is_public and unit.bookable):
        raise SlotUnavailable("この区画は予約を受け付けていません。")
    if calendar.slot_fits(unit, start, end) is False:
        raise SlotUnavailable("この区画で選べる時間ではありません。", field="start")
    now = clock.now()
    if start < now + dt.timedelta(hours=facility.lead_hours):
        raise SlotUnavailable(f"予約は利用開始の{facility.lead_hours}時間前までです。", field="start")
    day = start.astimezone(TOKYO).date()
    if advance_months is not None and (lottery := _lottery_blocks(facility, start)) is not None:
        raise SlotUnavailable(
            f"この日は抽選（{lottery.name}）の対象です。抽選のあと、空いた枠を先着順で予約できます。", field="start"
        )
    if advance_months is not None:
        last_day = calendar.add_months(clock.today(), advance_months)
        if day > last_day:
            raise SlotUnavailable(
                f"この日はまだ予約できません。{to_wareki(last_day)}の分まで予約できます。", field="start"
            )
    reason = calendar.closed_reason(facility, unit, day, calendar.closures_between(facility, day, day))
    if reason:
        raise SlotUnavailable(f"この日は{reason}のため予約できません。", field="start")


def _check_limits(registration: Registration, booked_by: Citizen | None) -> None:
    now = clock.now()
    active = Booking.objects.active().filter(end__gt=now)
    if active.filter(registration=registration).count() >= registration.category.max_active_bookings:
        raise LimitReached(
            f"同時に持てる予約は{registration.category.max_active_bookings}件までです。"
            "利用が終わるか、取り消すと新しく予約できます。"
        )
    if booked_by is not None and active.filter(booked_by=booked_by).count() >= MAX_ACTIVE_PER_CITIZEN:
        raise LimitReached(f"お一人が同時に持てる予約は{MAX_ACTIVE_PER_CITIZEN}件までです。")


# --- creating ---------------------------------------------------------------------


def _new_number() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at the counter
    return f"{clock.today():%y%m}-" + "".join(secrets.choice(alphabet) for _ in range(6))


def _insert(booking: Booking) -> Booking:
    """Save the booking and occupy its leaves; the database refuses an overlap (→ SlotTaken)."""
    for _ in range(5):
        booking.number = _new_number()
        try:
            with transaction.atomic():
                booking.save(force_insert=True)
                occupancy.occupy(booking)
            return booking
        except IntegrityError:
            booking.pk = None
            if Booking.objects.filter(municipality_id=booking.municipality_id, number=booking.number).exists():
                continue  # a number collision: draw another
            raise SlotTaken() from None
    raise SlotTaken()


def _hold_deadline(facility: Facility, start: dt.datetime, reduction_pending: bool) -> dt.datetime:
    now = clock.now()
    wait = (
        dt.timedelta(days=REDUCTION_DECISION_DAYS) if reduction_pending else dt.timedelta(minutes=facility.hold_minutes)
    )
    return min(now + wait, start - dt.timedelta(hours=facility.lead_hours))


def _reduction_for(registration: Registration, reduction_reason_id: int | None) -> ReductionReason | None:
    if reduction_reason_id is None:
        return None
    reason = ReductionReason.objects.filter(
        municipality_id=registration.municipality_id, pk=reduction_reason_id
    ).first()
    if reason is None:
        raise DomainError("減免の理由を選び直してください。", field="reduction_reason")
    return reason


def _create(
    *,
    registration: Registration,
    booked_by: Citizen | None,
    staff: StaffUser | None,
    request: BookingRequest,
    source: BookingSource,
    purpose: str,
    headcount: int | None,
    evidence: UploadedFile | None,
    deadline: dt.datetime | None = None,
    check_limits: bool = True,
) -> Booking:
    if check_limits:
        _check_limits(registration, booked_by)
    if request.reduction and request.reduction.requires_evidence and evidence is None and staff is None:
        raise DomainError("減免には証明書類（画像またはPDF）の添付が必要です。", field="reduction_evidence")
    quote = booking_quote(registration=registration, request=request)
    reduction_pending = request.reduction is not None and staff is None
    booking = Booking(
        municipality_id=registration.municipality_id,
        kind=BookingKind.BOOKING,
        status=BookingStatus.HELD,
        source=source,
        unit=request.unit,
        start=request.start,
        end=request.end,
        registration=registration,
        booked_by=booked_by,
        staff=staff,
        purpose=normalize_prose(purpose)[:100],
        headcount=headcount,
        admission_charged=request.admission_charged,
        commercial=request.commercial,
        fee_amount=quote.amount,
        fee_detail=quote.snapshot(),
        reduction_reason=request.reduction,
        reduction_status=(
            ReductionStatus.PENDING
            if reduction_pending
            else ReductionStatus.APPROVED
            if request.reduction
            else ReductionStatus.NONE
        ),
        hold_deadline=deadline or _hold_deadline(request.unit.facility, request.start, reduction_pending),
        created_at=clock.now(),
    )
    if evidence is not None:
        # A random name: the resident's own file name may say who they are or what the certificate is.
        original = evidence.name or ""
        extension = original.rsplit(".", 1)[-1].lower() if "." in original else "bin"
        booking.reduction_evidence.save(f"{secrets.token_hex(16)}.{extension}", evidence, save=False)
    if staff is not None and request.reduction:
        booking.reduction_decided_by = staff
        booking.reduction_decided_at = clock.now()
    _insert(booking)
    keys.key_prepare(booking=booking)
    if booking.fee_amount == 0 and not reduction_pending:
        booking_confirm(booking=booking, paid=0)
    return booking


def create_for_lottery(
    *, registration: Registration, booked_by: Citizen, request: BookingRequest, purpose: str, deadline: dt.datetime
) -> Booking:
    """A winner's 仮予約, to be paid by the lottery's confirm deadline (caps were the draw's)."""
    return _create(
        registration=registration,
        booked_by=booked_by,
        staff=None,
        request=request,
        source=BookingSource.LOTTERY,
        purpose=purpose,
        headcount=None,
        evidence=None,
        deadline=deadline,
        check_limits=False,
    )


@transaction.atomic
def booking_hold(
    *,
    citizen: Citizen,
    registration_id: int,
    unit_id: int,
    start: dt.datetime,
    end: dt.datetime,
    purpose: str = "",
    headcount: int | None = None,
    admission_charged: bool = False,
    commercial: bool = False,
    reduction_reason_id: int | None = None,
    reduction_evidence: UploadedFile | None = None,
    source: BookingSource = BookingSource.WEB,
) -> Booking:
    """A resident's 仮予約 (first-come): the slot is theirs until the payment deadline."""
    registration = registration_usable(citizen=citizen, registration_id=registration_id)
    unit = (
        Unit.objects.select_related("facility")
        .filter(facility__municipality_id=citizen.municipality_id)
        .get(pk=unit_id)
    )
    if occupancy.is_taken(unit, start, end):
        raise SlotTaken()  # the common answer in a rush for one slot: say it before doing any other work
    check_bookable(unit=unit, start=start, end=end, advance_months=registration.category.advance_months)
    request = BookingRequest(
        unit, start, end, admission_charged, commercial, _reduction_for(registration, reduction_reason_id)
    )
    booking = _create(
        registration=registration,
        booked_by=citizen,
        staff=None,
        request=request,
        source=source,
        purpose=purpose,
        headcount=headcount,
        evidence=reduction_evidence,
    )
    audit_citizen(citizen, "booking.hold", booking)
    if booking.status == BookingStatus.HELD:
        notice_send(
            citizen_id=citizen.pk,
            key="reservations.held",
            context={**booking_context(booking), "deadline": moment_text(booking.hold_deadline)},
        )
    return booking


@transaction.atomic
def booking_create_by_staff(
    *,
    actor: StaffUser,
    registration_id: int,
    unit_id: int,
    start: dt.datetime,
    end: dt.datetime,
    purpose: str = "",
    headcount: int | None = None,
    admission_charged: bool = False,
    commercial: bool = False,
    reduction_reason_id: int | None = None,
) -> Booking:
    """A booking taken at the counter or by telephone (paid in cash, or online by the resident)."""
    require(actor, Perm.BOOKING_CHANGE)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(municipality_id=actor.municipality_id, pk=registration_id)
        .first()
    )
    if registration is None:
        raise DomainError("利用者登録が見つかりません。", field="registration")
    if registration.status != RegistrationStatus.ACTIVE:
        raise DomainError(
            f"この利用者登録は「{registration.get_status_display()}」のため予約できません。", field="registration"
        )
    unit = (
        Unit.objects.select_related("facility").filter(facility__municipality_id=actor.municipality_id).get(pk=unit_id)
    )
    check_bookable(unit=unit, start=start, end=end, advance_months=None)
    request = BookingRequest(
        unit, start, end, admission_charged, commercial, _reduction_for(registration, reduction_reason_id)
    )
    booking = _create(
        registration=registration,
        booked_by=None,
        staff=actor,
        request=request,
        source=BookingSource.COUNTER,
        purpose=purpose,
        headcount=headcount,
        evidence=None,
    )
    audit_record(municipality=actor.municipality, actor=actor, action="booking.create", obj=booking)
    return booking


@transaction.atomic
def block_create(*, actor: StaffUser, unit_id: int, start: dt.datetime, end: dt.datetime, reason: str) -> Booking:
    """Staff hold a unit for the city's own use or maintenance (no fee, no registration)."""
    require(actor, Perm.BOOKING_CHANGE)
    unit = (
        Unit.objects.select_related("facility").filter(facility__municipality_id=actor.municipality_id).get(pk=unit_id)
    )
    if end <= start:
        raise DomainError("終了は開始より後にしてください。", field="end")
    grid = dt.timedelta(minutes=unit.facility.grid_minutes)
    if any((t - calendar.aware(t.astimezone(TOKYO).date(), dt.time())) % grid for t in (start, end)):
        raise DomainError(f"時刻は{unit.facility.grid_minutes}分単位で指定してください。", field="start")
    booking = Booking(
        municipality_id=actor.municipality_id,
        kind=BookingKind.BLOCK,
        status=BookingStatus.CONFIRMED,
        source=BookingSource.COUNTER,
        unit=unit,
        start=start,
        end=end,
        staff=actor,
        purpose=normalize_prose(reason)[:100],
        created_at=clock.now(),
        confirmed_at=clock.now(),
    )
    _insert(booking)
    audit_record(municipality=actor.municipality, actor=actor, action="booking.block", obj=booking, reason=reason)
    return booking


# --- payment, confirmation, expiry -------------------------------------------------------


def booking_confirm(*, booking: Booking, paid: int) -> Booking:
    """Held → confirmed (payment received, or nothing to pay). Call inside a transaction."""
    if booking.status != BookingStatus.HELD:
        return booking
    booking.status = BookingStatus.CONFIRMED
    booking.paid_amount = paid
    booking.confirmed_at = clock.now()
    booking.hold_deadline = None
    booking.save(update_fields=["status", "paid_amount", "confirmed_at", "hold_deadline"])
    audit_record(
        municipality=booking.municipality, actor=None, actor_label="system", action="booking.confirm", obj=booking
    )
    key = keys.key_want_active(booking=booking)
    key_note = (
        f"\n電子鍵（暗証番号）は利用開始の{keys.send_lead_minutes(booking.municipality_id)}分前にお送りします。"
        if key is not None
        else "\n鍵は当日、施設の窓口でお受け取りください。"
    )
    notice_send(
        citizen_id=booking.resident_id,
        key="reservations.confirmed",
        context={**booking_context(booking), "key_note": key_note},
    )
    return booking


def _end(booking: Booking, status: BookingStatus, *, reason: str, staff: StaffUser | None = None) -> None:
    booking.status = status
    booking.cancelled_at = clock.now()
    booking.cancel_reason = reason[:100]
    booking.cancelled_by_staff = staff
    booking.hold_deadline = None
    booking.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancel_reason",
            "cancelled_by_staff",
            "cancel_fee",
            "refund_amount",
            "hold_deadline",
        ]
    )
    occupancy.release(booking)
    keys.key_want_inactive(booking=booking)


def bookings_expire_overdue(*, now: dt.datetime | None = None) -> int:
    """Release 仮予約 whose payment deadline has passed (run by the worker's clock)."""
    now = now or clock.now()
    expired = 0
    due = list(
        Booking.objects.filter(status=BookingStatus.HELD, hold_deadline__lt=now).values_list("pk", flat=True)[:500]
    )
    for booking_id in due:
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("unit__facility", "municipality")
                .get(pk=booking_id)
            )
            if booking.status != BookingStatus.HELD or booking.hold_deadline is None or booking.hold_deadline >= now:
                continue  # paid or cancelled meanwhile
            _end(booking, BookingStatus.EXPIRED, reason="支払期限切れ")
            payment.payment_cancel(booking=booking, reason="支払期限切れ")
            audit_record(
                municipality=booking.municipality,
                actor=None,
                actor_label="system",
                action="booking.expire",
                obj=booking,
            )
            notice_send(citizen_id=booking.resident_id, key="reservations.expired", context=booking_context(booking))
            expired += 1
    return expired


# --- cancellation --------------------------------------------------------------------


@dataclass(frozen=True)
class CancellationQuote:
    days_before: int
    fee: int
    refund: int


def cancellation_quote(*, booking: Booking, today: dt.date | None = None) -> CancellationQuote:
    today = today or clock.today()
    days_before = (booking.start.astimezone(TOKYO).date() - today).days
    tiers = list(booking.unit.facility.cancellation_tiers.values_list("min_days_before", "fee_pct"))
    fee = fees.cancellation_fee(paid=booking.paid_amount, tiers=tiers, days_before=days_before)
    return CancellationQuote(days_before=days_before, fee=fee, refund=booking.paid_amount - fee)


def _own_booking(citizen: Citizen, booking_id: int) -> Booking:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("unit__facility", "municipality")
        .filter(municipality_id=citizen.municipality_id, pk=booking_id)
        .first()
    )
    if booking is None or booking.resident_id != citizen.pk:
        raise DomainError("予約が見つかりません。")
    return booking


@transaction.atomic
def booking_cancel(*, citizen: Citizen, booking_id: int) -> Booking:
    """The resident cancels; the facility's tiers decide the 取消料, the rest is refunded."""
    booking = _own_booking(citizen, booking_id)
    if booking.status not in ACTIVE_STATUSES:
        raise NotCancellable("この予約はすでに取り消されています。")
    if booking.start <= clock.now():
        raise NotCancellable("利用開始後の予約は取り消せません。施設にお問い合わせください。")
    quote = cancellation_quote(booking=booking)
    booking.cancel_fee, booking.refund_amount = quote.fee, quote.refund
    was_held = booking.status == BookingStatus.HELD
    _end(booking, BookingStatus.CANCELLED, reason="利用者による取消")
    if was_held:
        payment.payment_cancel(booking=booking, reason="利用者による取消")
    elif quote.refund:
        payment.payment_refund(booking=booking, amount=quote.refund, reason="取消（取消料を差し引いて返金）")
    audit_citizen(citizen, "booking.cancel", booking)
    notice_send(
        citizen_id=booking.resident_id,
        key="reservations.cancelled",
        context={**booking_context(booking), "money_note": _money_note(booking)},
    )
    return booking


def _money_note(booking: Booking) -> str:
    if booking.paid_amount == 0:
        return ""
    note = f"\n取消料 {booking.cancel_fee:,}円"
    if booking.refund_amount:
        note += f"、返金額 {booking.refund_amount:,}円（お支払いに使われた方法でお返しします）"
    return note


@transaction.atomic
def booking_cancel_by_staff(*, actor: StaffUser, booking_id: int, reason: str, full_refund: bool = True) -> Booking:
    """Staff cancel (closure, disaster, the resident's request by phone): full refund by default."""
    require(actor, Perm.BOOKING_CHANGE)
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("unit__facility", "municipality")
        .filter(municipality_id=actor.municipality_id, pk=booking_id)
        .first()
    )
    if booking is None:
        raise DomainError("予約が見つかりません。")
    if booking.status not in ACTIVE_STATUSES:
        raise NotCancellable("この予約はすでに取り消されています。")
    if not reason.strip():
        raise DomainError("取消の理由を入力してください。", field="reason")
    _cancel_for_city(booking, actor, reason, full_refund=full_refund)
    return booking


def _cancel_for_city(booking: Booking, actor: StaffUser, reason: str, *, full_refund: bool) -> None:
    was_held = booking.status == BookingStatus.HELD
    if full_refund or booking.kind == BookingKind.BLOCK:
        booking.cancel_fee, booking.refund_amount = 0, booking.paid_amount
    else:
        quote = cancellation_quote(booking=booking)
        booking.cancel_fee, booking.refund_amount = quote.fee, quote.refund
    _end(booking, BookingStatus.CANCELLED, reason=reason, staff=actor)
    if was_held:
        payment.payment_cancel(booking=booking, reason=reason)
    elif booking.refund_amount:
        payment.payment_refund(booking=booking, amount=booking.refund_amount, reason=reason)
    audit_record(
        municipality=booking.municipality, actor=actor, action="booking.cancel_by_staff", obj=booking, reason=reason
    )
    if booking.kind == BookingKind.BOOKING:
        notice_send(
            citizen_id=booking.resident_id,
            key="reservations.closure",
            context={**booking_context(booking), "reason": reason},
        )


@transaction.atomic
def closure_create(
    *,
    actor: StaffUser,
    facility_id: int,
    start_date: dt.date,
    end_date: dt.date,
    reason: str,
    unit_id: int | None = None,
    is_disaster: bool = False,
) -> tuple[Closure, int]:
    """臨時休館: closes the days and cancels the bookings in them with a full refund."""
    require(actor, Perm.BOOKING_CHANGE)
    facility = Facility.objects.filter(municipality_id=actor.municipality_id, pk=facility_id).first()
    if facility is None:
        raise DomainError("施設が見つかりません。")
    if end_date < start_date:
        raise DomainError("終了日は開始日以降にしてください。", field="end_date")
    if not reason.strip():
        raise DomainError("休館の理由を入力してください。", field="reason")
    unit = facility.units.filter(pk=unit_id).first() if unit_id else None
    closure = Closure.objects.create(
        facility=facility, unit=unit, start_date=start_date, end_date=end_date, reason=reason, is_disaster=is_disaster
    )
    affected = Booking.objects.active().filter(
        unit__facility=facility,
        start__lt=calendar.aware(end_date + dt.timedelta(days=1), dt.time()),
        end__gt=calendar.aware(start_date, dt.time()),
    )
    if unit is not None:
        leaf_ids = {leaf.pk for leaf in occupancy.leaves_of(unit)}
        # A subquery, not a join + DISTINCT: PostgreSQL refuses FOR UPDATE with DISTINCT.
        affected = affected.filter(pk__in=Occupancy.objects.filter(leaf_id__in=leaf_ids).values("booking_id"))
    cancelled = 0
    ids = list(affected.values_list("pk", flat=True))
    locked = Booking.objects.select_for_update(of=("self",)).select_related("unit__facility", "municipality")
    for booking in locked.filter(pk__in=ids).order_by("pk"):
        if booking.kind == BookingKind.BLOCK:
            continue
        _cancel_for_city(booking, actor, reason, full_refund=True)
        cancelled += 1
    audit_record(municipality=actor.municipality, actor=actor, action="facility.closure", obj=closure, reason=reason)
    return closure, cancelled


@transaction.atomic
def reduction_decide(*, actor: StaffUser, booking_id: int, approve: bool, note: str = "") -> Booking:
    """減免の審査: approving applies the reason's percent; refusing charges the full fee. Either way the
    resident then has the facility's usual time to pay."""
    require(actor, Perm.FEE_REDUCTION_APPROVE)
    booking = (
        Booking.objects.select_for_update(of=("self",))  # registration is nullable (an outer join)
        .select_related("unit__facility", "registration__category", "municipality")
        .filter(municipality_id=actor.municipality_id, pk=booking_id)
        .first()
    )
    if booking is None or booking.reduction_status != ReductionStatus.PENDING or booking.status != BookingStatus.HELD:
        raise DomainError("審査中の減免申請が見つかりません。")
    assert booking.registration is not None
    request = BookingRequest(
        booking.unit,
        booking.start,
        booking.end,
        booking.admission_charged,
        booking.commercial,
        booking.reduction_reason if approve else None,
    )
    quote = booking_quote(registration=booking.registration, request=request)
    booking.reduction_status = ReductionStatus.APPROVED if approve else ReductionStatus.REJECTED
    booking.reduction_decided_by = actor
    booking.reduction_decided_at = clock.now()
    booking.fee_amount = quote.amount
    booking.fee_detail = quote.snapshot()
    booking.hold_deadline = _hold_deadline(booking.unit.facility, booking.start, reduction_pending=False)
    booking.save(
        update_fields=[
            "reduction_status",
            "reduction_decided_by",
            "reduction_decided_at",
            "fee_amount",
            "fee_detail",
            "hold_deadline",
        ]
    )
    audit_record(
        municipality=actor.municipality,
        actor=actor,
        action="booking.reduction_approve" if approve else "booking.reduction_reject",
        obj=booking,
        reason=note,
    )
    if booking.fee_amount == 0:
        booking_confirm(booking=booking, paid=0)
    else:
        notice_send(
            citizen_id=booking.resident_id,
            key="reservations.held",
            context={**booking_context(booking), "deadline": moment_text(booking.hold_deadline)},
        )
    return booking


def booking_reminders_send(*, now: dt.datetime | None = None) -> int:
    """The day before: remind each resident of tomorrow's confirmed bookings, once (the worker's clock)."""
    now = now or clock.now()
    tomorrow = calendar.aware(now.astimezone(TOKYO).date() + dt.timedelta(days=1), dt.time())
    due = Booking.objects.filter(
        kind=BookingKind.BOOKING,
        status=BookingStatus.CONFIRMED,
        reminder_sent_at__isnull=True,
        start__gte=tomorrow,
        start__lt=tomorrow + dt.timedelta(days=1),
    ).values_list("pk", flat=True)
    sent = 0
    for booking_id in list(due):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("unit__facility", "registration")
                .get(pk=booking_id)
            )
            if booking.reminder_sent_at is not None:
                continue
            booking.reminder_sent_at = now
            booking.save(update_fields=["reminder_sent_at"])
            key_note = (
                f"電子鍵（暗証番号）は利用開始の{keys.send_lead_minutes(booking.municipality_id)}分前にLINEでお送りします。"
                if booking.unit.lock_id
                else "鍵は施設の窓口でお受け取りください。"
            )
            notice_send(
                citizen_id=booking.resident_id,
                key="reservations.reminder",
                context={**booking_context(booking), "key_note": key_note, "address": booking.unit.facility.address},
            )
            sent += 1
    return sent


def booking_check_in(*, booking: Booking, at: dt.datetime) -> bool:
    """The first unlock (or staff at the desk) marks check-in; later ones change nothing."""
    updated = Booking.objects.filter(pk=booking.pk, checked_in_at__isnull=True).update(checked_in_at=at)
    if updated:
        audit_record(
            municipality=booking.municipality, actor=None, actor_label="lock", action="booking.check_in", obj=booking
        )
    return bool(updated)
