"""A loopback RemoteLOCK for tests and the demo.

Speaks the part of the RemoteLOCK API madoguchi uses: ``POST /oauth/token`` (client
credentials), ``GET /devices[/{id}]``, ``GET|POST /access_persons``, ``GET|PUT|DELETE
/access_persons/{id}[/deactivate]``, ``GET|POST /access_persons/{id}/accesses`` and
``GET /events``, with JSON:API-ish bodies, bearer tokens that expire, 120 requests a
minute (429 with ``X-RateLimit-*``), optional latency and injected failures.

After a grant the lock "syncs": an ``access_person_synced`` event (or
``access_person_sync_failed`` when the lock is offline) is POSTed to madoguchi's webhook
with ``X-Secret`` (RemoteLOCK's scheme) and ``X-Signature`` (hex HMAC-SHA256 of the body).

Sandbox-only endpoints live under ``/sandbox/``: ``unlock`` (type a PIN on a lock),
``clock``, ``fail``, ``locks/{id}`` (online/offline), ``redeliver`` (send an event again,
same id), ``expire-tokens``, ``reset``, and the records ``summary``, ``calls``, ``events``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from madoguchi.core.sandbox import LOOPBACK_URLS, LoopbackSandbox, check_loopback_host
from madoguchi.reservations.locks.pins import pin_generate
from madoguchi.reservations.locks.sandbox.state import (
    DEFAULT_LOCKS,
    LOCATION_ID,
    Access,
    Delivery,
    Device,
    Failure,
    Guest,
    SandboxState,
    iso_utc,
)
from madoguchi.reservations.locks.webhook import SECRET_HEADER, SIGNATURE_HEADER, signature

MAX_PER_PAGE = 50
Answer = tuple[int, dict[str, Any] | None]


def _local_time(text: Any) -> dt.datetime | None:
    """An ISO 8601 time without a zone, as RemoteLOCK takes ``starts_at`` / ``ends_at``."""
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo is None else None


def _resource_error(attributes: dict[str, Any], attribute: str | None, message: str) -> Answer:
    full = f"{attribute.capitalize()} {message}" if attribute else message
    return 422, {
        "attributes": attributes,
        "errors": [{"attribute": attribute, "messages": [message], "full_messages": [full]}],
    }


def _attributes(body: dict[str, Any]) -> dict[str, Any]:
    attributes = body.get("attributes")
    return attributes if isinstance(attributes, dict) else {}


def _page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
    try:
        per_page = min(MAX_PER_PAGE, max(1, int(query.get("per_page", ["25"])[0])))
        page = max(1, int(query.get("page", ["1"])[0]))
    except ValueError:
        per_page, page = 25, 1
    start = (page - 1) * per_page
    return {
        "data": items[start : start + per_page],
        "meta": {
            "page": page,
            "per_page": per_page,
            "total_count": len(items),
            "total_pages": max(1, math.ceil(len(items) / per_page)),
        },
    }


class LockSandbox(LoopbackSandbox):
    """Start with ``start()``; point ``RemoteLockClient(api_url=base_url, token_url=token_url)`` at it."""

    thread_name = "lock-sandbox"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        webhook_url: str = "",
        webhook_secret: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        locks: Sequence[tuple[str, str, str]] = DEFAULT_LOCKS,
    ) -> None:
        check_loopback_host(host)
        if webhook_url and not webhook_url.startswith(LOOPBACK_URLS):
            raise ValueError("the sandbox only calls madoguchi on loopback")
        self.state = SandboxState(
            client_id=client_id, client_secret=client_secret, webhook_url=webhook_url, webhook_secret=webhook_secret
        )
        for lock_id, name, kind in locks:
            self.state.devices[lock_id] = Device(lock_id, name, kind)
        self._server = _Server((host, port), self)

    @property
    def token_url(self) -> str:
        return self.base_url + "/oauth/token"

    # --- webhooks ------------------------------------------------------------------------
    def deliver(self, event: dict[str, Any], *, redelivery: bool = False) -> int:
        """POST one event to madoguchi as RemoteLOCK does; returns madoguchi's status (0: unreachable)."""
        url = self.state.webhook_url
        if not url:
            return 0
        body = json.dumps({"data": event}, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            SECRET_HEADER: self.state.webhook_secret,
            SIGNATURE_HEADER: signature(body, self.state.webhook_secret),
        }
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - loopback only
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        with self.state.lock:
            self.state.deliveries.append(Delivery(str(event["id"]), status, redelivery))
        return status

    def sync_later(self, access: Access) -> None:
        """The lock takes the PIN a moment after the grant, as a real one does when it wakes."""

        def run() -> None:
            if self.state.sync_delay:
                time.sleep(self.state.sync_delay)
            self.deliver(self.state.sync(access))

        threading.Thread(target=run, name="lock-sandbox-sync", daemon=True).start()

    def lock_online(self, lock_id: str, online: bool) -> None:
        """Take a lock off the network or bring it back; back online, it syncs what it missed."""
        with self.state.lock:
            self.state.devices[lock_id].online = online
            missed = [
                a
                for a in self.state.accesses_of(lock_id=lock_id)
                if a.sync != "synced" and not self.state.guests[a.guest_id].deactivated
            ]
        if online:
            for access in missed:
                self.sync_later(access)

    # --- resources as JSON -------------------------------------------------------------
    def guest_json(self, guest: Guest) -> dict[str, Any]:
        return {
            "type": "access_guest",
            "attributes": {
                "name": guest.name,
                "email": None,
                "phone": None,
                "pin": guest.pin,
                "card_number": None,
                "department": None,
                "status": self.state.guest_status(guest),
                "guest_source": None,
                "created_at": iso_utc(guest.created_at),
                "updated_at": iso_utc(guest.created_at),
                "starts_at": guest.starts_at.isoformat(timespec="seconds"),
                "ends_at": guest.ends_at.isoformat(timespec="seconds"),
            },
            "id": guest.id,
            "links": {"self": f"{self.base_url}/access_persons/{guest.id}"},
        }

    def access_json(self, access: Access) -> dict[str, Any]:
        device = self.state.devices[access.lock_id]
        return {
            "type": "access_person_access",
            "attributes": {
                "guest_start_time": None,
                "guest_end_time": None,
                "devices_count": 1,
                "devices_synced_count": int(access.sync == "synced"),
                "devices_pending_sync_count": int(access.sync == "pending"),
                "devices_failed_sync_count": int(access.sync == "failed"),
                "accessible_type": device.type,
                "created_at": iso_utc(access.created_at),
                "updated_at": iso_utc(access.created_at),
                "accessible_name": device.name,
                "access_person_id": access.guest_id,
                "access_person_type": "access_guest",
                "accessible_id": device.id,
            },
            "id": access.id,
            "links": {"self": f"{self.base_url}/access_persons/{access.guest_id}/accesses/{access.id}"},
        }

    def device_json(self, device: Device) -> dict[str, Any]:
        return {
            "type": device.type,
            "attributes": {
                "name": device.name,
                "connected": device.online,
                "alive": device.online,
                "state": "locked",
                "time_zone": str(self.state.time_zone),
                "location_id": LOCATION_ID,
            },
            "id": device.id,
            "links": {"self": f"{self.base_url}/devices/{device.id}"},
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: LockSandbox) -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read /sandbox/calls
        return

    @property
    def sandbox(self) -> LockSandbox:
        return self.server.sandbox

    def _send(self, status: int, body: dict[str, Any] | None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        with contextlib.suppress(ConnectionError):  # the client may have given up (timeout tests)
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    def _raw(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        raw = self._raw()
        parts = [p for p in url.path.split("/") if p]
        if parts[:1] == ["sandbox"]:
            status, body = _control(self.sandbox, method, parts[1:], raw)
            return self._send(status, body)
        state = self.sandbox.state
        if state.latency_ms:
            time.sleep(state.latency_ms / 1000)
        allowed, remaining, reset = state.rate_take()
        limits = {"X-RateLimit-Limit": str(state.rate_limit), "X-RateLimit-Remaining": str(remaining)}
        limits["X-RateLimit-Reset"] = str(reset)
        failure = state.failure_take(method, url.path)
        if not allowed:
            status, body = (
                429,
                {"message": "Your account has exceeded the rate limit. Check the X-RateLimit-* headers."},
            )
        elif failure and not failure.after and not failure.delay:
            status, body = failure.status, {"message": "Service Unavailable", "type": "sandbox_injected_failure"}
        else:
            status, body = _api(self.sandbox, method, parts, query, raw, self.headers.get("Authorization", ""))
            if failure and not failure.delay:
                status, body = failure.status, {"message": "Service Unavailable", "type": "sandbox_injected_failure"}
        state.record(method, url.path, status)
        if failure and failure.delay:
            time.sleep(failure.delay)  # the work is done; the answer comes too late
        self._send(status, body, limits)


# --- the RemoteLOCK API -------------------------------------------------------------------


def _api(
    sandbox: LockSandbox, method: str, parts: list[str], query: dict[str, list[str]], raw: bytes, auth: str
) -> Answer:
    state = sandbox.state
    if parts == ["oauth", "token"] and method == "POST":
        form = dict(urllib.parse.parse_qsl(raw.decode(errors="replace")))
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        token = state.token_issue(form.get("client_id", ""), form.get("client_secret", ""))
        if token is None:
            return 401, {"error": "invalid_client", "error_description": "Client authentication failed."}
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": state.token_ttl,
            "created_at": int(state.now().timestamp()),
        }
    if not auth.startswith("Bearer ") or not state.token_valid(auth.removeprefix("Bearer ")):
        return 401, {"error": "invalid_token", "error_description": "The access token is invalid or expired."}
    try:
        body = json.loads(raw) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return 400, {"message": "Malformed JSON", "type": "bad_request"}
    if not isinstance(body, dict):
        return 400, {"message": "Malformed JSON", "type": "bad_request"}
    with state.lock:
        return _route(sandbox, method, parts, query, body)


def _route(
    sandbox: LockSandbox, method: str, parts: list[str], query: dict[str, list[str]], body: dict[str, Any]
) -> Answer:
    state = sandbox.state
    not_found: Answer = (404, {"message": "Not Found", "type": "not_found"})
    match method, parts:
        case "GET", ["devices"]:
            return 200, _page([sandbox.device_json(d) for d in state.devices.values()], query)
        case "GET", ["devices", lock_id]:
            device = state.devices.get(lock_id)
            return (200, {"data": sandbox.device_json(device)}) if device else not_found
        case "GET", ["access_persons"]:
            return 200, _page(_guests_listed(sandbox, query), query)
        case "POST", ["access_persons"]:
            return _guest_create(sandbox, body)
        case "GET", ["access_persons", guest_id]:
            guest = state.guests.get(guest_id)
            return (200, {"data": sandbox.guest_json(guest)}) if guest else not_found
        case "DELETE", ["access_persons", guest_id]:
            if state.guests.pop(guest_id, None) is None:
                return not_found
            for access in state.accesses_of(guest_id=guest_id):
                del state.accesses[access.id]
            return 204, None
        case "PUT", ["access_persons", guest_id, "deactivate"]:
            guest = state.guests.get(guest_id)
            if guest is None:
                return not_found
            guest.deactivated = True  # the lock drops the PIN on its next sync
            return 200, {"data": sandbox.guest_json(guest) | {"meta": {"restricted_actions": ["update"]}}}
        case "GET", ["access_persons", guest_id, "accesses"]:
            if guest_id not in state.guests:
                return not_found
            return 200, _page([sandbox.access_json(a) for a in state.accesses_of(guest_id=guest_id)], query)
        case "POST", ["access_persons", guest_id, "accesses"]:
            return _grant(sandbox, guest_id, body)
        case "GET", ["events"]:
            descending = query.get("sort", ["-occurred_at"])[0].startswith("-")
            events = sorted(state.events, key=lambda e: e["attributes"]["occurred_at"], reverse=descending)
            return 200, _page(events, query)
    return not_found


def _guests_listed(sandbox: LockSandbox, query: dict[str, list[str]]) -> list[dict[str, Any]]:
    state = sandbox.state
    types = set(query.get("type", []) + query.get("type[]", [])) or {"access_guest", "access_user"}
    statuses = set(query.get("attributes[status][]", []) + query.get("attributes[status]", [])) or {
        "current",
        "upcoming",
    }
    # Guests are kept in the order they were created: that is the created_at order.
    guests = [g for g in state.guests.values() if state.guest_status(g) in statuses] if "access_guest" in types else []
    if query.get("sort", ["created_at"])[0] == "-created_at":
        guests.reverse()
    return [sandbox.guest_json(g) for g in guests]


def _guest_create(sandbox: LockSandbox, body: dict[str, Any]) -> Answer:
    state = sandbox.state
    attributes = _attributes(body)
    if body.get("type") != "access_guest":
        return _resource_error(attributes, "type", "is not supported by the sandbox (access_guest only)")
    name = str(attributes.get("name") or "").strip()
    if not name:
        return _resource_error(attributes, "name", "can't be blank")
    starts_at, ends_at = _local_time(attributes.get("starts_at")), _local_time(attributes.get("ends_at"))
    if starts_at is None or ends_at is None:
        return _resource_error(attributes, "starts_at" if starts_at is None else "ends_at", "is not a valid time")
    if ends_at <= starts_at:
        return _resource_error(attributes, "ends_at", "must be after starts_at")
    pin = str(attributes.get("pin") or "")
    if attributes.get("generate_pin") is True and not pin:
        pin = pin_generate(length=6)
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 10):
        return _resource_error(attributes, "pin", "is invalid")
    if state.pin_taken(pin):
        return _resource_error(attributes, "pin", "has already been taken")
    guest = state.guest_add(name=name, pin=pin, starts_at=starts_at, ends_at=ends_at)
    return 201, {"data": sandbox.guest_json(guest)}


