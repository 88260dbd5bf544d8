"""Create the demo municipalities, departments, staff and resident register (only where empty)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.core import demo as core_demo
from madoguchi.core.services import municipality_ensure
from madoguchi.residents import demo as residents_demo

SECOND_MUNICIPALITY_RESIDENTS = 300


class Command(BaseCommand):
    help = "Seed the Kitaibaraki demo data (and a small second municipality) if the database is empty."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=41000)
        parser.add_argument("--seed", type=int, default=82155)

    def handle(self, *args: Any, residents: int, seed: int, **options: Any) -> None:
        started = time.monotonic()
        kitaibaraki = municipality_ensure(*core_demo.KITAIBARAKI)
        takahagi = municipality_ensure(*core_demo.TAKAHAGI)
        core_demo.ensure_demo_staff()
        for municipality, count, rng_seed in (
            (kitaibaraki, residents, seed),
            (takahagi, SECOND_MUNICIPALITY_RESIDENTS, seed + 1),
        ):
            if residents_demo.has_residents(municipality):
                self.stdout.write(f"{municipality}: 住民データは作成済みです (already seeded)")
                continue
            households, people = residents_demo.seed_residents(municipality, residents=count, seed=rng_seed)
            self.stdout.write(f"{municipality}: {people}人・{households}世帯を作成しました (seeded)")
        self.stdout.write(f"seed: {time.monotonic() - started:.1f}s")
