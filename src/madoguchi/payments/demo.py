"""Demo data for payments (demo mode only): the sandbox gateway and a few days of fees, so the
staff screens and the reconciliation have something to show before reservations exist."""

from __future__ import annotations

import datetime as dt

from madoguchi.core import clock
from madoguchi.core.models import Municipality
from madoguchi.payments import hooks
from madoguchi.payments.models import GatewayConfig, IntentStatus, Method, PaymentIntent
from madoguchi.payments.sandbox.__main__ import DEMO_API_KEY, DEMO_SIGNING_SECRET

DEMO_PURPOSE = "payments.demo"
DEMO_GATEWAY_CODE = "sandbox-082155"

FEES = [
    ("市民体育館", "市民体育館 競技場 全面 2時間", 2400, Method.CARD),
    ("市民体育館", "市民体育館 会議室 1時間", 600, Method.CASH),
    ("中央公民館", "中央公民館 和室 午前", 800, Method.QR),
    ("住民票の写し", "住民票の写し 1通", 300, Method.CARD),
    ("印鑑登録証明書", "印鑑登録証明書 1通", 300, Method.CONVENIENCE),
]


def register_purpose() -> None:
    hooks.register(DEMO_PURPOSE, label="デモの手数料", on_change=lambda intent, event: None)


def seed_payments(municipality: Municipality, *, sandbox_url: str, days: int = 5) -> GatewayConfig:
    """The sandbox gateway (its URL follows the sandbox's port on every start) and, once, some paid fees."""
    config, _ = GatewayConfig.objects.update_or_create(
        code=DEMO_GATEWAY_CODE,
        defaults={"base_url": sandbox_url, "municipality": municipality},
        create_defaults={
            "municipality": municipality,
            "name": "決済サンドボックス",
            "kind": "hosted",
            "base_url": sandbox_url,
            "api_key": DEMO_API_KEY,
            "signing_secret": DEMO_SIGNING_SECRET,
            "is_default": True,
        },
    )
    if PaymentIntent.objects.filter(municipality=municipality, purpose=DEMO_PURPOSE).exists():
        return config
    now = clock.now()
    rows = []
    for day in range(days):
        when = (now - dt.timedelta(days=day)).replace(hour=10, minute=0, second=0, microsecond=0)
        for i, (label, description, amount, method) in enumerate(FEES):
            paid_at = when + dt.timedelta(minutes=17 * i)
            rows.append(
                PaymentIntent(
                    municipality=municipality,
                    purpose=DEMO_PURPOSE,
                    subject_id=f"demo-{day}-{i}",
                    amount=amount,
                    description=description,
                    account_label=label,
                    status=IntentStatus.PAID,
                    method=method,
                    gateway="counter" if method == Method.CASH else DEMO_GATEWAY_CODE,
                    gateway_ref=f"demo-{day}-{i}",
                    expires_at=paid_at + dt.timedelta(days=1),
                    paid_at=paid_at,
                    created_at=paid_at - dt.timedelta(minutes=5),
                    updated_at=paid_at,
                )
            )
    # One fee still to be paid, to try the checkout and the counter.
    rows.append(
        PaymentIntent(
            municipality=municipality,
            purpose=DEMO_PURPOSE,
            subject_id="demo-open",
            amount=1200,
            description="市民体育館 卓球台 2時間",
            account_label="市民体育館",
            expires_at=now + dt.timedelta(days=30),
            created_at=now,
            updated_at=now,
        )
    )
    PaymentIntent.objects.bulk_create(rows)
    return config
