"""Retention periods are enforced: old login records and stale enrolments go, recent ones stay."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi import cli
from madoguchi.core.retention import retention_sweep, retention_sweep_run

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
    assert removed == {"sessions": 1, "login_logs": 1, "login_failures": 1, "pending_totp": 1}
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
