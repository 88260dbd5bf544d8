"""The RemoteLOCK client against the sandbox: a key's life from booking to cancellation."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.core.clock import TOKYO
from madoguchi.reservations.locks.protocol import LockService
from madoguchi.reservations.locks.remotelock import RemoteLockClient
from madoguchi.reservations.locks.sandbox import control
from madoguchi.reservations.locks.sandbox.server import LockSandbox

from .conftest import LOCK_A, LOCK_B, LOCK_KL, Slot, WebhookReceiver

PIN = "482913"


def _create(client: RemoteLockClient, slot: Slot, *, lock_id: str = LOCK_A, key: str = "booking-1", pin: str = PIN):
    return client.guest_create(
        lock_id=lock_id,
        name="予約 R-000001",
        pin=pin,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        idempotency_key=key,
    )


def test_client__is_a_lock_service(client: RemoteLockClient) -> None:
    service: LockService = client  # mypy checks the protocol; this checks nothing is left abstract
    assert {lock.lock_id for lock in service.lock_list()} == {LOCK_A, LOCK_B, LOCK_KL}


def test_guest_create__is_inactive_and_its_pin_opens_nothing(
    client: RemoteLockClient, sandbox: LockSandbox, slot: Slot
) -> None:
    ref = _create(client, slot)
    state = client.guest_get(guest_id=ref.guest_id)
    assert ref.created
    assert (state.status, state.lock_ids, state.sync, state.active) == ("upcoming", (), "none", False)
    assert (state.starts_at, state.ends_at) == (slot.starts_at, slot.ends_at)
    assert not control.unlock(sandbox.base_url, lock_id=LOCK_A, pin=PIN, at=slot.at(30)).unlocked


def test_guest_create__sends_lock_local_times_without_zone(client: RemoteLockClient, sandbox: LockSandbox) -> None:
    starts_at = dt.datetime(2030, 5, 1, 5, 0, tzinfo=dt.UTC)  # 14:00 in Tokyo
    ref = client.guest_create(
        lock_id=LOCK_A,
        name="予約",
        pin=PIN,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        idempotency_key="utc-input",
    )
    guest = sandbox.state.guests[ref.guest_id]
    assert (guest.starts_at, guest.ends_at) == (dt.datetime(2030, 5, 1, 14, 0), dt.datetime(2030, 5, 1, 16, 0))
    assert guest.name == "予約 [utc-input]"


def test_guest_activate__pin_opens_the_lock_only_within_the_slot(
    client: RemoteLockClient, sandbox: LockSandbox, receiver: WebhookReceiver, slot: Slot
) -> None:
    ref = _create(client, slot)
    client.guest_activate(guest_id=ref.guest_id, lock_id=LOCK_A)
    synced = receiver.wait_for("access_person_synced")[0]["attributes"]
    assert (synced["publisher_id"], synced["associated_resource_id"]) == (LOCK_A, ref.guest_id)
    state = client.guest_get(guest_id=ref.guest_id)
    assert (state.lock_ids, state.sync, state.active) == ((LOCK_A,), "synced", True)

    def unlock(at: dt.datetime, lock_id: str = LOCK_A, pin: str = PIN) -> control.UnlockResult:
        return control.unlock(sandbox.base_url, lock_id=lock_id, pin=pin, at=at)

    assert unlock(slot.at(-1)).reason == "outside_window"
    assert unlock(slot.at(0)).unlocked
    assert unlock(slot.at(119)).unlocked
    assert unlock(slot.at(120)).reason == "outside_window"
    assert unlock(slot.at(30), lock_id=LOCK_B).reason == "unknown_pin"  # another room
    assert unlock(slot.at(30), pin="000000").reason == "unknown_pin"


def test_guest_activate__twice_grants_once(client: RemoteLockClient, sandbox: LockSandbox, slot: Slot) -> None:
    ref = _create(client, slot)
    client.guest_activate(guest_id=ref.guest_id, lock_id=LOCK_A)
    client.guest_activate(guest_id=ref.guest_id, lock_id=LOCK_A)
    assert len(sandbox.state.accesses_of(guest_id=ref.guest_id)) == 1


def test_guest_activate__uses_the_device_type_of_the_lock(
    client: RemoteLockClient, sandbox: LockSandbox, slot: Slot
) -> None:
    ref = _create(client, slot)
    client.guest_activate(guest_id=ref.guest_id, lock_id=LOCK_KL)  # a connector_lock (KL series)
    assert client.guest_get(guest_id=ref.guest_id).lock_ids == (LOCK_KL,)
    grants = [c for c in control.calls(sandbox.base_url) if c["method"] == "POST" and c["path"].endswith("/accesses")]
    assert [c["status"] for c in grants] == [201]


def test_guest_deactivate__pin_is_refused_and_repeating_is_harmless(
    client: RemoteLockClient, sandbox: LockSandbox, receiver: WebhookReceiver, slot: Slot
) -> None:
    ref = _create(client, slot)
    client.guest_activate(guest_id=ref.guest_id, lock_id=LOCK_A)
    receiver.wait_for("access_person_synced")
    client.guest_deactivate(guest_id=ref.guest_id)
    client.guest_deactivate(guest_id=ref.guest_id)
    state = client.guest_get(guest_id=ref.guest_id)
    assert (state.status, state.active) == ("deactivated", False)
    assert control.unlock(sandbox.base_url, lock_id=LOCK_A, pin=PIN, at=slot.at(30)).reason == "deactivated"


def test_guest_activate__offline_lock_fails_sync_then_catches_up(
    client: RemoteLockClient, sandbox: LockSandbox, receiver: WebhookReceiver, slot: Slot
) -> None:
    control.lock_online(sandbox.base_url, LOCK_A, False)
    ref = _create(client, slot)
    client.guest_activate(guest_id=ref.guest_id, lock_id=LOCK_A)
    failed = receiver.wait_for("access_person_sync_failed")[0]["attributes"]
    assert (failed["associated_resource_id"], failed["status_info"]) == (ref.guest_id, "timeout")
    assert client.guest_get(guest_id=ref.guest_id).sync == "failed"
    assert control.unlock(sandbox.base_url, lock_id=LOCK_A, pin=PIN, at=slot.at(30)).reason == "not_synced"

    control.lock_online(sandbox.base_url, LOCK_A, True)
    receiver.wait_for("access_person_synced")
    assert client.guest_get(guest_id=ref.guest_id).sync == "synced"
    assert control.unlock(sandbox.base_url, lock_id=LOCK_A, pin=PIN, at=slot.at(30)).unlocked


def test_guest_get__status_follows_the_sandbox_clock(
    client: RemoteLockClient, sandbox: LockSandbox, slot: Slot
) -> None:
    ref = _create(client, slot)
    control.clock_set(sandbox.base_url, at=slot.at(10))
    assert client.guest_get(guest_id=ref.guest_id).status == "current"
    control.clock_set(sandbox.base_url, at=slot.at(121))
    assert client.guest_get(guest_id=ref.guest_id).status == "expired"
    control.clock_set(sandbox.base_url, offset_seconds=0)
    assert client.guest_get(guest_id=ref.guest_id).status == "upcoming"


def test_guest_create__rejects_bad_input_before_calling(
    client: RemoteLockClient, sandbox: LockSandbox, slot: Slot
) -> None:
    naive = slot.starts_at.replace(tzinfo=None)
    bad = [
        {"idempotency_key": "has space"},
        {"idempotency_key": "x" * 41},
        {"pin": "12a4"},
        {"pin": "123"},
        {"starts_at": slot.ends_at, "ends_at": slot.starts_at},
        {"starts_at": naive, "ends_at": naive + dt.timedelta(hours=1)},
    ]
    for override in bad:
        arguments = {
            "lock_id": LOCK_A,
            "name": "予約",
            "pin": PIN,
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
            "idempotency_key": "k",
        } | override
        with pytest.raises(ValueError):
            client.guest_create(**arguments)  # type: ignore[arg-type]
    assert sandbox.state.guests == {}


def test_client__refuses_plain_http_off_loopback() -> None:
    with pytest.raises(ValueError):
        RemoteLockClient(client_id="c", client_secret="s", api_url="http://api.remotelock.com")
    with pytest.raises(ValueError):
        RemoteLockClient(client_id="c", client_secret="s", token_url="http://connect.example.jp/oauth/token")
    assert RemoteLockClient(client_id="c", client_secret="s").time_zone == TOKYO
