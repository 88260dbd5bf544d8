"""madoguchi's side of the sandbox's own API (``/sandbox/...``): used by the demo's phone page.

These calls exist only on the sandbox, never on LINE; the phone page is shown in demo mode only.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

LOOPBACK = ("http://127.0.0.1", "http://localhost", "http://[::1]")


class SandboxUnavailable(RuntimeError):
    pass


def _call(base_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    if not base_url.startswith(LOOPBACK):
        raise SandboxUnavailable("the sandbox runs on loopback only")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - loopback checked above
        base_url.rstrip("/") + path,
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - loopback
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise SandboxUnavailable(f"sandbox answered {exc.code}") from None
    except OSError as exc:
        raise SandboxUnavailable(type(exc).__name__) from None


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
