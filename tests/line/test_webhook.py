"""The webhook: signature first, each event once, handled in the background."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.citizens.models import LineIdentity, LineIdentityStatus
from madoguchi.line import postbacks
from madoguchi.line.events import CANNOT_HELP
from madoguchi.line.models import KeywordReply, WebhookEvent, WebhookEventStatus

pytestmark = pytest.mark.django_db
USER = "U" + "a" * 32


def _post(channel, sandbox, events, *, signature: str | None = None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps({"destination": "Uxxx", "events": events}).encode()
    headers = {}
    sig = sandbox.sign(body) if signature is None else signature
    if sig:
        headers["HTTP_X_LINE_SIGNATURE"] = sig
    return Client().post(
        reverse("line:webhook", args=[channel.channel_id]), data=body, content_type="application/json", **headers
    )


@pytest.mark.parametrize("signature", ["", "Zm9yZ2Vk", "forged-signature"])
def test_webhook__refuses_missing_or_forged_signature_and_stores_nothing(channel, line_sandbox, signature) -> None:
    event = line_sandbox.event("follow", USER)
    response = _post(channel, line_sandbox, [event], signature=signature)
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0 and LineIdentity.objects.count() == 0
    assert line_sandbox.state.deliveries == []


def test_webhook__signature_from_another_channel_is_refused(channel, line_sandbox) -> None:
    import base64
    import hashlib
    import hmac

    body = json.dumps({"events": [line_sandbox.event("follow", USER)]}).encode()
    other = base64.b64encode(hmac.new(b"another-secret", body, hashlib.sha256).digest()).decode()
    assert _post(channel, line_sandbox, [], signature=other, raw=body).status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_webhook__empty_events_is_the_connectivity_check(channel, line_sandbox) -> None:
    assert _post(channel, line_sandbox, []).status_code == 200
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b'{"events": [{"type": "follow"}]}', b'{"events": "x"}'])
def test_webhook__malformed_body_is_400_not_500(channel, line_sandbox, raw: bytes) -> None:
    assert _post(channel, line_sandbox, [], raw=raw).status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_webhook__refuses_oversized_body(channel, line_sandbox) -> None:
    raw = json.dumps({"events": [], "pad": "x" * (1024 * 1024 + 1)}).encode()
    assert _post(channel, line_sandbox, [], raw=raw).status_code == 413


def test_webhook__unknown_channel_is_404(channel, line_sandbox) -> None:
    response = Client().post("/line/webhook/999/", data=b"{}", content_type="application/json")
    assert response.status_code == 404


def test_follow__creates_identity_and_sends_greeting(channel, line_sandbox, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(channel, line_sandbox, [line_sandbox.event("follow", USER)]).status_code == 200
    identity = LineIdentity.objects.get(line_user_id=USER)
    assert identity.status == LineIdentityStatus.FOLLOWING and identity.municipality == channel.municipality
    texts = line_sandbox.state.messages_to(USER)
    assert len(texts) == 1 and "北茨城市の公式アカウント" in texts[0]
    assert WebhookEvent.objects.get().status == WebhookEventStatus.PROCESSED


def test_redelivered_event__is_processed_once(channel, line_sandbox, django_capture_on_commit_callbacks) -> None:
    event = line_sandbox.event("follow", USER)
    with django_capture_on_commit_callbacks(execute=True):
        _post(channel, line_sandbox, [event])
    again = {**event, "deliveryContext": {"isRedelivery": True}}
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(channel, line_sandbox, [again, again]).status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert len(line_sandbox.state.messages_to(USER)) == 1


def test_unfollow__blocks_the_identity_and_refollow_reactivates(
    channel, line_sandbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _post(channel, line_sandbox, [line_sandbox.event("follow", USER)])
        _post(channel, line_sandbox, [line_sandbox.event("unfollow", USER)])
    identity = LineIdentity.objects.get(line_user_id=USER)
    assert identity.status == LineIdentityStatus.BLOCKED and not identity.can_receive
    assert identity.blocked_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        _post(channel, line_sandbox, [line_sandbox.event("follow", USER)])
    identity.refresh_from_db()
    assert identity.can_receive and LineIdentity.objects.count() == 1


def test_text_message__answers_from_the_keyword_table_or_says_it_cannot_help(
    channel, line_sandbox, django_capture_on_commit_callbacks
) -> None:
    KeywordReply.objects.create(
        municipality=channel.municipality, keywords="ごみ、ゴミ 粗大", reply="ごみの出し方はこちらです。"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _post(
            channel,
            line_sandbox,
            [line_sandbox.event("message", USER, message={"type": "text", "id": "1", "text": "粗大ごみを出したい"})],
        )
        _post(
            channel,
            line_sandbox,
            [line_sandbox.event("message", USER, message={"type": "text", "id": "2", "text": "今日の天気は？"})],
        )
    assert line_sandbox.state.messages_to(USER) == ["ごみの出し方はこちらです。", CANNOT_HELP]


def test_postback__reaches_a_handler_another_app_registered(
    channel, line_sandbox, django_capture_on_commit_callbacks
) -> None:
    seen = []

    def safety_answer(postback: postbacks.Postback) -> list[str]:
        seen.append((postback.identity.line_user_id, postback.params))
        return ["回答を受け付けました。"]

    postbacks.register("safety", safety_answer)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _post(
                channel,
                line_sandbox,
                [line_sandbox.event("postback", USER, postback={"data": "action=safety&answer=ok"})],
            )
            _post(channel, line_sandbox, [line_sandbox.event("postback", USER, postback={"data": "action=unknown"})])
    finally:
        postbacks.unregister("safety")
    assert seen == [(USER, {"answer": "ok"})]
    assert line_sandbox.state.messages_to(USER) == ["回答を受け付けました。", CANNOT_HELP]


def test_webhook__answers_before_processing(channel, line_sandbox) -> None:
    # Without running on-commit callbacks (no worker yet), the event is stored and acknowledged.
    assert _post(channel, line_sandbox, [line_sandbox.event("follow", USER)]).status_code == 200
    assert WebhookEvent.objects.get().status == WebhookEventStatus.RECEIVED
    assert line_sandbox.state.deliveries == []
