"""A loopback LINE platform for tests and the demo.

Speaks the Messaging API endpoints madoguchi uses (reply, push, multicast, profile),
checks the channel access token, enforces per-endpoint rate limits with 429, honours
``X-Line-Retry-Key`` with 409, can add latency and failures, and records every
message. It can also play residents: sign webhook events and send them to madoguchi.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_LIMITS = {"reply": 2000.0, "push": 2000.0, "multicast": 200.0}
MAX_MULTICAST = 500


class TokenBucket:
    """Requests per second with a burst of one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


@dataclass
class Delivery:
    endpoint: str
    to: str
    messages: list[dict[str, Any]]
    retry_key: str = ""
    request_id: str = ""


@dataclass
class SandboxState:
    access_token: str
    channel_secret: str
    limits: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    latency_ms: int = 0
    failure_rate: float = 0.0
    deliveries: list[Delivery] = field(default_factory=list)
    retry_keys: dict[str, str] = field(default_factory=dict)
    reply_tokens: dict[str, str] = field(default_factory=dict)  # token -> user id, usable once
    profiles: dict[str, str] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    accepted_at: list[float] = field(default_factory=list)  # time.monotonic() of each accepted request
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.buckets = {name: TokenBucket(rate) for name, rate in self.limits.items()}

    def messages_to(self, user_id: str) -> list[str]:
        with self.lock:
            return [m.get("text", "") for d in self.deliveries if d.to == user_id for m in d.messages]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; without this, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every response (LINE answers in far less).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and demo read the records
        return

    def _send(self, status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Line-Request-Id", str(uuid.uuid4()))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        return self.headers.get("Authorization", "") == f"Bearer {self.server.state.access_token}"

    def _body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            return None

    def do_GET(self) -> None:
        state = self.server.state
        if self.path.startswith("/v2/bot/profile/"):
            if not self._authorized():
                return self._send(401, {"message": "Authentication failed"})
            user_id = self.path.rsplit("/", 1)[-1]
            return self._send(200, {"userId": user_id, "displayName": state.profiles.get(user_id, "LINEユーザー")})
        if self.path == "/sandbox/summary":
            with state.lock:
                per_user: dict[str, int] = {}
                for d in state.deliveries:
                    per_user[d.to] = per_user.get(d.to, 0) + 1
                stamps = list(state.accepted_at)
                summary = {
                    "deliveries": len(state.deliveries),
                    "recipients": len(per_user),
                    "max_per_recipient": max(per_user.values(), default=0),
                    "requests": dict(state.requests),
                    "accepted": len(stamps),
                    "api_phase_seconds": (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0,
                }
            return self._send(200, summary)
        if self.path == "/sandbox/deliveries":
            with state.lock:
                rows = [d.__dict__ for d in state.deliveries]
            return self._send(200, {"deliveries": rows})
        return self._send(404, {"message": "Not found"})

    def do_POST(self) -> None:
        state = self.server.state
        endpoint = {
            "/v2/bot/message/reply": "reply",
            "/v2/bot/message/push": "push",
            "/v2/bot/message/multicast": "multicast",
        }.get(self.path)
        if endpoint is None:
            return self._send(404, {"message": "Not found"})
        body = self._body()
        if not self._authorized():
            return self._send(
                401,
                {
                    "message": "Authentication failed. Confirm that the access token in the authorization header is valid."
                },
            )
        if body is None:
            return self._send(400, {"message": "The request body has 1 error(s)"})
        with state.lock:
            state.requests[endpoint] = state.requests.get(endpoint, 0) + 1
        if not state.buckets[endpoint].take():
            return self._send(429, {"message": "The API rate limit has been exceeded. Try again later."})
        if state.latency_ms:
            time.sleep(state.latency_ms / 1000)
        if state.failure_rate and random.random() < state.failure_rate:  # noqa: S311 - fault injection
            return self._send(500, {"message": "Internal server error (injected)"})
        messages = body.get("messages") or []
        if not 1 <= len(messages) <= 5:
            return self._send(400, {"message": "Size must be between 1 and 5", "details": [{"property": "messages"}]})
        retry_key = self.headers.get("X-Line-Retry-Key", "")
        request_id = str(uuid.uuid4())
        with state.lock:
            if retry_key and retry_key in state.retry_keys:
                return self._send(
                    409,
                    {"message": "The retry key is already accepted"},
                    {"X-Line-Accepted-Request-Id": state.retry_keys[retry_key]},
                )
            if endpoint == "reply":
                user = state.reply_tokens.pop(body.get("replyToken", ""), None)
                if user is None:
                    return self._send(400, {"message": "Invalid reply token"})
                recipients = [user]
            elif endpoint == "push":
                recipients = [str(body.get("to", ""))]
            else:
                recipients = [str(u) for u in body.get("to") or []]
                if not 1 <= len(recipients) <= MAX_MULTICAST:
                    return self._send(400, {"message": f"Size must be between 1 and {MAX_MULTICAST}"})
            if retry_key:
                state.retry_keys[retry_key] = request_id
            for user in recipients:
                state.deliveries.append(Delivery(endpoint, user, messages, retry_key, request_id))
            state.accepted_at.append(time.monotonic())
        return self._send(200, {"sentMessages": [{"id": str(secrets.randbelow(10**18))} for _ in messages]})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        super().__init__(address, _Handler)
        self.state = state


class LineSandbox:
    """Start with `start()`; `base_url` is what a LineChannel's ``api_base_url`` should be."""

    def __init__(self, *, access_token: str, channel_secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the sandbox listens on loopback only")
        self.state = SandboxState(access_token=access_token, channel_secret=channel_secret)
        self._server = _Server((host, port), self.state)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    def start(self) -> LineSandbox:
        self._thread = threading.Thread(target=self._server.serve_forever, name="line-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- playing residents -------------------------------------------------
    def event(self, kind: str, user_id: str, **extra: Any) -> dict[str, Any]:
        """A webhook event as LINE sends it, with a reply token the sandbox will accept once."""
        token = secrets.token_hex(16)
        with self.state.lock:
            self.state.reply_tokens[token] = user_id
        event: dict[str, Any] = {
            "type": kind,
            "mode": "active",
            "timestamp": int(time.time() * 1000),  # noqa: TID251 - LINE's epoch milliseconds
            "source": {"type": "user", "userId": user_id},
            "webhookEventId": uuid.uuid4().hex.upper()[:26],
            "deliveryContext": {"isRedelivery": False},
        }
        if kind != "unfollow":
            event["replyToken"] = token
        event.update(extra)
        return event

    def sign(self, body: bytes) -> str:
        digest = hmac.new(self.state.channel_secret.encode(), body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def deliver(self, webhook_url: str, events: list[dict[str, Any]], destination: str = "") -> int:
        """POST events to madoguchi's webhook, signed like LINE does; returns the HTTP status."""
        body = json.dumps({"destination": destination, "events": events}, ensure_ascii=False).encode()
        if not webhook_url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
            raise ValueError("the sandbox only calls madoguchi on loopback")
        request = urllib.request.Request(  # noqa: S310 - checked above: http on loopback
            webhook_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Line-Signature": self.sign(body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
