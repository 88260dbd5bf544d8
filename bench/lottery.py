"""Lottery draw time for 10,000 applications: the pure draw, then the reservations app's draw on an
embedded database (reading the applications, drawing, publishing, holding the winners' slots).

The input is shaped like a month of sports-facility lotteries: 40 units (12 gyms as 全面 plus
two 半面 each, and 4 courts) × 3 time frames × 30 days, 全面/半面 conflicts, ranked choices
1–3 crowding onto evenings and weekends, registered local groups at weight 2, and caps per
applicant and per group. ``build_input(n)`` is importable, so a later phase (persisting the
result through the reservations app) can reuse the same input.

Usage: uv run python bench/lottery.py [--applications 10000] [--runs 5]
Last line: ``lottery: <seconds> s for 10000 applications (goal < 2 s)``; exit 1 when missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from madoguchi.reservations.lottery import (  # noqa: E402 - after the path set-up
    Application,
    Caps,
    DrawInput,
    DrawResult,
    Slot,
    draw,
    draw_input_to_json,
)

GOAL_S = 2.0
GYMS = 12
COURTS = 4
FRAMES = ("09-12", "13-17", "18-21")
DAYS = 30
FIRST_DAY = dt.date(2026, 4, 1)


def build_slots() -> tuple[list[Slot], dict[str, frozenset[str]]]:
    slots: list[Slot] = []
    conflicts: dict[str, frozenset[str]] = {}
    for day in range(DAYS):
        date = (FIRST_DAY + dt.timedelta(days=day)).isoformat()
        for frame in FRAMES:
            for gym in range(GYMS):
                full, half_a, half_b = (f"gym{gym:02d}-{part}|{date}|{frame}" for part in ("full", "a", "b"))
                slots += [Slot(full), Slot(half_a), Slot(half_b)]
                conflicts[full] = frozenset({half_a, half_b})
            slots += [Slot(f"court{court}|{date}|{frame}") for court in range(COURTS)]
    return slots, conflicts


def build_input(n: int = 10_000, *, seed: str = "bench-lottery-seed", rng_seed: int = 20260401) -> DrawInput:
    """A realistic input of ``n`` applications (deterministic for a given ``rng_seed``)."""
    rng = random.Random(rng_seed)
    slots, conflicts = build_slots()
    keys = [slot.key for slot in slots]
    # Evenings and weekends are wanted far more than weekday mornings.
    weights = []
    for key in keys:
        _, date, frame = key.split("|")
        weekend = dt.date.fromisoformat(date).weekday() >= 5
        weights.append((3 if frame == "18-21" else 1) * (4 if weekend else 1))
    cumulative = list(itertools.accumulate(weights))
    applicants = [f"p{i:05d}" for i in range(n * 2 // 5)]
    groups = [f"g{i:03d}" for i in range(n // 30)]
    local_groups = set(groups[: len(groups) // 3])  # registered local groups: weight 2
    applications = []
    for i in range(n):
        group = rng.choice(groups) if rng.random() < 0.4 else None
        choices: list[str] = []
        wanted = rng.choice((1, 2, 2, 3, 3, 3))
        while len(choices) < wanted:
            key = rng.choices(keys, cum_weights=cumulative)[0]
            if key not in choices:
                choices.append(key)
        applications.append(
            Application(
                id=f"A{i:06d}",
                applicant=rng.choice(applicants),
                group=group,
                weight=2 if group in local_groups else 1,
                choices=tuple(choices),
            )
        )
    return DrawInput(
        lottery_id="bench-2026-04",
        seed=seed,
        slots=tuple(slots),
        conflicts=conflicts,
        applications=tuple(applications),
        caps=Caps(max_wins_per_applicant=4, max_wins_per_group=8),
    )


def time_draw(draw_input: DrawInput, runs: int) -> tuple[float, DrawResult]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = draw(draw_input)
        best = min(best, time.perf_counter() - started)
    assert result is not None
    return best, result


def time_service_draw(n: int) -> tuple[float, int]:
    """The reservations app's draw on an embedded database: n applications for a month of the demo gym
    (3 units × 3 frames × ~26 open days), read, drawn, published, winners' 仮予約 written. Returns
    (seconds, winners)."""
    import os
    import tempfile

    var = tempfile.mkdtemp(prefix="madoguchi-bench-lottery-")
    os.environ.update(
        {
            "MADOGUCHI_VAR_DIR": var,
            "MADOGUCHI_TESTING": "1",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "madoguchi.settings",
        }
    )
    import django

    django.setup()
    import time_machine
    from django.core.management import call_command

    from madoguchi.citizens.models import Citizen
    from madoguchi.core import clock
    from madoguchi.core.demo import KITAIBARAKI, TAKAHAGI, ensure_demo_staff
    from madoguchi.core.services import municipality_ensure
    from madoguchi.reservations import calendar
    from madoguchi.reservations.demo import _facilities
    from madoguchi.reservations.models import (
        LotteryApplication,
        LotteryChoice,
        Registration,
        RegistrationStatus,
        UserCategory,
    )
    from madoguchi.reservations.models.lotteries import ApplicationStatus
    from madoguchi.reservations.services import lotteries

    call_command("migrate", verbosity=0)
    city = municipality_ensure(*KITAIBARAKI)
    municipality_ensure(*TAKAHAGI)
    chief = next(u for u in ensure_demo_staff() if u.username == "shogai-chief")
    gym = _facilities(city)[0]
    now = clock.now()
    first = calendar.add_months(now.date().replace(day=1), 2)
    item = lotteries.lottery_create(
        actor=chief,
        facility_id=gym.pk,
        name="bench",
        target_start=first,
        target_end=first + dt.timedelta(days=29),
        apply_from=now - dt.timedelta(days=1),
        apply_until=now + dt.timedelta(hours=1),
        draw_at=now + dt.timedelta(hours=2),
        confirm_until=now + dt.timedelta(days=7),
        max_wins_per_applicant=2,
        max_wins_per_group=3,
    )
    resident = UserCategory.objects.create(municipality=city, code="bench", name="市内個人")
    group = UserCategory.objects.create(
        municipality=city, code="bench-group", name="市内団体", is_group=True, lottery_weight=2
    )
    citizens = Citizen.objects.bulk_create(Citizen(municipality=city, created_at=now) for _ in range(n // 3))
    regs = Registration.objects.bulk_create(
        Registration(
            municipality=city,
            number=f"B{i:09d}",
            owner=c,
            category=group if i % 10 == 0 else resident,
            name="x",
            name_kana="エックス",
            phone="0293431111",
            status=RegistrationStatus.ACTIVE,
            created_at=now,
            feed_token=f"bench-{i}",
        )
        for i, c in enumerate(citizens)
    )
    rng = random.Random(20261125)
    slots = [
        (unit.pk, calendar.aware(day, f.start), calendar.aware(day, f.end))
        for unit in gym.units.all()
        for f in unit.frames.all()
        for day in (first + dt.timedelta(days=d) for d in range(30))
        if day.weekday() != 0
    ]
    apps = LotteryApplication.objects.bulk_create(
        LotteryApplication(
            lottery=item,
            public_id=f"L{i:09d}",
            registration=regs[i % len(regs)],
            applicant_id=regs[i % len(regs)].owner_id,
            weight=regs[i % len(regs)].category.lottery_weight,
            status=ApplicationStatus.APPLIED,
            created_at=now,
        )
        for i in range(n)
    )
    LotteryChoice.objects.bulk_create(
        LotteryChoice(application=a, rank=r + 1, unit_id=u, start=s, end=e)
        for a in apps
        for r, (u, s, e) in enumerate(rng.sample(slots, rng.randint(1, 3)))
    )
    with time_machine.travel(item.draw_at, tick=False):
        started = time.perf_counter()
        result = lotteries.lottery_draw(lottery_id=item.pk)
        seconds = time.perf_counter() - started
    return seconds, len(result.winners)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-database", action="store_true", help="skip the phase through the reservations app")
    args = parser.parse_args()
    started = time.perf_counter()
    draw_input = build_input(args.applications)
    built = time.perf_counter() - started
    seconds, result = time_draw(draw_input, args.runs)
    by_rank: dict[int, int] = {}
    for outcome in result.outcomes.values():
        if outcome.rank is not None:
            by_rank[outcome.rank] = by_rank.get(outcome.rank, 0) + 1
    published = len(draw_input_to_json(draw_input).encode())
    print(
        f"input: {len(draw_input.slots)} slots, {len(draw_input.applications)} applications, built in {built:.2f} s; "
        f"published input {published / 1e6:.1f} MB"
    )
    print(
        f"winners: {len(result.winners)} ("
        + ", ".join(f"第{rank}希望 {count}" for rank, count in sorted(by_rank.items()))
        + f"), lost: {len(result.outcomes) - len(result.winners)}"
    )
    print(f"input digest {result.input_digest}")
    print(f"draw alone: {seconds:.3f} s for {len(draw_input.applications)} applications")
    if args.no_database:
        print(f"lottery: {seconds:.3f} s for {len(draw_input.applications)} applications (goal < {GOAL_S:.0f} s)")
        return 0 if seconds < GOAL_S else 1
    # The figure that counts: the app's draw with the database (read, draw, publish, hold the winners' slots).
    service_seconds, winners = time_service_draw(args.applications)
    print(f"with the database (SQLite): {winners} winners held")
    print(f"lottery: {service_seconds:.3f} s for {args.applications} applications (goal < {GOAL_S:.0f} s)")
    return 0 if service_seconds < GOAL_S and seconds < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
