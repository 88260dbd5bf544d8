"""Drive the lock sandbox through its own API (``/sandbox/...``): for tests and the demo.

These calls exist only on the sandbox, never on RemoteLOCK.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from madoguchi.core.sandbox import SandboxUnavailable, sandbox_call

__all__ = ["SandboxUnavailable", "UnlockResult"]


@dataclass(frozen=True)
class UnlockResult:
    unlocked: bool
    reason: str  # "" | unknown_pin | not_synced | outside_window | deactivated
    event_id: str
    webhook_status: int  # madoguchi's answer to the event (0: no webhook or unreachable)


def _call(base_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return sandbox_call(base_url, "/sandbox/" + path, body, timeout=15)


def unlock(base_url: str, *, lock_id: str, pin: str, at: dt.datetime | None = None) -> UnlockResult:
    """Type ``pin`` on the lock's keypad (now, or at ``at``); a signed event goes to madoguchi."""
    body: dict[str, Any] = {"lock_id": lock_id, "pin": pin}
    if at is not None:
        body["at"] = at.isoformat()
    answer = _call(base_url, "unlock", body)
    return UnlockResult(
        bool(answer["unlocked"]), str(answer["reason"]), str(answer["event_id"]), int(answer["webhook_status"])
    )


def clock_set(base_url: str, *, at: dt.datetime | None = None, offset_seconds: float | None = None) -> None:
    """Move the sandbox's clock (guest windows, event times); ``offset_seconds=0`` puts it back."""
    _call(base_url, "clock", {"at": at.isoformat()} if at else {"offset_seconds": offset_seconds or 0})


def fail_next(
    base_url: str,
    *,
    count: int = 1,
    status: int = 503,
    after: bool = False,
    delay: float = 0.0,
    method: str = "",
    path: str = "",
) -> None:
    """The next ``count`` API calls (those matching ``method`` / ``path`` if given) fail: with
    ``status`` before any work, or (``after``) once the work is done, or (``delay``) succeed
    but answer ``delay`` seconds late."""
    body = {"count": count, "status": status, "after": after, "delay": delay, "method": method, "path": path}
    _call(base_url, "fail", body)


def lock_online(base_url: str, lock_id: str, online: bool) -> None:
    _call(base_url, f"locks/{lock_id}", {"online": online})


def redeliver(base_url: str, *, event_id: str, times: int = 1) -> list[int]:
    """Send an event to madoguchi again, same id, as RemoteLOCK's retries do."""
    return [int(s) for s in _call(base_url, "redeliver", {"event_id": event_id, "times": times})["statuses"]]


def tokens_expire(base_url: str) -> None:
    _call(base_url, "expire-tokens", {})


def calls(base_url: str) -> list[dict[str, Any]]:
    return list(_call(base_url, "calls")["calls"])


def events(base_url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(every event, every delivery attempt) so far."""
    answer = _call(base_url, "events")
    return list(answer["events"]), list(answer["deliveries"])


def summary(base_url: str) -> dict[str, Any]:
    return dict(_call(base_url, "summary"))
