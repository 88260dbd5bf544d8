"""Register a municipality (tenant) with the standard departments."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.core.services import municipality_ensure
from madoguchi.core.validators import validate_local_government_code


class Command(BaseCommand):
    help = "addmunicipality CODE NAME PREFECTURE [--kana KANA]: e.g. 082155 北茨城市 茨城県"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("name")
        parser.add_argument("prefecture")
        parser.add_argument("--kana", default="")

    def handle(self, *args: Any, code: str, name: str, prefecture: str, kana: str, **options: Any) -> None:
        try:
            validate_local_government_code(code)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        municipality = municipality_ensure(code, name, prefecture, kana)
        self.stdout.write(f"{municipality} ({municipality.code}): ready with departments")
