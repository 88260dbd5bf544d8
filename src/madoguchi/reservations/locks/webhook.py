"""Webhook notifications from the lock service: check who sent them, then parse the events.

RemoteLOCK sends the subscriber's ``secret`` back verbatim in an ``X-Secret`` header (its
documented scheme; the body is not signed). ``scheme="hmac-sha256"`` instead requires
``X-Signature: <hex HMAC-SHA256 of the raw body>`` with the same secret, which also proves
the body was not altered: use it where the sender supports it (the sandbox sends both).

The body is JSON:API-ish, ``{"data": {...}}`` for a webhook and ``{"data": [...]}`` for
``GET /events`` (RemoteLOCK's way to recover missed notifications); ``events_parse``
reads both. Event types other than PIN used / synced / sync failed are skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Literal

from madoguchi.core.clock import TOKYO
from madoguchi.reservations.locks.protocol import EventKind, LockBadPayload, LockBadSignature, LockEvent

SECRET_HEADER = "X-Secret"  # noqa: S105 - a header name
SIGNATURE_HEADER = "X-Signature"
Scheme = Literal["x-secret", "hmac-sha256"]

# RemoteLOCK event type -> (our kind, whether the lock is the publisher).
# For "used" the access person publishes and the lock is the associated resource;
# for the sync events it is the other way round.
EVENT_TYPES: dict[str, tuple[EventKind, bool]] = {
    "access_person_used_event": ("used", False),
    "access_person_synced_event": ("synced", True),
    "access_person_sync_failed_event": ("sync_failed", True),
}


def signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def verify(*, headers: Mapping[str, str], body: bytes, secret: str, scheme: Scheme = "x-secret") -> None:
    """Raise ``LockBadSignature`` unless the request carries the right secret or signature."""
    if not secret:
        raise LockBadSignature("no webhook secret configured")
    if scheme == "x-secret":
        given, expected = _header(headers, SECRET_HEADER), secret
    elif scheme == "hmac-sha256":
        given, expected = _header(headers, SIGNATURE_HEADER).strip().lower(), signature(body, secret)
    else:
        raise ValueError(f"unknown webhook scheme {scheme!r}")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise LockBadSignature("missing or wrong webhook secret/signature")


def _text(attributes: Mapping[str, Any], key: str) -> str:
    value = attributes.get(key)
    if not isinstance(value, str) or not value:
        raise LockBadPayload(f"event attribute {key} missing")
    return value


def _event(item: Any) -> LockEvent | None:
    if not isinstance(item, dict) or not isinstance(item.get("attributes"), dict):
        raise LockBadPayload("event is not an object with attributes")
    mapped = EVENT_TYPES.get(str(item.get("type", "")))
    if mapped is None:
        return None
    kind, lock_publishes = mapped
    attributes = item["attributes"]
    event_id = item.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise LockBadPayload("event id missing")
    publisher, associated = _text(attributes, "publisher_id"), _text(attributes, "associated_resource_id")
    try:
        occurred_at = dt.datetime.fromisoformat(_text(attributes, "occurred_at").replace("Z", "+00:00"))
    except ValueError:
        raise LockBadPayload("occurred_at is not an ISO 8601 time") from None
    if occurred_at.tzinfo is None:
        raise LockBadPayload("occurred_at has no time zone")
    return LockEvent(
        event_id=event_id,
        kind=kind,
        guest_id=associated if lock_publishes else publisher,
        lock_id=publisher if lock_publishes else associated,
        occurred_at=occurred_at.astimezone(TOKYO),
        detail=str(attributes.get("status_info") or "") if kind == "sync_failed" else "",
    )


def events_parse(body: bytes) -> list[LockEvent]:
    """The PIN events in a webhook body or a ``GET /events`` page, in the order given."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise LockBadPayload("body is not JSON") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    items = data if isinstance(data, list) else [data]
    return [event for item in items if (event := _event(item)) is not None]


def verify_and_parse(
    *, headers: Mapping[str, str], body: bytes, secret: str, scheme: Scheme = "x-secret"
) -> list[LockEvent]:
    """Check the sender first (``LockBadSignature``), then parse (``LockBadPayload``)."""
    verify(headers=headers, body=body, secret=secret, scheme=scheme)
    return events_parse(body)
