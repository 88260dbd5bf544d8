"""Demo data for the city's LINE account: channel (pointing at the sandbox), keyword replies,
templates, segments, schools and simulated friends. Only what is missing is created."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.core.models import Municipality
from madoguchi.messaging.demo import seed_line


class Command(BaseCommand):
    help = "Seed the demo LINE channel and simulated friends for a municipality."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", default="082155")
        parser.add_argument("--sandbox-url", default="http://127.0.0.1:8201")
        parser.add_argument("--friends", type=int, default=20000)

    def handle(self, *args: Any, municipality: str, sandbox_url: str, friends: int, **options: Any) -> None:
        started = time.monotonic()
        city = Municipality.objects.filter(code=municipality).first()
        if city is None:
            raise CommandError(f"municipality {municipality} does not exist; run `madoguchi seed` first")
        channel = seed_line(city, api_base_url=sandbox_url, friends=friends)
        self.stdout.write(
            f"{city}: LINEチャネル {channel.channel_id}（サンドボックス {sandbox_url}）、友だち {friends}人まで用意しました "
            f"({time.monotonic() - started:.1f}s)"
        )
