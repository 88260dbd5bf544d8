"""Domain errors. Each carries a Japanese message for the person at the screen
and, where it concerns one input, the name of the form field to show it beside."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
