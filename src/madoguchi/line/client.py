"""The LINE Messaging API client: line-bot-sdk v3, pointed at LINE or at the sandbox.

The same code runs against both; only ``LineChannel.api_base_url`` differs.
Failures are typed: retryable (429, 5xx, network) or permanent (other 4xx).
A 409 on a request with ``X-Line-Retry-Key`` means LINE already accepted it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    BroadcastRequest,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuBulkLinkRequest,
    RichMenuRequest,
    TextMessage,
)

from madoguchi.line.models import LineChannel

MAX_MESSAGES_PER_REQUEST = 5
MAX_MULTICAST_RECIPIENTS = 500
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

    def multicast(
        self, channel: LineChannel, *, to: Sequence[str], texts: Sequence[str], retry_key: str
    ) -> SendResult: ...


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


@functools.lru_cache(maxsize=32)
def _api_for(host: str, access_token: str) -> MessagingApi:
    """One API client (and its connection pool, which is thread-safe) per channel host and token."""
    configuration = Configuration(host=host, access_token=access_token)
    configuration.connection_pool_maxsize = 32  # the delivery engine sends from up to 16 threads
    return MessagingApi(ApiClient(configuration))


@functools.lru_cache(maxsize=32)
def _blob_api_for(host: str, access_token: str) -> MessagingApiBlob:
    return MessagingApiBlob(ApiClient(Configuration(host=host, access_token=access_token)))


def _call(call: Callable[[], Any]) -> Any:
    """Run a management call (rich menus); failures typed as for sends."""
    try:
        return call()
    except ApiException as exc:
        raise _classify(exc) from None
    except urllib3.exceptions.HTTPError as exc:
        raise LineRetryableError(f"network: {type(exc).__name__}") from None


def _send(call: Callable[[], Any], *, with_retry_key: bool) -> SendResult:
    """Run one API call and turn its outcome into a result or a typed failure."""
    try:
        response = call()
    except ApiException as exc:
        if exc.status == 409 and with_retry_key:
            return SendResult(accepted=True, already_accepted=True)
        raise _classify(exc) from None
    except urllib3.exceptions.HTTPError as exc:
        raise LineRetryableError(f"network: {type(exc).__name__}") from None
    return SendResult(accepted=True, request_id=(response.headers or {}).get("x-line-request-id", ""))


class LineClient:
    """The production client (and the demo's: the sandbox speaks the same protocol)."""

    def _api(self, channel: LineChannel) -> MessagingApi:
        return _api_for(channel.api_base_url.rstrip("/"), channel.access_token)

    def reply(self, channel: LineChannel, *, reply_token: str, texts: Sequence[str]) -> SendResult:
        request = ReplyMessageRequest(replyToken=reply_token, messages=_messages(texts), notificationDisabled=False)
        api = self._api(channel)
        return _send(
            lambda: api.reply_message_with_http_info(request, _request_timeout=TIMEOUT_SECONDS), with_retry_key=False
        )

    def push(self, channel: LineChannel, *, to: str, texts: Sequence[str], retry_key: str) -> SendResult:
        request = PushMessageRequest(
            to=to, messages=_messages(texts), notificationDisabled=False, customAggregationUnits=None
        )
        api = self._api(channel)
        return _send(
            lambda: api.push_message_with_http_info(
                request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT_SECONDS
            ),
            with_retry_key=True,
        )

    def multicast(self, channel: LineChannel, *, to: Sequence[str], texts: Sequence[str], retry_key: str) -> SendResult:
        if not 1 <= len(to) <= MAX_MULTICAST_RECIPIENTS:
            raise LinePermanentError(f"1 to {MAX_MULTICAST_RECIPIENTS} recipients per multicast")
        request = MulticastRequest(
            to=list(to), messages=_messages(texts), notificationDisabled=False, customAggregationUnits=None
        )
        api = self._api(channel)
        return _send(
            lambda: api.multicast_with_http_info(request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT_SECONDS),
            with_retry_key=True,
        )

    def broadcast(self, channel: LineChannel, *, texts: Sequence[str], retry_key: str) -> SendResult:
        """To every friend of the account, including those who added it before madoguchi was connected
        (LINE allows few broadcasts an hour; per-resident outcomes are not reported)."""
        request = BroadcastRequest(messages=_messages(texts), notificationDisabled=False)
        api = self._api(channel)
        return _send(
            lambda: api.broadcast_with_http_info(request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT_SECONDS),
            with_retry_key=True,
        )

    # --- rich menus ------------------------------------------------------------
    def rich_menu_create(self, channel: LineChannel, menu: dict[str, Any], image: bytes, content_type: str) -> str:
        """Create a rich menu and upload its image; returns LINE's rich menu id."""
        api = self._api(channel)
        request = RichMenuRequest.from_dict(menu)
        created = _call(lambda: api.create_rich_menu(request, _request_timeout=TIMEOUT_SECONDS))
        blob = _blob_api_for(channel.blob_base_url.rstrip("/"), channel.access_token)
        _call(
            lambda: blob.set_rich_menu_image(
                created.rich_menu_id,
                image,
                _headers={"Content-Type": content_type},
                _request_timeout=TIMEOUT_SECONDS,
            )
        )
        return str(created.rich_menu_id)

    def rich_menu_delete(self, channel: LineChannel, rich_menu_id: str) -> None:
        api = self._api(channel)
        try:
            _call(lambda: api.delete_rich_menu(rich_menu_id, _request_timeout=TIMEOUT_SECONDS))
        except LinePermanentError as exc:
            if exc.status != 404:  # already gone is fine
                raise

    def rich_menu_set_default(self, channel: LineChannel, rich_menu_id: str) -> None:
        api = self._api(channel)
        _call(lambda: api.set_default_rich_menu(rich_menu_id, _request_timeout=TIMEOUT_SECONDS))

    def rich_menu_link(self, channel: LineChannel, *, user_id: str, rich_menu_id: str) -> None:
        api = self._api(channel)
        _call(lambda: api.link_rich_menu_id_to_user(user_id, rich_menu_id, _request_timeout=TIMEOUT_SECONDS))

    def rich_menu_unlink(self, channel: LineChannel, *, user_id: str) -> None:
        api = self._api(channel)
        _call(lambda: api.unlink_rich_menu_id_from_user(user_id, _request_timeout=TIMEOUT_SECONDS))

    def rich_menu_link_many(self, channel: LineChannel, *, user_ids: Sequence[str], rich_menu_id: str) -> None:
        if not 1 <= len(user_ids) <= MAX_MULTICAST_RECIPIENTS:
            raise LinePermanentError(f"1 to {MAX_MULTICAST_RECIPIENTS} users per bulk link")
        api = self._api(channel)
        request = RichMenuBulkLinkRequest(richMenuId=rich_menu_id, userIds=list(user_ids))
        _call(lambda: api.link_rich_menu_id_to_users(request, _request_timeout=TIMEOUT_SECONDS))
