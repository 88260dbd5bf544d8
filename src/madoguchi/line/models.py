"""The city's LINE Official Account: channel settings, received webhook events, keyword replies."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from madoguchi.core.models import Municipality


class LineChannel(models.Model):
    """One Messaging API channel per municipality. ``api_base_url`` points at LINE, or at the sandbox."""

    municipality = models.OneToOneField(Municipality, on_delete=models.PROTECT, related_name="+")
    channel_id = models.CharField("チャネルID", max_length=20, unique=True)
    channel_secret = models.CharField("チャネルシークレット", max_length=64)
    access_token = models.TextField("チャネルアクセストークン")
    api_base_url = models.URLField("Messaging API のURL", default="https://api.line.me")
    greeting = models.TextField(
        "友だち追加時のあいさつ",
        default="友だち追加ありがとうございます。{city}の公式アカウントです。\n下のメニューから、手続き・施設予約・防災情報・お問い合わせを選べます。",
    )

    class Meta:
        verbose_name = "LINEチャネル"
        verbose_name_plural = "LINEチャネル"

    def __str__(self) -> str:
        return f"LINE channel {self.channel_id}"


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", "受信"
    PROCESSED = "processed", "処理済み"
    FAILED = "failed", "失敗"


class WebhookEvent(models.Model):
    """A webhook event as received. ``webhook_event_id`` is unique: a redelivery is stored once."""

    channel = models.ForeignKey(LineChannel, on_delete=models.PROTECT, related_name="events")
    webhook_event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=30)
    is_redelivery = models.BooleanField(default=False)
    payload = models.JSONField()
    received_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=WebhookEventStatus.choices, default=WebhookEventStatus.RECEIVED)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "Webhookイベント"
        verbose_name_plural = "Webhookイベント"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["channel", "webhook_event_id"], name="webhookevent_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_event_id}"


class KeywordReply(models.Model):
    """Staff-edited answers to words residents type (手続き, 施設予約, 防災, 問い合わせ …)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    keywords = models.CharField("キーワード（読点・空白区切り）", max_length=200)
    reply = models.TextField("返信")
    priority = models.PositiveSmallIntegerField("優先順位", default=100)
    active = models.BooleanField("有効", default=True)

    class Meta:
        verbose_name = "キーワード応答"
        verbose_name_plural = "キーワード応答"
        ordering: ClassVar = ["priority", "id"]

    def __str__(self) -> str:
        return self.keywords
