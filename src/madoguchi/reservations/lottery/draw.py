"""The facility lottery draw (抽選): seeded, weighted, ranked, reproducible.

Anyone holding the published input (see ``published.py``) and its seed can re-run the draw,
in this code or in another language, and must get the same winners. The algorithm, version
``madoguchi.lottery/1``, in full:

1. **Ticket.** For each application, ``d = SHA-256(UTF-8(seed + ":" + application_id))`` and
   ``h`` = the first 8 bytes of ``d`` as an unsigned big-endian integer. The application's
   uniform number is ``u = (h + 0.5) / 2**64 = m / 2**65`` with the odd integer
   ``m = 2*h + 1``, so ``0 < u < 1``. Nothing else (not the order of the input, not the
   applicant) goes into the ticket.

2. **Draw order** (Efraimidis–Spirakis weighted sampling without replacement). The key is
   ``u ** (1 / weight)``; a higher key draws earlier. The first in the order is each
   application with probability weight / (sum of weights), and so on for the rest: for one
   contested slot a weight-2 application wins twice as often as a weight-1 one.
   Weights are rationals ``p/q`` written with at most one decimal place, 1 ≤ weight ≤ 100.
   Keys are compared **exactly**: ``a`` draws before ``b`` iff ``u_a ** (q_a*p_b) > u_b ** (q_b*p_a)``, i.e. iff
   ``m_a ** E_a * 2 ** (65*E_b) > m_b ** E_b * 2 ** (65*E_a)`` with ``E_a = q_a*p_b``,
   ``E_b = q_b*p_a`` (both may be divided by their gcd) — integers only, so no floating-point
   rounding can make two machines disagree. Equal keys (only possible for the same weight and
   the same ``h``) are ordered by application id (Unicode code points, ascending).
   (This implementation sorts by ``ln(u) / weight`` in floating point and re-sorts exactly any
   run of neighbours closer than a relative 2**-40, far above any libm's error; the result is
   the exact order above.)

3. **Rounds by rank** (第1希望, then 第2希望 among the rest, …). For ``r = 1, 2, …`` up to
   the longest list of choices: walk the applications in draw order; an application that has
   not won yet and has an ``r``-th choice ``s`` wins ``s`` when
   - ``s`` has not been awarded and no slot that conflicts with ``s`` has been awarded
     (``conflicts`` is symmetric: a 全面 excludes both of its 半面 and each 半面 the 全面);
   - its applicant has fewer than ``max_wins_per_applicant`` wins; and
   - it has a group and that group has fewer than ``max_wins_per_group`` wins (no limit when
     the cap is null or the application has no group).
   An application wins at most one slot.

4. **Result.** For each application: its position in the draw order (0 = first), its ticket
   (``h`` as 16 lowercase hex digits), and the slot it won with the rank of that choice, or
   nothing. Slots neither awarded nor blocked by a conflict stay free for first-come booking;
   so do the slots of winners who do not confirm in time (the reservations app handles that).

Properties the tests check: same input (in any order) → same result; no slot awarded twice;
no two conflicting slots awarded; caps hold; every winner listed its slot; an application
wins its r-th choice only if each better choice was already taken or blocked when its turn came.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

ALGORITHM = "madoguchi.lottery/1"
MAX_WEIGHT = 100
WEIGHT_DENOMINATOR = 10  # at most one decimal place: 1, 1.5, 2, 3 …
_RHO = 2.0**-40  # relative distance below which two float keys are re-compared exactly


class InvalidDrawInput(ValueError):
    """The input cannot be drawn; the message is in Japanese for staff and the CLI."""


@dataclass(frozen=True, order=True)
class Slot:
    """One bookable slot; an opaque key built by the reservations app (unit + start + end)."""

    key: str

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise InvalidDrawInput("枠のキーが空です。")


@dataclass(frozen=True)
class Application:
    """One application (申込) with its ranked choices; ``choices[0]`` is the 第1希望.

    ``applicant`` and ``group`` are the identifiers the caps count by. The input is published,
    so they must be pseudonyms (see ``published.pseudonym``), never names or account ids.
    """

    id: str
    applicant: str
    group: str | None
    weight: int | float
    choices: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidDrawInput("申込の ID が空です。")
        if not isinstance(self.applicant, str) or not self.applicant:
            raise InvalidDrawInput(f"申込 {self.id} の申込者が空です。")
        if self.group is not None and (not isinstance(self.group, str) or not self.group):
            raise InvalidDrawInput(f"申込 {self.id} の団体が空です。")
        weight = weight_fraction(self.weight, application_id=self.id)
        if weight.denominator == 1 and not isinstance(self.weight, int):
            object.__setattr__(self, "weight", int(weight))  # 2.0 and 2 are the same weight
        choices = tuple(self.choices)
        object.__setattr__(self, "choices", choices)
        if not choices:
            raise InvalidDrawInput(f"申込 {self.id} に希望枠がありません。")
        if len(set(choices)) != len(choices):
            raise InvalidDrawInput(f"申込 {self.id} に同じ枠が重複しています。")


@dataclass(frozen=True)
class Caps:
    """Most slots one applicant, and one group (団体), may win in this lottery."""

    max_wins_per_applicant: int
    max_wins_per_group: int | None = None

    def __post_init__(self) -> None:
        if not _positive_int(self.max_wins_per_applicant):
            raise InvalidDrawInput("申込者ごとの当選上限は 1 以上の整数にしてください。")
        if self.max_wins_per_group is not None and not _positive_int(self.max_wins_per_group):
            raise InvalidDrawInput("団体ごとの当選上限は 1 以上の整数にしてください。")


@dataclass(frozen=True)
class DrawInput:
    """Everything the draw depends on. ``conflicts`` maps a slot key to the keys it excludes;
    it is made symmetric here (a conflict is mutual) and stored without empty entries."""

    lottery_id: str
    seed: str
    slots: tuple[Slot, ...]
    conflicts: Mapping[str, frozenset[str]]
    applications: tuple[Application, ...]
    caps: Caps

    def __post_init__(self) -> None:
        if not isinstance(self.lottery_id, str) or not self.lottery_id:
            raise InvalidDrawInput("抽選 ID が空です。")
        if not isinstance(self.seed, str) or not self.seed:
            raise InvalidDrawInput("シードが空です。")
        slots = tuple(self.slots)
        keys = {slot.key for slot in slots}
        if len(keys) != len(slots):
            raise InvalidDrawInput("同じ枠が重複しています。")
        symmetric: dict[str, set[str]] = {}
        for key, others in self.conflicts.items():
            for other in others:
                if key not in keys or other not in keys:
                    raise InvalidDrawInput(f"競合に未知の枠があります: {key if key not in keys else other}")
                if key == other:
                    raise InvalidDrawInput(f"枠 {key} が自分自身と競合しています。")
                symmetric.setdefault(key, set()).add(other)
                symmetric.setdefault(other, set()).add(key)
        applications = tuple(self.applications)
        seen: set[str] = set()
        for application in applications:
            if application.id in seen:
                raise InvalidDrawInput(f"申込 ID {application.id} が重複しています。")
            seen.add(application.id)
            for choice in application.choices:
                if choice not in keys:
                    raise InvalidDrawInput(f"申込 {application.id} の希望枠 {choice} は抽選の対象外です。")
        object.__setattr__(self, "slots", slots)
        object.__setattr__(self, "applications", applications)
        object.__setattr__(self, "conflicts", {k: frozenset(v) for k, v in sorted(symmetric.items())})


@dataclass(frozen=True)
class Outcome:
    """One application's result: ``slot``/``rank`` (1 = 第1希望) when it won, else both None."""

    application_id: str
    position: int
    ticket: str
    slot: str | None = None
    rank: int | None = None

    @property
    def won(self) -> bool:
        return self.slot is not None