def _grant(sandbox: LockSandbox, guest_id: str, body: dict[str, Any]) -> Answer:
    state = sandbox.state
    guest = state.guests.get(guest_id)
    attributes = _attributes(body)
    device = state.devices.get(str(attributes.get("accessible_id")))
    if guest is None or device is None or attributes.get("accessible_type") != device.type:
        return 404, {"message": "Not Found", "type": "not_found"}
    if guest.deactivated:
        return _resource_error(attributes, None, "Access person is deactivated")
    if state.accesses_of(guest_id=guest.id, lock_id=device.id):
        return _resource_error(attributes, "accessible_id", "has already been taken")
    access = state.access_add(guest, device)
    sandbox.sync_later(access)
    return 201, {"data": sandbox.access_json(access)}


# --- the sandbox's own endpoints -----------------------------------------------------------


def _control(sandbox: LockSandbox, method: str, parts: list[str], raw: bytes) -> Answer:
    state = sandbox.state
    try:
        body = json.loads(raw) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return 400, {"message": "Malformed JSON"}
    if not isinstance(body, dict):
        return 400, {"message": "Malformed JSON"}
    match method, parts:
        case "GET", ["summary"]:
            with state.lock:
                return 200, {
                    "now": state.now().isoformat(),
                    "locks": [sandbox.device_json(d) for d in state.devices.values()],
                    "guests": len(state.guests),
                    "events": len(state.events),
                    "deliveries": len(state.deliveries),
                }
        case "GET", ["calls"]:
            with state.lock:
                return 200, {"calls": list(state.calls)}
        case "GET", ["events"]:
            with state.lock:
                deliveries = [vars(d) for d in state.deliveries]
                return 200, {"events": list(state.events), "deliveries": deliveries}
        case "POST", ["unlock"]:
            return _unlock(sandbox, body)
        case "POST", ["clock"]:
            return _clock(sandbox, body)
        case "POST", ["fail"]:
            failure = Failure(
                int(body.get("status", 503)),
                bool(body.get("after")),
                float(body.get("delay", 0)),
                str(body.get("method", "")).upper(),
                str(body.get("path", "")),
            )
            with state.lock:
                state.failures.extend(failure for _ in range(int(body.get("count", 1))))
            return 200, {"queued": len(state.failures)}
        case "POST", ["locks", lock_id]:
            if lock_id not in state.devices:
                return 404, {"message": "no such lock"}
            sandbox.lock_online(lock_id, bool(body.get("online", True)))
            return 200, {"data": sandbox.device_json(state.devices[lock_id])}
        case "POST", ["redeliver"]:
            with state.lock:
                event = next((e for e in state.events if e["id"] == body.get("event_id")), None)
            if event is None:
                return 404, {"message": "no such event"}
            statuses = [sandbox.deliver(event, redelivery=True) for _ in range(int(body.get("times", 1)))]
            return 200, {"statuses": statuses}
        case "POST", ["expire-tokens"]:
            state.tokens_expire()
            return 200, {}
        case "POST", ["reset"]:
            state.reset()
            return 200, {}
    return 404, {"message": "Not Found"}


