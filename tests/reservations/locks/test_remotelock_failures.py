"""When calls fail: typed errors, retried creations that never make two guests, token refresh."""

from __future__ import annotations

import pytest

from madoguchi.reservations.locks.protocol import (
    LockNotFound,
    LockPermanentError,
    LockPinTaken,
    LockRetryableError,
)
from madoguchi.reservations.locks.remotelock import RemoteLockClient
from madoguchi.reservations.locks.sandbox import control
from madoguchi.reservations.locks.sandbox.server import LockSandbox

from .conftest import CLIENT_ID, CLIENT_SECRET, LOCK_A, Slot
from .test_remotelock import PIN, _create


def _posts(sandbox: LockSandbox, path: str = "/access_persons") -> list[int]:
    return [c["status"] for c in control.calls(sandbox.base_url) if c["method"] == "POST" and c["path"] == path]


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "after": True},  # the guest was made, then the service failed to answer
        {"delay": 2.0},  # the guest was made, the answer came after the client's 1 s timeout
    ],
    ids=["503-after-commit", "timeout"],
)
def test_guest_create__retried_after_an_ambiguous_failure_leaves_one_guest(
    client: RemoteLockClient, sandbox: LockSandbox, slot: Slot, failure: dict[str, object]
) -> None:
    control.fail_next(sandbox.base_url, method="POST", path="/access_persons", **failure)  # type: ignore[arg-type]
    with pytest.raises(LockRetryableError):
        client.guest_create(
            lock_id=LOCK_A,
            name="予約 R-2",
            pin="739104",
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            idempotency_key="booking-2",
        )
    again = client.guest_create(
        lock_id=LOCK_A,
        name="予約 R-2",
        pin="739104",
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        idempotency_key="booking-2",
    )
    tagged = [g for g in sandbox.state.guests.values() if g.name.endswith("[booking-2]")]
    assert [g.id for g in tagged] == [again.guest_id]
    assert not again.created
    assert _posts(sandbox) == [failure.get("status", 201)]  # the retry looked first and did not POST again


def test_guest_create__retried_after_503_before_work_creates_it_then(
    client: RemoteLockClient, sandbox: LockSandbox, slot: Slot
) -> None:
    control.fail_next(sandbox.base_url, count=1, status=503)
    with pytest.raises(LockRetryableError) as error:
        _create(client, slot)
    assert error.value.status == 503
    ref = _create(client, slot)
    assert ref.created and list(sandbox.state.guests) == [ref.guest_id]


def test_guest_create__same_key_twice_is_one_guest(client: RemoteLockClient, sandbox: LockSandbox, slot: Slot) -> None:
    first, second = _create(client, slot), _create(client, slot)
    assert (first.guest_id, first.created, second.created) == (second.guest_id, True, False)
    assert _posts(sandbox) == [201]


def test_guest_create__pin_in_use_is_its_own_error(client: RemoteLockClient, slot: Slot) -> None:
    _create(client, slot, key="first")
    with pytest.raises(LockPinTaken) as error:
        _create(client, slot, key="second")
    assert error.value.status == 422
    assert isinstance(error.value, LockPermanentError)


def test_token__is_fetched_once_and_renewed_after_a_401(
    client: RemoteLockClient, sandbox: LockSandbox, slot: Slot
) -> None:
    ref = _create(client, slot)
    client.guest_get(guest_id=ref.guest_id)
    assert _posts(sandbox, "/oauth/token") == [200]
    control.tokens_expire(sandbox.base_url)  # the service forgets the token (expired or revoked)
    assert client.guest_get(guest_id=ref.guest_id).guest_id == ref.guest_id
    assert _posts(sandbox, "/oauth/token") == [200, 200]
    gets = [c["status"] for c in control.calls(sandbox.base_url) if c["path"] == f"/access_persons/{ref.guest_id}"]
    assert gets == [200, 401, 200]


def test_token__shared_between_client_instances(client: RemoteLockClient, sandbox: LockSandbox) -> None:
    client.lock_list()
    RemoteLockClient(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=sandbox.base_url, token_url=sandbox.token_url
    ).lock_list()
    assert _posts(sandbox, "/oauth/token") == [200]


def test_token__wrong_credentials_are_permanent(sandbox: LockSandbox) -> None:
    wrong = RemoteLockClient(
        client_id=CLIENT_ID, client_secret="wrong", api_url=sandbox.base_url, token_url=sandbox.token_url
    )
    with pytest.raises(LockPermanentError) as error:
        wrong.lock_list()
    assert error.value.status == 401
    assert not isinstance(error.value, LockRetryableError)


def test_token__service_outage_is_retryable(client: RemoteLockClient, sandbox: LockSandbox) -> None:
    control.fail_next(sandbox.base_url, count=1, status=502)
    with pytest.raises(LockRetryableError):
        client.lock_list()
    assert client.lock_list()


def test_errors__unknown_guest_is_not_found(client: RemoteLockClient) -> None:
    with pytest.raises(LockNotFound) as error:
        client.guest_get(guest_id="00000000-0000-0000-0000-000000000000")
    assert error.value.status == 404
    with pytest.raises(LockNotFound):
        client.guest_deactivate(guest_id="00000000-0000-0000-0000-000000000000")


def test_errors__granting_an_unknown_lock_is_permanent(client: RemoteLockClient, slot: Slot) -> None:
    ref = _create(client, slot)
    with pytest.raises(LockNotFound):
        client.guest_activate(guest_id=ref.guest_id, lock_id="no-such-lock")


def test_errors__granting_a_deactivated_guest_is_permanent(client: RemoteLockClient, slot: Slot) -> None:
    ref = _create(client, slot)
    client.guest_deactivate(guest_id=ref.guest_id)
    with pytest.raises(LockPermanentError) as error:
        client.guest_activate(guest_id=ref.guest_id, lock_id=LOCK_A)
    assert error.value.status == 422


def test_errors__rate_limit_is_retryable(client: RemoteLockClient, sandbox: LockSandbox) -> None:
    client.lock_list()  # token + one call
    sandbox.state.rate_limit = 2
    sandbox.state.window[1] = 2  # the minute's budget is spent
    with pytest.raises(LockRetryableError) as error:
        client.lock_list()
    assert error.value.status == 429


def test_errors__network_failure_is_retryable(client: RemoteLockClient, sandbox: LockSandbox, slot: Slot) -> None:
    sandbox.stop()
    with pytest.raises(LockRetryableError) as error:
        _create(client, slot)
    assert error.value.status is None
    assert "スマートロック" in error.value.user_message


def test_errors__messages_carry_no_pin(client: RemoteLockClient, slot: Slot) -> None:
    _create(client, slot, key="first")
    with pytest.raises(LockPinTaken) as error:
        _create(client, slot, key="second")
    assert PIN not in str(error.value)
