"""抽選: an application period for a facility's slots in a target period, then a published draw."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from madoguchi.citizens.models import Citizen
from madoguchi.core.models import Municipality
from madoguchi.reservations.models.bookings import Booking
from madoguchi.reservations.models.facilities import Facility, Unit
from madoguchi.reservations.models.registrations import Registration


class LotteryStatus(models.TextChoices):
    OPEN = "open", "申込受付中"
    CLOSED = "closed", "締切（抽選待ち）"
    DRAWN = "drawn", "抽選済み（確定手続き中）"
    SETTLED = "settled", "終了"


# While a lottery is in these states, first-come booking of its days waits.
LOTTERY_BLOCKING = (LotteryStatus.OPEN, LotteryStatus.CLOSED)


class Lottery(models.Model):
    """The draw for a facility's slots between ``target_start`` and ``target_end``.

    While a lottery covers a slot, first-come booking of it waits until the draw
    settles: won slots are held for the winners until ``confirm_until``; the rest open.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="lotteries")
    name = models.CharField("名称", max_length=100)
    target_start = models.DateField("対象期間（開始）")
    target_end = models.DateField("対象期間（終了）")
    apply_from = models.DateTimeField("申込開始")
    apply_until = models.DateTimeField("申込締切")
    draw_at = models.DateTimeField("抽選日時")
    confirm_until = models.DateTimeField("当選者の確定期限")
    max_choices = models.PositiveSmallIntegerField("希望の数", default=3)
    max_applications = models.PositiveSmallIntegerField("1登録あたりの申込上限", default=4)
    max_wins_per_applicant = models.PositiveSmallIntegerField("1人あたりの当選上限", default=2)
    max_wins_per_group = models.PositiveSmallIntegerField("1団体あたりの当選上限", null=True, blank=True)
    status = models.CharField("状態", max_length=10, choices=LotteryStatus.choices, default=LotteryStatus.OPEN)
    # Commit-reveal: the seed's SHA-256 is published when applications close; the seed itself at the draw.
    seed_commitment = models.CharField("シードのハッシュ", max_length=64, blank=True)
    seed = models.CharField("シード", max_length=64, blank=True)
    input_digest = models.CharField("抽選データのハッシュ", max_length=64, blank=True)
    published_input = models.TextField("公開する抽選データ", blank=True)
    published_result = models.TextField("公開する抽選結果", blank=True)
    drawn_at = models.DateTimeField("抽選実施日時", null=True, blank=True)

    class Meta:
        verbose_name = "抽選"
        verbose_name_plural = "抽選"
        ordering: ClassVar = ["-draw_at"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(target_end__gte=models.F("target_start")), name="lottery_target_order"
            ),
            models.CheckConstraint(
                condition=models.Q(apply_until__gt=models.F("apply_from"))
                & models.Q(draw_at__gte=models.F("apply_until"))
                & models.Q(confirm_until__gt=models.F("draw_at")),
                name="lottery_time_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", "申込済み"
    WON = "won", "当選"
    LOST = "lost", "落選"
    WITHDRAWN = "withdrawn", "取下げ"


class LotteryApplication(models.Model):
    lottery = models.ForeignKey(Lottery, on_delete=models.PROTECT, related_name="applications")
    public_id = models.CharField("申込番号", max_length=16)
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="+")
    weight = models.PositiveSmallIntegerField("重み", default=1)
    status = models.CharField("状態", max_length=10, choices=ApplicationStatus.choices)
    purpose = models.CharField("利用目的", max_length=100, blank=True)
    created_at = models.DateTimeField("申込日時")
    won_rank = models.PositiveSmallIntegerField("当選した希望順位", null=True, blank=True)
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    notified_at = models.DateTimeField("結果通知日時", null=True, blank=True)

    class Meta:
        verbose_name = "抽選申込"
        verbose_name_plural = "抽選申込"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["lottery", "public_id"], name="lotteryapplication_unique_public_id"),
        ]

    def __str__(self) -> str:
        return self.public_id


class LotteryChoice(models.Model):
    application = models.ForeignKey(LotteryApplication, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField("希望順位")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        verbose_name = "抽選の希望"
        verbose_name_plural = "抽選の希望"
        ordering: ClassVar = ["application", "rank"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["application", "rank"], name="lotterychoice_unique_rank"),
        ]

    def __str__(self) -> str:
        return f"第{self.rank}希望"
