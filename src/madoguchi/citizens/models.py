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
