"""Retention periods are enforced: old login records and stale enrolments go, recent ones stay."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi import cli
from madoguchi.citizens.models import Citizen, EmailSignIn, LineIdentity, LinkCode
from madoguchi.core.retention import retention_sweep, retention_sweep_run
from madoguchi.line.models import LineChannel, WebhookEvent, WebhookEventStatus
from madoguchi.messaging.models import Channel, Delivery, DeliveryBatch, DeliveryJob, JobStatus, MessageTemplate

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def _at(when: dt.datetime):
    return time_machine.travel(when, tick=False)


def test_sweep__removes_only_what_outlived_its_period(city_a, clerk_a, capsys) -> None:
    with _at(NOW - dt.timedelta(days=200)):
        AccessLog.objects.create(username="old", ip_address="192.0.2.1", user_agent="x", path_info="/")
        AccessAttempt.objects.create(username="old", ip_address="192.0.2.1", user_agent="x", failures_since_start=1)
        TOTPDevice.objects.create(user=clerk_a, name="stale", confirmed=False)
        TOTPDevice.objects.create(user=clerk_a, name="kept", confirmed=True)
        old_session = SessionStore()
        old_session.set_expiry(60)
        old_session.save()
    with _at(NOW - dt.timedelta(days=10)):
        AccessLog.objects.create(username="recent", ip_address="192.0.2.2", user_agent="x", path_info="/")
        AccessAttempt.objects.create(username="recent", ip_address="192.0.2.2", user_agent="x", failures_since_start=1)
    with _at(NOW):
        removed = retention_sweep_run()
    assert removed == {
        "sessions": 1,
        "login_logs": 1,
        "login_failures": 1,
        "pending_totp": 1,
        "email_sign_ins": 0,
        "link_codes": 0,
        "line_webhook_events": 0,
        "deliveries": 0,
        "payment_unpaid": 0,
        "payment_records": 0,
    }
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["recent"]
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["recent"]
    assert list(TOTPDevice.objects.values_list("name", flat=True)) == ["kept"]
    assert not Session.objects.filter(session_key=old_session.session_key).exists()
    with _at(NOW + dt.timedelta(days=25)):
        assert cli.main(["retention"]) == 0
    assert "login_failures=1" in capsys.readouterr().out


def test_sweep__runs_as_a_background_task(city_a) -> None:
    with _at(NOW - dt.timedelta(days=400)):
        AccessLog.objects.create(username="old", ip_address="192.0.2.1", user_agent="x", path_info="/")
    result = retention_sweep.enqueue()
    assert result.return_value["login_logs"] == 1


def test_sweep__residents_links_codes_and_line_events_by_their_own_periods(city_a, clerk_a, residents) -> None:
    citizen = Citizen.objects.create(municipality=city_a, created_at=NOW)
    person = residents.person(city_a)
    channel = LineChannel.objects.create(
        municipality=city_a, channel_id="1", channel_secret="s", access_token="t", api_base_url="http://127.0.0.1:9"
    )

    def at(days_ago: int, key: str, status: str = WebhookEventStatus.PROCESSED) -> None:
        when = NOW - dt.timedelta(days=days_ago)
        EmailSignIn.objects.create(
            citizen=citizen, email="a@example.jp", token_hash=key, created_at=when, expires_at=when
        )
        LinkCode.objects.create(
            municipality=city_a, person=person, code_hash=key, issued_by=clerk_a, issued_at=when, expires_at=when
        )
        WebhookEvent.objects.create(
            channel=channel, webhook_event_id=key, event_type="message", payload={}, received_at=when, status=status
        )

    at(400, "old")
    at(100, "stuck", status=WebhookEventStatus.RECEIVED)  # not handled yet: kept for its worker
    at(2, "recent")
    at(0, "today")
    with _at(NOW):
        removed = retention_sweep_run()
    assert (removed["email_sign_ins"], removed["link_codes"], removed["line_webhook_events"]) == (3, 1, 1)
    assert list(EmailSignIn.objects.values_list("token_hash", flat=True)) == ["today"]
    assert sorted(LinkCode.objects.values_list("code_hash", flat=True)) == ["recent", "stuck", "today"]
    assert sorted(WebhookEvent.objects.values_list("webhook_event_id", flat=True)) == ["recent", "stuck", "today"]


def test_sweep__finished_deliveries_after_a_year_with_their_recipients(city_a) -> None:
    identities = [
        LineIdentity.objects.create(
            municipality=city_a,
            citizen=Citizen.objects.create(municipality=city_a, created_at=NOW),
            line_user_id=f"U{i:032x}",
            followed_at=NOW,
        )
        for i in range(3)
    ]
    template = MessageTemplate.objects.create(municipality=city_a, key="t", title="t", body="本文", created_at=NOW)

    def job(days_ago: int, status: str) -> DeliveryJob:
        when = NOW - dt.timedelta(days=days_ago)
        made = DeliveryJob.objects.create(
            municipality=city_a,
            template=template,
            text="本文",
            created_at=when,
            status=status,
            finished_at=when if status == JobStatus.DONE else None,
        )
        batch = DeliveryBatch.objects.create(job=made, number=1, channel=Channel.LINE, retry_key=uuid.uuid4())
        Delivery.objects.bulk_create(
            Delivery(job=made, channel=Channel.LINE, identity=i, batch=batch, updated_at=when) for i in identities
        )
        return made

    old_done, old_cancelled = job(400, JobStatus.DONE), job(400, JobStatus.CANCELLED)
    recent, stuck = job(30, JobStatus.DONE), job(400, JobStatus.SENDING)  # unfinished: its worker resumes it
    with _at(NOW):
        assert retention_sweep_run()["deliveries"] == 2
    assert set(DeliveryJob.objects.values_list("pk", flat=True)) == {recent.pk, stuck.pk}
    assert not Delivery.objects.filter(job__in=[old_done, old_cancelled]).exists()
    assert Delivery.objects.filter(job=recent).count() == len(identities)
