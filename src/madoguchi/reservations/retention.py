"""How long booking data is kept (registered with core.retention from AppConfig.ready).

Bookings link a resident to a place and time, and back the fee records: they are kept
5 years after use, as accounting records are (地方自治法施行令 — 会計書類 5年), then deleted
with their keys and lottery entries. 減免 evidence (certificates residents uploaded) goes
after 1 year; lock events after 90 days; class sign-ups 1 year after the class.
"""

from __future__ import annotations

import datetime as dt

from madoguchi.core.retention import RetentionRule, register
from madoguchi.reservations.models import Booking, Enrollment, LockEventLog, LotteryApplication


def _bookings(cutoff: dt.datetime) -> int:
    ids = list(Booking.objects.filter(end__lt=cutoff).values_list("pk", flat=True))
    if not ids:
        return 0
    for booking in Booking.objects.filter(pk__in=ids).exclude(reduction_evidence=""):
        booking.reduction_evidence.delete(save=False)
    LotteryApplication.objects.filter(booking_id__in=ids).delete()
    return Booking.objects.filter(pk__in=ids).delete()[1].get("reservations.Booking", 0)


def _evidence(cutoff: dt.datetime) -> int:
    removed = 0
    for booking in Booking.objects.filter(end__lt=cutoff).exclude(reduction_evidence=""):
        booking.reduction_evidence.delete(save=False)
        Booking.objects.filter(pk=booking.pk).update(reduction_evidence="")
        removed += 1
    return removed


def _lock_events(cutoff: dt.datetime) -> int:
    return LockEventLog.objects.filter(received_at__lt=cutoff).delete()[0]


def _enrollments(cutoff: dt.datetime) -> int:
    return Enrollment.objects.filter(session__end__lt=cutoff).delete()[0]


def register_rules() -> None:
    register(
        RetentionRule("bookings", 5 * 365 + 1, "施設予約は利用日から5年（使用料の会計書類と同じ）で削除"), _bookings
    )
    register(RetentionRule("reduction_evidence", 365, "減免の証明書類は利用日から1年で削除"), _evidence)
    register(RetentionRule("lock_events", 90, "スマートロックのイベントは90日で削除"), _lock_events)
    register(RetentionRule("class_enrollments", 365, "講座の申込者名簿は講座の終了から1年で削除"), _enrollments)
