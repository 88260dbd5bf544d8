"""利用者登録: who may book, in which category, and the 減免 reasons a city recognises."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from madoguchi.citizens.models import Citizen
from madoguchi.core.models import Municipality, StaffUser


class UserCategory(models.Model):
    """市内個人, 市外個人, 市内団体, 社会教育関係団体 …: the rules that depend on who books."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField("区分コード", max_length=40)
    name = models.CharField("区分名", max_length=50)
    is_group = models.BooleanField("団体", default=False)
    is_resident = models.BooleanField("市内", default=True)
    requires_verification = models.BooleanField("職員の確認が必要", default=False)
    # How far ahead first-come bookings open: residents 2 months, others 1 month.
    advance_months = models.PositiveSmallIntegerField("予約できる期間（何か月先まで）", default=2)
    fee_multiplier = models.DecimalField(
        "使用料の倍率",
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_active_bookings = models.PositiveSmallIntegerField("同時に持てる予約の上限", default=4)
    lottery_weight = models.PositiveSmallIntegerField(
        "抽選の重み", default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        verbose_name = "利用者区分"
        verbose_name_plural = "利用者区分"
        ordering: ClassVar = ["municipality", "code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "code"], name="usercategory_unique_code"),
            models.CheckConstraint(condition=models.Q(lottery_weight__gte=1), name="usercategory_weight_min_1"),
        ]

    def __str__(self) -> str:
        return self.name


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", "確認待ち"
    ACTIVE = "active", "有効"
    REJECTED = "rejected", "却下"
    SUSPENDED = "suspended", "利用停止"


class Registration(models.Model):
    """One 利用者登録: an individual, or a group with its 代表者 (the owner) and members."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    number = models.CharField("利用者番号", max_length=12)
    owner = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="+", verbose_name="代表者")
    category = models.ForeignKey(UserCategory, on_delete=models.PROTECT, related_name="+", verbose_name="区分")
    name = models.CharField("氏名・団体名", max_length=100)
    name_kana = models.CharField("フリガナ", max_length=100)
    representative = models.CharField("代表者名", max_length=100, blank=True)
    phone = models.CharField("電話番号", max_length=20)
    status = models.CharField("状態", max_length=10, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField("登録日時")
    decided_by = models.ForeignKey(StaffUser, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("確認日時", null=True, blank=True)
    decision_note = models.CharField("確認メモ", max_length=200, blank=True)
    # The secret in the URL of this registration's iCalendar feed.
    feed_token = models.CharField(max_length=43, unique=True)

    class Meta:
        verbose_name = "利用者登録"
        verbose_name_plural = "利用者登録"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "number"], name="registration_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}"


class GroupMember(models.Model):
    """A member who may book for the group."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="members")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField("追加日時")

    class Meta:
        verbose_name = "団体の構成員"
        verbose_name_plural = "団体の構成員"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["registration", "citizen"], name="groupmember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}:{self.citizen_id}"


class ReductionReason(models.Model):
    """A ground for 減免 (使用料の減額・免除) and by how much."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField("コード", max_length=40)
    name = models.CharField("減免の理由", max_length=100)
    percent = models.PositiveSmallIntegerField("減免率（%）", validators=[MinValueValidator(1), MaxValueValidator(100)])
    requires_evidence = models.BooleanField("証明書類が必要", default=True)

    class Meta:
        verbose_name = "減免の理由"
        verbose_name_plural = "減免の理由"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "code"], name="reductionreason_unique_code"),
            models.CheckConstraint(
                condition=models.Q(percent__gte=1, percent__lte=100), name="reductionreason_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.percent}%）"
