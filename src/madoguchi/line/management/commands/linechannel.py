"""Connect a municipality to its LINE Messaging API channel and create its rich menus.

The secret and the token are read from environment variables, never from the command line
(where shell history and the process list would keep them).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.core.errors import DomainError
from madoguchi.core.models import Municipality
from madoguchi.line.client import LineError
from madoguchi.line.richmenu import rich_menus_default, rich_menus_sync
from madoguchi.line.services import line_channel_connect


class Command(BaseCommand):
    help = (
        "linechannel CODE --channel-id ID [--login-channel-id ID] [--liff-id ID]: "
        "secret and token from $LINE_CHANNEL_SECRET and $LINE_CHANNEL_ACCESS_TOKEN"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="全国地方公共団体コード, e.g. 082155")
        parser.add_argument("--channel-id", required=True)
        parser.add_argument("--login-channel-id", default="", help="LINE Login channel of the LIFF app, if separate")
        parser.add_argument("--liff-id", default="")
        parser.add_argument("--api-base-url", default="https://api.line.me")
        parser.add_argument("--data-api-base-url", default="https://api-data.line.me")
        parser.add_argument("--secret-env", default="LINE_CHANNEL_SECRET")
        parser.add_argument("--token-env", default="LINE_CHANNEL_ACCESS_TOKEN")
        parser.add_argument("--no-rich-menus", action="store_true", help="do not create the rich menus now")

    def handle(self, *args: Any, **o: Any) -> None:
        municipality = Municipality.objects.filter(code=o["code"]).first()
        if municipality is None:
            raise CommandError(f"municipality {o['code']} does not exist (madoguchi manage addmunicipality)")
        secret, token = os.environ.get(o["secret_env"], ""), os.environ.get(o["token_env"], "")
        if not secret or not token:
            raise CommandError(f"set ${o['secret_env']} and ${o['token_env']} (LINE Developers → Messaging API)")
        try:
            channel = line_channel_connect(
                municipality=municipality,
                channel_id=o["channel_id"],
                channel_secret=secret,
                access_token=token,
                login_channel_id=o["login_channel_id"],
                liff_id=o["liff_id"],
                api_base_url=o["api_base_url"],
                data_api_base_url=o["data_api_base_url"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{municipality}: LINEチャネル {channel.channel_id} を登録しました。")
        self.stdout.write(f"  Webhook URL: <SITE_URL>/line/webhook/{channel.channel_id}/")
        if o["no_rich_menus"]:
            return
        rich_menus_default(municipality)
        try:
            count = rich_menus_sync(channel)
        except LineError as exc:
            raise CommandError(
                f"rich menus could not be created (LINE answered {exc.status}); check the access token"
            ) from None
        self.stdout.write(f"  リッチメニュー {count} 件を作成しました（未連携の方向けを既定にしました）。")
