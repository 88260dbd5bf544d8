"""Purposes: which app owns an intent, and how it hears about changes.

The owning app (reservations, procedures …) registers in its ``AppConfig.ready()``::

    payments.hooks.register("reservations.booking", label="施設使用料", on_change=booking_payment_changed)

``on_change(intent, event)`` runs inside the same transaction as the status change, with
``event`` one of "paid", "failed", "expired", "cancelled", "refunded"; if it raises, the change
rolls back with it. Payments never imports the owning apps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from madoguchi.payments.models import PaymentIntent

EVENTS = frozenset({"paid", "failed", "expired", "cancelled", "refunded"})
OnChange = Callable[["PaymentIntent", str], None]


@dataclass(frozen=True)
class Purpose:
    key: str
    label: str
    on_change: OnChange


_PURPOSES: dict[str, Purpose] = {}


def register(purpose: str, *, label: str, on_change: OnChange) -> None:
    """Register (or, on a second call with the same key, replace) a purpose."""
    if not purpose or "." not in purpose:
        raise ValueError("a purpose is '<app>.<thing>', e.g. 'reservations.booking'")
    _PURPOSES[purpose] = Purpose(purpose, label, on_change)


def unregister(purpose: str) -> None:
    _PURPOSES.pop(purpose, None)


def get(purpose: str) -> Purpose | None:
    return _PURPOSES.get(purpose)


def label_of(purpose: str) -> str:
    found = _PURPOSES.get(purpose)
    return found.label if found else purpose


def emit(intent: PaymentIntent, event: str) -> None:
    """Tell the owning app; called by services only, inside their transaction."""
    assert event in EVENTS, event
    found = _PURPOSES.get(intent.purpose)
    if found is not None:
        found.on_change(intent, event)
