"""Scheduled payment work: expire unpaid intents past their deadline, send pending refunds again.
Run every few minutes from cron or a systemd timer (`madoguchi manage payments_tick`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from madoguchi.payments.services import intents_expire_overdue, refunds_retry


class Command(BaseCommand):
    help = "Expire overdue payment intents and retry pending gateway refunds."

    def handle(self, *args: Any, **options: Any) -> None:
        expired = intents_expire_overdue()
        refunded = refunds_retry()
        self.stdout.write(f"payments: expired={expired} refunds_completed={refunded}")
