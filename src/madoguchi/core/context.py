"""Per-request context (request id, client address, actor) shared with services and logs.

Set by middleware for web requests and by `acting_as` for tasks and commands, so
services can write the audit trail without every caller passing the request.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("madoguchi_request", default=None)


def current() -> RequestContext | None:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def bound(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
