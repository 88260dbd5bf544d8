from __future__ import annotations

from django_tasks import task

from madoguchi.line.services import webhook_event_process


@task()
def process_webhook_event(event_id: int) -> bool:
    return webhook_event_process(event_id=event_id)
