"""The hosted-checkout HTTP client: the shape of Stripe Checkout Sessions and PAY.JP-style APIs.

The same code talks to a real gateway that speaks this API and to the sandbox; only the
configuration (``base_url``, keys) differs. A gateway with a different API is a thin subclass
that overrides the paths, the event names or the signature header.

    POST {base}/v1/checkout/sessions        create a session → {"id", "url", "status", "expires_at"}
    GET  {base}/v1/checkout/sessions/{id}   its state → {"status", "payment_status", "amount", "payment_method"}
    POST {base}/v1/refunds                  {"payment", "amount", "reason"} → {"id", "status"}

Requests carry ``Authorization: Bearer <api key>`` and an ``Idempotency-Key``; a retried request
with the same key returns the first answer. Notifications are JSON events signed with
``X-Madoguchi-Signature: t=<unix>,v1=<hmac-sha256 hex of "<t>." + body>`` (see `signing`).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any, ClassVar

from madoguchi.core.clock import TOKYO
from madoguchi.core.sandbox import is_outbound_url_allowed
from madoguchi.payments.gateways import signing
from madoguchi.payments.gateways.base import (
    BadSignature,
    CheckoutRequest,
    CheckoutSession,
    EventKind,
    GatewayEvent,
    GatewayPermanentError,
    GatewayRetryableError,
    MalformedNotification,
    RefundResult,
    SessionStatus,
)
from madoguchi.payments.gateways.registry import register
from madoguchi.payments.models import GatewayConfig

TIMEOUT_SECONDS = 10
MAX_ID_LENGTH = 100


def http_json(
    method: str, url: str, *, headers: Mapping[str, str], body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    """The one seam for outbound HTTP: returns (status, JSON object). Network failures are retryable."""
    if not is_outbound_url_allowed(url):
        raise GatewayPermanentError("gateway URLs must use https (plain http on loopback only)")
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=data, method=method, headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except OSError as exc:
        raise GatewayRetryableError(f"network: {type(exc).__name__}") from None
    try:
        parsed = json.loads(raw or b"{}")
    except json.JSONDecodeError:
        parsed = {}
    return status, parsed if isinstance(parsed, dict) else {}


def _raise_for(status: int, answer: dict[str, Any], what: str) -> None:
    if 200 <= status < 300:
        return
    message = f"{what}: gateway answered {status}"
    code = str((answer.get("error") or {}).get("code", "")) if isinstance(answer.get("error"), dict) else ""
    if code:
        message += f" ({code[:40]})"
    if status == 429 or status >= 500:
        raise GatewayRetryableError(message, status=status)
    raise GatewayPermanentError(message, status=status)


@register("hosted", label="ホスト型決済ページ（Stripe Checkout / PAY.JP 型のAPI）")
class HostedCheckoutAdapter:
    sessions_path = "/v1/checkout/sessions"
    refunds_path = "/v1/refunds"
    signature_header = signing.HEADER
    events: ClassVar[dict[str, EventKind]] = {
        "payment.pending": EventKind.PENDING,
        "payment.succeeded": EventKind.PAID,
        "payment.failed": EventKind.FAILED,
        "payment.expired": EventKind.EXPIRED,
        "refund.succeeded": EventKind.REFUND_SUCCEEDED,
        "refund.failed": EventKind.REFUND_FAILED,
    }
    session_states: ClassVar[dict[str, EventKind | None]] = {
        "open": None,
        "pending": EventKind.PENDING,
        "complete": EventKind.PAID,
        "failed": EventKind.FAILED,
        "expired": EventKind.EXPIRED,
    }

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.base_url = config.base_url.rstrip("/")

    def _headers(self, idempotency_key: str = "") -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.config.api_key}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    # --- outbound ---------------------------------------------------------------
    def checkout_start(self, request: CheckoutRequest) -> CheckoutSession:
        status, answer = http_json(
            "POST",
            self.base_url + self.sessions_path,
            headers=self._headers(request.idempotency_key),
            body={
                "amount": request.amount,
                "currency": "jpy",
                "description": request.description,
                "client_reference_id": request.reference,
                "success_url": request.success_url,
                "cancel_url": request.cancel_url,
                "notify_url": request.notify_url,
                "expires_at": int(request.expires_at.timestamp()),
            },
        )
        _raise_for(status, answer, "checkout session")
        session_ref, url = str(answer.get("id", "")), str(answer.get("url", ""))
        if not session_ref or not url.startswith(("https://", "http://")):
            raise GatewayPermanentError("checkout session: answer has no id or url")
        return CheckoutSession(session_ref=session_ref[:MAX_ID_LENGTH], redirect_url=url)

    def refund(self, *, payment_ref: str, amount: int, reason: str, idempotency_key: str) -> RefundResult:
        status, answer = http_json(
            "POST",
            self.base_url + self.refunds_path,
            headers=self._headers(idempotency_key),
            body={"payment": payment_ref, "amount": amount, "reason": reason[:100]},
        )
        _raise_for(status, answer, "refund")
        state = str(answer.get("status", ""))
        if state == "failed":
            raise GatewayPermanentError("refund: the gateway refused it")
        return RefundResult(refund_ref=str(answer.get("id", ""))[:MAX_ID_LENGTH], completed=state == "succeeded")

    def status_fetch(self, *, session_ref: str) -> SessionStatus:
        status, answer = http_json(
            "GET",
            f"{self.base_url}{self.sessions_path}/{urllib.parse.quote(session_ref, safe='')}",
            headers=self._headers(),
        )
        _raise_for(status, answer, "session status")
        return SessionStatus(
            session_ref=session_ref,
            kind=self.session_states.get(str(answer.get("status", "")), None),
            amount=_int(answer.get("amount")),
            method=str(answer.get("payment_method") or ""),
        )

    # --- inbound ----------------------------------------------------------------
    def notification_parse(self, *, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> GatewayEvent:
        header = _header(headers, self.signature_header)
        if not header:
            raise BadSignature("no signature header")
        try:
            signing.verify(
                self.config.signing_secret,
                header,
                body,
                now=int(now.timestamp()),
                tolerance=self.config.tolerance_seconds,
            )
        except signing.SignatureError as exc:
            raise BadSignature(str(exc)) from None
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise MalformedNotification("body is not JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
            raise MalformedNotification("body must be an event object with data")
        kind = self.events.get(str(payload.get("type", "")))
        event_id = str(payload.get("id", ""))
        data = payload["data"]
        if kind is None or not event_id or len(event_id) > MAX_ID_LENGTH:
            raise MalformedNotification("unknown event type or missing id")
        if str(data.get("currency", "jpy")).lower() != "jpy":
            raise MalformedNotification("only yen is accepted")
        created = _int(payload.get("created"))
        return GatewayEvent(
            event_id=event_id,
            kind=kind,
            reference=str(data.get("client_reference_id", ""))[:64],
            session_ref=str(data.get("session", ""))[:MAX_ID_LENGTH],
            amount=_int(data.get("amount")),
            method=str(data.get("payment_method") or "")[:12],
            occurred_at=dt.datetime.fromtimestamp(created, TOKYO) if created else now,
            refund_ref=str(data.get("refund", ""))[:MAX_ID_LENGTH],
        )


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""
