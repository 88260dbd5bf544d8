"""Municipality B's booking data for the tenancy test that walks every staff URL
(tests/core/test_tenancy.py): one object per URL argument of the reservations staff
screens, the strings that would show a leak, and a check that nothing of B changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from madoguchi.core import clock
from madoguchi.core.models import Department, Municipality
from madoguchi.payments.models import PaymentIntent
from madoguchi.reservations.models import (
    Booking,
    BookingKind,
    BookingSource,
    BookingStatus,
    ClassEvent,
    ClassSession,
    Closure,
    Enrollment,
    EnrollmentStatus,
    FacilityPhoto,
    Lottery,
    LotteryStatus,
    Rate,
    RegistrationStatus,
)
from madoguchi.reservations.models.bookings import ReductionStatus

from . import scenario


@dataclass
class ReservationsOfB:
    values: dict[str, int]  # URL argument name → B's object
    markers: list[str]
    post_data: dict[str, str]
    checks: list[Callable[[], None]] = field(default_factory=list)

    def assert_unchanged(self) -> None:
        for check in self.checks:
            check()


def reservations_of_b(city_b: Municipality) -> ReservationsOfB:
    now = clock.now()
    gym = scenario.gym(city_b)
    registration = scenario.registration(
        scenario.citizen(city_b), gym.group, name="高萩卓球クラブ", status=RegistrationStatus.PENDING
    )
    reduction = scenario.reduction(city_b, 50)
    start = (now + dt.timedelta(days=10)).replace(hour=9, minute=0, second=0, microsecond=0)
    intent = PaymentIntent.objects.create(
        municipality=city_b,
        purpose="reservations.booking",
        subject_id="0",
        amount=1000,
        description="高萩の使用料",
        account_label="市民体育館",
        expires_at=now + dt.timedelta(days=1),
        created_at=now,
        updated_at=now,
    )
    booking = Booking.objects.create(
        municipality=city_b,
        number="B000-TAKAHG",
        kind=BookingKind.BOOKING,
        status=BookingStatus.HELD,
        source=BookingSource.WEB,
        unit=gym.half_a,
        start=start,
        end=start + dt.timedelta(hours=3),
        registration=registration,
        fee_amount=1000,
        reduction_reason=reduction,
        reduction_status=ReductionStatus.PENDING,
        hold_deadline=now + dt.timedelta(days=1),
        payment_intent=intent,
        created_at=now,
    )
    event = ClassEvent.objects.create(
        municipality=city_b,
        department=Department.objects.get(municipality=city_b, code="shogai_gakushu"),
        title="高萩のスマホ講座",
    )
    session = ClassSession.objects.create(
        event=event,
        start=start,
        end=start + dt.timedelta(hours=2),
        capacity=1,
        opens_at=now - dt.timedelta(days=1),
        closes_at=start - dt.timedelta(days=1),
    )
    enrollment = Enrollment.objects.create(
        session=session, walk_in_name="高萩 ハル", status=EnrollmentStatus.REGISTERED, created_at=now
    )
    lottery = Lottery.objects.create(
        municipality=city_b,
        facility=gym.facility,
        name="高萩の抽選",
        target_start=(start + dt.timedelta(days=60)).date(),
        target_end=(start + dt.timedelta(days=90)).date(),
        apply_from=now - dt.timedelta(days=10),
        apply_until=now - dt.timedelta(days=2),
        draw_at=now - dt.timedelta(days=1),  # due: a 「抽選を実行」 from A must still not run it
        confirm_until=now + dt.timedelta(days=7),
        status=LotteryStatus.CLOSED,
        seed="0" * 64,
        seed_commitment="1" * 64,
    )

    # The row only: A's requests must be refused before the file would be opened.
    photo = FacilityPhoto.objects.create(
        facility=gym.facility, image="facilities/takahagi.png", alt="高萩の体育館の写真", position=1
    )
    tier = gym.facility.cancellation_tiers.order_by("min_days_before").first()
    assert tier is not None
    settings_before = (
        sorted(Rate.objects.filter(unit__facility=gym.facility).values_list("pk", "amount")),
        sorted(gym.facility.units.values_list("pk", "name", "parent_id", "min_minutes", "max_minutes")),
        sorted(gym.facility.cancellation_tiers.values_list("pk", "min_days_before", "fee_pct")),
        sorted(gym.facility.photos.values_list("pk", "position", "alt")),
        (gym.facility.name, gym.facility.closed_weekdays, gym.facility.is_public),
        (gym.resident.name, gym.resident.lottery_weight, reduction.name, reduction.percent),
    )

    def settings_unchanged() -> None:
        gym.facility.refresh_from_db()
        gym.resident.refresh_from_db()
        reduction.refresh_from_db()
        assert settings_before == (
            sorted(Rate.objects.filter(unit__facility=gym.facility).values_list("pk", "amount")),
            sorted(gym.facility.units.values_list("pk", "name", "parent_id", "min_minutes", "max_minutes")),
            sorted(gym.facility.cancellation_tiers.values_list("pk", "min_days_before", "fee_pct")),
            sorted(gym.facility.photos.values_list("pk", "position", "alt")),
            (gym.facility.name, gym.facility.closed_weekdays, gym.facility.is_public),
            (gym.resident.name, gym.resident.lottery_weight, reduction.name, reduction.percent),
        )

    def unchanged() -> None:
        fresh = Booking.objects.get(pk=booking.pk)
        assert (fresh.status, fresh.reduction_status, fresh.cancel_reason) == (
            BookingStatus.HELD,
            ReductionStatus.PENDING,
            "",
        )
        assert not Booking.objects.filter(municipality=city_b).exclude(pk=booking.pk).exists()
        assert not Booking.objects.filter(registration__municipality=city_b).exclude(pk=booking.pk).exists()
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.PENDING
        lottery.refresh_from_db()
        assert lottery.status == LotteryStatus.CLOSED
        session.refresh_from_db()
        assert session.capacity == 1
        assert list(session.enrollments.values_list("status", "attended")) == [(EnrollmentStatus.REGISTERED, None)]
        assert not Closure.objects.filter(facility=gym.facility).exists()
        intent.refresh_from_db()
        assert intent.status == "created" and intent.cash_received is None

    return ReservationsOfB(
        values={
            "facility_id": gym.facility.pk,
            "booking_id": booking.pk,
            "registration_id": registration.pk,
            "lottery_id": lottery.pk,
            "session_id": session.pk,
            "enrollment_id": enrollment.pk,
            "intent_id": intent.pk,
            "unit_id": gym.half_a.pk,
            "frame_id": gym.frames["午前"].pk,
            "tier_id": tier.pk,
            "photo_id": photo.pk,
            "category_id": gym.resident.pk,
            "reason_id": reduction.pk,
        },
        markers=["高萩卓球クラブ", "B000-TAKAHG", "高萩のスマホ講座", "高萩 ハル", "高萩の抽選", "高萩の体育館の写真"],
        post_data={
            "min_days_before": "30",
            "fee_pct": "100",
            "percent": "100",
            "direction": "up",
            "alt": "侵入",
            "decision": "approve",
            "note": "侵入",
            "reason": "侵入",
            "full_refund": "on",
            "capacity": "50",
            "attended": "1",
            "name": "侵入者",
            "phone": "0293000000",
            "unit": str(gym.half_a.pk),
            "date": start.date().isoformat(),
            "start": "09:00",
            "end": "12:00",
            "start_date": start.date().isoformat(),
            "end_date": start.date().isoformat(),
            "received": "1000",
        },
        checks=[unchanged, settings_unchanged],
    )
