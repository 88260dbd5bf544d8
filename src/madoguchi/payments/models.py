"""Fees as integer yen: payment intents, the gateways that collect them, refunds, and the
log of gateway notifications (each stored once: the database refuses a second copy)."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.db import models
from django.db.models import Q

from madoguchi.citizens.models import Citizen
from madoguchi.core.models import Municipality, StaffUser


def new_public_token() -> str:
    """The intent's id in residents' URLs: unguessable, carries nothing about the person."""
    return secrets.token_urlsafe(24)


class GatewayConfig(models.Model):
    """How a municipality reaches one payment gateway (決済代行事業者). ``base_url`` points at the
    gateway's API, or at the sandbox. ``kind`` names the adapter (see ``gateways.registry``)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(
        "接続コード", max_length=40, unique=True, help_text="通知URL /payments/notify/<接続コード>/ に使います。"
    )
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("方式", max_length=30, default="hosted")
    base_url = models.URLField("APIのURL")
    api_key = models.CharField("APIキー（シークレットキー）", max_length=200)
    signing_secret = models.CharField("通知の署名用シークレット", max_length=200)
    tolerance_seconds = models.PositiveIntegerField("署名の有効時間（秒）", default=300)
    enabled = models.BooleanField("有効", default=True)
    is_default = models.BooleanField("既定の接続", default=False)

    class Meta:
        verbose_name = "決済代行の接続設定"
        verbose_name_plural = "決済代行の接続設定"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["municipality"], condition=Q(is_default=True), name="gatewayconfig_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class IntentStatus(models.TextChoices):
    CREATED = "created", "未払い"
    PENDING = "pending", "支払い手続き中"
    PAID = "paid", "支払い済み"
    FAILED = "failed", "支払い失敗"
    EXPIRED = "expired", "期限切れ"
    CANCELLED = "cancelled", "取消し"
    REFUNDED = "refunded", "返金済み"


# Where a payment may still be made (online or at the counter).
PAYABLE = (IntentStatus.CREATED, IntentStatus.PENDING, IntentStatus.FAILED)


class Method(models.TextChoices):
    CARD = "card", "クレジットカード"
    QR = "qr", "QRコード決済"
    CONVENIENCE = "convenience", "コンビニ払い"
    BANK = "bank", "口座振替・振込"
    CASH = "cash", "現金（窓口）"
    OTHER = "other", "その他"


CASH_GATEWAY = "counter"  # the intent's ``gateway`` when staff took cash at the counter


