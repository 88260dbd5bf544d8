"""Resident accounts: how a person reaches the city (LINE, e-mail), apart from the register.

A citizen account may exist without being linked to a 住民記録 person (visitors,
people who have not linked yet); linking comes with the LINE issue's LIFF flow.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from madoguchi.core.models import Municipality


class Citizen(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    display_name = models.CharField("表示名", max_length=100, blank=True)
    created_at = models.DateTimeField("作成日時")

    class Meta:
        verbose_name = "市民アカウント"
        verbose_name_plural = "市民アカウント"

    def __str__(self) -> str:
        return f"市民 {self.pk}"


class LineIdentityStatus(models.TextChoices):
    FOLLOWING = "following", "友だち"
    BLOCKED = "blocked", "ブロック中"


class LineIdentity(models.Model):
    """A LINE user of the city's official account (one channel per municipality)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    citizen = models.OneToOneField(Citizen, on_delete=models.PROTECT, related_name="line_identity")
    line_user_id = models.CharField("LINEユーザーID", max_length=64)
    status = models.CharField("状態", max_length=10, choices=LineIdentityStatus.choices)
    followed_at = models.DateTimeField("友だち追加日時")
    blocked_at = models.DateTimeField("ブロック日時", null=True, blank=True)

    class Meta:
        verbose_name = "LINE連携"
        verbose_name_plural = "LINE連携"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "line_user_id"], name="lineidentity_unique_user"),
        ]

    def __str__(self) -> str:
        return f"LINE {self.pk}"

    @property
    def can_receive(self) -> bool:
        return self.status == LineIdentityStatus.FOLLOWING


class InterestKind(models.TextChoices):
    AREA = "area", "地域（町名）"
    AGE_BAND = "age_band", "年代"
    TOPIC = "topic", "受け取りたい情報"
    SCHOOL = "school", "子どもの学校"


TOPICS = ["防災", "子育て", "健康", "イベント", "ごみ", "手続き"]
AGE_BANDS = ["10代", "20代", "30代", "40代", "50代", "60代", "70代", "80代以上"]


class CitizenInterest(models.Model):
    """One 受信設定 choice: a row per area, age band, topic or school, so segments are indexed queries."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="interests")
    kind = models.CharField("種類", max_length=10, choices=InterestKind.choices)
    value = models.CharField("値", max_length=60)

    class Meta:
        verbose_name = "受信設定"
        verbose_name_plural = "受信設定"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["citizen", "kind", "value"], name="citizeninterest_unique"),
        ]
        indexes: ClassVar = [models.Index(fields=["kind", "value"], name="interest_kind_value_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"
