"""Reads: facilities, availability, a resident's bookings, staff calendars."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, F, Prefetch, Q, QuerySet

from madoguchi.citizens.models import Citizen
from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.reservations import calendar, occupancy
from madoguchi.reservations.models import (
    AccessKey,
    Booking,
    BookingKind,
    BookingStatus,
    ClassSession,
    Enrollment,
    EnrollmentStatus,
    Facility,
    Lottery,
    LotteryApplication,
    LotteryChoice,
    LotteryStatus,
    Occupancy,
    Registration,
    RegistrationStatus,
    TimeFrame,
    Unit,
    UserCategory,
)
from madoguchi.reservations.models.bookings import ACTIVE_STATUSES


class SlotState(StrEnum):
    FREE = "free"
    TAKEN = "taken"
    CLOSED = "closed"
    LOTTERY = "lottery"
    PAST = "past"
    NOT_YET = "not_yet"  # beyond the booking window


STATE_LABELS = {
    SlotState.FREE: "空き",
    SlotState.TAKEN: "予約済み",
    SlotState.CLOSED: "休館",
    SlotState.LOTTERY: "抽選対象",
    SlotState.PAST: "受付終了",
    SlotState.NOT_YET: "受付前",
}


@dataclass(frozen=True)
class SlotView:
    slot: calendar.Slot
    state: SlotState
    note: str = ""

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class UnitDay:
    unit: Unit
    slots: list[SlotView]


def facilities_public(*, municipality: Municipality) -> QuerySet[Facility]:
    return Facility.objects.filter(municipality=municipality, is_public=True).order_by("kind", "code")


def facility_public(*, municipality: Municipality, code: str) -> Facility | None:
    return (
        facilities_public(municipality=municipality)
        .prefetch_related(
            "photos",
            Prefetch(
                "units", queryset=Unit.objects.prefetch_related("frames", "children", "rates").order_by("position")
            ),
        )
        .filter(code=code)
        .first()
    )


def _occupied(facility: Facility, first: dt.date, last: dt.date) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    rows = Occupancy.objects.filter(
        leaf__facility=facility,
        start__lt=calendar.aware(last + dt.timedelta(days=1), dt.time()),
        end__gt=calendar.aware(first, dt.time()),
    ).values_list("leaf_id", "start", "end")
    taken: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for leaf_id, start, end in rows:
        taken[leaf_id].append((start, end))
    return taken


def _lottery_days(facility: Facility, first: dt.date, last: dt.date) -> set[dt.date]:
    days: set[dt.date] = set()
    for lottery in Lottery.objects.filter(
        facility=facility,
        target_start__lte=last,
        target_end__gte=first,
        status__in=[LotteryStatus.OPEN, LotteryStatus.CLOSED],
    ):
        d = max(lottery.target_start, first)
        while d <= min(lottery.target_end, last):
            days.add(d)
            d += dt.timedelta(days=1)
    return days


def availability(
    *, facility: Facility, first: dt.date, last: dt.date, advance_months: int = 2
) -> dict[dt.date, list[UnitDay]]:
    """Every bookable unit's slots on each day from ``first`` to ``last``, with their state."""
    units = [u for u in facility.units.all() if u.bookable]
    frames: dict[int, list[TimeFrame]] = defaultdict(list)
    for frame in TimeFrame.objects.filter(unit__facility=facility).order_by("start"):
        frames[frame.unit_id].append(frame)
    leaves = {u.pk: [leaf.pk for leaf in occupancy.leaves_of(u)] for u in units}
    taken = _occupied(facility, first, last)
    closures = calendar.closures_between(facility, first, last)
    lottery_days = _lottery_days(facility, first, last)
    now = clock.now()
    cutoff = now + dt.timedelta(hours=facility.lead_hours)
    window_end = calendar.add_months(clock.today(), advance_months)
    days: dict[dt.date, list[UnitDay]] = {}
    day = first
    while day <= last:
        result = []
        for unit in units:
            reason = calendar.closed_reason(facility, unit, day, closures)
            views = []
            for slot in calendar.candidate_slots(unit, day, frames.get(unit.pk, [])):
                if reason:
                    views.append(SlotView(slot, SlotState.CLOSED, reason))
                elif any(s < slot.end and slot.start < e for leaf in leaves[unit.pk] for s, e in taken.get(leaf, [])):
                    views.append(SlotView(slot, SlotState.TAKEN))
                elif slot.start < cutoff:
                    views.append(SlotView(slot, SlotState.PAST))
                elif day in lottery_days:
                    views.append(SlotView(slot, SlotState.LOTTERY))
                elif day > window_end:
                    views.append(SlotView(slot, SlotState.NOT_YET))
                else:
                    views.append(SlotView(slot, SlotState.FREE))
            result.append(UnitDay(unit, views))
        days[day] = result
        day += dt.timedelta(days=1)
    return days