@dataclass(frozen=True)
class DrawResult:
    """``winners`` maps slot key → application id; ``outcomes`` maps application id → Outcome
    and iterates in draw order."""

    lottery_id: str
    seed: str
    input_digest: str
    winners: Mapping[str, str]
    outcomes: Mapping[str, Outcome] = field(repr=False)

    @property
    def order(self) -> tuple[str, ...]:
        """Application ids in draw order."""
        return tuple(o.application_id for o in sorted(self.outcomes.values(), key=lambda o: o.position))


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def weight_fraction(weight: Any, *, application_id: str = "") -> Fraction:
    """A weight as an exact fraction: an int, or a decimal number with at most one place."""
    label = f"申込 {application_id} の" if application_id else ""
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise InvalidDrawInput(f"{label}重みは数値にしてください。")
    try:
        value = Fraction(str(weight))  # str(1.5) == "1.5": the decimal the number was written as
    except ValueError:
        raise InvalidDrawInput(f"{label}重みが数値ではありません。") from None
    if not 1 <= value <= MAX_WEIGHT or WEIGHT_DENOMINATOR % value.denominator:
        raise InvalidDrawInput(f"{label}重みは 1 以上 {MAX_WEIGHT} 以下、小数点以下 1 桁までにしてください。")
    return value


