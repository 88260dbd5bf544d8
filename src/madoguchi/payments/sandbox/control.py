"""madoguchi's side of the payment sandbox's own API (``/sandbox/...``), for tests and the demo.

These calls exist only on the sandbox, never on a real gateway.
"""

from __future__ import annotations

from typing import Any

from madoguchi.core.sandbox import SandboxUnavailable, sandbox_call

__all__ = ["SandboxUnavailable"]


def _call(base_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return sandbox_call(base_url, path, body)


def calls(base_url: str) -> list[dict[str, Any]]:
    return list(_call(base_url, "/sandbox/calls")["calls"])


def sessions(base_url: str) -> list[dict[str, Any]]:
    return list(_call(base_url, "/sandbox/sessions")["sessions"])


def notifications(base_url: str) -> list[dict[str, Any]]:
    return list(_call(base_url, "/sandbox/notifications")["notifications"])


def pay(base_url: str, session: str, *, method: str = "card") -> dict[str, Any]:
    """The resident pays (or the shop takes the money for a convenience-store payment)."""
    return dict(_call(base_url, "/sandbox/pay", {"session": session, "method": method}))


def fail(base_url: str, session: str) -> dict[str, Any]:
    return dict(_call(base_url, "/sandbox/fail", {"session": session}))


def expire(base_url: str, session: str) -> dict[str, Any]:
    return dict(_call(base_url, "/sandbox/expire", {"session": session}))


def resend(base_url: str, event_id: str) -> int:
    """Deliver an already sent notification again (a duplicate); returns madoguchi's HTTP status."""
    return int(_call(base_url, "/sandbox/resend", {"event_id": event_id})["status"])


def send(base_url: str, session: str, event_type: str, *, created_offset: int = 0, **fields: Any) -> dict[str, Any]:
    return dict(
        _call(
            base_url,
            "/sandbox/send",
            {"session": session, "type": event_type, "created_offset": created_offset, **fields},
        )
    )


def out_of_order(base_url: str, session: str) -> list[dict[str, Any]]:
    """The payment completes, then an older 'pending' event arrives."""
    return list(_call(base_url, "/sandbox/out-of-order", {"session": session})["sent"])


def tamper(base_url: str, session: str, *, mode: str = "body", event_type: str = "payment.succeeded") -> dict[str, Any]:
    """mode: body (changed after signing), secret (signed with another secret), stale (an hour old), unsigned."""
    return dict(_call(base_url, "/sandbox/tamper", {"session": session, "mode": mode, "type": event_type}))


def configure(base_url: str, **options: Any) -> dict[str, Any]:
    """refund_mode: succeeded | pending | refuse | unavailable; notify_url."""
    return dict(_call(base_url, "/sandbox/config", options))


def refund_complete(base_url: str, refund: str, *, failed: bool = False) -> dict[str, Any]:
    return dict(_call(base_url, "/sandbox/refund-complete", {"refund": refund, "failed": failed}))
