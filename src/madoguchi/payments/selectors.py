"""Reads for staff: payments of the signed-in member of staff's city, and the daily
reconciliation (収納消込) by date, by facility or procedure, or by payment method."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import F, Q, QuerySet

from madoguchi.core.clock import TOKYO
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.payments.models import (
    GatewayNotification,
    IntentStatus,
    Method,
    PaymentIntent,
    Refund,
    RefundKind,
    RefundStatus,
)


def intents_for(*, actor: StaffUser, q: str = "", status: str = "") -> QuerySet[PaymentIntent]:
    """Payments of the actor's city, newest first. ``q`` matches the number, the facility or
    procedure, the description or the gateway's reference."""
    require(actor, Perm.PAYMENT_VIEW)
    intents = PaymentIntent.objects.filter(municipality_id=actor.municipality_id)
    if status in IntentStatus.values:
        intents = intents.filter(status=status)
    q = q.strip()
    if q:
        match = Q(account_label__icontains=q) | Q(description__icontains=q) | Q(gateway_ref=q)
        if q.isdigit():
            match |= Q(pk=int(q))
        intents = intents.filter(match)
    return intents.order_by("-created_at", "-pk")


def intent_for(*, actor: StaffUser, intent_id: int) -> PaymentIntent | None:
    return intents_for(actor=actor).filter(pk=intent_id).first()


def intent_by_token(*, token: str) -> PaymentIntent | None:
    """The intent a resident's return page shows (the token is the only key they hold)."""
    return PaymentIntent.objects.select_related("municipality").filter(public_token=token).first()


def refunds_of(intent: PaymentIntent) -> QuerySet[Refund]:
    return intent.refunds.select_related("actor").order_by("created_at", "pk")


def notifications_of(intent: PaymentIntent) -> QuerySet[GatewayNotification]:
    return intent.notifications.select_related("gateway").order_by("received_at", "pk")


# --- reconciliation (収納消込) -----------------------------------------------------------------


class GroupBy(StrEnum):
    DATE = "date"
    ACCOUNT = "account"
    METHOD = "method"

    @property
    def label(self) -> str:
        return {"date": "日付", "account": "施設・手続き", "method": "支払方法"}[self.value]


@dataclass
class ReconciliationRow:
    key: str
    label: str
    receipts: int = 0  # 収納件数
    received: int = 0  # 収納額（円）
    refunds: int = 0  # 還付件数
    refunded: int = 0  # 還付額（円）

    @property
    def net(self) -> int:
        return self.received - self.refunded


@dataclass
class Reconciliation:
    group_by: GroupBy
    date_from: dt.date
    date_to: dt.date
    rows: list[ReconciliationRow] = field(default_factory=list)
    total: ReconciliationRow = field(default_factory=lambda: ReconciliationRow("total", "合計"))


def _day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=TOKYO)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=TOKYO)
    return start, end


def _key(group_by: GroupBy, when: dt.datetime, account: str, method: str) -> tuple[str, str]:
    if group_by == GroupBy.DATE:
        day = when.astimezone(TOKYO).date()
        return day.isoformat(), f"{day.year}年{day.month}月{day.day}日"
    if group_by == GroupBy.ACCOUNT:
        return account, account
    return method, dict(Method.choices).get(method, method or "不明")


def reconciliation(
    *, actor: StaffUser, date_from: dt.date, date_to: dt.date, group_by: str = GroupBy.DATE
) -> Reconciliation:
    """Money received and given back in the period (dates in Japan), grouped.

    Receipts are payments by the day the money arrived (``paid_at``), including late and
    duplicate payments that were then refunded automatically, so the figures match the
    gateway's settlement report; refunds count by the day they were decided, failed ones not.
    """
    require(actor, Perm.PAYMENT_VIEW)
    grouping = GroupBy(group_by) if group_by in GroupBy.__members__.values() else GroupBy.DATE
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    start, end = _day_bounds(date_from, date_to)
    city = actor.municipality_id
    rows: dict[str, ReconciliationRow] = {}

    def row(key: tuple[str, str]) -> ReconciliationRow:
        if key[0] not in rows:
            rows[key[0]] = ReconciliationRow(*key)
        return rows[key[0]]

    receipts = list(
        PaymentIntent.objects.filter(municipality_id=city, paid_at__gte=start, paid_at__lt=end).values_list(
            "paid_at", "account_label", "method", "amount"
        )
    )
    # A second payment for an intent already paid is money received beyond the intent itself.
    # (Its refund names that other payment; a late payment of the intent itself is counted above.)
    receipts += (
        Refund.objects.filter(
            municipality_id=city, kind=RefundKind.DUPLICATE, received_at__gte=start, received_at__lt=end
        )
        .exclude(payment_ref=F("intent__gateway_ref"))
        .values_list("received_at", "intent__account_label", "method", "amount")
    )
    refunds = (
        Refund.objects.filter(municipality_id=city, created_at__gte=start, created_at__lt=end)
        .exclude(status=RefundStatus.FAILED)
        .values_list("created_at", "intent__account_label", "method", "amount")
    )
    for when, account, method, amount in receipts:
        r = row(_key(grouping, when or start, account, method))
        r.receipts += 1
        r.received += amount
    for when, account, method, amount in refunds:
        r = row(_key(grouping, when, account, method))
        r.refunds += 1
        r.refunded += amount
    result = Reconciliation(grouping, date_from, date_to, sorted(rows.values(), key=lambda r: r.key))
    for r in result.rows:
        result.total.receipts += r.receipts
        result.total.received += r.received
        result.total.refunds += r.refunds
        result.total.refunded += r.refunded
    return result


CSV_HEADER_COUNTS = ["収納件数", "収納額（円）", "還付件数", "還付額（円）", "差引（円）"]


def reconciliation_csv(report: Reconciliation) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens it with the Japanese intact; CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([report.group_by.label, *CSV_HEADER_COUNTS])
    for r in [*report.rows, report.total]:
        writer.writerow([r.label, r.receipts, r.received, r.refunds, r.refunded, r.net])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
