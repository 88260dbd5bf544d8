"""A running lock sandbox (ephemeral port), a webhook receiver standing in for madoguchi,
and the production client pointed at the sandbox. No database."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from madoguchi.core.clock import now
from madoguchi.reservations.locks.remotelock import RemoteLockClient, caches_clear
from madoguchi.reservations.locks.sandbox.server import LockSandbox
from madoguchi.reservations.locks.sandbox.state import DEFAULT_LOCKS

CLIENT_ID = "test-lock-client"
CLIENT_SECRET = "test-lock-client-secret"
WEBHOOK_SECRET = "test-lock-webhook-secret-0123456789"
LOCK_A, LOCK_B, LOCK_KL = (lock_id for lock_id, _, _ in DEFAULT_LOCKS)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body)["data"])


@dataclass
class WebhookReceiver:
    """Collects what the sandbox POSTs; answers ``status`` (200 unless a test changes it)."""

    url: str = ""
    status: int = 200
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            events = [r.event for r in self.received]
        return [e for e in events if kind is None or e["type"] == f"{kind}_event"]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := self.events(kind)) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"expected {count} {kind} event(s), got {self.events()}")


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Tokens are cached per token URL: a later sandbox may get an earlier one's port."""
    caches_clear()
    yield
    caches_clear()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                receiver.received.append(Received(dict(self.headers.items()), body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/reservations/locks/webhook/"
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def sandbox(receiver: WebhookReceiver) -> Iterator[LockSandbox]:
    sandbox = LockSandbox(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET
    ).start()
    sandbox.state.rate_limit = 10_000
    yield sandbox
    sandbox.stop()


@pytest.fixture
def client(sandbox: LockSandbox) -> RemoteLockClient:
    return RemoteLockClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        api_url=sandbox.base_url,
        token_url=sandbox.token_url,
        timeout=1.0,
    )


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime

    def at(self, minutes: int) -> dt.datetime:
        """A moment ``minutes`` after the slot starts (negative: before)."""
        return self.starts_at + dt.timedelta(minutes=minutes)


@pytest.fixture
def slot() -> Slot:
    """Tomorrow's 14:00-16:00 booking, whole seconds (RemoteLOCK keeps no fractions)."""
    start = (now() + dt.timedelta(days=1)).replace(hour=14, minute=0, second=0, microsecond=0)
    return Slot(start, start + dt.timedelta(hours=2))
