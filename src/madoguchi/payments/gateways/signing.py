"""Timestamped HMAC-SHA256 signatures for notifications (the scheme of Stripe's and PAY.JP-style
webhooks): header ``t=<unix seconds>,v1=<hex hmac of "<t>." + body>``. Several ``v1`` entries
may be present while a secret is being rotated; any one matching is enough.

Plain Python (no Django) so the sandbox, which runs on its own, signs with the same code.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Madoguchi-Signature"


class SignatureError(ValueError):
    pass


def signature(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int) -> int:
    """Check the header against ``body``; returns its timestamp. Raises SignatureError."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("signature header is missing its timestamp or signature")
    if abs(now - timestamp) > tolerance:
        raise SignatureError("signature timestamp is outside the tolerance window")
    expected = signature(secret, body, timestamp)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match")
    return timestamp
