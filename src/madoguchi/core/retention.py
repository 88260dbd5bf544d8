"""Retention periods are data; `retention_sweep` enforces them.

Run it daily (`madoguchi retention`, or enqueue the `retention_sweep` task).
Resident records are not swept here: a 除票 must be kept 150 years
(住民基本台帳法施行令 第34条), and the audit trail is kept for the life of the system.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks import task

from madoguchi.core import clock


@dataclass(frozen=True)
class RetentionRule:
    name: str
    days: int
    why: str


# Operational data that holds IP addresses and user names.
RULES: tuple[RetentionRule, ...] = (
    RetentionRule("login_logs", 180, "ログイン記録（IPアドレスを含む）は不正アクセスの調査に必要な期間だけ保存"),
    RetentionRule("login_failures", 30, "ログイン失敗の記録は一時停止の判断にだけ使う"),
    RetentionRule("pending_totp", 1, "登録途中で放置された認証アプリの設定は翌日に破棄"),
)
RULES_BY_NAME = {r.name: r for r in RULES}

# Rules of other apps: each registers its own in AppConfig.ready() (core never imports them).
Sweep = Callable[[dt.datetime], int]  # deletes what is older than the cutoff; returns how many rows
_APP_SWEEPS: dict[str, Sweep] = {}


def register(rule: RetentionRule, sweep: Sweep) -> None:
    RULES_BY_NAME[rule.name] = rule
    _APP_SWEEPS[rule.name] = sweep


def _cutoff(name: str, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=RULES_BY_NAME[name].days)


@transaction.atomic
def retention_sweep_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what has outlived its retention period; returns counts per rule."""
    now = now or clock.now()
    removed = {
        "sessions": Session.objects.filter(expire_date__lt=now).delete()[0],
        "login_logs": AccessLog.objects.filter(attempt_time__lt=_cutoff("login_logs", now)).delete()[0],
        "login_failures": AccessAttempt.objects.filter(attempt_time__lt=_cutoff("login_failures", now)).delete()[0]
        + AccessFailureLog.objects.filter(attempt_time__lt=_cutoff("login_failures", now)).delete()[0],
        "pending_totp": TOTPDevice.objects.filter(
            confirmed=False, created_at__lt=_cutoff("pending_totp", now)
        ).delete()[0],
    }
    for name, sweep in _APP_SWEEPS.items():
        removed[name] = sweep(_cutoff(name, now))
    return removed


@task()
def retention_sweep() -> dict[str, int]:
    return retention_sweep_run()
