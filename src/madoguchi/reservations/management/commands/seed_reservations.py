"""Kitaibaraki's demo facilities, bookings, lottery and classes (only where none exist yet)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.core.demo import KITAIBARAKI
from madoguchi.core.models import Municipality
from madoguchi.reservations import demo


class Command(BaseCommand):
    help = "Seed demo facilities, a month of bookings, a running lottery and a スマホ講座 with a waitlist."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lock-url", default="", help="the smart-lock sandbox's URL (updated on every start)")

    def handle(self, *args: Any, lock_url: str, **options: Any) -> None:
        started = time.monotonic()
        city = Municipality.objects.get(code=KITAIBARAKI[0])
        if lock_url:
            demo.lock_account_ensure(city, api_url=lock_url)
        if demo.has_facilities(city):
            self.stdout.write(f"{city}: 施設予約のデータは作成済みです (already seeded)")
            return
        counts = demo.seed_reservations(city)
        self.stdout.write(
            f"{city}: 施設{counts['facilities']}件・利用者登録{counts['registrations']}件・"
            f"予約{counts['bookings']}件を作成しました ({time.monotonic() - started:.1f}s)"
        )
