"""500 residents press 「仮予約する」 at the same moment for 20 slots, against the production web server
(gunicorn, as `madoguchi serve` runs it) on PostgreSQL.

Each resident is signed in (a session of their own) and posts the booking confirm form for one of
20 slots of the demo gym, 全面 and 半面A mixed, 50 at a time. The same server's bare-request rate
(GET /healthz, the same 500 requests, the same 50 clients) is measured first. Afterwards the
database is checked: exactly one booking per slot and no leaf unit held twice ("doubles").

Last line: ``booking_burst: <ratio> of the bare-request rate (<rate> bookings/s), p95 <ms> ms,
doubles <n> (goal ≥ 0.02, doubles 0)``; exit 1 when missed.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ATTEMPTS, SLOTS, CLIENTS = 500, 20, 50
# A booking attempt (sign-in check, ~20 queries, a transaction, a page) may cost up to 50 health checks.
GOAL_RATIO = 0.02
CSRF = "b" * 32  # the bench's CSRF secret: sent as cookie and header, as a browser's form does


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(database_url: str) -> tuple[str, list[tuple[str, str]]]:
    """Migrate, seed the demo gym, sign in 500 residents; returns (facility code, [(cookie, path+body)])."""
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from madoguchi.citizens.auth import SESSION_KEY
    from madoguchi.citizens.models import Citizen
    from madoguchi.core import clock
    from madoguchi.core.demo import KITAIBARAKI, TAKAHAGI, ensure_demo_staff
    from madoguchi.core.services import municipality_ensure
    from madoguchi.reservations import calendar
    from madoguchi.reservations.demo import _facilities
    from madoguchi.reservations.models import Registration, RegistrationStatus, UserCategory

    call_command("migrate", verbosity=0)
    city = municipality_ensure(*KITAIBARAKI)
    municipality_ensure(*TAKAHAGI)
    ensure_demo_staff()
    gym = _facilities(city)[0]
    full, half_a = gym.units.get(code="arena"), gym.units.get(code="arena-a")
    category = UserCategory.objects.create(municipality=city, code="bench", name="市内個人", max_active_bookings=10)
    now = clock.now()
    citizens = Citizen.objects.bulk_create(Citizen(municipality=city, created_at=now) for _ in range(ATTEMPTS))
    regs = Registration.objects.bulk_create(
        Registration(
            municipality=city,
            number=f"B{i:09d}",
            owner=c,
            category=category,
            name="予約 太郎",
            name_kana="ヨヤク タロウ",
            phone="0293431111",
            status=RegistrationStatus.ACTIVE,
            created_at=now,
            feed_token=f"bench-{i}",
        )
        for i, c in enumerate(citizens)
    )
    days = [now.date() + dt.timedelta(days=d) for d in range(7, 21)]
    days = [d for d in days if d.weekday() != 0]
    frames = list(full.frames.order_by("start"))
    slots = [(d, f) for d in days for f in frames][:SLOTS]
    rng = random.Random(20261125)
    requests = []
    for i, registration in enumerate(regs):
        session = SessionStore()
        session[SESSION_KEY] = registration.owner_id
        session.create()
        day, frame = slots[i % SLOTS]
        unit = rng.choice((full, half_a))
        start, end = calendar.aware(day, frame.start), calendar.aware(day, frame.end)
        query = urllib.parse.urlencode(
            {"unit": unit.pk, "start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{end:%Y-%m-%dT%H:%M}"}
        )
        body = urllib.parse.urlencode(
            {
                "step": "hold",
                "slot": f"{start:%H:%M}-{end:%H:%M}",
                "registration": registration.pk,
                "purpose": "バレーボールの練習",
                "headcount": "12",
                "reduction_reason": "",
            }
        )
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; csrftoken={CSRF}"
        requests.append((cookie, f"/reservations/f/{gym.code}/book/?{query}\n{body}"))
    rng.shuffle(requests)
    return gym.code, requests


def fire(port: int, items: list[tuple[str, str | None]]) -> tuple[float, list[float], list[int]]:
    """Send every request from CLIENTS threads at once; (seconds, latencies ms, statuses)."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)
    chunks = [items[i::CLIENTS] for i in range(CLIENTS)]

    def client(chunk: list[tuple[str, str | None]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        for cookie, request in chunk:
            started = time.perf_counter()
            if request is None:
                connection.request("GET", "/healthz")
            else:
                path, body = request.split("\n", 1)
                connection.request(
                    "POST",
                    path,
                    body.encode(),
                    {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": cookie,
                        "X-CSRFToken": CSRF,
                        "Referer": f"http://127.0.0.1:{port}/",
                    },
                )
            response = connection.getresponse()
            response.read()
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.append(response.status)

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, chunks))
    return time.perf_counter() - started, latencies, statuses


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> int:
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/madoguchi_bench_booking")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MADOGUCHI_TESTING": "1",
        "LOG_LEVEL": "WARNING",
        "AXES_ENABLED": "0",
        "DJANGO_SETTINGS_MODULE": "madoguchi.settings",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    os.environ.update(env)
    sys.path[:0] = [str(ROOT / "src")]
    code, requests = setup(database_url)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "madoguchi.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "8",
            "--preload",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(100):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        fire(port, [("", None)] * 100)  # warm up every worker thread
        bare_seconds, bare_latencies, _ = fire(port, [("", None)] * ATTEMPTS)
        burst_seconds, latencies, statuses = fire(port, [(c, r) for c, r in requests])
    finally:
        server.terminate()
        server.wait(timeout=15)

    from madoguchi.reservations.models import Booking, Occupancy

    bookings = Booking.objects.filter(unit__facility__code=code).count()
    rows = list(Occupancy.objects.filter(leaf__facility__code=code).values_list("leaf_id", "start", "end"))
    doubles = sum(
        1
        for i, (leaf, start, end) in enumerate(rows)
        for other_leaf, other_start, other_end in rows[i + 1 :]
        if leaf == other_leaf and start < other_end and other_start < end
    )
    bare_rate = ATTEMPTS / bare_seconds
    rate = ATTEMPTS / burst_seconds
    ratio = rate / bare_rate
    booked = statuses.count(302)
    refused = statuses.count(200)
    print(f"bare requests: {bare_rate:.0f}/s, p95 {p95(bare_latencies):.1f} ms")
    print(
        f"burst: {ATTEMPTS} booking attempts in {burst_seconds:.2f} s = {rate:.0f}/s, p95 {p95(latencies):.0f} ms; "
        f"{booked} booked (redirect to the booking), {refused} answered 「すでに予約」, other {len(statuses) - booked - refused}"
    )
    print(f"database: {bookings} bookings for {SLOTS} slots, doubles {doubles}")
    ok = ratio >= GOAL_RATIO and doubles == 0 and bookings == SLOTS and booked == SLOTS and refused == ATTEMPTS - SLOTS
    print(
        f"booking_burst: {ratio:.2f} of the bare-request rate ({rate:.0f} bookings/s), p95 {p95(latencies):.0f} ms, "
        f"doubles {doubles} (goal ≥ {GOAL_RATIO}, doubles 0)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
