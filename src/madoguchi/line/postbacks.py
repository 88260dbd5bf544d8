"""Postback handlers that other apps register (e.g. `disaster` registers 安否確認 answers).

The `line` app dispatches by the postback's ``action`` parameter and never imports
the apps that handle them: they call `register` from their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from madoguchi.citizens.models import LineIdentity


@dataclass(frozen=True)
class Postback:
    identity: LineIdentity
    action: str
    params: dict[str, str]


# A handler returns the texts to reply with (may be empty).
PostbackHandler = Callable[[Postback], list[str]]
_handlers: dict[str, PostbackHandler] = {}


def register(action: str, handler: PostbackHandler) -> None:
    if action in _handlers and _handlers[action] is not handler:
        raise ValueError(f"postback action {action!r} already has a handler")
    _handlers[action] = handler


def unregister(action: str) -> None:
    _handlers.pop(action, None)


def parse(data: str) -> tuple[str, dict[str, str]]:
    params = {k: v[0] for k, v in parse_qs(data, keep_blank_values=True).items()}
    return params.pop("action", ""), params


def dispatch(identity: LineIdentity, data: str) -> list[str] | None:
    """Texts to reply with, or None when no handler knows the action."""
    action, params = parse(data)
    handler = _handlers.get(action)
    if handler is None:
        return None
    return handler(Postback(identity=identity, action=action, params=params))
