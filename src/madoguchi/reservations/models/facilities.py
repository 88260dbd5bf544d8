"""Facilities and their bookable units, time frames, opening calendar, rates and cancellation tiers."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models

from madoguchi.core.models import Department, Municipality


class FacilityKind(models.TextChoices):
    GYM = "gym", "体育館"
    HALL = "hall", "公民館"
    GROUND = "ground", "グラウンド"
    TENNIS = "tennis", "テニスコート"
    MEETING_ROOM = "meeting_room", "会議室"
    OTHER = "other", "その他"


class Rounding(models.TextChoices):
    """How a computed fee is rounded (使用料条例が定める端数処理)."""

    FLOOR_10 = "floor_10", "10円未満切り捨て"
    FLOOR_100 = "floor_100", "100円未満切り捨て"
    ROUND_10 = "round_10", "10円未満四捨五入"
    NONE = "none", "1円単位"


class Facility(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name="所管課")
    code = models.SlugField("施設コード", max_length=40)
    name = models.CharField("施設名", max_length=100)
    name_kana = models.CharField("施設名（カナ）", max_length=100, blank=True)
    kind = models.CharField("種類", max_length=20, choices=FacilityKind.choices)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("所在地", max_length=200)
    latitude = models.DecimalField("緯度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("経度", max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField("電話番号", max_length=20, blank=True)
    description = models.TextField("説明", blank=True)
    equipment = models.TextField("設備・備品", blank=True)
    accessibility = models.TextField("バリアフリー情報", blank=True)
    is_public = models.BooleanField("予約を受け付ける", default=True)
    # Opening calendar: regular closing days, holidays, 年末年始.
    closed_weekdays = models.JSONField("定休日（曜日 0=月〜6=日）", default=list, blank=True)
    closed_on_holidays = models.BooleanField("祝日は休館", default=False)
    closed_year_end = models.BooleanField("年末年始（12/29〜1/3）は休館", default=True)
    # Every unit's times are multiples of this grid; it is also the SQLite overlap guard's cell size.
    grid_minutes = models.PositiveSmallIntegerField(
        "時間の刻み（分）", default=30, validators=[MinValueValidator(5), MaxValueValidator(60)]
    )
    # How long a 仮予約 waits for payment.
    hold_minutes = models.PositiveIntegerField("仮予約の支払期限（分）", default=60 * 24)
    # Bookings close this many hours before the start (the key must reach the lock in time).
    lead_hours = models.PositiveSmallIntegerField("予約の締切（開始の何時間前）", default=1)
    # Fee rules.
    weekend_surcharge_pct = models.PositiveSmallIntegerField("土日祝の加算（%）", default=0)
    admission_surcharge_pct = models.PositiveSmallIntegerField("入場料を徴収する場合の加算（%）", default=0)
    commercial_surcharge_pct = models.PositiveSmallIntegerField("営利目的の加算（%）", default=0)
    rounding = models.CharField("端数処理", max_length=12, choices=Rounding.choices, default=Rounding.FLOOR_10)

    class Meta:
        verbose_name = "施設"
        verbose_name_plural = "施設"
        ordering: ClassVar = ["municipality", "code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "code"], name="facility_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class FacilityPhoto(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(
        "写真",
        upload_to="facilities/",
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])],
    )
    alt = models.CharField("代替テキスト", max_length=200, help_text="画面読み上げで読まれる説明")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "施設の写真"
        verbose_name_plural = "施設の写真"
        ordering: ClassVar = ["facility", "position"]

    def __str__(self) -> str:
        return self.alt


class FrameMode(models.TextChoices):
    FRAMES = "frames", "区分（午前・午後・夜間など）"
    HOURLY = "hourly", "時間単位"


class Unit(models.Model):
    """A bookable space. Units nest: 全面 contains 半面A and 半面B.

    Only leaves (units without children) are occupied; booking a parent occupies
    every leaf beneath it, so 全面 and a 半面 can never both be booked.
    """

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name="親の区画"
    )
    code = models.SlugField("区画コード", max_length=40)
    name = models.CharField("区画名", max_length=100)
    capacity = models.PositiveIntegerField("定員", null=True, blank=True)
    bookable = models.BooleanField("予約できる", default=True)
    position = models.PositiveSmallIntegerField(default=0)
    frame_mode = models.CharField("予約の単位", max_length=10, choices=FrameMode.choices, default=FrameMode.FRAMES)
    # Hourly mode: opening hours, the interval between possible starts, and the duration limits.
    open_time = models.TimeField("開始時刻", null=True, blank=True)
    close_time = models.TimeField("終了時刻", null=True, blank=True)
    start_interval_minutes = models.PositiveSmallIntegerField("開始時刻の間隔（分）", default=60)
    min_minutes = models.PositiveSmallIntegerField("最短利用時間（分）", default=60)
    max_minutes = models.PositiveSmallIntegerField("最長利用時間（分）", default=240)
    # The smart lock on this unit's door; empty means the key is picked up at the counter.
    lock_id = models.CharField("スマートロックID", max_length=64, blank=True)

    class Meta:
        verbose_name = "区画"
        verbose_name_plural = "区画"
        ordering: ClassVar = ["facility", "position", "code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["facility", "code"], name="unit_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.facility.name} {self.name}"


class TimeFrame(models.Model):
    """A named frame of a unit in frames mode: 午前 9:00–12:00."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="frames")
    name = models.CharField("区分名", max_length=20)
    start = models.TimeField("開始")
    end = models.TimeField("終了")

    class Meta:
        verbose_name = "利用区分"
        verbose_name_plural = "利用区分"
        ordering: ClassVar = ["unit", "start"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["unit", "start"], name="timeframe_unique_start"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="timeframe_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.start:%H:%M}〜{self.end:%H:%M}）"


class Rate(models.Model):
    """The base fee for a unit: per frame (frames mode) or per hour (frame empty)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="rates")
    frame = models.ForeignKey(TimeFrame, on_delete=models.CASCADE, null=True, blank=True, related_name="rates")
    amount = models.PositiveIntegerField("使用料（円）")

    class Meta:
        verbose_name = "使用料"
        verbose_name_plural = "使用料"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["unit", "frame"], name="rate_unique_frame"),
            models.UniqueConstraint(fields=["unit"], condition=models.Q(frame__isnull=True), name="rate_unique_hourly"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.amount}円"


class Closure(models.Model):
    """A one-off closure (工事, 選挙, 災害): the whole facility, or one unit, for whole days."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="closures")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="closures")
    start_date = models.DateField("開始日")
    end_date = models.DateField("終了日")
    reason = models.CharField("理由", max_length=100)
    is_disaster = models.BooleanField("災害による休館", default=False)

    class Meta:
        verbose_name = "臨時休館"
        verbose_name_plural = "臨時休館"
        ordering: ClassVar = ["facility", "start_date"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="closure_end_not_before_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility.name} {self.start_date}〜{self.end_date} {self.reason}"


class CancellationTier(models.Model):
    """Cancelling ``min_days_before`` or more days before the use costs ``fee_pct`` % of the fee.

    The tier with the largest ``min_days_before`` not above the actual days applies.
    """

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="cancellation_tiers")
    min_days_before = models.PositiveSmallIntegerField("利用日の何日前から")
    fee_pct = models.PositiveSmallIntegerField("取消料（%）", validators=[MaxValueValidator(100)])

    class Meta:
        verbose_name = "取消料の段階"
        verbose_name_plural = "取消料の段階"
        ordering: ClassVar = ["facility", "-min_days_before"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["facility", "min_days_before"], name="cancellationtier_unique_days"),
            models.CheckConstraint(condition=models.Q(fee_pct__lte=100), name="cancellationtier_pct_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.min_days_before}日前から {self.fee_pct}%"
