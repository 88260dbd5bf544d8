"""E-keys through the real RemoteLOCK client and the loopback lock sandbox.

The key works on the lock only while the booking is paid and not cancelled; a failed lock call
is repaired later; the first unlock marks check-in once, however often the event arrives.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from madoguchi.core.clock import TOKYO
from madoguchi.reservations.locks.sandbox import control
from madoguchi.reservations.locks.sandbox.server import LockSandbox
from madoguchi.reservations.locks.sandbox.state import DEFAULT_LOCKS
from madoguchi.reservations.locks.webhook import signature
from madoguchi.reservations.models import AccessKey, Booking, KeyStatus, LockAccount
from madoguchi.reservations.services import bookings as svc
from madoguchi.reservations.services import keys

from . import scenario

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)
TUE = dt.date(2026, 12, 15)
LOCK = DEFAULT_LOCKS[0][0]
WEBHOOK_SECRET = "test-webhook-secret-for-locks"


@pytest.fixture
def sandbox():
    box = LockSandbox(client_id="cid", client_secret="csecret").start()
    box.state.sync_delay = 0
    yield box
    box.stop()


@pytest.fixture
def setup(city_a, sandbox):
    with time_machine.travel(NOW, tick=False):
        gym = scenario.gym(city_a)
        gym.half_a.lock_id = LOCK
        gym.half_a.save()
        LockAccount.objects.create(
            municipality=city_a,
            api_url=sandbox.base_url,
            token_url=sandbox.token_url,
            client_id="cid",
            client_secret="csecret",
            webhook_secret=WEBHOOK_SECRET,
            webhook_scheme="hmac-sha256",
        )
        who = scenario.citizen(city_a)
        reg = scenario.registration(who, gym.resident)
    return gym, who, reg


def _hold(setup, django_capture_on_commit_callbacks, *, repair: bool = True) -> Booking:
    """A 仮予約 on 半面A, and (``repair``) the repair job's next minute, which creates its key on the lock."""
    gym, who, reg = setup
    start, end = gym.at(TUE, "午前")
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking = svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end)
    if repair:
        with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
            keys.keys_repair()
    return booking


def _unlock(sandbox, key: AccessKey, at: dt.datetime) -> bool:
    return control.unlock(sandbox.base_url, lock_id=LOCK, pin=key.pin, at=at).unlocked


def test_key__inactive_while_unpaid_active_once_paid_and_off_after_cancel(
    setup, sandbox, django_capture_on_commit_callbacks
) -> None:
    booking = _hold(setup, django_capture_on_commit_callbacks, repair=False)
    key = AccessKey.objects.get(booking=booking)
    assert key.status == KeyStatus.PENDING and not key.guest_id  # the repair job's next minute creates it
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        assert keys.keys_repair() == 1
    key.refresh_from_db()
    assert key.status == KeyStatus.INACTIVE and key.guest_id  # created on the lock service, no access yet
    during = booking.start + dt.timedelta(minutes=30)
    assert not _unlock(sandbox, key, during)

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        svc.booking_confirm(booking=Booking.objects.get(pk=booking.pk), paid=booking.fee_amount)
    key.refresh_from_db()
    assert key.status == KeyStatus.ACTIVE
    assert _unlock(sandbox, key, during)
    assert not _unlock(sandbox, key, booking.end + dt.timedelta(hours=2))  # outside the window

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        svc.booking_cancel(citizen=setup[1], booking_id=booking.pk)
    key.refresh_from_db()
    assert key.status == KeyStatus.DEACTIVATED
    assert not _unlock(sandbox, key, during)


def test_key__a_failed_lock_call_is_repaired_later(setup, sandbox, django_capture_on_commit_callbacks) -> None:
    control.fail_next(sandbox.base_url, count=3, status=503)
    booking = _hold(setup, django_capture_on_commit_callbacks)
    key = AccessKey.objects.get(booking=booking)
    assert key.status == KeyStatus.PENDING and not key.guest_id
    assert "接続できません" in key.last_error
    sandbox.state.failures.clear()  # the lock service is back
    with time_machine.travel(key.next_attempt_at + dt.timedelta(seconds=1), tick=False):
        assert keys.keys_repair() == 1
    key.refresh_from_db()
    assert key.status == KeyStatus.INACTIVE and key.guest_id and key.last_error == ""
    guests = [c for c in control.calls(sandbox.base_url) if c["method"] == "POST" and c["path"] == "/access_persons"]
    assert len([g for g in guests if g["status"] in (200, 201)]) == 1  # retried, never doubled