class PaymentIntent(models.Model):
    """One fee to be paid for one subject of another app (a booking, an application …).

    ``late_payment`` marks an intent that was paid after it was cancelled or expired, or
    paid twice; that money was refunded automatically and the intent does not count as
    the subject's payment (see the partial unique constraint).
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField("用途", max_length=60)
    subject_id = models.CharField("対象ID", max_length=64)
    amount = models.PositiveIntegerField("金額（円）")
    description = models.CharField("内容", max_length=100)
    account_label = models.CharField("施設・手続き", max_length=60)
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField("状態", max_length=10, choices=IntentStatus.choices, default=IntentStatus.CREATED)
    method = models.CharField("支払方法", max_length=12, choices=Method.choices, blank=True)
    gateway = models.CharField("決済代行", max_length=40, blank=True)
    gateway_ref = models.CharField("決済代行の受付番号", max_length=100, blank=True)
    public_token = models.CharField(max_length=64, unique=True, default=new_public_token, editable=False)
    expires_at = models.DateTimeField("支払期限")
    paid_at = models.DateTimeField("支払日時", null=True, blank=True)
    # When the last applied gateway event happened (gateway's clock): older events are out of order.
    last_event_at = models.DateTimeField(null=True, blank=True)
    cash_received = models.PositiveIntegerField("窓口での受領額（円）", null=True, blank=True)
    refunded_amount = models.PositiveIntegerField("返金額（円）", default=0)
    late_payment = models.BooleanField("期限後・重複の入金", default=False)
    closed_reason = models.CharField("取消しの理由", max_length=200, blank=True)
    created_at = models.DateTimeField("作成日時")
    updated_at = models.DateTimeField("更新日時")

    class Meta:
        verbose_name = "支払い"
        verbose_name_plural = "支払い"
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="paymentintent_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount")), name="paymentintent_refund_within_amount"
            ),
            # A subject is paid for at most once: a second paid intent for it cannot be stored.
            models.UniqueConstraint(
                fields=["municipality", "purpose", "subject_id"],
                condition=Q(status="paid") | Q(status="refunded", late_payment=False),
                name="paymentintent_one_paid_per_subject",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["municipality", "purpose", "subject_id"], name="paymentintent_subject_idx"),
            models.Index(fields=["municipality", "paid_at"], name="paymentintent_paid_idx"),
            models.Index(fields=["status", "expires_at"], name="paymentintent_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"支払い {self.pk}"

    @property
    def is_payable(self) -> bool:
        return self.status in PAYABLE

    @property
    def refundable_amount(self) -> int:
        return self.amount - self.refunded_amount if self.status == IntentStatus.PAID else 0


class RefundStatus(models.TextChoices):
    PENDING = "pending", "返金処理中"
    SUCCEEDED = "succeeded", "返金済み"
    FAILED = "failed", "返金失敗"


class RefundKind(models.TextChoices):
    STAFF = "staff", "職員による返金"
    SYSTEM = "system", "休館等による返金"
    LATE = "late", "期限後の入金の返金"
    DUPLICATE = "duplicate", "二重払いの返金"


class Refund(models.Model):
    """Money given back. Gateway refunds carry an idempotency key, so a retried request never pays
    out twice. ``payment_ref`` is the gateway payment refunded (for a second payment of an already
    paid intent it differs from the intent's own)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    intent = models.ForeignKey(PaymentIntent, on_delete=models.PROTECT, related_name="refunds")
    kind = models.CharField("種類", max_length=10, choices=RefundKind.choices)
    amount = models.PositiveIntegerField("返金額（円）")
    reason = models.CharField("理由", max_length=200)
    status = models.CharField("状態", max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    method = models.CharField("支払方法", max_length=12, choices=Method.choices, blank=True)
    gateway = models.CharField("決済代行", max_length=40, blank=True)
    payment_ref = models.CharField("返金する決済の受付番号", max_length=100, blank=True)
    gateway_ref = models.CharField("返金の受付番号", max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    actor = models.ForeignKey(StaffUser, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attempts = models.PositiveSmallIntegerField("送信回数", default=0)
    error = models.CharField("エラー", max_length=200, blank=True)
    received_at = models.DateTimeField("入金日時（重複・期限後の入金）", null=True, blank=True)
    created_at = models.DateTimeField("作成日時")
    completed_at = models.DateTimeField("完了日時", null=True, blank=True)

    class Meta:
        verbose_name = "返金"
        verbose_name_plural = "返金"
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"返金 {self.pk}"


class NotificationOutcome(models.TextChoices):
    APPLIED = "applied", "反映"
    IGNORED = "ignored", "変更なし（順序違い・反映済み）"
    REFUNDED = "refunded", "自動返金"
    UNKNOWN = "unknown", "対象の支払いなし"
    MISMATCH = "mismatch", "金額の不一致（要確認）"


class GatewayNotification(models.Model):
    """A signed notification as received. (gateway, event_id) is unique: a redelivery is refused by
    the database itself, so it changes nothing even when two copies arrive at once."""

    gateway = models.ForeignKey(GatewayConfig, on_delete=models.PROTECT, related_name="notifications")
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=40)
    intent = models.ForeignKey(
        PaymentIntent, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    outcome = models.CharField(max_length=10, choices=NotificationOutcome.choices)
    detail = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField("事業者側の発生日時")
    received_at = models.DateTimeField("受信日時")

    class Meta:
        verbose_name = "決済通知"
        verbose_name_plural = "決済通知"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="gatewaynotification_unique_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
