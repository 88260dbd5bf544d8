"""Connect a municipality to its smart-lock service (RemoteLOCK). Secrets come from environment
variables (or ``NAME_FILE``), never from the command line, which shell history and the process list keep."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.core.errors import DomainError
from madoguchi.core.models import Municipality
from madoguchi.reservations.locks.protocol import LockError
from madoguchi.reservations.locks.remotelock import REMOTELOCK_API_URL, REMOTELOCK_TOKEN_URL
from madoguchi.reservations.services.keys import lock_account_connect, lock_service
from madoguchi.settings import env


class Command(BaseCommand):
    help = (
        "lockaccount CODE [--api-url URL --token-url URL] [--check]: client id/secret and webhook secret from "
        "$LOCK_CLIENT_ID, $LOCK_CLIENT_SECRET, $LOCK_WEBHOOK_SECRET"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="全国地方公共団体コード, e.g. 082155")
        parser.add_argument("--api-url", default=REMOTELOCK_API_URL)
        parser.add_argument("--token-url", default=REMOTELOCK_TOKEN_URL)
        parser.add_argument("--webhook-scheme", default="x-secret", choices=["x-secret", "hmac-sha256"])
        parser.add_argument("--send-minutes-before", type=int, default=60)
        parser.add_argument("--slack-minutes", type=int, default=15)
        parser.add_argument("--check", action="store_true", help="sign in and list the locks the account sees")

    def handle(self, *args: Any, **o: Any) -> None:
        municipality = Municipality.objects.filter(code=o["code"]).first()
        if municipality is None:
            raise CommandError(f"municipality {o['code']} does not exist (madoguchi manage addmunicipality)")
        client_id, client_secret = env("LOCK_CLIENT_ID"), env("LOCK_CLIENT_SECRET")
        webhook_secret = env("LOCK_WEBHOOK_SECRET")
        if not (client_id and client_secret and webhook_secret):
            raise CommandError("set $LOCK_CLIENT_ID, $LOCK_CLIENT_SECRET and $LOCK_WEBHOOK_SECRET (or their _FILE)")
        try:
            account = lock_account_connect(
                municipality=municipality,
                api_url=o["api_url"],
                token_url=o["token_url"],
                client_id=client_id,
                client_secret=client_secret,
                webhook_secret=webhook_secret,
                webhook_scheme=o["webhook_scheme"],
                send_minutes_before=o["send_minutes_before"],
                slack_minutes=o["slack_minutes"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{municipality}: スマートロックの接続を登録しました（{account.api_url}）。")
        self.stdout.write(f"  Webhook URL: <SITE_URL>/reservations/locks/webhook/{municipality.code}/")
        if o["check"]:
            try:
                locks = lock_service(account).lock_list()
            except LockError as exc:
                raise CommandError(f"錠サービスに接続できません: {exc}") from None
            for lock in locks:
                self.stdout.write(f"  {lock.lock_id}  {lock.name}  {'接続中' if lock.connected else '未接続'}")
            self.stdout.write(f"  錠 {len(locks)} 台。区画の「スマートロックID」に錠のIDを設定してください。")
