"""Webhook notifications: refused without the right secret or signature, parsed into LockEvents."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from madoguchi.core.clock import TOKYO
from madoguchi.reservations.locks.protocol import LockBadPayload, LockBadSignature
from madoguchi.reservations.locks.webhook import events_parse, signature, verify_and_parse

SECRET = "shared-webhook-secret"
GUEST = "036aa265-d008-4c1a-942d-905e7f2ec3e2"
LOCK = "053994ef-ceed-455a-a5f7-7962261a722d"


def _event(kind: str, *, event_id: str = "a152915c-3d12-480b-8d68-baebbfa1264c", **extra: Any) -> dict[str, Any]:
    if kind == "access_person_used":  # the access person publishes, the lock is associated
        publisher, associated = ("access_guest", GUEST), ("lock", LOCK)
    else:  # the lock publishes, the access person is associated
        publisher, associated = ("lock", LOCK), ("access_guest", GUEST)
    attributes = {
        "source": "user",
        "status": "succeeded",
        "time_zone": "Asia/Tokyo",
        "occurred_at": "2030-05-01T05:15:32Z",
        "publisher_type": publisher[0],
        "publisher_id": publisher[1],
        "associated_resource_type": associated[0],
        "associated_resource_id": associated[1],
        **extra,
    }
    return {"type": f"{kind}_event", "attributes": attributes, "id": event_id}


def _body(event: dict[str, Any]) -> bytes:
    return json.dumps({"data": event}).encode()


def test_verify_and_parse__accepts_remotelock_x_secret() -> None:
    body = _body(_event("access_person_used"))
    [event] = verify_and_parse(headers={"x-secret": SECRET}, body=body, secret=SECRET)
    assert (event.kind, event.guest_id, event.lock_id) == ("used", GUEST, LOCK)
    assert event.occurred_at == dt.datetime(2030, 5, 1, 14, 15, 32, tzinfo=TOKYO)
    assert event.event_id == "a152915c-3d12-480b-8d68-baebbfa1264c"


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Secret": ""}, {"X-Secret": "wrong"}, {"X-Secret": SECRET + "x"}, {"X-Signature": "ignored-here"}],
    ids=["missing", "empty", "wrong", "longer", "other-header"],
)
def test_verify_and_parse__refuses_without_the_secret(headers: dict[str, str]) -> None:
    with pytest.raises(LockBadSignature):
        verify_and_parse(headers=headers, body=_body(_event("access_person_used")), secret=SECRET)


def test_verify_and_parse__refuses_everything_when_no_secret_is_configured() -> None:
    with pytest.raises(LockBadSignature):
        verify_and_parse(headers={"X-Secret": ""}, body=_body(_event("access_person_used")), secret="")


def test_verify_and_parse__hmac_scheme_accepts_a_good_signature() -> None:
    body = _body(_event("access_person_synced"))
    headers = {"X-Signature": signature(body, SECRET).upper()}  # hex, case does not matter
    [event] = verify_and_parse(headers=headers, body=body, secret=SECRET, scheme="hmac-sha256")
    assert (event.kind, event.guest_id, event.lock_id) == ("synced", GUEST, LOCK)


def test_verify_and_parse__hmac_scheme_refuses_tampered_body_wrong_secret_and_missing_header() -> None:
    body = _body(_event("access_person_used"))
    tampered = body.replace(GUEST.encode(), b"11111111-2222-3333-4444-555555555555")
    cases = [
        ({"X-Signature": signature(body, SECRET)}, tampered),
        ({"X-Signature": signature(body, "another-secret")}, body),
        ({"X-Secret": SECRET}, body),  # the plain secret is not enough in this scheme
        ({}, body),
    ]
    for headers, sent in cases:
        with pytest.raises(LockBadSignature):
            verify_and_parse(headers=headers, body=sent, secret=SECRET, scheme="hmac-sha256")


def test_verify_and_parse__checks_the_sender_before_reading_the_body() -> None:
    with pytest.raises(LockBadSignature):
        verify_and_parse(headers={}, body=b"not json", secret=SECRET)
    with pytest.raises(LockBadPayload):
        verify_and_parse(headers={"X-Secret": SECRET}, body=b"not json", secret=SECRET)


def test_events_parse__sync_failed_carries_the_reason() -> None:
    [event] = events_parse(_body(_event("access_person_sync_failed", status_info="timeout")))
    assert (event.kind, event.detail, event.guest_id, event.lock_id) == ("sync_failed", "timeout", GUEST, LOCK)


def test_events_parse__skips_other_event_types() -> None:
    assert events_parse(_body(_event("unlocked"))) == []
    assert events_parse(_body(_event("access_denied"))) == []


def test_events_parse__reads_an_events_page_for_recovery() -> None:
    page = {
        "data": [
            _event("access_person_used", event_id="e1"),
            _event("locked", event_id="e2"),
            _event("access_person_synced", event_id="e3"),
        ],
        "meta": {"page": 1, "per_page": 25, "total_count": 3, "total_pages": 1},
    }
    assert [e.event_id for e in events_parse(json.dumps(page).encode())] == ["e1", "e3"]


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"data": "x"}',
        json.dumps({"data": {**_event("access_person_used"), "id": ""}}).encode(),
        json.dumps({"data": _event("access_person_used", occurred_at="yesterday")}).encode(),
        json.dumps({"data": _event("access_person_used", occurred_at="2030-05-01T05:15:32")}).encode(),
        json.dumps({"data": _event("access_person_used", publisher_id=None)}).encode(),
        b"\xff\xfe",
    ],
    ids=["array", "string-data", "no-id", "bad-time", "naive-time", "no-publisher", "not-utf8"],
)
def test_events_parse__malformed_bodies_are_bad_payloads(body: bytes) -> None:
    with pytest.raises(LockBadPayload):
        events_parse(body)