def free_counts(days: dict[dt.date, list[UnitDay]]) -> dict[dt.date, int]:
    return {day: sum(v.state == SlotState.FREE for ud in units for v in ud.slots) for day, units in days.items()}


# --- residents -----------------------------------------------------------------------


def categories_for(*, municipality: Municipality) -> QuerySet[UserCategory]:
    return UserCategory.objects.filter(municipality=municipality).order_by("is_group", "-is_resident", "code")


def registrations_of(*, citizen: Citizen) -> list[Registration]:
    """Registrations the resident may book with: their own and those of groups they belong to."""
    own = Registration.objects.filter(owner=citizen)
    member = Registration.objects.filter(members__citizen=citizen)
    return list((own | member).distinct().select_related("category").order_by("created_at"))


def registrations_usable(*, citizen: Citizen) -> list[Registration]:
    return [r for r in registrations_of(citizen=citizen) if r.status == RegistrationStatus.ACTIVE]


def bookings_of(*, citizen: Citizen) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(municipality_id=citizen.municipality_id, kind=BookingKind.BOOKING)
        .of_resident(citizen.pk)
        .select_related("unit__facility", "access_key")
        .order_by("-start")
    )


def booking_of(*, citizen: Citizen, booking_id: int) -> Booking | None:
    return bookings_of(citizen=citizen).filter(pk=booking_id).first()


def enrollments_of(*, citizen: Citizen) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(citizen=citizen)
        .exclude(status=EnrollmentStatus.CANCELLED)
        .select_related("session__event__facility")
        .order_by("session__start")
    )


def sessions_open(*, municipality: Municipality) -> QuerySet[ClassSession]:
    return (
        ClassSession.objects.filter(event__municipality=municipality, event__is_public=True, end__gt=clock.now())
        .select_related("event__facility")
        .order_by("start")
    )


def lotteries_public(*, municipality: Municipality) -> QuerySet[Lottery]:
    return Lottery.objects.filter(municipality=municipality).select_related("facility").order_by("-apply_until")


def registration_by_feed_token(*, token: str) -> Registration | None:
    if not token:
        return None
    return Registration.objects.filter(feed_token=token).select_related("municipality").first()


# --- staff ---------------------------------------------------------------------------


def facilities_for(*, actor: StaffUser) -> QuerySet[Facility]:
    require(actor, Perm.BOOKING_VIEW)
    return Facility.objects.filter(municipality_id=actor.municipality_id).order_by("kind", "code")


def staff_calendar(*, actor: StaffUser, facility_id: int, first: dt.date, days: int) -> tuple[Facility, list[Booking]]:
    """Bookings and blocks on a facility's units over ``days`` days, and the ones cancelled (so staff
    answering the phone see them too); who booked is personal data: audited."""
    facility = facilities_for(actor=actor).filter(pk=facility_id).first()
    if facility is None:
        raise Facility.DoesNotExist
    bookings = list(
        Booking.objects.filter(
            unit__facility=facility,
            status__in=[*ACTIVE_STATUSES, BookingStatus.CANCELLED],
            start__lt=calendar.aware(first + dt.timedelta(days=days), dt.time()),
            end__gt=calendar.aware(first, dt.time()),
        )
        .select_related("unit", "registration", "access_key")
        .order_by("start", "unit__position")
    )
    audit_record(
        municipality=actor.municipality,
        actor=actor,
        action="booking.calendar_view",
        obj=facility,
        reason=f"{first.isoformat()}+{days}d",
    )
    return facility, bookings


