"""The webhook endpoint: verify the signature first, store, answer 200 fast, work in the background."""

from __future__ import annotations

import json
from functools import partial

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from linebot.v3.webhook import SignatureValidator

from madoguchi.line.models import LineChannel
from madoguchi.line.services import MalformedWebhook, webhook_events_store
from madoguchi.line.tasks import process_webhook_events

MAX_BODY_BYTES = 1024 * 1024


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, channel_id: str) -> HttpResponse:
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY_BYTES:
        return _plain(413, "body too large")
    channel = LineChannel.objects.filter(channel_id=channel_id).first()
    if channel is None:
        return _plain(404, "unknown channel")
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _plain(413, "body too large")
    signature = request.headers.get("X-Line-Signature", "")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _plain(400, "body is not UTF-8")
    if not signature or not SignatureValidator(channel.channel_secret).validate(text, signature):
        return _plain(400, "invalid signature")
    try:
        ids = webhook_events_store(channel=channel, payload=json.loads(text))
    except (json.JSONDecodeError, MalformedWebhook) as exc:
        return _plain(400, f"malformed body: {exc}")
    if ids:
        transaction.on_commit(partial(process_webhook_events.enqueue, ids))
    return _plain(200, "OK")
