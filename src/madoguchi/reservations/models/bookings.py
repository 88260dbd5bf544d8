"""Bookings and what they occupy.

A booking occupies every leaf unit beneath its unit for ``[start, end)``. The database,
not the code, refuses a second booking over the same leaf and time:

- PostgreSQL: an exclusion constraint ``EXCLUDE USING gist (leaf_id WITH =, tstzrange(start, "end") WITH &&)``
  on `Occupancy` (added by migration 0002, with ``btree_gist``);
- SQLite, which has no exclusion constraints: one `OccupiedCell` row per leaf and grid cell
  (the facility's ``grid_minutes``) under a unique constraint.

Cancelling or expiring a booking deletes its occupancy rows; the booking itself stays as history.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from madoguchi.citizens.models import Citizen
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.reservations.models.facilities import Unit
from madoguchi.reservations.models.registrations import ReductionReason, Registration


class BookingKind(models.TextChoices):
    BOOKING = "booking", "予約"
    BLOCK = "block", "職員による確保"


class BookingStatus(models.TextChoices):
    HELD = "held", "仮予約（お支払い待ち）"
    CONFIRMED = "confirmed", "予約確定"
    CANCELLED = "cancelled", "取消"
    EXPIRED = "expired", "期限切れ"


ACTIVE_STATUSES = (BookingStatus.HELD, BookingStatus.CONFIRMED)


class BookingSource(models.TextChoices):
    WEB = "web", "ウェブ"
    LINE = "line", "LINE"
    COUNTER = "counter", "窓口・電話"
    LOTTERY = "lottery", "抽選"


class ReductionStatus(models.TextChoices):
    NONE = "", "なし"
    PENDING = "pending", "審査中"
    APPROVED = "approved", "承認"
    REJECTED = "rejected", "不承認"


class BookingQuerySet(models.QuerySet["Booking"]):
    def active(self) -> BookingQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def of_resident(self, citizen_id: int) -> BookingQuerySet:
        """What `Booking.resident_id` says, as a filter: booked by them, or counter bookings of their registrations."""
        return self.filter(
            models.Q(booked_by_id=citizen_id) | models.Q(booked_by__isnull=True, registration__owner_id=citizen_id)
        )

    def overlapping(self, start: object, end: object) -> BookingQuerySet:
        return self.filter(start__lt=end, end__gt=start)


class Booking(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    number = models.CharField("予約番号", max_length=16)
    kind = models.CharField("種別", max_length=10, choices=BookingKind.choices, default=BookingKind.BOOKING)
    status = models.CharField("状態", max_length=10, choices=BookingStatus.choices)
    source = models.CharField("受付方法", max_length=10, choices=BookingSource.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="bookings", verbose_name="区画")
    start = models.DateTimeField("開始")
    end = models.DateTimeField("終了")
    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    booked_by = models.ForeignKey(Citizen, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(StaffUser, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    purpose = models.CharField("利用目的", max_length=100, blank=True)
    headcount = models.PositiveIntegerField("利用人数", null=True, blank=True)
    admission_charged = models.BooleanField("入場料を徴収する", default=False)
    commercial = models.BooleanField("営利目的", default=False)
    # The fee as computed when booked, and the rules it was computed with.
    fee_amount = models.PositiveIntegerField("使用料（円）", default=0)
    fee_detail = models.JSONField("使用料の内訳", default=dict, blank=True)
    reduction_reason = models.ForeignKey(
        ReductionReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="減免の理由"
    )
    reduction_status = models.CharField(
        "減免", max_length=10, choices=ReductionStatus.choices, default=ReductionStatus.NONE, blank=True
    )
    reduction_evidence = models.FileField("減免の証明書類", upload_to="reductions/%Y/%m/", blank=True)
    reduction_decided_by = models.ForeignKey(
        StaffUser, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reduction_decided_at = models.DateTimeField(null=True, blank=True)
    hold_deadline = models.DateTimeField("支払期限", null=True, blank=True)
    # The current payment attempt; payments deletes unpaid intents before bookings are deleted, hence SET_NULL.
    payment_intent = models.ForeignKey(
        "payments.PaymentIntent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="支払い",
    )
    paid_amount = models.PositiveIntegerField("支払済額（円）", default=0)
    created_at = models.DateTimeField("受付日時")
    confirmed_at = models.DateTimeField("確定日時", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消日時", null=True, blank=True)
    cancelled_by_staff = models.ForeignKey(StaffUser, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancel_reason = models.CharField("取消理由", max_length=100, blank=True)
    cancel_fee = models.PositiveIntegerField("取消料（円）", default=0)
    refund_amount = models.PositiveIntegerField("返金額（円）", default=0)
    checked_in_at = models.DateTimeField("入室日時", null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = "予約"
        verbose_name_plural = "予約"
        ordering: ClassVar = ["start"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "number"], name="booking_unique_number"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="booking_end_after_start"),
            models.CheckConstraint(
                condition=models.Q(kind="block") | models.Q(registration__isnull=False),
                name="booking_has_registration",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["unit", "start"], name="booking_unit_start_idx"),
            models.Index(fields=["status", "hold_deadline"], name="booking_hold_idx"),
            models.Index(fields=["registration", "status"], name="booking_registration_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def resident_id(self) -> int | None:
        """The account the booking is for: who booked it, or (taken at the counter) the registration's owner."""
        if self.booked_by_id is not None:
            return self.booked_by_id
        return self.registration.owner_id if self.registration is not None else None


class Occupancy(models.Model):
    """One leaf unit held by a booking for ``[start, end)`` (PostgreSQL's exclusion constraint is on this)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="occupancies")
    leaf = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        verbose_name = "占有"
        verbose_name_plural = "占有"
        indexes: ClassVar = [models.Index(fields=["leaf", "start"], name="occupancy_leaf_start_idx")]

    def __str__(self) -> str:
        return f"{self.leaf_id} {self.start}–{self.end}"


class OccupiedCell(models.Model):
    """One grid cell of one leaf held by a booking (SQLite's overlap guard)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    leaf = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    cell_start = models.DateTimeField()

    class Meta:
        verbose_name = "占有セル"
        verbose_name_plural = "占有セル"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["leaf", "cell_start"], name="occupiedcell_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.leaf_id} {self.cell_start}"
