"""The protocol every payment gateway adapter speaks, and its typed errors.

Flow: ``checkout_start`` creates a hosted checkout session and returns the URL the resident is
sent to; the gateway then calls madoguchi's notification URL with signed events, which
``notification_parse`` verifies and turns into a `GatewayEvent`; ``refund`` gives money back
(with an idempotency key, so a retried request never pays out twice); ``status_fetch`` asks for a
session's state when a notification is late or lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class GatewayError(Exception):
    """A call to the gateway did not succeed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class GatewayRetryableError(GatewayError):
    """Try again later (429, 5xx, network)."""


class GatewayPermanentError(GatewayError):
    """Will never succeed as sent (bad request, bad key, unknown payment)."""


class BadSignature(GatewayError):
    """A notification whose signature is missing, wrong or outside the tolerance window: refused."""


class MalformedNotification(GatewayError):
    """Signed correctly, but not a notification we understand."""


class EventKind(StrEnum):
    """What a notification says happened, in madoguchi's words."""

    PENDING = "pending"  # e.g. a convenience-store payment number was issued; money not yet received
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_FAILED = "refund_failed"


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str  # the intent's public token: comes back in every notification
    amount: int
    description: str
    success_url: str
    cancel_url: str
    notify_url: str
    expires_at: dt.datetime
    idempotency_key: str


@dataclass(frozen=True)
class CheckoutSession:
    session_ref: str
    redirect_url: str


@dataclass(frozen=True)
class GatewayEvent:
    event_id: str
    kind: EventKind
    reference: str  # the intent's public token
    session_ref: str  # the checkout session (the payment) the event is about
    amount: int
    method: str
    occurred_at: dt.datetime
    refund_ref: str = ""


@dataclass(frozen=True)
class RefundResult:
    refund_ref: str
    completed: bool  # False: accepted, the outcome comes later as a refund notification


@dataclass(frozen=True)
class SessionStatus:
    session_ref: str
    kind: EventKind | None  # None: still open, nothing to apply
    amount: int
    method: str


class GatewayAdapter(Protocol):
    """An adapter is built with its `GatewayConfig` (``adapter_for(config)``)."""

    def checkout_start(self, request: CheckoutRequest) -> CheckoutSession: ...

    def notification_parse(self, *, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> GatewayEvent: ...

    def refund(self, *, payment_ref: str, amount: int, reason: str, idempotency_key: str) -> RefundResult: ...

    def status_fetch(self, *, session_ref: str) -> SessionStatus: ...
