"""Fixtures for payments: a registered purpose that records its hook calls, the sandbox gateway,
intents, and notifications signed as a gateway signs them."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from madoguchi.core import clock
from madoguchi.core.models import Municipality
from madoguchi.payments import hooks, services
from madoguchi.payments.gateways import signing
from madoguchi.payments.models import GatewayConfig, PaymentIntent
from madoguchi.payments.sandbox.server import PaymentSandbox

API_KEY = "sk_test_0123456789"
SECRET = "whsec_test_secret_0123456789abcdef"
PURPOSE = "testapp.fee"


@dataclass
class HookLog:
    calls: list[tuple[int, str, str]] = field(default_factory=list)  # (intent id, event, status seen)

    def __call__(self, intent: PaymentIntent, event: str) -> None:
        self.calls.append((intent.pk, event, intent.status))

    def events(self, intent: PaymentIntent) -> list[str]:
        return [e for pk, e, _ in self.calls if pk == intent.pk]


@pytest.fixture
def hook_log() -> Iterator[HookLog]:
    log = HookLog()
    hooks.register(PURPOSE, label="テスト用の手数料", on_change=log)
    yield log
    hooks.unregister(PURPOSE)


@pytest.fixture
def sandbox() -> Iterator[PaymentSandbox]:
    box = PaymentSandbox(api_key=API_KEY, signing_secret=SECRET).start()
    yield box
    box.stop()


def make_gateway(municipality: Municipality, base_url: str, code: str | None = None) -> GatewayConfig:
    return GatewayConfig.objects.create(
        municipality=municipality,
        code=code or f"gw-{municipality.code}",
        name="テスト決済",
        kind="hosted",
        base_url=base_url,
        api_key=API_KEY,
        signing_secret=SECRET,
        is_default=True,
    )


@pytest.fixture
def gateway(city_a: Municipality, sandbox: PaymentSandbox) -> GatewayConfig:
    return make_gateway(city_a, sandbox.base_url)


_subjects = iter(range(1, 10**6))


@pytest.fixture
def make_intent(hook_log: HookLog) -> Callable[..., PaymentIntent]:
    def make(municipality: Municipality, **fields: Any) -> PaymentIntent:
        values: dict[str, Any] = {
            "municipality": municipality,
            "purpose": PURPOSE,
            "subject_id": f"booking-{next(_subjects)}",
            "amount": 1200,
            "description": "市民体育館 卓球台 2時間",
            "account_label": "市民体育館",
            "expires_at": clock.now() + dt.timedelta(hours=1),
        }
        values.update(fields)
        return services.intent_create(**values)

    return make


def event_body(
    intent: PaymentIntent,
    kind: str,
    *,
    session: str = "cs_test_1",
    amount: int | None = None,
    method: str = "card",
    event_id: str | None = None,
    created: int | None = None,
    **data: Any,
) -> bytes:
    payload = {
        "id": event_id or "evt_" + secrets.token_hex(8),
        "type": kind,
        "created": created or int(time.time()),  # noqa: TID251 - a gateway's unix time
        "data": {
            "session": session,
            "client_reference_id": intent.public_token,
            "amount": intent.amount if amount is None else amount,
            "currency": "jpy",
            "payment_method": method,
            **data,
        },
    }
    return json.dumps(payload).encode()


def post_signed(
    client: Client, gateway: GatewayConfig, body: bytes, *, secret: str = SECRET, timestamp: int | None = None
) -> Any:
    """POST a notification as the gateway does; returns the response."""
    header = signing.sign(secret, body, timestamp or int(time.time()))  # noqa: TID251
    return client.post(
        f"/payments/notify/{gateway.code}/",
        data=body,
        content_type="application/json",
        headers={signing.HEADER: header},
    )
