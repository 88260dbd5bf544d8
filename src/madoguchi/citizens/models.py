"""Resident accounts: how a person reaches the city (LINE, e-mail), apart from the register.

A citizen account may exist without being linked to a 住民記録 person (visitors,
people who have not linked yet). Linking happens with a one-time code that staff
issue at the counter after checking identity (`LinkCode`).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from madoguchi.core.models import Municipality, StaffUser
from madoguchi.residents.models import Person


class PreferredChannel(models.TextChoices):
    LINE = "line", "LINE"
    EMAIL = "email", "メール"


class Citizen(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    display_name = models.CharField("表示名", max_length=100, blank=True)
    created_at = models.DateTimeField("作成日時")
    email = models.EmailField("メールアドレス", blank=True)
    email_verified_at = models.DateTimeField("メール確認日時", null=True, blank=True)
    preferred_channel = models.CharField(
        "受け取り方法", max_length=10, choices=PreferredChannel.choices, default=PreferredChannel.LINE
    )
    # The 住民記録 person this account was linked to at the counter (identity checked by staff).
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    linked_at = models.DateTimeField("住民記録との連携日時", null=True, blank=True)
    linked_by = models.ForeignKey(StaffUser, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Wrong link codes: after LINK_MAX_FAILURES the account may not try again until this time.
    link_failures = models.PositiveSmallIntegerField(default=0)
    link_locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "市民アカウント"
        verbose_name_plural = "市民アカウント"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["municipality", "email"], condition=~models.Q(email=""), name="citizen_unique_email"
            ),
            # One account per resident: a second LINE account cannot claim the same person.
            models.UniqueConstraint(fields=["person"], name="citizen_unique_person"),
        ]

    def __str__(self) -> str:
        return f"市民 {self.pk}"


class LineIdentityStatus(models.TextChoices):
    FOLLOWING = "following", "友だち"
    BLOCKED = "blocked", "ブロック中"
    # Signed in through LIFF without (yet) adding the account as a friend: nothing can be pushed.
    NOT_FRIEND = "not_friend", "友だち未追加"


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


class LinkCode(models.Model):
    """A one-time code staff hand over at the counter after checking identity.

    Only a keyed hash is stored: the code is shown once (on screen or printed) and
    cannot be read back from the database.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(StaffUser, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("発行日時")
    expires_at = models.DateTimeField("有効期限")
    used_at = models.DateTimeField("使用日時", null=True, blank=True)
    used_by = models.ForeignKey(Citizen, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField("無効化日時", null=True, blank=True)

    class Meta:
        verbose_name = "連携コード"
        verbose_name_plural = "連携コード"

    def __str__(self) -> str:
        return f"連携コード {self.pk}"


class EmailSignIn(models.Model):
    """A sign-in link sent by e-mail; usable once, for a short time. Only its hash is stored."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"email sign-in {self.pk}"


class School(models.Model):
    """A school parents can pick in 受信設定 (休校・行事のお知らせ). Kept by the city."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("学校名", max_length=60)
    kind = models.CharField("種別", max_length=20, default="小学校")
    active = models.BooleanField("選択肢に表示", default=True)

    class Meta:
        verbose_name = "学校"
        verbose_name_plural = "学校"
        constraints: ClassVar = [models.UniqueConstraint(fields=["municipality", "name"], name="school_unique_name")]

    def __str__(self) -> str:
        return self.name
