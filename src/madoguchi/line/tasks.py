from __future__ import annotations

from django_tasks import task

from madoguchi.line.services import webhook_event_process


@task()
def process_webhook_events(event_ids: list[int]) -> int:
    """Handle the events of one delivery, in order; returns how many were handled now."""
    return sum(webhook_event_process(event_id=event_id) for event_id in event_ids)


@task()
def apply_rich_menu(identity_id: int) -> str:
    from madoguchi.citizens.selectors import line_identity_by_id
    from madoguchi.line.richmenu import rich_menu_apply

    identity = line_identity_by_id(identity_id=identity_id)
    return rich_menu_apply(identity) if identity else ""


@task()
def apply_rich_menus_to_all(channel_id: int) -> int:
    from madoguchi.line.richmenu import rich_menus_apply_all

    return rich_menus_apply_all(channel_id)
