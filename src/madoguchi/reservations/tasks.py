"""Background tasks of the reservations app: thin wrappers that call one service."""

from __future__ import annotations

from django_tasks import task

from madoguchi.reservations.services import lotteries


@task()
def lottery_results_notify(lottery_id: int) -> int:
    return lotteries.lottery_results_notify(lottery_id=lottery_id)
