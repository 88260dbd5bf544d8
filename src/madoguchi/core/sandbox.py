"""What every loopback sandbox (LINE, payment gateway, smart lock) shares: it listens on loopback
only, starts in a thread for tests or runs in the foreground for the demo, and is driven through
its own ``/sandbox/...`` API with `sandbox_call`, which refuses anything but loopback."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import ThreadingHTTPServer
from typing import Any

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
LOOPBACK_URLS = ("http://127.0.0.1", "http://localhost", "http://[::1]")


class SandboxUnavailable(RuntimeError):
    pass


def is_outbound_url_allowed(url: str) -> bool:
    """What an adapter may call: HTTPS, or plain HTTP to loopback (the sandboxes). Parsed, not prefix-matched,
    so ``http://localhost.example`` is refused."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)


def check_loopback_host(host: str) -> None:
    if host not in LOOPBACK_HOSTS:
        raise ValueError("the sandbox listens on loopback only")


class LoopbackSandbox:
    """Lifecycle of a sandbox whose subclass sets ``self._server`` (a ThreadingHTTPServer)."""

    _server: ThreadingHTTPServer
    thread_name = "sandbox"

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    def start(self) -> LoopbackSandbox:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.thread_name, daemon=True
        ).start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def sandbox_call(
    base_url: str, path: str, body: dict[str, Any] | None = None, *, timeout: float = 30, missing_ok: bool = False
) -> Any:
    """GET (no body) or POST JSON to a sandbox's own API; the answer's JSON. ``missing_ok``: 404 → None."""
    if not base_url.startswith(LOOPBACK_URLS):
        raise SandboxUnavailable("the sandbox runs on loopback only")
    request = urllib.request.Request(  # noqa: S310 - loopback checked above
        base_url.rstrip("/") + path,
        data=json.dumps(body).encode() if body is not None else None,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        if missing_ok and exc.code == 404:
            return None
        raise SandboxUnavailable(f"sandbox answered {exc.code}") from None
    except OSError as exc:
        raise SandboxUnavailable(type(exc).__name__) from None