def _unlock(sandbox: LockSandbox, body: dict[str, Any]) -> Answer:
    state = sandbox.state
    lock_id, pin = str(body.get("lock_id", "")), str(body.get("pin", ""))
    device = state.devices.get(lock_id)
    if device is None:
        return 404, {"message": "no such lock"}
    at = None
    if body.get("at"):
        at = dt.datetime.fromisoformat(str(body["at"]))
        if at.tzinfo is None:
            return 400, {"message": "at must carry a time zone"}
    guest, reason = state.unlock(lock_id=lock_id, pin=pin, at=at)
    if guest is not None:
        event = state.event(
            "access_person_used", publisher=("access_guest", guest.id), associated=(device.type, lock_id)
        )
        event["attributes"].update({"method": "pin", "pin": None, "occurred_at": iso_utc(at or state.now())})
    else:
        event = state.event("access_denied", publisher=(device.type, lock_id), associated=None, status_info=reason)
    status = sandbox.deliver(event)
    return 200, {"unlocked": guest is not None, "reason": reason, "event_id": event["id"], "webhook_status": status}


def _clock(sandbox: LockSandbox, body: dict[str, Any]) -> Answer:
    state = sandbox.state
    with state.lock:
        if body.get("at"):
            at = dt.datetime.fromisoformat(str(body["at"]))
            if at.tzinfo is None:
                return 400, {"message": "at must carry a time zone"}
            state.clock_offset = at - (state.now() - state.clock_offset)
        elif "offset_seconds" in body:
            state.clock_offset = dt.timedelta(seconds=float(body["offset_seconds"]))
        return 200, {"now": state.now().isoformat(), "offset_seconds": state.clock_offset.total_seconds()}
