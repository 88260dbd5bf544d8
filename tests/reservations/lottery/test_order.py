"""The draw order: exact weighted order (no float rounding decides it) and weights that work."""

from __future__ import annotations

import functools
import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.reservations.lottery import Application, Caps, DrawInput, InvalidDrawInput, Slot, draw
from madoguchi.reservations.lottery.draw import _draw_order, _Entry, _exact_cmp, _log_u, weight_fraction

# The float fast path cannot be pushed into a near-tie through SHA-256, so these tests build
# the order's entries directly from chosen tickets.


def _entry(application_id: str, h: int, weight: int | float = 1) -> _Entry:
    w = weight_fraction(weight)
    application = Application(application_id, "p", None, weight, ("s",))
    return _Entry(application, h, w.numerator, w.denominator, _log_u(h) * w.denominator / w.numerator)


def _ids(entries: list[_Entry]) -> list[str]:
    return [e.application.id for e in _draw_order(entries)]


def test_order__neighbouring_tickets_whose_floats_are_equal_keep_their_exact_order() -> None:
    # one pair with u < 1/2 (the log branch), one with u > 1/2 (the log1p branch)
    a, b = _entry("a", 2**62 + 4), _entry("b", 2**62 + 5)
    c, d = _entry("c", 2**63 + 5), _entry("d", 2**63 + 4)
    assert a.log_key == b.log_key and c.log_key == d.log_key  # floats cannot tell them apart
    assert _ids([a, b, c, d]) == ["c", "d", "b", "a"]
    assert _ids([d, c, b, a]) == ["c", "d", "b", "a"]


def test_order__equal_keys_are_ordered_by_application_id() -> None:
    assert _ids([_entry("b", 12345, 2), _entry("a", 12345, 2), _entry("c", 12345, 2)]) == ["a", "b", "c"]


@pytest.mark.parametrize("delta", [-2, 0, 2])
def test_order__weight_two_near_tie_is_decided_exactly(delta: int) -> None:
    # weight 2 with u_a against weight 1 with u_b ~ sqrt(u_a): a first iff m_a * 2**65 > m_b**2
    m_a = 2 * 0x1234_5678_9ABC_DEF0 + 1
    m_b = math.isqrt(m_a * 2**65) | 1
    m_b += delta
    a, b = _entry("a", (m_a - 1) // 2, 2), _entry("b", (m_b - 1) // 2, 1)
    assert abs(a.log_key - b.log_key) <= 1e-15 * abs(a.log_key)
    expected = ["a", "b"] if m_a * 2**65 > m_b**2 else ["b", "a"]
    assert _ids([a, b]) == expected
    assert _ids([b, a]) == expected


TICKETS = st.integers(0, 2**64 - 1) | st.sampled_from([0, 1, 2**63 - 1, 2**63, 2**64 - 2, 2**64 - 1])


@given(st.lists(st.tuples(TICKETS, st.sampled_from([1, 1.5, 2, 3, 9.9, 100])), max_size=30))
def test_order__fast_path_equals_the_exact_order(tickets: list[tuple[int, int | float]]) -> None:
    entries = [_entry(f"e{i}", h, w) for i, (h, w) in enumerate(tickets)]
    exact = sorted(entries, key=functools.cmp_to_key(_exact_cmp))
    assert _draw_order(entries) == exact


@pytest.mark.parametrize("weight", [0, 0.5, 0.9, 1.25, 100.5, 101, True, float("nan"), float("inf"), "2"])
def test_weight__outside_the_allowed_values_is_refused(weight: object) -> None:
    with pytest.raises(InvalidDrawInput, match="重み"):
        Application("a", "p", None, weight, ("s",))  # type: ignore[arg-type]


def test_weight__integral_float_is_the_same_weight_as_the_int() -> None:
    assert Application("a", "p", None, 2.0, ("s",)) == Application("a", "p", None, 2, ("s",))


def _single_slot_wins(weights: dict[str, int | float], seeds: int) -> Counter[str]:
    applications = tuple(Application(i, f"p-{i}", None, w, ("slot",)) for i, w in weights.items())
    wins: Counter[str] = Counter()
    for n in range(seeds):
        result = draw(DrawInput("L", f"seed-{n}", (Slot("slot"),), {}, applications, Caps(1)))
        wins[result.winners["slot"]] += 1
    return wins


def test_weights__weight_two_wins_a_contested_slot_twice_as_often() -> None:
    # one weight-2 against one weight-1: 2/3 of the draws (2000 ± 26 s.d. in 3000)
    wins = _single_slot_wins({"heavy": 2, "light": 1}, 3000)
    assert 1900 <= wins["heavy"] <= 2100
    # one weight-2 among three weight-1: 2/5 against 1/5 each
    wins = _single_slot_wins({"heavy": 2, "l1": 1, "l2": 1, "l3": 1}, 3000)
    ratio = wins["heavy"] / ((wins["l1"] + wins["l2"] + wins["l3"]) / 3)
    assert 1.8 <= ratio <= 2.2
    # fractional weights too: 1.5 against 1 → 3/5
    wins = _single_slot_wins({"a": 1.5, "b": 1}, 3000)
    assert 1700 <= wins["a"] <= 1900


def test_weights__equal_weights_are_fair() -> None:
    wins = _single_slot_wins({f"a{i}": 1 for i in range(5)}, 3000)
    assert all(520 <= wins[f"a{i}"] <= 680 for i in range(5))
