"""PINs for door keypads: cryptographically random, 4 to 8 digits, never a trivial one.

Trivial: one digit repeated (0000), a run up or down (1234, 9876, 8901), a repeated block
(1212, 123123), or the same digit three times in a row (1000, 5551).
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Collection

MIN_LENGTH = 4
MAX_LENGTH = 8
DEFAULT_LENGTH = 6
_ATTEMPTS = 100


def pin_is_trivial(pin: str) -> bool:
    if not pin.isdigit() or not pin.isascii():
        raise ValueError("a PIN is ASCII digits")
    digits = [int(c) for c in pin]
    steps = {(b - a) % 10 for a, b in itertools.pairwise(digits)}
    if len(steps) == 1 and steps <= {0, 1, 9}:  # 0000, 1234, 9876 (and wrapping 8901)
        return True
    if any(pin[i] == pin[i + 1] == pin[i + 2] for i in range(len(pin) - 2)):
        return True
    return any(len(pin) % size == 0 and pin == pin[:size] * (len(pin) // size) for size in range(1, len(pin) // 2 + 1))


def pin_generate(*, length: int = DEFAULT_LENGTH, avoid: Collection[str] = ()) -> str:
    """A random PIN of ``length`` digits, not trivial and not one of ``avoid`` (e.g. PINs in use)."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"PIN length must be {MIN_LENGTH} to {MAX_LENGTH}")
    space = 10**length

    def usable(number: int) -> str | None:
        pin = str(number).zfill(length)
        return None if pin in avoid or pin_is_trivial(pin) else pin

    for _ in range(_ATTEMPTS):
        if pin := usable(secrets.randbelow(space)):
            return pin
    # Nearly everything is taken: walk the whole space from a random point.
    start = secrets.randbelow(space)
    for offset in range(space):
        if pin := usable((start + offset) % space):
            return pin
    raise RuntimeError("no free PIN left")
