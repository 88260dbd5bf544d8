"""講座・イベント (スマホ講座): register, waitlist, automatic promotion, reminders, attendance.

Capacity holds under concurrency: every change to a session's enrollments first locks the
session row, so two residents taking the last seat are served one after the other.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from madoguchi.citizens.models import Citizen
from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.clock import TOKYO
from madoguchi.core.errors import DomainError
from madoguchi.core.models import Department, StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.core.text import normalize_digits, normalize_prose, normalize_text
from madoguchi.core.wareki import span_text
from madoguchi.reservations.models import ClassEvent, ClassSession, Enrollment, EnrollmentStatus, Facility
from madoguchi.reservations.notices import notice_send
from madoguchi.reservations.services.registrations import audit_citizen


def session_context(session: ClassSession) -> dict[str, str]:
    event = session.event
    return {
        "title": event.title,
        "when": span_text(session.start, session.end),
        "place": event.facility.name if event.facility else event.place,
        "bring": event.bring or "特にありません",
    }


def _locked_session(municipality_id: int, session_id: int) -> ClassSession:
    session = (
        ClassSession.objects.select_for_update(of=("self",))  # the facility is optional (an outer join)
        .select_related("event__facility")
        .filter(pk=session_id, event__municipality_id=municipality_id)
        .first()
    )
    if session is None:
        raise DomainError("講座が見つかりません。")
    return session


@transaction.atomic
def class_session_create(
    *,
    actor: StaffUser,
    title: str,
    start: dt.datetime,
    end: dt.datetime,
    capacity: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    description: str = "",
    facility_id: int | None = None,
    place: str = "",
    bring: str = "",
) -> ClassSession:
    """A session of a class; sessions of the same title (and venue) share one event, so a series
    (第1回, 第2回 …) is one 講座 to residents."""
    require(actor, Perm.FACILITY_MANAGE)
    title = normalize_text(title)
    if not title:
        raise DomainError("講座名を入力してください。", field="title")
    if end <= start:
        raise DomainError("終了は開始より後にしてください。", field="end")
    if not (opens_at < closes_at <= start):
        raise DomainError("申込開始 < 申込締切 ≦ 講座の開始 の順にしてください。", field="closes_at")
    if capacity < 1:
        raise DomainError("定員は1人以上にしてください。", field="capacity")
    facility = (
        Facility.objects.filter(municipality_id=actor.municipality_id, pk=facility_id).first() if facility_id else None
    )
    if facility_id and facility is None:
        raise DomainError("会場の施設を選び直してください。", field="facility")
    if facility is None and not place.strip():
        raise DomainError("会場（施設を選ぶか、場所を入力）を指定してください。", field="place")
    department = Department.objects.get(municipality_id=actor.municipality_id, code="shogai_gakushu")
    event, _ = ClassEvent.objects.get_or_create(
        municipality_id=actor.municipality_id,
        title=title,
        facility=facility,
        place=normalize_text(place),
        defaults={
            "department": department,
            "description": normalize_prose(description),
            "bring": normalize_text(bring),
        },
    )
    session = ClassSession.objects.create(
        event=event, start=start, end=end, capacity=capacity, opens_at=opens_at, closes_at=closes_at
    )
    audit_record(municipality=actor.municipality, actor=actor, action="class.session_create", obj=session)
    return session


def _registered(session: ClassSession) -> int:
    return session.enrollments.filter(status=EnrollmentStatus.REGISTERED).count()


def _waitlist(session: ClassSession) -> list[Enrollment]:
    return list(session.enrollments.filter(status=EnrollmentStatus.WAITLISTED).order_by("created_at", "pk"))


def waitlist_position(enrollment: Enrollment) -> int | None:
    if enrollment.status != EnrollmentStatus.WAITLISTED:
        return None
    ahead = Enrollment.objects.filter(
        session_id=enrollment.session_id, status=EnrollmentStatus.WAITLISTED, created_at__lt=enrollment.created_at
    ).count()
    return ahead + 1


def _enroll(session: ClassSession, **who: object) -> Enrollment:
    now = clock.now()
    if not (session.opens_at <= now < session.closes_at):
        raise DomainError("この講座は申込期間外です。")
    status = EnrollmentStatus.REGISTERED if _registered(session) < session.capacity else EnrollmentStatus.WAITLISTED
    try:
        with transaction.atomic():
            return Enrollment.objects.create(session=session, status=status, created_at=now, **who)
    except IntegrityError:
        raise DomainError("この講座にはすでにお申し込み済みです。") from None


@transaction.atomic
def enrollment_create(*, citizen: Citizen, session_id: int) -> Enrollment:
    """A resident signs up: a seat while there is one, otherwise the waitlist."""
    session = _locked_session(citizen.municipality_id, session_id)
    existing = session.enrollments.filter(citizen=citizen).exclude(status=EnrollmentStatus.CANCELLED).first()
    if existing is not None:
        return existing  # tapping again changes nothing
    enrollment = _enroll(session, citizen=citizen)
    audit_citizen(citizen, "class.enroll", enrollment)
    context = session_context(session)
    if enrollment.status == EnrollmentStatus.REGISTERED:
        notice_send(citizen_id=citizen.pk, key="reservations.class_registered", context=context)
    else:
        position = waitlist_position(enrollment)
        notice_send(
            citizen_id=citizen.pk, key="reservations.class_waitlisted", context={**context, "position": str(position)}
        )
    return enrollment


@transaction.atomic
def enrollment_create_by_staff(*, actor: StaffUser, session_id: int, name: str, phone: str) -> Enrollment:
    """Counter or telephone sign-up for someone without a smartphone (the very people No.11 serves)."""
    require(actor, Perm.FACILITY_MANAGE)
    session = _locked_session(actor.municipality_id, session_id)
    name = normalize_text(name)
    if not name:
        raise DomainError("氏名を入力してください。", field="name")
    enrollment = _enroll(session, walk_in_name=name, walk_in_phone=normalize_digits(phone), registered_by=actor)
    audit_record(municipality=actor.municipality, actor=actor, action="class.enroll_by_staff", obj=enrollment)
    return enrollment


def _promote(session: ClassSession) -> list[Enrollment]:
    """Fill free seats from the waitlist, first come first served; tell each promoted resident."""
    promoted = []
    free = session.capacity - _registered(session)
    for enrollment in _waitlist(session)[: max(free, 0)]:
        enrollment.status = EnrollmentStatus.REGISTERED
        enrollment.promoted_at = clock.now()
        enrollment.save(update_fields=["status", "promoted_at"])
        audit_record(
            municipality=session.event.municipality,
            actor=None,
            actor_label="system",
            action="class.promote",
            obj=enrollment,
        )
        notice_send(
            citizen_id=enrollment.citizen_id, key="reservations.class_promoted", context=session_context(session)
        )
        promoted.append(enrollment)
    return promoted


@transaction.atomic
def enrollment_cancel(*, citizen: Citizen, enrollment_id: int) -> Enrollment:
    enrollment = Enrollment.objects.filter(pk=enrollment_id, citizen=citizen).first()
    if enrollment is None:
        raise DomainError("お申し込みが見つかりません。")
    session = _locked_session(citizen.municipality_id, enrollment.session_id)
    enrollment.refresh_from_db()
    if enrollment.status == EnrollmentStatus.CANCELLED:
        return enrollment
    if session.start <= clock.now():
        raise DomainError("開始後の講座は取り消せません。")
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.cancelled_at = clock.now()
    enrollment.save(update_fields=["status", "cancelled_at"])
    audit_citizen(citizen, "class.cancel", enrollment)
    _promote(session)
    return enrollment


@transaction.atomic
def enrollment_cancel_by_staff(*, actor: StaffUser, enrollment_id: int) -> Enrollment:
    require(actor, Perm.FACILITY_MANAGE)
    enrollment = Enrollment.objects.filter(
        pk=enrollment_id, session__event__municipality_id=actor.municipality_id
    ).first()
    if enrollment is None:
        raise DomainError("お申し込みが見つかりません。")
    session = _locked_session(actor.municipality_id, enrollment.session_id)
    enrollment.refresh_from_db()
    if enrollment.status != EnrollmentStatus.CANCELLED:
        enrollment.status = EnrollmentStatus.CANCELLED
        enrollment.cancelled_at = clock.now()
        enrollment.save(update_fields=["status", "cancelled_at"])
        audit_record(municipality=actor.municipality, actor=actor, action="class.cancel_by_staff", obj=enrollment)
        _promote(session)
    return enrollment


@transaction.atomic
def session_capacity_set(*, actor: StaffUser, session_id: int, capacity: int) -> list[Enrollment]:
    """A bigger room: raise the capacity and promote from the waitlist. Lowering never bumps anyone."""
    require(actor, Perm.FACILITY_MANAGE)
    session = _locked_session(actor.municipality_id, session_id)
    if capacity < max(_registered(session), 1):
        raise DomainError("定員は、参加が決まっている人数より少なくできません。", field="capacity")
    session.capacity = capacity
    session.save(update_fields=["capacity"])
    audit_record(municipality=actor.municipality, actor=actor, action="class.capacity", obj=session)
    return _promote(session)


@transaction.atomic
def attendance_set(*, actor: StaffUser, enrollment_id: int, attended: bool) -> Enrollment:
    require(actor, Perm.FACILITY_MANAGE)
    enrollment = Enrollment.objects.filter(
        pk=enrollment_id,
        session__event__municipality_id=actor.municipality_id,
        status=EnrollmentStatus.REGISTERED,
    ).first()
    if enrollment is None:
        raise DomainError("参加予定のお申し込みが見つかりません。")
    enrollment.attended = attended
    enrollment.save(update_fields=["attended"])
    audit_record(municipality=actor.municipality, actor=actor, action="class.attendance", obj=enrollment)
    return enrollment


def class_reminders_send(*, now: dt.datetime | None = None) -> int:
    """The day before: remind each registered resident once (the worker's clock)."""
    now = now or clock.now()
    tomorrow = now.astimezone(TOKYO).date() + dt.timedelta(days=1)
    day_start = dt.datetime.combine(tomorrow, dt.time(), tzinfo=TOKYO)
    sent = 0
    sessions = ClassSession.objects.filter(start__gte=day_start, start__lt=day_start + dt.timedelta(days=1))
    for session_id in list(sessions.values_list("pk", flat=True)):
        with transaction.atomic():
            session = (
                ClassSession.objects.select_for_update(of=("self",))
                .select_related("event__facility")
                .get(pk=session_id)
            )
            due = session.enrollments.filter(
                status=EnrollmentStatus.REGISTERED, citizen__isnull=False, reminded_at__isnull=True
            )
            for enrollment in due:
                notice_send(
                    citizen_id=enrollment.citizen_id,
                    key="reservations.class_reminder",
                    context=session_context(session),
                )
                sent += 1
            due.update(reminded_at=now)
    return sent
