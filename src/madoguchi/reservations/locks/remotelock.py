"""The RemoteLOCK API client (まちかぎリモート and other RemoteLOCK deployments).

OAuth2 client credentials (``POST /oauth/token``), then JSON:API-ish requests with
``Accept: application/vnd.lockstate+json; version=1``. The same code talks to the real
service and to the loopback sandbox; only the URLs differ.

- Tokens are cached per (token URL, client) for their lifetime minus a margin; a 401 drops
  the token and the call is tried once more with a new one.
- Failures are typed: network errors, timeouts, 429 and 5xx are retryable; other 4xx are
  permanent (404 → ``LockNotFound``; a PIN already taken → ``LockPinTaken``).
- RemoteLOCK has no idempotency keys, so the key goes into the guest's name as a tag
  (``"<name> [<key>]"``) and ``guest_create`` first looks for a recent guest carrying it:
  a create retried after a timeout or a 5xx finds the first guest instead of making another.
- Guest times are sent in the lock's local time without a zone, as RemoteLOCK expects
  (Asia/Tokyo unless told otherwise).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from madoguchi.core.clock import TOKYO
from madoguchi.core.sandbox import is_outbound_url_allowed
from madoguchi.reservations.locks.protocol import (
    GuestRef,
    GuestState,
    GuestStatus,
    LockError,
    LockEvent,
    LockInfo,
    LockNotFound,
    LockPermanentError,
    LockPinTaken,
    LockRetryableError,
    SyncState,
)
from madoguchi.reservations.locks.webhook import events_parse

REMOTELOCK_API_URL = "https://api.remotelock.com"
REMOTELOCK_TOKEN_URL = "https://connect.remotelock.com/oauth/token"  # noqa: S105 - a URL, not a secret
ACCEPT = "application/vnd.lockstate+json; version=1"
TIMEOUT_SECONDS = 10.0
TOKEN_MARGIN_SECONDS = 60.0
LOOKUP_PAGES = 2  # idempotency lookup: the 100 most recently created guests
PER_PAGE = 50  # RemoteLOCK's maximum
LOCK_TYPES = frozenset({"lock", "connector_lock", "zwave_lock", "schlage_home_lock", "acs_door"})
GUEST_STATUSES: tuple[GuestStatus, ...] = ("upcoming", "current", "expired", "deactivated")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
PIN = re.compile(r"^[0-9]{4,10}$")


def _check_url(url: str) -> str:
    """HTTPS, or plain HTTP to loopback (the sandbox). Nothing else leaves this module."""
    if is_outbound_url_allowed(url):
        return url.rstrip("/")
    raise ValueError("lock service URLs must be https (or http on loopback for the sandbox)")


def _local(moment: dt.datetime, zone: ZoneInfo) -> str:
    if moment.tzinfo is None:
        raise ValueError("guest times must be aware datetimes")
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds")


def _aware(text: str, zone: ZoneInfo) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def name_tag(idempotency_key: str) -> str:
    return f" [{idempotency_key}]"


class _TokenCache:
    """Access tokens shared by every client instance in the process (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}

    def get(self, key: tuple[str, str, str]) -> str | None:
        with self._lock:
            token, expires = self._tokens.get(key, ("", 0.0))
            return token if token and time.monotonic() < expires else None

    def put(self, key: tuple[str, str, str], token: str, expires_in: float) -> None:
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + max(0.0, expires_in - TOKEN_MARGIN_SECONDS))

    def drop(self, key: tuple[str, str, str], token: str) -> None:
        with self._lock:
            if self._tokens.get(key, ("",))[0] == token:
                del self._tokens[key]


_TOKENS = _TokenCache()
_DEVICE_TYPES: dict[tuple[str, str], str] = {}  # (api URL, device id) -> RemoteLOCK device type


def caches_clear() -> None:
    """Forget cached tokens and device types (tests; after the service's credentials change)."""
    with _TOKENS._lock:
        _TOKENS._tokens.clear()
    _DEVICE_TYPES.clear()


