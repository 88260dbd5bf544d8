"""What can go wrong when booking, each with the message a resident sees."""

from __future__ import annotations

from madoguchi.core.errors import DomainError


class SlotTaken(DomainError):
    def __init__(self) -> None:
        super().__init__("申し訳ありません。この時間はすでに予約が入っています。別の時間をお選びください。")


class SlotUnavailable(DomainError):
    """Closed, outside the booking window, not a slot the unit offers, or waiting for a lottery."""


class LimitReached(DomainError):
    pass


class RegistrationInvalid(DomainError):
    pass


class NotCancellable(DomainError):
    pass
