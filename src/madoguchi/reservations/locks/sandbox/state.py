"""The lock sandbox's world: devices, access guests, their accesses, events, and the knobs
tests turn (clock offset, injected failures, locks going offline).

Times of guests are naive local times in the sandbox's zone, as RemoteLOCK keeps them.
Everything here is guarded by one lock; the HTTP layer (``server.py``) only translates.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from madoguchi.core.clock import TOKYO, now

# Demo devices: stable ids so a demo seed can point units at them.
DEFAULT_LOCKS: tuple[tuple[str, str, str], ...] = (
    ("5d3e1f2a-7c41-4b6e-9a10-000000000001", "公民館 会議室A", "lock"),
    ("5d3e1f2a-7c41-4b6e-9a10-000000000002", "公民館 会議室B", "lock"),
    ("5d3e1f2a-7c41-4b6e-9a10-000000000003", "市民体育館 多目的室", "connector_lock"),
)
LOCATION_ID = "5d3e1f2a-7c41-4b6e-9a10-0000000000aa"


def iso_utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Device:
    id: str
    name: str
    type: str = "lock"
    online: bool = True


@dataclass
class Guest:
    id: str
    name: str
    pin: str
    starts_at: dt.datetime  # naive, local
    ends_at: dt.datetime
    created_at: dt.datetime
    deactivated: bool = False


@dataclass
class Access:
    id: str
    guest_id: str
    lock_id: str
    created_at: dt.datetime
    sync: str = "pending"  # pending | synced | failed


@dataclass
class Failure:
    """One injected failure: answer ``status`` before doing anything, or do the work and then
    answer ``status`` (``after``), or do the work and answer late (``delay`` seconds).
    With ``method`` / ``path`` it waits for the first call that matches."""

    status: int = 503
    after: bool = False
    delay: float = 0.0
    method: str = ""
    path: str = ""

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("", method) and self.path in ("", path)


@dataclass
class Delivery:
    event_id: str
    status: int  # madoguchi's HTTP status; 0 when it could not be reached
    redelivery: bool = False


@dataclass
class SandboxState:
    client_id: str
    client_secret: str
    webhook_url: str = ""
    webhook_secret: str = ""
    time_zone: ZoneInfo = TOKYO
    token_ttl: int = 7200
    rate_limit: int = 120  # requests per minute per account, as RemoteLOCK
    latency_ms: int = 0
    sync_delay: float = 0.0  # seconds between a grant and its synced / sync_failed event
    clock_offset: dt.timedelta = dt.timedelta(0)
    devices: dict[str, Device] = field(default_factory=dict)
    guests: dict[str, Guest] = field(default_factory=dict)
    accesses: dict[str, Access] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> time.monotonic() expiry
    failures: deque[Failure] = field(default_factory=deque)
    window: list[float] = field(default_factory=lambda: [0.0, 0.0])  # [started, count]
    lock: threading.RLock = field(default_factory=threading.RLock)

    # --- time ---------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return now() + self.clock_offset

    def local(self, moment: dt.datetime | None = None) -> dt.datetime:
        return (moment or self.now()).astimezone(self.time_zone).replace(tzinfo=None)

    def guest_status(self, guest: Guest, at: dt.datetime | None = None) -> str:
        local = self.local(at)
        if guest.deactivated:
            return "deactivated"
        if local >= guest.ends_at:
            return "expired"
        return "current" if local >= guest.starts_at else "upcoming"

    # --- tokens, limits, failures -----------------------------------------------------
    def token_issue(self, client_id: str, client_secret: str) -> str | None:
        if not (
            secrets.compare_digest(client_id.encode(), self.client_id.encode())
            and secrets.compare_digest(client_secret.encode(), self.client_secret.encode())
        ):
            return None
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.monotonic() + self.token_ttl
        return token

    def token_valid(self, token: str) -> bool:
        with self.lock:
            return self.tokens.get(token, 0.0) > time.monotonic()

    def tokens_expire(self) -> None:
        with self.lock:
            self.tokens.clear()

    def rate_take(self) -> tuple[bool, int, int]:
        """(allowed, remaining, reset epoch seconds) for a fixed one-minute window."""
        with self.lock:
            moment = time.monotonic()
            if moment - self.window[0] >= 60:
                self.window[:] = [moment, 0.0]
            self.window[1] += 1
            remaining = self.rate_limit - int(self.window[1])
            reset = int(self.now().timestamp() + 60 - (moment - self.window[0]))
            return remaining >= 0, max(remaining, 0), reset

    def failure_take(self, method: str, path: str) -> Failure | None:
        with self.lock:
            for failure in self.failures:
                if failure.matches(method, path):
                    self.failures.remove(failure)
                    return failure
            return None

    def record(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.calls.append({"method": method, "path": path, "status": status, "at": self.now().isoformat()})

    # --- events -------------------------------------------------------------------------
    def event(
        self, kind: str, *, publisher: tuple[str, str], associated: tuple[str, str] | None, **extra: Any
    ) -> dict[str, Any]:
        """Record an event as RemoteLOCK shows it in ``GET /events`` and in webhooks."""
        moment = iso_utc(self.now())
        attributes: dict[str, Any] = {
            "source": "user",
            "status": "succeeded",
            "time_zone": str(self.time_zone),
            "occurred_at": moment,
            "created_at": moment,
            "updated_at": moment,
            "publisher_type": publisher[0],
            "publisher_id": publisher[1],
            "associated_resource_type": associated[0] if associated else None,
            "associated_resource_id": associated[1] if associated else None,
            **extra,
        }
        event = {"type": f"{kind}_event", "attributes": attributes, "id": str(uuid.uuid4())}
        with self.lock:
            self.events.append(event)
        return event

    # --- access guests ----------------------------------------------------------------
    def pin_taken(self, pin: str) -> bool:
        with self.lock:
            return any(g.pin == pin and self.guest_status(g) in ("upcoming", "current") for g in self.guests.values())

    def guest_add(self, *, name: str, pin: str, starts_at: dt.datetime, ends_at: dt.datetime) -> Guest:
        guest = Guest(str(uuid.uuid4()), name, pin, starts_at, ends_at, self.now())
        with self.lock:
            self.guests[guest.id] = guest
        return guest

    def access_add(self, guest: Guest, device: Device) -> Access:
        access = Access(str(uuid.uuid4()), guest.id, device.id, self.now())
        with self.lock:
            self.accesses[access.id] = access
        return access

    def accesses_of(self, *, guest_id: str | None = None, lock_id: str | None = None) -> list[Access]:
        with self.lock:
            return [
                a
                for a in self.accesses.values()
                if (guest_id is None or a.guest_id == guest_id) and (lock_id is None or a.lock_id == lock_id)
            ]

    def sync(self, access: Access) -> dict[str, Any]:
        """The lock wakes up and takes the PIN (or cannot be reached)."""
        with self.lock:
            device = self.devices[access.lock_id]
            access.sync = "synced" if device.online else "failed"
            publisher, associated = (device.type, device.id), ("access_guest", access.guest_id)
            if device.online:
                return self.event("access_person_synced", publisher=publisher, associated=associated)
            return self.event(
                "access_person_sync_failed", publisher=publisher, associated=associated, status_info="timeout"
            )

    def unlock(self, *, lock_id: str, pin: str, at: dt.datetime | None) -> tuple[Guest | None, str]:
        """Someone types ``pin`` on the lock's keypad: (the guest, "") or (None, why not)."""
        with self.lock:
            for access in self.accesses_of(lock_id=lock_id):
                guest = self.guests[access.guest_id]
                if not secrets.compare_digest(guest.pin, pin):
                    continue
                status = self.guest_status(guest, at)
                if status == "deactivated":
                    return None, "deactivated"
                if access.sync != "synced":
                    return None, "not_synced"
                if status != "current":
                    return None, "outside_window"
                return guest, ""
            return None, "unknown_pin"

    def reset(self) -> None:
        with self.lock:
            for bucket in (self.guests, self.accesses, self.tokens):
                bucket.clear()
            for records in (self.events, self.deliveries, self.calls):
                records.clear()
            self.failures.clear()
            self.clock_offset = dt.timedelta(0)
            for device in self.devices.values():
                device.online = True