def ticket(seed: str, application_id: str) -> int:
    """``h``: the first 8 bytes of SHA-256(seed ":" application_id), big-endian."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{application_id}".encode()).digest()[:8], "big")


@dataclass(frozen=True, slots=True)
class _Entry:
    application: Application
    h: int
    p: int  # weight = p / q
    q: int
    log_key: float  # ln(u) / weight, for the fast sort


def _log_u(h: int) -> float:
    """ln(u) for u = (2h+1) / 2**65, accurate to a few ulps relative (also near u = 1)."""
    m = 2 * h + 1
    if m < 2**64:  # u < 1/2
        return math.log(m / 2**65)
    return math.log1p(-((2**65 - m) / 2**65))


def _exact_cmp(a: _Entry, b: _Entry) -> int:
    """-1 when ``a`` draws before ``b`` (step 2 of the module docstring, integers only)."""
    e_a, e_b = a.q * b.p, b.q * a.p
    g = math.gcd(e_a, e_b)
    e_a, e_b = e_a // g, e_b // g
    lhs = (2 * a.h + 1) ** e_a << (65 * e_b)
    rhs = (2 * b.h + 1) ** e_b << (65 * e_a)
    if lhs != rhs:
        return -1 if lhs > rhs else 1
    a_id, b_id = a.application.id, b.application.id
    return -1 if a_id < b_id else (1 if a_id > b_id else 0)


def _draw_order(entries: Iterable[_Entry]) -> list[_Entry]:
    ordered = sorted(entries, key=lambda e: (-e.log_key, e.application.id))
    # Float keys within a relative 2**-40 of their neighbour may be misordered by rounding:
    # re-sort each such run exactly. A run is a maximal chain of close neighbours; keys of
    # different runs are further apart than any float error, so their order is already exact.
    i, n = 0, len(ordered)
    while i < n - 1:
        j = i
        while j < n - 1 and (ordered[j].log_key - ordered[j + 1].log_key) <= _RHO * (
            abs(ordered[j].log_key) + abs(ordered[j + 1].log_key)
        ):
            j += 1
        if j > i:
            ordered[i : j + 1] = sorted(ordered[i : j + 1], key=functools.cmp_to_key(_exact_cmp))
        i = j + 1
    return ordered


def draw_order(draw_input: DrawInput) -> list[tuple[Application, int]]:
    """The applications in draw order, each with its ticket ``h``."""
    entries = []
    for application in draw_input.applications:
        weight = weight_fraction(application.weight)
        h = ticket(draw_input.seed, application.id)
        p, q = weight.numerator, weight.denominator
        entries.append(_Entry(application, h, p, q, _log_u(h) * q / p))
    return [(e.application, e.h) for e in _draw_order(entries)]


def draw(draw_input: DrawInput) -> DrawResult:
    """Run the lottery: step 3 of the module docstring over the draw order of step 2."""
    from .published import input_digest

    ordered = draw_order(draw_input)
    caps = draw_input.caps
    conflicts = draw_input.conflicts
    wins_by_applicant: dict[str, int] = {}
    wins_by_group: dict[str, int] = {}
    unavailable: set[str] = set()  # awarded slots and the slots they conflict with
    winners: dict[str, str] = {}
    won: dict[str, tuple[str, int]] = {}
    group_cap = caps.max_wins_per_group
    remaining = [application for application, _ in ordered]
    rank = 0
    while remaining:
        still_in: list[Application] = []
        for application in remaining:
            if rank >= len(application.choices):
                continue  # no more choices
            group = application.group
            if wins_by_applicant.get(application.applicant, 0) >= caps.max_wins_per_applicant or (
                group is not None and group_cap is not None and wins_by_group.get(group, 0) >= group_cap
            ):
                continue  # capped now, capped for good: wins only grow
            slot = application.choices[rank]
            if slot in unavailable:
                still_in.append(application)
                continue
            winners[slot] = application.id
            won[application.id] = (slot, rank + 1)
            unavailable.add(slot)
            unavailable.update(conflicts.get(slot, ()))
            wins_by_applicant[application.applicant] = wins_by_applicant.get(application.applicant, 0) + 1
            if group is not None:
                wins_by_group[group] = wins_by_group.get(group, 0) + 1
        remaining = still_in
        rank += 1
    outcomes: dict[str, Outcome] = {}
    for position, (application, h) in enumerate(ordered):
        award: tuple[str | None, int | None] = won.get(application.id, (None, None))
        outcomes[application.id] = Outcome(application.id, position, f"{h:016x}", *award)
    return DrawResult(
        lottery_id=draw_input.lottery_id,
        seed=draw_input.seed,
        input_digest=input_digest(draw_input),
        winners=dict(sorted(winners.items())),
        outcomes=outcomes,
    )
