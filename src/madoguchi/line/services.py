"""Intake of webhook events: store once, process once."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from madoguchi.core import clock
from madoguchi.line import events
from madoguchi.line.models import LineChannel, WebhookEvent, WebhookEventStatus

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
