"""講座・イベント (スマホ講座, No.11): sessions with a capacity and a waitlist."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from madoguchi.citizens.models import Citizen
from madoguchi.core.models import Department, Municipality, StaffUser
from madoguchi.reservations.models.facilities import Facility


class ClassEvent(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name="担当課")
    title = models.CharField("講座名", max_length=100)
    description = models.TextField("内容", blank=True)
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="会場"
    )
    place = models.CharField("会場（施設以外）", max_length=100, blank=True)
    fee = models.PositiveIntegerField("参加費（円）", default=0)
    bring = models.CharField("持ち物", max_length=200, blank=True)
    is_public = models.BooleanField("公開", default=True)

    class Meta:
        verbose_name = "講座・イベント"
        verbose_name_plural = "講座・イベント"

    def __str__(self) -> str:
        return self.title


class ClassSession(models.Model):
    event = models.ForeignKey(ClassEvent, on_delete=models.CASCADE, related_name="sessions")
    start = models.DateTimeField("開始")
    end = models.DateTimeField("終了")
    capacity = models.PositiveIntegerField("定員")
    opens_at = models.DateTimeField("申込開始")
    closes_at = models.DateTimeField("申込締切")
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "講座の回"
        verbose_name_plural = "講座の回"
        ordering: ClassVar = ["start"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="classsession_end_after_start"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="classsession_capacity_min_1"),
        ]

    def __str__(self) -> str:
        return f"{self.event.title} {self.start:%Y-%m-%d %H:%M}"


class EnrollmentStatus(models.TextChoices):
    REGISTERED = "registered", "参加予定"
    WAITLISTED = "waitlisted", "キャンセル待ち"
    CANCELLED = "cancelled", "取消"


class Enrollment(models.Model):
    session = models.ForeignKey(ClassSession, on_delete=models.PROTECT, related_name="enrollments")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    # Someone without a phone, registered by staff at the counter or by telephone.
    walk_in_name = models.CharField("氏名（窓口受付）", max_length=100, blank=True)
    walk_in_phone = models.CharField("電話番号（窓口受付）", max_length=20, blank=True)
    registered_by = models.ForeignKey(StaffUser, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField("状態", max_length=12, choices=EnrollmentStatus.choices)
    created_at = models.DateTimeField("申込日時")
    promoted_at = models.DateTimeField("繰り上げ日時", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消日時", null=True, blank=True)
    attended = models.BooleanField("出席", null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "講座の申込"
        verbose_name_plural = "講座の申込"
        ordering: ClassVar = ["created_at", "pk"]
        constraints: ClassVar = [
            # One live enrollment per resident per session, however often they tap.
            models.UniqueConstraint(
                fields=["session", "citizen"],
                condition=~models.Q(status="cancelled"),
                name="enrollment_unique_live",
            ),
            models.CheckConstraint(
                condition=models.Q(citizen__isnull=False) | ~models.Q(walk_in_name=""),
                name="enrollment_has_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.pk}"
