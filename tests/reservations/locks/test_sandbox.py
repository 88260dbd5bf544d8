"""The sandbox as madoguchi sees it: signed webhooks, unique event ids, duplicates on demand,
a record of every call, and the command that starts it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from madoguchi.reservations.locks.remotelock import RemoteLockClient
from madoguchi.reservations.locks.sandbox import control
from madoguchi.reservations.locks.sandbox.__main__ import _lock
from madoguchi.reservations.locks.sandbox.server import LockSandbox
from madoguchi.reservations.locks.webhook import verify_and_parse

from .conftest import LOCK_A, WEBHOOK_SECRET, Slot, WebhookReceiver
from .test_remotelock import PIN, _create


@pytest.fixture
def active_guest(client: RemoteLockClient, receiver: WebhookReceiver, slot: Slot) -> str:
    ref = _create(client, slot)
    client.guest_activate(guest_id=ref.guest_id, lock_id=LOCK_A)
    receiver.wait_for("access_person_synced")
    return ref.guest_id


def test_unlock__sends_used_events_with_unique_ids_signed_both_ways(
    sandbox: LockSandbox, receiver: WebhookReceiver, slot: Slot, active_guest: str
) -> None:
    first = control.unlock(sandbox.base_url, lock_id=LOCK_A, pin=PIN, at=slot.at(5))
    second = control.unlock(sandbox.base_url, lock_id=LOCK_A, pin=PIN, at=slot.at(50))
    assert (first.unlocked, first.webhook_status, second.webhook_status) == (True, 200, 200)
    assert first.event_id != second.event_id
    used = [r for r in receiver.received if r.event["type"] == "access_person_used_event"]
    for scheme in ("x-secret", "hmac-sha256"):
        parsed = [
            verify_and_parse(headers=r.headers, body=r.body, secret=WEBHOOK_SECRET, scheme=scheme)  # type: ignore[arg-type]
            for r in used
        ]
        assert [(e.event_id, e.kind, e.guest_id, e.lock_id) for [e] in parsed] == [
            (first.event_id, "used", active_guest, LOCK_A),
            (second.event_id, "used", active_guest, LOCK_A),
        ]
        assert [e.occurred_at for [e] in parsed] == [slot.at(5), slot.at(50)]


def test_redeliver__sends_the_same_event_again_on_demand(
    sandbox: LockSandbox, receiver: WebhookReceiver, slot: Slot, active_guest: str
) -> None:
    result = control.unlock(sandbox.base_url, lock_id=LOCK_A, pin=PIN, at=slot.at(5))
    assert control.redeliver(sandbox.base_url, event_id=result.event_id, times=2) == [200, 200]
    ids = [e["id"] for e in receiver.events("access_person_used")]
    assert ids == [result.event_id] * 3
    _, deliveries = control.events(sandbox.base_url)
    mine = [d for d in deliveries if d["event_id"] == result.event_id]
    assert [d["redelivery"] for d in mine] == [False, True, True]


def test_unlock__reports_madoguchis_answer_and_refusals_emit_no_pin_event(
    sandbox: LockSandbox, receiver: WebhookReceiver, slot: Slot, active_guest: str
) -> None:
    receiver.status = 500
    assert control.unlock(sandbox.base_url, lock_id=LOCK_A, pin=PIN, at=slot.at(5)).webhook_status == 500
    receiver.status = 200
    refused = control.unlock(sandbox.base_url, lock_id=LOCK_A, pin="555123", at=slot.at(5))
    assert (refused.unlocked, refused.reason, refused.webhook_status) == (False, "unknown_pin", 200)
    denied = receiver.received[-1]
    assert denied.event["type"] == "access_denied_event"
    assert verify_and_parse(headers=denied.headers, body=denied.body, secret=WEBHOOK_SECRET) == []


def test_event_list__recovers_events_a_webhook_missed(
    client: RemoteLockClient, sandbox: LockSandbox, slot: Slot, active_guest: str
) -> None:
    sandbox.state.webhook_url = ""  # madoguchi was unreachable
    used = control.unlock(sandbox.base_url, lock_id=LOCK_A, pin=PIN, at=slot.at(5))
    events = client.event_list()
    assert [(e.event_id, e.kind) for e in events if e.kind == "used"] == [(used.event_id, "used")]
    assert {e.kind for e in events} == {"used", "synced"}


def test_calls__every_api_call_is_recorded(client: RemoteLockClient, sandbox: LockSandbox, slot: Slot) -> None:
    ref = _create(client, slot)
    client.guest_deactivate(guest_id=ref.guest_id)
    calls = [(c["method"], c["path"], c["status"]) for c in control.calls(sandbox.base_url)]
    assert calls == [
        ("POST", "/oauth/token", 200),
        ("GET", "/access_persons", 200),
        ("POST", "/access_persons", 201),
        ("PUT", f"/access_persons/{ref.guest_id}/deactivate", 200),
    ]


def test_sandbox__loopback_only() -> None:
    with pytest.raises(ValueError):
        LockSandbox(client_id="c", client_secret="s", host="0.0.0.0")  # noqa: S104 - the point of the test
    with pytest.raises(ValueError):
        LockSandbox(client_id="c", client_secret="s", webhook_url="https://madoguchi.example.jp/hook")
    with pytest.raises(control.SandboxUnavailable):
        control.summary("https://remotelock.example.com")


def test_lock_argument__id_name_and_optional_type() -> None:
    assert _lock("abc=会議室A") == ("abc", "会議室A", "lock")
    assert _lock("abc=体育館:connector_lock") == ("abc", "体育館", "connector_lock")


def test_main__starts_on_the_given_port_with_its_locks() -> None:
    command = [sys.executable, "-m", "madoguchi.reservations.locks.sandbox", "--port", "0"]
    command += ["--client-id", "cli", "--client-secret", "cli-secret", "--lock", "lock-1=和室:lock"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.rsplit(" ", 1)[-1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert [lock["attributes"]["name"] for lock in control.summary(base_url)["locks"]] == ["和室"]
        client = RemoteLockClient(
            client_id="cli", client_secret="cli-secret", api_url=base_url, token_url=base_url + "/oauth/token"
        )
        assert [lock.lock_id for lock in client.lock_list()] == ["lock-1"]
    finally:
        process.terminate()
        process.wait(timeout=10)
