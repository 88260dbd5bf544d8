"""Demo data for payments: the sandbox gateway and a few days of fees. Only what is missing is created."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.core.models import Municipality
from madoguchi.payments.demo import seed_payments


class Command(BaseCommand):
    help = "Seed the demo payment gateway (the sandbox) and some fees for a municipality."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", default="082155")
        parser.add_argument("--sandbox-url", default="http://127.0.0.1:8202")

    def handle(self, *args: Any, municipality: str, sandbox_url: str, **options: Any) -> None:
        city = Municipality.objects.filter(code=municipality).first()
        if city is None:
            raise CommandError(f"municipality {municipality} does not exist; run `madoguchi seed` first")
        config = seed_payments(city, sandbox_url=sandbox_url)
        self.stdout.write(f"{city}: 決済の接続 {config.code}（サンドボックス {sandbox_url}）を用意しました")
