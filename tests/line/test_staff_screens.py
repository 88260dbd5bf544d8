"""The staff screen of the city's LINE account: status, keyword replies, rich menus, disaster
mode, and the operator's `linechannel` command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from madoguchi.citizens.models import Citizen, LineIdentity, LineIdentityStatus
from madoguchi.core import clock
from madoguchi.core.models import AuditEvent
from madoguchi.line.events import keyword_reply
from madoguchi.line.models import KeywordReply, LineChannel, RichMenu, WebhookEvent, WebhookEventStatus
from madoguchi.line.services import webhook_events_stalled

from ..conftest import make_staff, verified_client
from .conftest import TOKEN

pytestmark = pytest.mark.django_db


def _friends(city, n: int) -> list[str]:
    users = [f"U{i:032x}" for i in range(n)]
    for user in users:
        LineIdentity.objects.create(
            municipality=city,
            citizen=Citizen.objects.create(municipality=city, created_at=clock.now()),
            line_user_id=user,
            status=LineIdentityStatus.FOLLOWING,
            followed_at=clock.now(),
        )
    return users


def test_overview_shows_the_webhook_url_and_friends_to_kikaku_only(city_a, channel, settings) -> None:
    settings.SITE_URL = "https://madoguchi.city.example.jp"
    _friends(city_a, 3)
    page = verified_client(make_staff(city_a, "kikaku")).get("/staff/line/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "https://madoguchi.city.example.jp/line/webhook/1234567890/" in body
    assert "3人（うち住民記録と連携 0人）" in body
    assert verified_client(make_staff(city_a, "clerk")).get("/staff/line/").status_code == 403


def test_keyword_reply_form_keeps_input_then_saves_and_answers_residents(city_a, channel) -> None:
    kikaku = make_staff(city_a, "kikaku")
    client = verified_client(kikaku)
    refused = client.post(
        "/staff/line/keywords/new/", {"keywords": "、 ,", "reply": "粗大ごみは予約制です。", "priority": "10"}
    )
    assert refused.status_code == 200
    assert "キーワードを1つ以上入力してください。" in refused.content.decode()
    assert "粗大ごみは予約制です。" in refused.content.decode()  # what was typed is kept
    assert not KeywordReply.objects.exists()

    saved = client.post(
        "/staff/line/keywords/new/",
        {
            "keywords": "粗大ごみ、ｿﾀﾞｲ",
            "reply": "粗大ごみは予約制です（電話 0293-00-0000）。",
            "priority": "10",
            "active": "on",
        },
    )
    assert saved.status_code == 302
    entry = KeywordReply.objects.get()
    assert entry.keywords == "粗大ごみ、ソダイ"  # half-width kana normalized
    assert keyword_reply(channel, "粗大ごみを出したい") == entry.reply
    assert AuditEvent.objects.filter(action="line.keyword_save", actor=kikaku, object_id=str(entry.pk)).exists()

    client.post(
        f"/staff/line/keywords/{entry.pk}/",
        {"keywords": entry.keywords, "reply": entry.reply, "priority": "10"},  # "active" unchecked
    )
    assert keyword_reply(channel, "粗大ごみを出したい") is None


def test_another_citys_keyword_reply_is_not_found(city_a, city_b, channel) -> None:
    theirs = KeywordReply.objects.create(municipality=city_b, keywords="ごみ", reply="高萩市です")
    client = verified_client(make_staff(city_a, "kikaku"))
    assert client.get(f"/staff/line/keywords/{theirs.pk}/").status_code == 404
    assert (
        client.post(f"/staff/line/keywords/{theirs.pk}/", {"keywords": "x", "reply": "y", "priority": "1"}).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.reply == "高萩市です"


def test_disaster_mode_needs_confirmation_then_switches_every_friend(
    city_a, channel, line_sandbox, django_capture_on_commit_callbacks
) -> None:
    users = _friends(city_a, 3)
    kikaku = make_staff(city_a, "kikaku")
    client = verified_client(kikaku)
    assert client.post("/staff/line/rich-menus/").status_code == 302
    assert RichMenu.objects.filter(municipality=city_a).exclude(line_rich_menu_id="").count() == 3

    unconfirmed = client.post("/staff/line/disaster-mode/", {"on": "1"})
    assert unconfirmed.status_code == 400
    assert "確認のチェックを入れてください。" in unconfirmed.content.decode()
    channel.refresh_from_db()
    assert not channel.disaster_mode

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/staff/line/disaster-mode/", {"on": "1", "confirm": "on"}).status_code == 302
    channel.refresh_from_db()
    assert channel.disaster_mode
    disaster_id = RichMenu.objects.get(municipality=city_a, state="disaster").line_rich_menu_id
    assert all(line_sandbox.state.rich_menus.links.get(u) == disaster_id for u in users)
    assert AuditEvent.objects.filter(action="line.disaster_mode_on", actor=kikaku).exists()
    assert "災害モード中です" in client.get("/staff/line/").content.decode()


def test_publishing_menus_with_a_revoked_token_says_what_to_check(city_a, channel) -> None:
    LineChannel.objects.filter(pk=channel.pk).update(access_token="revoked")
    client = verified_client(make_staff(city_a, "kikaku"))
    page = client.post("/staff/line/rich-menus/", follow=True)
    assert "チャネルアクセストークンと接続先を確認してください" in page.content.decode()
    assert not RichMenu.objects.exclude(line_rich_menu_id="").exists()


def test_linechannel_command_reads_secrets_from_the_environment(city_a, line_sandbox, monkeypatch, capsys) -> None:
    secret = "0123456789abcdef0123456789abcdef"
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "not-a-secret")
    with pytest.raises(CommandError, match="32桁"):
        call_command("linechannel", "082155", "--channel-id=2000000001", f"--api-base-url={line_sandbox.base_url}")
    monkeypatch.setenv("LINE_CHANNEL_SECRET", secret)
    call_command(
        "linechannel",
        "082155",
        "--channel-id=2000000001",
        "--liff-id=2000000002-abcdEFGH",
        f"--api-base-url={line_sandbox.base_url}",
        f"--data-api-base-url={line_sandbox.base_url}",
    )
    out = capsys.readouterr().out
    assert secret not in out and TOKEN not in out
    channel = LineChannel.objects.get(municipality=city_a)
    assert (channel.channel_secret, channel.liff_id) == (secret, "2000000002-abcdEFGH")
    assert len(line_sandbox.state.rich_menus.menus) == 3
    assert line_sandbox.state.rich_menus.default
    assert AuditEvent.objects.filter(action="line.channel_connect").count() == 1


def test_linechannel_refuses_a_channel_id_another_city_uses(city_a, city_b, channel, monkeypatch) -> None:
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", "t")
    with pytest.raises(CommandError, match="別の自治体"):
        call_command("linechannel", "082147", f"--channel-id={channel.channel_id}", "--no-rich-menus")


def test_events_a_stopped_worker_left_are_found_again(channel) -> None:
    now = clock.now()

    def event(key: str, age: int, status: str) -> WebhookEvent:
        return WebhookEvent.objects.create(
            channel=channel,
            webhook_event_id=key,
            event_type="follow",
            payload={},
            received_at=now - dt.timedelta(seconds=age),
            status=status,
        )

    stalled = event("a", 300, WebhookEventStatus.RECEIVED)
    event("b", 5, WebhookEventStatus.RECEIVED)  # still in its worker's hands
    event("c", 300, WebhookEventStatus.PROCESSED)
    assert webhook_events_stalled() == [stalled.pk]
