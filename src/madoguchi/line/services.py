"""Intake of webhook events: store once, process once."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction

from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.line import events
from madoguchi.line.models import KeywordReply, LineChannel, WebhookEvent, WebhookEventStatus

logger = logging.getLogger(__name__)


class MalformedWebhook(ValueError):
    pass


def _validated(raw_events: Any) -> list[dict[str, Any]]:
    if not isinstance(raw_events, list):
        raise MalformedWebhook("events must be a list")
    checked = []
    for event in raw_events:
        if not isinstance(event, dict) or not isinstance(event.get("webhookEventId"), str) or not event.get("type"):
            raise MalformedWebhook("each event needs webhookEventId and type")
        checked.append(event)
    return checked


@transaction.atomic
def webhook_events_store(*, channel: LineChannel, payload: Any) -> list[int]:
    """Store the events of one delivery; returns the ids to process (duplicates are skipped)."""
    if not isinstance(payload, dict):
        raise MalformedWebhook("body must be an object")
    incoming = _validated(payload.get("events", []))
    if not incoming:
        return []  # LINE's connectivity check sends no events
    now = clock.now()
    rows = [
        WebhookEvent(
            channel=channel,
            webhook_event_id=e["webhookEventId"][:64],
            event_type=str(e["type"])[:30],
            is_redelivery=bool((e.get("deliveryContext") or {}).get("isRedelivery", False)),
            payload=e,
            received_at=now,
        )
        for e in incoming
    ]
    # A redelivered or repeated event id conflicts with the stored one and is skipped.
    WebhookEvent.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        WebhookEvent.objects.filter(
            channel=channel,
            webhook_event_id__in=[r.webhook_event_id for r in rows],
            received_at=now,
            status=WebhookEventStatus.RECEIVED,
        ).values_list("pk", flat=True)
    )


def webhook_event_process(*, event_id: int) -> bool:
    """Handle one stored event exactly once; returns False if it was already handled."""
    with transaction.atomic():
        claimed = WebhookEvent.objects.filter(pk=event_id, status=WebhookEventStatus.RECEIVED).update(
            status=WebhookEventStatus.PROCESSED, processed_at=clock.now()
        )
        if not claimed:
            return False
        event = WebhookEvent.objects.select_related("channel__municipality").get(pk=event_id)
        try:
            events.handle(event.channel, event.payload)
        except Exception as exc:
            # Keep the event (and the claim) so it is not handled twice; record why for staff.
            logger.exception("webhook event %s failed", event_id)
            WebhookEvent.objects.filter(pk=event_id).update(status=WebhookEventStatus.FAILED, error=type(exc).__name__)
    return True


def webhook_events_stalled(*, older_than_seconds: int = 60) -> list[int]:
    """Events stored but never handled (their worker was stopped before it committed): handle again."""
    cutoff = clock.now() - dt.timedelta(seconds=older_than_seconds)
    return list(
        WebhookEvent.objects.filter(status=WebhookEventStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- the city's channel and its keyword replies (企画政策課) ------------------------


@transaction.atomic
def line_channel_connect(
    *,
    municipality: Municipality,
    channel_id: str,
    channel_secret: str,
    access_token: str,
    login_channel_id: str = "",
    liff_id: str = "",
    api_base_url: str = "https://api.line.me",
    data_api_base_url: str = "https://api-data.line.me",
) -> LineChannel:
    """Register (or update) the municipality's Messaging API channel; operators run it once per city."""
    if not channel_id.isdigit():
        raise DomainError("チャネルIDは数字です（LINE Developers の「チャネル基本設定」）。", field="channel_id")
    if len(channel_secret) != 32 or any(c not in "0123456789abcdef" for c in channel_secret):
        raise DomainError("チャネルシークレットは32桁の英数字（0-9, a-f）です。", field="channel_secret")
    if not access_token.strip():
        raise DomainError("チャネルアクセストークン（長期）を指定してください。", field="access_token")
    other = LineChannel.objects.filter(channel_id=channel_id).exclude(municipality=municipality).first()
    if other is not None:
        raise DomainError("このチャネルIDは別の自治体に登録されています。", field="channel_id")
    channel, _ = LineChannel.objects.update_or_create(
        municipality=municipality,
        defaults={
            "channel_id": channel_id,
            "channel_secret": channel_secret,
            "access_token": access_token.strip(),
            "login_channel_id": login_channel_id,
            "liff_id": liff_id,
            "api_base_url": api_base_url,
            "data_api_base_url": data_api_base_url,
        },
    )
    audit_record(municipality=municipality, actor=None, action="line.channel_connect", obj=channel)
    return channel


@transaction.atomic
def keyword_reply_save(
    *,
    actor: StaffUser,
    reply_id: int | None,
    keywords: str,
    reply: str,
    priority: int,
    active: bool,
) -> KeywordReply:
    """Add or change an automatic answer to words residents type. Audited."""
    require(actor, Perm.LINE_MANAGE)
    if not [k for k in keywords.replace("、", " ").replace(",", " ").split(" ") if k]:
        raise DomainError("キーワードを1つ以上入力してください。", field="keywords")
    if reply_id is None:
        entry = KeywordReply(municipality_id=actor.municipality_id)
    else:
        found = KeywordReply.objects.filter(pk=reply_id, municipality_id=actor.municipality_id).first()
        if found is None:
            raise DomainError("このキーワード応答は見つかりません。")
        entry = found
    entry.keywords, entry.reply, entry.priority, entry.active = keywords, reply, priority, active
    entry.save()
    assert actor.municipality is not None
    audit_record(municipality=actor.municipality, actor=actor, action="line.keyword_save", obj=entry)
    return entry
