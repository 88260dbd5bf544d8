"""E-keys: a PIN on a unit's smart lock for the time of a paid booking."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from madoguchi.reservations.models.bookings import Booking


class KeyStatus(models.TextChoices):
    PENDING = "pending", "作成待ち"  # the lock service has not confirmed the guest yet
    INACTIVE = "inactive", "無効（支払い待ち）"
    ACTIVE = "active", "有効"
    DEACTIVATED = "deactivated", "無効化済み"


class AccessKey(models.Model):
    """The lock service's access guest for one booking.

    ``wanted`` is what the booking needs (active while paid and not cancelled); ``status``
    is what the lock service last confirmed. They differ while a call is pending or has
    failed; the repair task brings them together.
    """

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="access_key")
    lock_id = models.CharField("スマートロックID", max_length=64)
    guest_id = models.CharField("ゲストID", max_length=64, blank=True)
    pin = models.CharField("暗証番号", max_length=8)
    status = models.CharField("状態", max_length=12, choices=KeyStatus.choices, default=KeyStatus.PENDING)
    wanted = models.CharField("あるべき状態", max_length=12, choices=KeyStatus.choices, default=KeyStatus.INACTIVE)
    starts_at = models.DateTimeField("有効開始")
    ends_at = models.DateTimeField("有効終了")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField("直近のエラー", max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField("錠への反映日時", null=True, blank=True)
    sent_at = models.DateTimeField("送付日時", null=True, blank=True)
    first_used_at = models.DateTimeField("初回解錠日時", null=True, blank=True)

    class Meta:
        verbose_name = "電子鍵"
        verbose_name_plural = "電子鍵"
        indexes: ClassVar = [
            models.Index(fields=["next_attempt_at"], name="accesskey_repair_idx"),
            models.Index(fields=["guest_id"], name="accesskey_guest_idx"),
        ]

    def __str__(self) -> str:
        return f"key for booking {self.booking_id}"

    @property
    def in_sync(self) -> bool:
        return self.status == self.wanted


class LockEventLog(models.Model):
    """Every lock-service webhook event once: a repeated delivery hits the unique constraint."""

    event_id = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=30)
    guest_id = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = "錠のイベント"
        verbose_name_plural = "錠のイベント"

    def __str__(self) -> str:
        return self.event_id


class LockAccount(models.Model):
    """The city's account at the smart-lock service (RemoteLOCK or its sandbox)."""

    municipality = models.OneToOneField("core.Municipality", on_delete=models.PROTECT, related_name="+")
    api_url = models.URLField("APIのURL")
    token_url = models.URLField("トークン発行のURL")
    client_id = models.CharField("クライアントID", max_length=200)
    client_secret = models.CharField("クライアントシークレット", max_length=200)
    webhook_secret = models.CharField("Webhookの共有シークレット", max_length=200)
    # RemoteLOCK sends the shared secret back in X-Secret (its documented scheme, the default); where a
    # service signs the body (the sandbox does), HMAC-SHA256 also proves the body was not altered.
    webhook_scheme = models.CharField(
        "Webhookの検証方式",
        max_length=12,
        choices=[("x-secret", "X-Secret ヘッダー"), ("hmac-sha256", "本文のHMAC-SHA256署名")],
        default="x-secret",
    )
    # How long before the booking the key is sent, and how much slack around the slot the PIN works.
    send_minutes_before = models.PositiveSmallIntegerField("鍵を送る時刻（開始の何分前）", default=60)
    slack_minutes = models.PositiveSmallIntegerField("前後の余裕（分）", default=15)

    class Meta:
        verbose_name = "スマートロックの契約"
        verbose_name_plural = "スマートロックの契約"

    def __str__(self) -> str:
        return self.client_id
