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
    # Rich menu images go to a second host (api-data.line.me); the sandbox serves both on one port.
    data_api_base_url = models.URLField("画像アップロードのURL", blank=True, default="https://api-data.line.me")
    # LIFF apps belong to a LINE Login channel; its id is the audience of the residents' ID tokens.
    login_channel_id = models.CharField("LINEログインのチャネルID", max_length=20, blank=True)
    liff_id = models.CharField("LIFF ID", max_length=40, blank=True)
    disaster_mode = models.BooleanField("災害モード", default=False)
    greeting = models.TextField(
        "友だち追加時のあいさつ",
        default="友だち追加ありがとうございます。{city}の公式アカウントです。\n下のメニューから、手続き・施設予約・防災情報・お問い合わせを選べます。",
    )

    class Meta:
        verbose_name = "LINEチャネル"
        verbose_name_plural = "LINEチャネル"

    def __str__(self) -> str:
        return f"LINE channel {self.channel_id}"

    @property
    def id_token_audience(self) -> str:
        return self.login_channel_id or self.channel_id

    @property
    def blob_base_url(self) -> str:
        """The sandbox serves images on its one port; LINE on api-data.line.me."""
        if not self.data_api_base_url or self.api_base_url.startswith("http://"):
            return self.api_base_url
        return self.data_api_base_url


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


class RichMenuState(models.TextChoices):
    UNLINKED = "unlinked", "未連携"
    LINKED = "linked", "住民記録と連携済み"
    DISASTER = "disaster", "災害モード"


class RichMenu(models.Model):
    """A rich menu as data: a grid of labelled buttons, created on LINE by `rich_menus_sync`.

    ``areas`` is a list of ``{"label": ..., "action": {...}}`` filled row by row into
    ``rows`` × ``cols`` cells. Actions: ``message`` (text), ``postback`` (data),
    ``liff`` (path of a resident page, e.g. ``/my/preferences/``), ``uri``.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    state = models.CharField("表示する相手", max_length=10, choices=RichMenuState.choices)
    name = models.CharField("名前", max_length=300)
    chat_bar_text = models.CharField("メニューバーの文字", max_length=14, default="メニュー")
    rows = models.PositiveSmallIntegerField("行数", default=2)
    cols = models.PositiveSmallIntegerField("列数", default=3)
    areas = models.JSONField("ボタン")
    image = models.FileField("画像（任意）", upload_to="richmenus/", blank=True)
    line_rich_menu_id = models.CharField("LINE上のID", max_length=100, blank=True)
    synced_at = models.DateTimeField("LINEへの反映日時", null=True, blank=True)

    class Meta:
        verbose_name = "リッチメニュー"
        verbose_name_plural = "リッチメニュー"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "state"], name="richmenu_unique_state"),
            models.CheckConstraint(
                condition=models.Q(rows__gte=1, rows__lte=2, cols__gte=1, cols__lte=4), name="richmenu_grid"
            ),
        ]

    def __str__(self) -> str:
        return self.name