def test_key__pin_is_sent_once_an_hour_before(setup, sandbox, django_capture_on_commit_callbacks) -> None:

    booking = _hold(setup, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        svc.booking_confirm(booking=Booking.objects.get(pk=booking.pk), paid=booking.fee_amount)
    with time_machine.travel(booking.start - dt.timedelta(minutes=61), tick=False):
        assert keys.keys_send_due() == 0
    with (
        time_machine.travel(booking.start - dt.timedelta(minutes=59), tick=False),
        django_capture_on_commit_callbacks(execute=False),
    ):
        assert keys.keys_send_due() == 1
        assert keys.keys_send_due() == 0
    assert AccessKey.objects.get(booking=booking).sent_at is not None


def _post_event(client, city, event_id: str, kind: str, guest_id: str, secret: str = WEBHOOK_SECRET):
    body = json.dumps(
        {
            "data": {
                "type": f"access_person_{kind}_event",
                "id": event_id,
                "attributes": {
                    "occurred_at": "2026-12-15T09:30:00+09:00",
                    "publisher_id": guest_id,
                    "publisher_type": "access_guest",
                    "associated_resource_id": LOCK,
                    "associated_resource_type": "lock",
                },
            }
        }
    ).encode()
    return client.post(
        f"/reservations/locks/webhook/{city.code}/",
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE=signature(body, secret),
    )


def test_lock_webhook__first_unlock_checks_in_once_and_bad_signatures_are_refused(
    setup, sandbox, client, city_a, django_capture_on_commit_callbacks
) -> None:
    booking = _hold(setup, django_capture_on_commit_callbacks)
    key = AccessKey.objects.get(booking=booking)
    assert _post_event(client, city_a, "evt-1", "used", key.guest_id, secret="wrong").status_code == 401
    assert Booking.objects.get(pk=booking.pk).checked_in_at is None
    first = _post_event(client, city_a, "evt-1", "used", key.guest_id)
    assert first.status_code == 200 and first.json()["new"] == 1
    checked_in = Booking.objects.get(pk=booking.pk).checked_in_at
    assert checked_in is not None
    again = _post_event(client, city_a, "evt-1", "used", key.guest_id)
    assert again.status_code == 200 and again.json()["new"] == 0
    later = _post_event(client, city_a, "evt-2", "used", key.guest_id)
    assert later.json()["new"] == 1
    assert Booking.objects.get(pk=booking.pk).checked_in_at == checked_in  # the first unlock counts


def test_unit_without_a_lock__has_no_key(city_a, django_capture_on_commit_callbacks) -> None:
    with time_machine.travel(NOW, tick=False):
        gym = scenario.gym(city_a)
        who = scenario.citizen(city_a)
        reg = scenario.registration(who, gym.resident)
        booking = svc.booking_hold(
            citizen=who,
            registration_id=reg.pk,
            unit_id=gym.half_b.pk,
            start=gym.at(TUE, "午後")[0],
            end=gym.at(TUE, "午後")[1],
        )
    assert not AccessKey.objects.filter(booking=booking).exists()


def test_key__a_pin_already_in_use_is_replaced_and_the_key_created(
    setup, sandbox, django_capture_on_commit_callbacks
) -> None:
    gym, who, reg = setup
    first = _hold(setup, django_capture_on_commit_callbacks)
    taken_pin = AccessKey.objects.get(booking=first).pin
    start, end = gym.at(TUE, "午後")
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=False):
        second = svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end)
    AccessKey.objects.filter(booking=second).update(pin=taken_pin)  # as if the draw had hit the same PIN
    key = keys.key_sync(key_id=AccessKey.objects.get(booking=second).pk)
    assert key.pin != taken_pin and "別の番号" in key.last_error and not key.guest_id
    with time_machine.travel(key.next_attempt_at + dt.timedelta(seconds=1), tick=False):
        keys.keys_repair()
    key.refresh_from_db()
    assert key.guest_id and key.status == KeyStatus.INACTIVE and key.last_error == ""


def test_lock_events_recover__applies_events_a_webhook_missed_once(
    setup, sandbox, django_capture_on_commit_callbacks
) -> None:
    booking = _hold(setup, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        svc.booking_confirm(booking=Booking.objects.get(pk=booking.pk), paid=booking.fee_amount)
    key = AccessKey.objects.get(booking=booking)
    # The lock is used while madoguchi is unreachable (no webhook URL): only GET /events knows.
    assert _unlock(sandbox, key, booking.start + dt.timedelta(minutes=5))
    assert Booking.objects.get(pk=booking.pk).checked_in_at is None
    assert keys.lock_events_recover() >= 1
    assert Booking.objects.get(pk=booking.pk).checked_in_at is not None
    assert keys.lock_events_recover() == 0  # read again: nothing applies twice


def test_lockaccount_command__connects_checks_the_locks_and_refuses_bad_input(
    city_a, sandbox, monkeypatch, capsys
) -> None:
    from django.core.management import CommandError, call_command

    args = ["lockaccount", city_a.code, f"--api-url={sandbox.base_url}", f"--token-url={sandbox.token_url}"]
    with pytest.raises(CommandError, match="LOCK_CLIENT_ID"):
        call_command(*args)
    monkeypatch.setenv("LOCK_CLIENT_ID", "cid")
    monkeypatch.setenv("LOCK_CLIENT_SECRET", "csecret")
    monkeypatch.setenv("LOCK_WEBHOOK_SECRET", "a-webhook-secret-of-some-length")
    call_command(*args, "--check")
    out = capsys.readouterr().out
    assert DEFAULT_LOCKS[0][1] in out and f"/reservations/locks/webhook/{city_a.code}/" in out
    account = LockAccount.objects.get(municipality=city_a)
    assert (account.client_id, account.webhook_scheme) == ("cid", "x-secret")
    with pytest.raises(CommandError, match="https"):
        call_command("lockaccount", city_a.code, "--api-url=http://lock.example.jp")
    monkeypatch.setenv("LOCK_CLIENT_SECRET", "wrong")
    with pytest.raises(CommandError, match="接続できません"):
        call_command(*args, "--check")
