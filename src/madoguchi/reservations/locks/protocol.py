"""What madoguchi asks of a smart-lock service, shaped after RemoteLOCK's access guests.

A key for a booking is an *access guest*: a PIN valid from ``starts_at`` to ``ends_at``.
It is created without access to any door (inactive), activated by granting it access to the
unit's lock once the booking is paid, and deactivated when the booking is cancelled.
The lock service reports back through webhook events: the PIN was synced to the lock (or
the sync failed), and the PIN was used at the door.

RemoteLOCK names, for the mapping: ``guest_create`` = ``POST /access_persons`` (type
``access_guest``), ``guest_activate`` = ``POST /access_persons/{id}/accesses``,
``guest_deactivate`` = ``PUT /access_persons/{id}/deactivate``, ``guest_get`` =
``GET /access_persons/{id}`` (+ its accesses), ``lock_list`` = ``GET /devices``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol

GuestStatus = Literal["upcoming", "current", "expired", "deactivated"]
SyncState = Literal["none", "pending", "synced", "failed"]
EventKind = Literal["used", "synced", "sync_failed"]


@dataclass(frozen=True)
class GuestRef:
    """A guest on the lock service; ``created`` is False when a retried call found the earlier one."""

    guest_id: str
    created: bool = True


@dataclass(frozen=True)
class GuestState:
    guest_id: str
    status: GuestStatus
    starts_at: dt.datetime
    ends_at: dt.datetime
    lock_ids: tuple[str, ...] = ()
    sync: SyncState = "none"

    @property
    def active(self) -> bool:
        """Granted to at least one lock and neither deactivated nor expired."""
        return bool(self.lock_ids) and self.status in ("upcoming", "current")


@dataclass(frozen=True)
class LockInfo:
    lock_id: str
    name: str
    connected: bool


@dataclass(frozen=True)
class LockEvent:
    """One webhook event, parsed. ``event_id`` is unique per event: deduplicate on it."""

    event_id: str
    kind: EventKind
    guest_id: str
    lock_id: str
    occurred_at: dt.datetime
    detail: str = ""  # e.g. why a sync failed ("timeout"); never a PIN


# --- failures -------------------------------------------------------------------------


class LockError(Exception):
    """A lock-service call failed. ``user_message`` is what staff see (Japanese)."""

    user_message = "スマートロックのサービスとの通信に失敗しました。"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LockRetryableError(LockError):
    """Try again later: network failure, timeout, 5xx, 429."""

    user_message = "スマートロックのサービスに一時的に接続できませんでした。自動で再試行します。"


class LockPermanentError(LockError):
    """Will not succeed as sent (4xx): bad credentials, unknown lock, invalid data."""

    user_message = "スマートロックのサービスが要求を受け付けませんでした。設定を確認し、必要なら窓口での鍵の受け渡しに切り替えてください。"


class LockNotFound(LockPermanentError):
    """The guest or lock does not exist on the lock service (404)."""

    user_message = "スマートロックのサービスに該当する鍵または錠がありません。"


class LockPinTaken(LockPermanentError):
    """The PIN is already in use in the account: generate another and create again."""

    user_message = "この暗証番号は既に使われています。別の番号で作り直します。"


class LockBadSignature(Exception):
    """A webhook request without a valid signature (or secret): refuse it, store nothing."""


class LockBadPayload(ValueError):
    """A correctly signed webhook whose body is not the JSON the lock service sends."""


# --- the service ------------------------------------------------------------------------


class LockService(Protocol):
    def guest_create(
        self,
        *,
        lock_id: str,
        name: str,
        pin: str,
        starts_at: dt.datetime,
        ends_at: dt.datetime,
        idempotency_key: str,
    ) -> GuestRef:
        """Create an inactive guest (no door yet). The same ``idempotency_key`` never creates two."""
        ...

    def guest_activate(self, *, guest_id: str, lock_id: str) -> None:
        """Grant the guest access to the lock; the service then syncs the PIN. Idempotent."""
        ...

    def guest_deactivate(self, *, guest_id: str) -> None:
        """Withdraw the PIN from every lock. Idempotent."""
        ...

    def guest_get(self, *, guest_id: str) -> GuestState: ...

    def lock_list(self) -> list[LockInfo]: ...
