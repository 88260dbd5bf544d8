"""500 concurrent booking attempts on 20 slots: exactly 20 bookings, 480 clear refusals, no overlap.

Each of the 20 slots is one time frame on one day; its attempts mix the 全面 and 半面A,
so a 全面 booking and a 半面 booking compete for the same leaf and exactly one may win.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection, connections

from madoguchi.core.clock import TOKYO
from madoguchi.reservations.errors import SlotTaken
from madoguchi.reservations.models import Booking, Occupancy
from madoguchi.reservations.services.bookings import booking_hold

from ..reservations import scenario

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)
ATTEMPTS, SLOTS, THREADS = 500, 20, 40


def test_burst__500_attempts_on_20_slots_give_20_bookings_and_480_refusals(city_a) -> None:
    assert connection.vendor == "postgresql"
    with time_machine.travel(NOW, tick=False):
        gym = scenario.gym(city_a)
        gym.resident.max_active_bookings = 50
        gym.resident.save()
        days = [dt.date(2026, 12, 8) + dt.timedelta(days=i) for i in range(14)]
        days = [d for d in days if d.weekday() != 0][:7]  # the gym closes on Mondays
        slots = [(d, f) for d in days for f in ("午前", "午後", "夜間")][:SLOTS]
        people = []
        for _ in range(ATTEMPTS):
            who = scenario.citizen(city_a)
            people.append((who, scenario.registration(who, gym.resident)))
        rng = random.Random(20261201)
        plan = [(people[i], rng.choice((gym.full, gym.half_a)), slots[i % SLOTS]) for i in range(ATTEMPTS)]
        rng.shuffle(plan)
        outcomes: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(THREADS)
        started = threading.local()

        def attempt(item) -> None:
            (who, reg), unit, (day, frame) = item
            if not getattr(started, "done", False):
                barrier.wait(timeout=30)  # every thread starts its first attempt at once
                started.done = True
            start, end = gym.at(day, frame)
            try:
                with time_machine.travel(NOW, tick=False):
                    booking_hold(citizen=who, registration_id=reg.pk, unit_id=unit.pk, start=start, end=end)
                result = "booked"
            except SlotTaken as exc:
                result = "taken" if "すでに予約" in exc.message else f"odd: {exc.message}"
            except Exception as exc:  # anything else is a failure of the guarantee
                result = f"error: {exc!r}"
            finally:
                connections.close_all()
            with lock:
                outcomes.append(result)

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(attempt, plan))

    assert sorted(set(outcomes)) == ["booked", "taken"], [o for o in outcomes if o not in ("booked", "taken")][:5]
    assert outcomes.count("booked") == SLOTS
    assert outcomes.count("taken") == ATTEMPTS - SLOTS
    # One booking per slot, and no leaf is occupied twice at any moment.
    booked = list(Booking.objects.filter(unit__facility=gym.facility).values_list("start", flat=True))
    assert len(booked) == len(set(booked)) == SLOTS
    rows = list(Occupancy.objects.filter(leaf__facility=gym.facility).values_list("leaf_id", "start", "end"))
    for i, (leaf, start, end) in enumerate(rows):
        for other_leaf, other_start, other_end in rows[i + 1 :]:
            assert not (leaf == other_leaf and start < other_end and other_start < end)


def test_class_seats__30_parallel_sign_ups_for_5_seats_give_5_registered(city_a) -> None:
    from madoguchi.core.models import Department
    from madoguchi.reservations.models import ClassEvent, ClassSession, Enrollment
    from madoguchi.reservations.services.classes import enrollment_create

    with time_machine.travel(NOW, tick=False):
        event = ClassEvent.objects.create(
            municipality=city_a,
            department=Department.objects.get(municipality=city_a, code="shogai_gakushu"),
            title="スマホ講座",
        )
        start = NOW + dt.timedelta(days=7)
        session = ClassSession.objects.create(
            event=event, start=start, end=start + dt.timedelta(hours=2), capacity=5, opens_at=NOW, closes_at=start
        )
        people = [scenario.citizen(city_a) for _ in range(30)]
    barrier = threading.Barrier(30)

    def sign_up(who) -> None:
        try:
            barrier.wait(timeout=30)
            with time_machine.travel(NOW, tick=False):
                enrollment_create(citizen=who, session_id=session.pk)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(30) as pool:
        list(pool.map(sign_up, people))
    statuses = list(Enrollment.objects.filter(session=session).values_list("status", flat=True))
    assert statuses.count("registered") == 5
    assert statuses.count("waitlisted") == 25
