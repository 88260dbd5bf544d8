"""Connect a municipality to a payment gateway. The API key and the signing secret are read from
environment variables, never from the command line (shell history and the process list keep it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.core.errors import DomainError
from madoguchi.core.models import Municipality
from madoguchi.payments.services import gateway_connect
from madoguchi.settings import env


class Command(BaseCommand):
    help = "paymentgateway CODE --gateway-code X --name N --base-url URL: key and secret from $PAYMENT_API_KEY, $PAYMENT_SIGNING_SECRET"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="全国地方公共団体コード, e.g. 082155")
        parser.add_argument("--gateway-code", required=True, help="used in the notification URL")
        parser.add_argument("--name", required=True)
        parser.add_argument("--base-url", required=True)
        parser.add_argument("--kind", default="hosted")
        parser.add_argument("--not-default", action="store_true")
        parser.add_argument("--disabled", action="store_true")
        parser.add_argument("--tolerance-seconds", type=int, default=300)
        parser.add_argument("--key-env", default="PAYMENT_API_KEY")
        parser.add_argument("--secret-env", default="PAYMENT_SIGNING_SECRET")

    def handle(self, *args: Any, **o: Any) -> None:
        municipality = Municipality.objects.filter(code=o["code"]).first()
        if municipality is None:
            raise CommandError(f"municipality {o['code']} does not exist (madoguchi manage addmunicipality)")
        key, secret = env(o["key_env"]), env(o["secret_env"])  # or their NAME_FILE
        if not key or not secret:
            raise CommandError(f"set ${o['key_env']} and ${o['secret_env']} (the gateway's dashboard)")
        try:
            config = gateway_connect(
                municipality=municipality,
                code=o["gateway_code"],
                name=o["name"],
                kind=o["kind"],
                base_url=o["base_url"],
                api_key=key,
                signing_secret=secret,
                is_default=not o["not_default"],
                enabled=not o["disabled"],
                tolerance_seconds=o["tolerance_seconds"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{municipality}: 決済の接続 {config.code}（{config.name}）を登録しました。")
        self.stdout.write(f"  通知URL (notification URL): <SITE_URL>/payments/notify/{config.code}/")
