"""Hypothesis strategies and an independent checker for lottery draws."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, localcontext
from fractions import Fraction

from hypothesis import strategies as st

from madoguchi.reservations.lottery import Application, Caps, DrawInput, DrawResult, Slot

WEIGHTS = (1, 1, 1, 1.5, 2, 3, 10)


def gym_slots(gyms: int, frames: int, courts: int = 0) -> tuple[list[Slot], dict[str, frozenset[str]]]:
    """Each gym and frame: a 全面 that conflicts with its two 半面; courts conflict with nothing."""
    slots: list[Slot] = []
    conflicts: dict[str, frozenset[str]] = {}
    for frame in range(frames):
        for gym in range(gyms):
            full, half_a, half_b = (f"体育館{gym}-{part}|{frame}" for part in ("全面", "半面A", "半面B"))
            slots += [Slot(full), Slot(half_a), Slot(half_b)]
            conflicts[full] = frozenset({half_a, half_b})
        slots += [Slot(f"court{court}|{frame}") for court in range(courts)]
    return slots, conflicts


@st.composite
def draw_inputs(draw: st.DrawFn, max_applications: int = 40) -> DrawInput:
    slots, conflicts = gym_slots(draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(0, 2)))
    keys = [slot.key for slot in slots]
    applicants = [f"p{i}" for i in range(draw(st.integers(1, 10)))]
    groups = [f"g{i}" for i in range(draw(st.integers(0, 4)))]
    ids = draw(
        st.lists(st.text(st.characters(codec="utf-8"), min_size=1, max_size=6), unique=True, max_size=max_applications)
    )
    applications = tuple(
        Application(
            id=application_id,
            applicant=draw(st.sampled_from(applicants)),
            group=draw(st.sampled_from([None, *groups])),
            weight=draw(st.sampled_from(WEIGHTS)),
            choices=tuple(draw(st.lists(st.sampled_from(keys), min_size=1, max_size=4, unique=True))),
        )
        for application_id in ids
    )
    caps = Caps(draw(st.integers(1, 3)), draw(st.none() | st.integers(1, 4)))
    seed = draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=20))
    return DrawInput(
        lottery_id="L-test", seed=seed, slots=tuple(slots), conflicts=conflicts, applications=applications, caps=caps
    )


def reference_order(draw_input: DrawInput) -> list[str]:
    """The draw order straight from the spec, computed independently: key = u ** (1/w) in
    60-digit decimal arithmetic, highest first, ties by id."""
    import hashlib

    keys = {}
    with localcontext() as ctx:
        ctx.prec = 60
        for a in draw_input.applications:
            h = int.from_bytes(hashlib.sha256(f"{draw_input.seed}:{a.id}".encode()).digest()[:8], "big")
            u = (Decimal(h) + Decimal("0.5")) / Decimal(2**64)
            w = Fraction(str(a.weight))
            keys[a.id] = (u.ln() * Decimal(w.denominator) / Decimal(w.numerator)).exp()
    return sorted(keys, key=lambda i: (-keys[i], i))


def check_draw(draw_input: DrawInput, result: DrawResult) -> None:
    """Every rule of the draw, checked from the result alone (against the input)."""
    by_id = {a.id: a for a in draw_input.applications}
    caps = draw_input.caps
    assert set(result.outcomes) == set(by_id)
    assert sorted(o.position for o in result.outcomes.values()) == list(range(len(by_id)))
    won = {o.application_id: o for o in result.outcomes.values() if o.won}
    # winners and outcomes agree; no slot twice; every winner listed its slot at that rank
    assert {slot: o.application_id for o in won.values() for slot in [o.slot]} == dict(result.winners)
    assert len({o.slot for o in won.values()}) == len(won)
    for o in won.values():
        assert o.rank is not None and o.slot is not None
        assert by_id[o.application_id].choices[o.rank - 1] == o.slot
    for o in result.outcomes.values():
        assert (o.slot is None) == (o.rank is None)
    # no two conflicting slots
    awarded = set(result.winners)
    for slot in awarded:
        assert not (draw_input.conflicts.get(slot, frozenset()) & awarded), slot
    # caps
    per_applicant = Counter(by_id[i].applicant for i in won)
    per_group = Counter(by_id[i].group for i in won if by_id[i].group is not None)
    assert all(n <= caps.max_wins_per_applicant for n in per_applicant.values())
    if caps.max_wins_per_group is not None:
        assert all(n <= caps.max_wins_per_group for n in per_group.values())
    # Replay time: an award happened at (rank, position). At each of an application's turns
    # (r, position) a better choice must have been unavailable or its caps full, and the won
    # choice free with room under the caps.
    events = sorted((o.rank, o.position, o.application_id) for o in won.values())

    def state_before(turn: tuple[int, int]) -> tuple[set[str], Counter[str], Counter[str]]:
        taken: set[str] = set()
        applicant_wins: Counter[str] = Counter()
        group_wins: Counter[str] = Counter()
        for rank, position, application_id in events:
            if (rank, position) >= turn:
                break
            slot = won[application_id].slot
            assert slot is not None
            taken |= {slot} | draw_input.conflicts.get(slot, frozenset())
            applicant_wins[by_id[application_id].applicant] += 1
            if by_id[application_id].group is not None:
                group_wins[str(by_id[application_id].group)] += 1
        return taken, applicant_wins, group_wins

    for application_id, application in by_id.items():
        outcome = result.outcomes[application_id]
        last = outcome.rank if outcome.rank is not None else len(application.choices)
        for r in range(1, last + 1):
            taken, applicant_wins, group_wins = state_before((r, outcome.position))
            capped = applicant_wins[application.applicant] >= caps.max_wins_per_applicant or (
                application.group is not None
                and caps.max_wins_per_group is not None
                and group_wins[application.group] >= caps.max_wins_per_group
            )
            free = application.choices[r - 1] not in taken
            if r == outcome.rank:
                assert free and not capped, (application_id, r)
            else:
                assert capped or not free, (application_id, r)
