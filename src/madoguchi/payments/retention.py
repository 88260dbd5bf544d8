"""How long payment records are kept (registered with core.retention).

Payments and refunds are accounting records (会計書類): kept 5 years, as municipal financial
rules set for 会計書類 under 地方自治法施行令. An intent ties a payment to a resident's account
(``citizen``), so it is personal data too; an intent that never moved money is kept 1 year only.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from madoguchi.core.retention import RetentionRule, register
from madoguchi.payments.models import GatewayNotification, IntentStatus, PaymentIntent, Refund, RefundStatus

FIVE_YEARS = 5 * 365 + 2  # two leap days at most


def _unpaid(cutoff: dt.datetime) -> int:
    """Intents that ended without money moving (expired or cancelled; payable ones expire first)."""
    stale = PaymentIntent.objects.filter(
        paid_at__isnull=True, updated_at__lt=cutoff, status__in=[IntentStatus.EXPIRED, IntentStatus.CANCELLED]
    )
    stale = stale.exclude(Exists(Refund.objects.filter(intent=OuterRef("pk"))))
    GatewayNotification.objects.filter(intent__in=stale).delete()
    return stale.delete()[0]


def _records(cutoff: dt.datetime) -> int:
    """Payments, refunds and notifications whose last activity is over five years old."""
    GatewayNotification.objects.filter(received_at__lt=cutoff).delete()
    intents = PaymentIntent.objects.filter(updated_at__lt=cutoff).exclude(
        Exists(Refund.objects.filter(intent=OuterRef("pk"), created_at__gte=cutoff))
    )
    # A refund still pending is money not yet given back: keep it (and its payment) until it ends.
    intents = intents.exclude(Exists(Refund.objects.filter(intent=OuterRef("pk"), status=RefundStatus.PENDING)))
    ids = list(intents.values_list("pk", flat=True))
    if not ids:
        return 0
    Refund.objects.filter(intent_id__in=ids).delete()
    GatewayNotification.objects.filter(intent_id__in=ids).delete()
    return PaymentIntent.objects.filter(pk__in=ids).delete()[0]


def register_rules() -> None:
    register(
        RetentionRule(
            "payment_unpaid", 365, "入金のなかった支払い（期限切れ・取消し）は1年で削除（利用者との結び付きを残さない）"
        ),
        _unpaid,
    )
    register(
        RetentionRule(
            "payment_records", FIVE_YEARS, "収納・返金の記録は会計書類として5年保存（地方自治法施行令・財務規則）"
        ),
        _records,
    )