class RemoteLockClient:
    """``LockService`` over RemoteLOCK's REST API. Cheap to create; safe to share between threads."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        api_url: str = REMOTELOCK_API_URL,
        token_url: str = REMOTELOCK_TOKEN_URL,
        timeout: float = TIMEOUT_SECONDS,
        time_zone: ZoneInfo = TOKYO,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError("client id and secret are required")
        self.api_url = _check_url(api_url)
        self.token_url = _check_url(token_url)
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout
        self.time_zone = time_zone
        secret_hash = hashlib.sha256(client_secret.encode()).hexdigest()
        self._token_key = (self.token_url, client_id, secret_hash)

    # --- HTTP ----------------------------------------------------------------------------
    def _http(
        self, method: str, url: str, *, data: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))  # noqa: S310 - _check_url
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - _check_url
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timeout, DNS, broken response
            raise LockRetryableError(f"RemoteLOCK network: {type(exc).__name__}") from None
        try:
            payload = json.loads(raw) if raw else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            payload = {}
        return status, payload if isinstance(payload, dict) else {}

    def _token(self) -> str:
        cached = _TOKENS.get(self._token_key)
        if cached:
            return cached
        form = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self._client_secret}
        ).encode()
        status, payload = self._http(
            "POST",
            self.token_url,
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        if status == 429 or status >= 500:
            raise LockRetryableError(f"RemoteLOCK token {status}", status=status)
        token = payload.get("access_token")
        if status != 200 or not isinstance(token, str) or not token:
            raise LockPermanentError(f"RemoteLOCK token refused ({status})", status=status)
        expires_in = payload.get("expires_in")
        _TOKENS.put(self._token_key, token, float(expires_in) if isinstance(expires_in, int | float) else 7200.0)
        return token

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Sequence[tuple[str, str]] = (),
    ) -> dict[str, Any]:
        url = self.api_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            token = self._token()
            headers = {"Accept": ACCEPT, "Authorization": f"Bearer {token}"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            status, payload = self._http(method, url, data=data, headers=headers)
            if status == 401 and attempt == 1:  # expired or revoked: one more try with a new token
                _TOKENS.drop(self._token_key, token)
                continue
            break
        if 200 <= status < 300:
            return payload
        raise _classify(status, payload, f"RemoteLOCK {method} {path.split('?')[0]}")

    # --- LockService -------------------------------------------------------------------
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
        if not IDEMPOTENCY_KEY.match(idempotency_key):
            raise ValueError("idempotency key: 1-40 of A-Z a-z 0-9 _ -")
        if not PIN.match(pin):
            raise ValueError("PIN: 4-10 digits")
        if not starts_at < ends_at:
            raise ValueError("a guest must start before it ends")
        tag = name_tag(idempotency_key)
        existing = self._guest_with_tag(tag)
        if existing:
            return GuestRef(guest_id=existing, created=False)
        attributes = {
            "name": (name.strip() or "guest")[: 100 - len(tag)] + tag,
            "pin": pin,
            "starts_at": _local(starts_at, self.time_zone),
            "ends_at": _local(ends_at, self.time_zone),
        }
        payload = self._request("POST", "/access_persons", body={"type": "access_guest", "attributes": attributes})
        return GuestRef(guest_id=_id(payload), created=True)

    def _guest_with_tag(self, tag: str) -> str | None:
        for page in range(1, LOOKUP_PAGES + 1):
            query = [("type", "access_guest"), ("sort", "-created_at"), ("per_page", str(PER_PAGE))]
            query += [("page", str(page))] + [("attributes[status][]", status) for status in GUEST_STATUSES]
            payload = self._request("GET", "/access_persons", query=query)
            for item in _items(payload):
                if str(item.get("attributes", {}).get("name", "")).endswith(tag):
                    return str(item["id"])
            if page >= int(payload.get("meta", {}).get("total_pages", 1) or 1):
                break
        return None

    def guest_activate(self, *, guest_id: str, lock_id: str) -> None:
        path = f"/access_persons/{_quote(guest_id)}/accesses"
        for access in _items(self._request("GET", path, query=[("per_page", str(PER_PAGE))])):
            if access.get("attributes", {}).get("accessible_id") == lock_id:
                return  # already granted: a repeated activation changes nothing
        accessible = {"accessible_id": lock_id, "accessible_type": self._device_type(lock_id)}
        self._request("POST", path, body={"attributes": accessible})

    def _device_type(self, lock_id: str) -> str:
        key = (self.api_url, lock_id)
        if key not in _DEVICE_TYPES:
            payload = self._request("GET", f"/devices/{_quote(lock_id)}")
            _DEVICE_TYPES[key] = str(payload.get("data", {}).get("type") or "lock")
        return _DEVICE_TYPES[key]

    def guest_deactivate(self, *, guest_id: str) -> None:
        self._request("PUT", f"/access_persons/{_quote(guest_id)}/deactivate")

    def guest_get(self, *, guest_id: str) -> GuestState:
        person = self._request("GET", f"/access_persons/{_quote(guest_id)}").get("data", {})
        attributes = person.get("attributes", {}) if isinstance(person, dict) else {}
        status = attributes.get("status")
        if status not in GUEST_STATUSES or not attributes.get("starts_at") or not attributes.get("ends_at"):
            raise LockPermanentError("RemoteLOCK: not an access guest")
        accesses = _items(self._request("GET", f"/access_persons/{_quote(guest_id)}/accesses"))
        lock_accesses = [a.get("attributes", {}) for a in accesses]
        return GuestState(
            guest_id=guest_id,
            status=status,
            starts_at=_aware(str(attributes["starts_at"]), self.time_zone),
            ends_at=_aware(str(attributes["ends_at"]), self.time_zone),
            lock_ids=tuple(str(a.get("accessible_id")) for a in lock_accesses),
            sync=_sync_state(lock_accesses),
        )

    def event_list(self, *, page: int = 1) -> list[LockEvent]:
        """PIN events, newest first (``GET /events``): to recover notifications a webhook missed."""
        query = [("sort", "-occurred_at"), ("per_page", str(PER_PAGE)), ("page", str(page))]
        return events_parse(json.dumps(self._request("GET", "/events", query=query)).encode())

    def lock_list(self) -> list[LockInfo]:
        locks: list[LockInfo] = []
        page, pages = 1, 1
        while page <= pages:
            payload = self._request("GET", "/devices", query=[("per_page", str(PER_PAGE)), ("page", str(page))])
            for item in _items(payload):
                if item.get("type") in LOCK_TYPES:
                    attributes = item.get("attributes", {})
                    _DEVICE_TYPES[(self.api_url, str(item["id"]))] = str(item["type"])
                    locks.append(
                        LockInfo(str(item["id"]), str(attributes.get("name", "")), bool(attributes.get("connected")))
                    )
            pages = int(payload.get("meta", {}).get("total_pages", 1) or 1)
            page += 1
        return locks


def _quote(identifier: str) -> str:
    if not identifier:
        raise ValueError("empty id")
    return urllib.parse.quote(identifier, safe="")


def _items(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    data = payload.get("data")
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _id(payload: Mapping[str, Any]) -> str:
    data = payload.get("data")
    if not isinstance(data, dict) or not data.get("id"):
        raise LockPermanentError("RemoteLOCK answered without an id")
    return str(data["id"])


def _sync_state(accesses: Sequence[Mapping[str, Any]]) -> SyncState:
    if not accesses:
        return "none"

    def total(key: str) -> int:
        return sum(int(access.get(key) or 0) for access in accesses)

    if total("devices_failed_sync_count"):
        return "failed"
    if total("devices_pending_sync_count") or not total("devices_synced_count"):
        return "pending"
    return "synced"


def _classify(status: int, payload: Mapping[str, Any], what: str) -> LockError:
    if status == 429 or status >= 500:
        return LockRetryableError(f"{what}: {status}", status=status)
    if status == 404:
        return LockNotFound(f"{what}: 404", status=status)
    errors = payload.get("errors")
    if isinstance(errors, list) and any(isinstance(e, dict) and e.get("attribute") == "pin" for e in errors):
        return LockPinTaken(f"{what}: PIN taken", status=status)
    return LockPermanentError(f"{what}: {status}", status=status)
