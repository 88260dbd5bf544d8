"""How long received LINE webhook events (user ids, message text) are kept."""

from __future__ import annotations

import datetime as dt

from madoguchi.core.retention import RetentionRule, register
from madoguchi.line.models import WebhookEvent, WebhookEventStatus


def _webhook_events(cutoff: dt.datetime) -> int:
    # Unhandled events are kept until handled: their worker picks them up again.
    return WebhookEvent.objects.filter(received_at__lt=cutoff).exclude(status=WebhookEventStatus.RECEIVED).delete()[0]


def register_rules() -> None:
    register(
        RetentionRule(
            "line_webhook_events", 90, "LINEから届いたイベント（メッセージ本文を含む）は重複排除と調査のため90日保存"
        ),
        _webhook_events,
    )
