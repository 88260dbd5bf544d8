"""The Messaging API client against the sandbox: retry keys, rate limits, typed failures."""

from __future__ import annotations

import pytest

from madoguchi.line.client import LineClient, LinePermanentError, LineRetryableError, new_retry_key

pytestmark = pytest.mark.django_db
USER = "U" + "b" * 32


def test_push__same_retry_key_is_delivered_once(channel, line_sandbox) -> None:
    key = new_retry_key()
    first = LineClient().push(channel, to=USER, texts=["お知らせ"], retry_key=key)
    again = LineClient().push(channel, to=USER, texts=["お知らせ"], retry_key=key)
    assert first.accepted and not first.already_accepted
    assert again.accepted and again.already_accepted
    assert line_sandbox.state.messages_to(USER) == ["お知らせ"]


def test_push__rate_limit_is_retryable(channel, line_sandbox) -> None:
    line_sandbox.state.buckets["push"].rate = 1
    line_sandbox.state.buckets["push"].tokens = 1
    LineClient().push(channel, to=USER, texts=["1"], retry_key=new_retry_key())
    with pytest.raises(LineRetryableError) as error:
        LineClient().push(channel, to=USER, texts=["2"], retry_key=new_retry_key())
    assert error.value.status == 429


def test_push__server_error_is_retryable_and_bad_token_is_permanent(channel, line_sandbox) -> None:
    line_sandbox.state.failure_rate = 1.0
    with pytest.raises(LineRetryableError):
        LineClient().push(channel, to=USER, texts=["x"], retry_key=new_retry_key())
    line_sandbox.state.failure_rate = 0.0
    channel.access_token = "wrong"
    with pytest.raises(LinePermanentError) as error:
        LineClient().push(channel, to=USER, texts=["x"], retry_key=new_retry_key())
    assert error.value.status == 401


def test_push__network_failure_is_retryable(channel, line_sandbox) -> None:
    line_sandbox.stop()
    with pytest.raises(LineRetryableError):
        LineClient().push(channel, to=USER, texts=["x"], retry_key=new_retry_key())


def test_push__more_than_five_messages_is_refused_before_sending(channel, line_sandbox) -> None:
    with pytest.raises(LinePermanentError):
        LineClient().push(channel, to=USER, texts=["x"] * 6, retry_key=new_retry_key())
    assert line_sandbox.state.requests == {}


def test_broadcast__reaches_every_friend_once_per_retry_key_within_the_hourly_budget(channel, line_sandbox) -> None:
    key = new_retry_key()
    first = LineClient().broadcast(channel, texts=["防災訓練のお知らせ"], retry_key=key)
    again = LineClient().broadcast(channel, texts=["防災訓練のお知らせ"], retry_key=key)
    assert (first.already_accepted, again.already_accepted) == (False, True)
    assert [(d.endpoint, d.to) for d in line_sandbox.state.deliveries] == [("broadcast", "*")]
    for _ in range(58):  # 60 requests in all (the refused repeat counts too)
        LineClient().broadcast(channel, texts=["x"], retry_key=new_retry_key())
    with pytest.raises(LineRetryableError):  # the 61st in the hour: 429
        LineClient().broadcast(channel, texts=["x"], retry_key=new_retry_key())
