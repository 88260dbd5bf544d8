from __future__ import annotations

from django_tasks import task

from madoguchi.line.services import webhook_event_process


@task()
def process_webhook_events(event_ids: list[int]) -> int:
    """Handle the events of one delivery, in order; returns how many were handled now."""
    return sum(webhook_event_process(event_id=event_id) for event_id in event_ids)
