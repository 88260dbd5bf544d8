"""What happens for each webhook event. Runs in the background worker (tasks.py)."""

from __future__ import annotations

import logging
from typing import Any

from madoguchi.citizens import services as citizen_services
from madoguchi.citizens.models import LineIdentity
from madoguchi.citizens.selectors import line_identity_get
from madoguchi.core.text import normalize_text
from madoguchi.line import postbacks
from madoguchi.line.client import LineClient, LineError, LinePermanentError
from madoguchi.line.models import KeywordReply, LineChannel
from madoguchi.line.richmenu import rich_menu_apply

logger = logging.getLogger(__name__)

CANNOT_HELP = (
    "申し訳ありません。その内容にはお答えできませんでした。\n"
    "下のメニューから選ぶか、「手続き」「施設予約」「防災」「問い合わせ」のように送ってください。"
)


def _reply(channel: LineChannel, event: dict[str, Any], texts: list[str]) -> None:
    token = event.get("replyToken")
    if not token or not texts:
        return
    try:
        LineClient().reply(channel, reply_token=token, texts=texts[:5])
    except LinePermanentError as exc:
        # An expired or used reply token: the event is still handled; nothing to retry.
        logger.warning("reply refused by LINE (status %s)", exc.status)


def _user_id(event: dict[str, Any]) -> str:
    source = event.get("source") or {}
    return str(source.get("userId", "")) if source.get("type") == "user" else ""


def _apply_rich_menu(identity: LineIdentity) -> None:
    """New friends see LINE's default menu; a linked resident (or disaster mode) needs their own."""
    try:
        rich_menu_apply(identity)
    except LineError as exc:
        logger.warning("rich menu not linked (status %s)", exc.status)


def keyword_reply(channel: LineChannel, text: str) -> str | None:
    words = normalize_text(text).lower()
    for entry in KeywordReply.objects.filter(municipality_id=channel.municipality_id, active=True):
        keys = [k for k in normalize_text(entry.keywords.replace("、", " ").replace(",", " ")).lower().split(" ") if k]
        if any(k in words for k in keys):
            return entry.reply
    return None


def handle(channel: LineChannel, event: dict[str, Any]) -> None:
    kind = event.get("type")
    user_id = _user_id(event)
    if not user_id:
        return  # group and room events are not used
    municipality = channel.municipality
    if kind == "follow":
        identity = citizen_services.line_identity_follow(municipality=municipality, line_user_id=user_id)
        _reply(channel, event, [channel.greeting.format(city=municipality.name)])
        _apply_rich_menu(identity)
    elif kind == "unfollow":
        citizen_services.line_identity_unfollow(municipality=municipality, line_user_id=user_id)
    elif kind == "message":
        message = event.get("message") or {}
        if message.get("type") == "text":
            answer = keyword_reply(channel, str(message.get("text", "")))
            _reply(channel, event, [answer or CANNOT_HELP])
        else:
            _reply(channel, event, ["文字で送ってください。写真やスタンプにはお答えできません。"])
    elif kind == "postback":
        # A postback from someone we never saw follow is treated as a follow.
        sender = line_identity_get(
            municipality=municipality, line_user_id=user_id
        ) or citizen_services.line_identity_follow(municipality=municipality, line_user_id=user_id)
        data = str((event.get("postback") or {}).get("data", ""))
        texts = postbacks.dispatch(sender, data)
        _reply(channel, event, texts if texts is not None else [CANNOT_HELP])