def booking_for_staff(*, actor: StaffUser, booking_id: int) -> Booking | None:
    require(actor, Perm.BOOKING_VIEW)
    booking = (
        Booking.objects.filter(municipality_id=actor.municipality_id, pk=booking_id)
        .select_related("unit__facility", "registration__category", "access_key", "reduction_reason")
        .first()
    )
    if booking is not None:
        audit_record(municipality=actor.municipality, actor=actor, action="booking.view", obj=booking)
    return booking


def registrations_pending(*, actor: StaffUser) -> QuerySet[Registration]:
    require(actor, Perm.BOOKING_VIEW)
    return Registration.objects.filter(
        municipality_id=actor.municipality_id, status=RegistrationStatus.PENDING
    ).select_related("category")


def reductions_pending(*, actor: StaffUser) -> QuerySet[Booking]:
    require(actor, Perm.BOOKING_VIEW)
    return Booking.objects.filter(
        municipality_id=actor.municipality_id, reduction_status="pending", status__in=ACTIVE_STATUSES
    ).select_related("unit__facility", "reduction_reason", "registration")


def sessions_for(*, actor: StaffUser) -> QuerySet[ClassSession]:
    require(actor, Perm.FACILITY_MANAGE)
    return (
        ClassSession.objects.filter(event__municipality_id=actor.municipality_id)
        .select_related("event")
        .order_by("-start")
    )


def session_roster(*, actor: StaffUser, session_id: int) -> tuple[ClassSession, list[Enrollment]] | None:
    session = sessions_for(actor=actor).filter(pk=session_id).first()
    if session is None:
        return None
    roster = list(
        session.enrollments.exclude(status=EnrollmentStatus.CANCELLED)
        .select_related("citizen")
        .order_by("status", "created_at", "pk")
    )
    audit_record(municipality=actor.municipality, actor=actor, action="class.roster_view", obj=session)
    return session, roster


# --- staff screens -------------------------------------------------------------------


def keys_failing(*, actor: StaffUser) -> QuerySet[AccessKey]:
    """E-keys whose last call to the lock service failed (what the lock has ≠ what the booking needs)."""
    require(actor, Perm.BOOKING_VIEW)
    return (
        AccessKey.objects.filter(booking__municipality_id=actor.municipality_id)
        .exclude(status=F("wanted"))
        .exclude(last_error="")
        .select_related("booking__unit__facility")
        .order_by("booking__start")
    )


def bookings_on(*, actor: StaffUser, day: dt.date) -> QuerySet[Booking]:
    """Active bookings and blocks that touch ``day`` in every facility of the actor's city."""
    require(actor, Perm.BOOKING_VIEW)
    return (
        Booking.objects.active()
        .filter(
            municipality_id=actor.municipality_id,
            start__lt=calendar.aware(day + dt.timedelta(days=1), dt.time()),
            end__gt=calendar.aware(day, dt.time()),
        )
        .select_related("unit__facility", "access_key")
        .order_by("start", "unit__facility__code", "unit__position")
    )


def registration_by_number(*, actor: StaffUser, number: str) -> Registration | None:
    """A 利用者登録 looked up by its number at the counter or on the phone (a read of personal data: audited)."""
    require(actor, Perm.BOOKING_VIEW)
    registration = (
        Registration.objects.filter(municipality_id=actor.municipality_id, number=number)
        .select_related("category")
        .first()
    )
    if registration is not None:
        audit_record(municipality=actor.municipality, actor=actor, action="registration.view", obj=registration)
    return registration


def registration_for_staff(*, actor: StaffUser, registration_id: int) -> Registration | None:
    require(actor, Perm.BOOKING_VIEW)
    return Registration.objects.filter(municipality_id=actor.municipality_id, pk=registration_id).first()


