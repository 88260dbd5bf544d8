"""スマホ講座: capacity, waitlist, automatic promotion, reminders once, attendance."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from madoguchi.core.clock import TOKYO
from madoguchi.core.errors import DomainError
from madoguchi.core.models import Department
from madoguchi.reservations.models import ClassEvent, ClassSession, Enrollment, EnrollmentStatus
from madoguchi.reservations.services import classes as svc

from ..conftest import make_staff
from . import scenario

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def session(city_a) -> ClassSession:
    event = ClassEvent.objects.create(
        municipality=city_a,
        department=Department.objects.get(municipality=city_a, code="shogai_gakushu"),
        title="はじめてのスマホ講座（LINEの使い方）",
        place="市民交流センター 第1会議室",
        bring="お持ちのスマートフォン",
    )
    start = dt.datetime(2026, 12, 10, 10, 0, tzinfo=TOKYO)
    return ClassSession.objects.create(
        event=event,
        start=start,
        end=start + dt.timedelta(hours=2),
        capacity=2,
        opens_at=NOW - dt.timedelta(days=1),
        closes_at=start - dt.timedelta(days=1),
    )


def test_enrollment__fills_seats_then_waitlists_in_order(city_a, session) -> None:
    people = [scenario.citizen(city_a) for _ in range(4)]
    enrollments = []
    for i, who in enumerate(people):
        with time_machine.travel(NOW + dt.timedelta(minutes=i), tick=False):
            enrollments.append(svc.enrollment_create(citizen=who, session_id=session.pk))
    assert [e.status for e in enrollments] == ["registered", "registered", "waitlisted", "waitlisted"]
    assert [svc.waitlist_position(e) for e in enrollments[2:]] == [1, 2]
    # Tapping again changes nothing.
    assert svc.enrollment_create(citizen=people[0], session_id=session.pk).pk == enrollments[0].pk
    assert Enrollment.objects.filter(session=session).count() == 4


def test_enrollment_cancel__promotes_the_first_on_the_waitlist(
    city_a, session, django_capture_on_commit_callbacks
) -> None:
    people = [scenario.citizen(city_a) for _ in range(3)]
    made = []
    for i, who in enumerate(people):
        with time_machine.travel(NOW + dt.timedelta(minutes=i), tick=False):
            made.append(svc.enrollment_create(citizen=who, session_id=session.pk))
    with django_capture_on_commit_callbacks() as callbacks:
        svc.enrollment_cancel(citizen=people[0], enrollment_id=made[0].pk)
    made[2].refresh_from_db()
    assert made[2].status == EnrollmentStatus.REGISTERED and made[2].promoted_at is not None
    assert Enrollment.objects.filter(session=session, status="registered").count() == 2
    assert len(callbacks) == 1  # one notice: to the promoted resident


def test_session_capacity_set__promotes_and_never_drops_below_registered(city_a, session) -> None:
    chief = make_staff(city_a, "shogai_chief")
    for i in range(4):
        with time_machine.travel(NOW + dt.timedelta(minutes=i), tick=False):
            svc.enrollment_create(citizen=scenario.citizen(city_a), session_id=session.pk)
    promoted = svc.session_capacity_set(actor=chief, session_id=session.pk, capacity=3)
    assert len(promoted) == 1
    with pytest.raises(DomainError):
        svc.session_capacity_set(actor=chief, session_id=session.pk, capacity=2)


def test_walk_in__staff_register_someone_without_a_phone(city_a, session, staff_factory) -> None:
    clerk = make_staff(city_a, "shogai")
    enrollment = svc.enrollment_create_by_staff(
        actor=clerk, session_id=session.pk, name="磯原　ハル", phone="０２９３－４３－１１１１"
    )
    assert (enrollment.walk_in_name, enrollment.walk_in_phone) == ("磯原 ハル", "0293431111")
    with pytest.raises(PermissionDenied):
        svc.enrollment_create_by_staff(
            actor=staff_factory(city_a, "clerk"), session_id=session.pk, name="x", phone="0293431111"
        )


def test_reminders__sent_once_the_day_before(city_a, session) -> None:
    who = scenario.citizen(city_a)
    svc.enrollment_create(citizen=who, session_id=session.pk)
    with time_machine.travel(dt.datetime(2026, 12, 8, 9, 0, tzinfo=TOKYO), tick=False):
        assert svc.class_reminders_send() == 0
    with time_machine.travel(dt.datetime(2026, 12, 9, 9, 0, tzinfo=TOKYO), tick=False):
        assert svc.class_reminders_send() == 1
        assert svc.class_reminders_send() == 0


def test_attendance__recorded_for_registered_only(city_a, session) -> None:
    clerk = make_staff(city_a, "shogai")
    enrollment = svc.enrollment_create(citizen=scenario.citizen(city_a), session_id=session.pk)
    assert svc.attendance_set(actor=clerk, enrollment_id=enrollment.pk, attended=True).attended is True
    clerk_b = make_staff(scenario_city_b := _city_b(), "shogai")
    assert scenario_city_b.code != city_a.code
    with pytest.raises(DomainError):
        svc.attendance_set(actor=clerk_b, enrollment_id=enrollment.pk, attended=False)


def _city_b():
    from ..conftest import _municipality

    return _municipality("082147", "高萩市")
