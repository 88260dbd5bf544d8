"""The LINE Messaging API client: line-bot-sdk v3, pointed at LINE or at the sandbox.

The same code runs against both; only ``LineChannel.api_base_url`` differs.
Failures are typed: retryable (429, 5xx, network) or permanent (other 4xx).
A 409 on a request with ``X-Line-Retry-Key`` means LINE already accepted it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)

from madoguchi.line.models import LineChannel

MAX_MESSAGES_PER_REQUEST = 5
TIMEOUT_SECONDS = 10


class LineError(Exception):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LineRetryableError(LineError):
    """Try again later (429, 5xx, network)."""


class LinePermanentError(LineError):
    """Will never succeed as sent (bad request, unknown user, bad token)."""


@dataclass(frozen=True)
class SendResult:
    accepted: bool
    already_accepted: bool = False
    request_id: str = ""


class LineMessenger(Protocol):
    def reply(self, channel: LineChannel, *, reply_token: str, texts: Sequence[str]) -> SendResult: ...

    def push(self, channel: LineChannel, *, to: str, texts: Sequence[str], retry_key: str) -> SendResult: ...


def new_retry_key() -> str:
    return str(uuid.uuid4())


def _messages(texts: Sequence[str]) -> list[TextMessage]:
    if not 1 <= len(texts) <= MAX_MESSAGES_PER_REQUEST:
        raise LinePermanentError(f"1 to {MAX_MESSAGES_PER_REQUEST} messages per request")
    return [TextMessage(text=t, quickReply=None, quoteToken=None) for t in texts]


def _classify(exc: ApiException) -> LineError:
    status = exc.status or 0
    if status == 429 or status >= 500:
        return LineRetryableError(f"LINE API {status}", status=status)
    return LinePermanentError(f"LINE API {status}", status=status)


class LineClient:
    """The production client (and the demo's: the sandbox speaks the same protocol)."""

    def _api(self, channel: LineChannel) -> MessagingApi:
        configuration = Configuration(host=channel.api_base_url.rstrip("/"), access_token=channel.access_token)
        client = ApiClient(configuration)
        return MessagingApi(client)

    def reply(self, channel: LineChannel, *, reply_token: str, texts: Sequence[str]) -> SendResult:
        request = ReplyMessageRequest(replyToken=reply_token, messages=_messages(texts), notificationDisabled=False)
        try:
            response = self._api(channel).reply_message_with_http_info(request, _request_timeout=TIMEOUT_SECONDS)
        except ApiException as exc:
            raise _classify(exc) from None
        except urllib3.exceptions.HTTPError as exc:
            raise LineRetryableError(f"network: {type(exc).__name__}") from None
        return SendResult(accepted=True, request_id=(response.headers or {}).get("x-line-request-id", ""))

    def push(self, channel: LineChannel, *, to: str, texts: Sequence[str], retry_key: str) -> SendResult:
        request = PushMessageRequest(
            to=to, messages=_messages(texts), notificationDisabled=False, customAggregationUnits=None
        )
        try:
            response = self._api(channel).push_message_with_http_info(
                request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT_SECONDS
            )
        except ApiException as exc:
            if exc.status == 409:
                return SendResult(accepted=True, already_accepted=True)
            raise _classify(exc) from None
        except urllib3.exceptions.HTTPError as exc:
            raise LineRetryableError(f"network: {type(exc).__name__}") from None
        return SendResult(accepted=True, request_id=(response.headers or {}).get("x-line-request-id", ""))
