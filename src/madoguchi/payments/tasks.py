"""Background work of payments: each task fetches ids and calls one service."""

from __future__ import annotations

from django_tasks import task

from madoguchi.payments import services


@task()
def submit_refund(refund_id: int) -> str:
    refund = services.refund_submit(refund_id=refund_id)
    return refund.status if refund else ""


@task()
def refunds_retry() -> int:
    """Gateway refunds still pending (the worker stopped, or the gateway was down)."""
    return services.refunds_retry()


@task()
def expire_overdue() -> int:
    """Unpaid intents past their deadline (run every few minutes: `madoguchi manage payments_tick`)."""
    return services.intents_expire_overdue()