def reduction_evidence_for(*, actor: StaffUser, booking_id: int) -> Booking | None:
    """The booking whose 減免 evidence the actor opens: only those who decide 減免 (a certificate of
    disability, say, is sensitive personal data), and audited."""
    require(actor, Perm.FEE_REDUCTION_APPROVE)
    booking = Booking.objects.filter(municipality_id=actor.municipality_id, pk=booking_id).first()
    if booking is None or not booking.reduction_evidence:
        return None
    audit_record(municipality=actor.municipality, actor=actor, action="booking.evidence_view", obj=booking)
    return booking


def closure_affected(
    *, actor: StaffUser, facility_id: int, start_date: dt.date, end_date: dt.date, unit_id: int | None = None
) -> list[Booking]:
    """The bookings a 臨時休館 over these days would cancel (what `closure_create` cancels; blocks stay)."""
    require(actor, Perm.BOOKING_VIEW)
    facility = Facility.objects.filter(municipality_id=actor.municipality_id, pk=facility_id).first()
    if facility is None or end_date < start_date:
        return []
    affected = Booking.objects.active().filter(
        unit__facility=facility,
        kind="booking",
        start__lt=calendar.aware(end_date + dt.timedelta(days=1), dt.time()),
        end__gt=calendar.aware(start_date, dt.time()),
    )
    unit = facility.units.filter(pk=unit_id).first() if unit_id else None
    if unit is not None:
        leaf_ids = {leaf.pk for leaf in occupancy.leaves_of(unit)}
        affected = affected.filter(occupancies__leaf_id__in=leaf_ids).distinct()
    return list(affected.select_related("unit").order_by("start"))


def lotteries_for(*, actor: StaffUser) -> QuerySet[Lottery]:
    require(actor, Perm.FACILITY_MANAGE)
    return (
        Lottery.objects.filter(municipality_id=actor.municipality_id)
        .select_related("facility")
        .annotate(application_count=Count("applications", filter=~Q(applications__status="withdrawn")))
        .order_by("-draw_at")
    )


@dataclass(frozen=True)
class SlotDemand:
    unit: Unit
    start: dt.datetime
    end: dt.datetime
    first_choice: int  # applications naming the slot as their 第1希望
    total: int  # applications naming it at any rank


def lottery_for_staff(
    *, actor: StaffUser, lottery_id: int
) -> tuple[Lottery, list[SlotDemand], list[LotteryApplication]] | None:
    """A lottery with the demand per slot and every application (who applied is personal data: audited)."""
    item = lotteries_for(actor=actor).filter(pk=lottery_id).first()
    if item is None:
        return None
    applications = list(
        item.applications.select_related("registration", "booking")
        .prefetch_related(Prefetch("choices", queryset=LotteryChoice.objects.select_related("unit")))
        .order_by("created_at", "pk")
    )
    demand: dict[tuple[int, dt.datetime, dt.datetime], list[int]] = {}
    units: dict[int, Unit] = {}
    for application in applications:
        if application.status == "withdrawn":
            continue
        for choice in application.choices.all():
            units[choice.unit_id] = choice.unit
            counts = demand.setdefault((choice.unit_id, choice.start, choice.end), [0, 0])
            counts[1] += 1
            if choice.rank == 1:
                counts[0] += 1
    slots = [
        SlotDemand(units[unit_id], start, end, first, total)
        for (unit_id, start, end), (first, total) in sorted(
            demand.items(), key=lambda kv: (kv[0][1], units[kv[0][0]].position)
        )
    ]
    audit_record(municipality=actor.municipality, actor=actor, action="lottery.view", obj=item)
    return item, slots, applications


def sessions_with_counts(*, actor: StaffUser) -> QuerySet[ClassSession]:
    return sessions_for(actor=actor).annotate(
        registered_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.REGISTERED)),
        waitlisted_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITLISTED)),
    )


def enrollment_for_staff(*, actor: StaffUser, enrollment_id: int) -> Enrollment | None:
    require(actor, Perm.FACILITY_MANAGE)
    return Enrollment.objects.filter(pk=enrollment_id, session__event__municipality_id=actor.municipality_id).first()
