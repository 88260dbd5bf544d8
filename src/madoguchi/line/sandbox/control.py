"""madoguchi's side of the sandbox's own API (``/sandbox/...``): used by the demo's phone page.

These calls exist only on the sandbox, never on LINE; the phone page is shown in demo mode only.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from madoguchi.core.sandbox import SandboxUnavailable, sandbox_call

__all__ = ["SandboxUnavailable"]


def _call(base_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return sandbox_call(base_url, path, body, timeout=15, missing_ok=True)


def simulate(base_url: str, *, kind: str, user_id: str, **fields: str) -> int:
    """Make the sandbox send a signed webhook event as this user; returns madoguchi's HTTP status."""
    answer = _call(base_url, "/sandbox/simulate", {"type": kind, "userId": user_id, **fields})
    return int((answer or {}).get("status", 0))


def messages_to(base_url: str, user_id: str) -> list[dict[str, Any]]:
    answer = _call(base_url, "/sandbox/messages?" + urllib.parse.urlencode({"to": user_id}))
    if isinstance(answer, dict):
        answer = answer.get("messages", [])
    return list(answer or [])


def rich_menu_of(base_url: str, user_id: str) -> dict[str, Any] | None:
    answer = _call(base_url, "/sandbox/richmenu?" + urllib.parse.urlencode({"userId": user_id}))
    return answer if isinstance(answer, dict) and answer.get("areas") else None


def id_token(base_url: str, *, user_id: str, name: str, aud: str) -> str:
    answer = _call(base_url, "/sandbox/id-token", {"userId": user_id, "name": name, "aud": aud})
    return str((answer or {}).get("id_token", ""))
