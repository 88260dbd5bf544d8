"""Resident search over the full demo register (41,000 people), measured through the real server.

Seeds a throw-away SQLite database (or reuses bench/.data), starts the production
web server (gunicorn) on loopback, signs in as the 市民課 clerk, and times
search POSTs against a bare request (/healthz) on the same server.

Last line: ``registry_search: <p95> ms p95 (goal < 50 ms)``; exit 1 when missed.
"""

from __future__ import annotations

import http.cookiejar
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

GOAL_MS = 50.0
SEARCHES = 400
BARE = 400
DATA = Path(__file__).resolve().parent / ".data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94]


def main() -> int:
    DATA.mkdir(exist_ok=True)
    env = {**os.environ, "MADOGUCHI_DEMO": "1", "MADOGUCHI_VAR_DIR": str(DATA), "MADOGUCHI_REQUIRE_OTP": "0"}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "madoguchi.cli"]
    started = time.monotonic()
    subprocess.run([*cli, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*cli, "seed", "--residents", "41000"], env=env, check=True)
    print(f"database ready in {time.monotonic() - started:.1f}s")

    db = sqlite3.connect(DATA / "madoguchi.sqlite3")
    people = db.execute(
        "SELECT family_name_kana, given_name_kana, family_name, birth_date FROM residents_person "
        "WHERE municipality_id = (SELECT id FROM core_municipality WHERE code='082155')"
    ).fetchall()
    total = len(people)
    db.close()
    rng = random.Random(20261125)
    half = str.maketrans(
        "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン",
        "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ",
    )
    queries: list[dict[str, str]] = []
    for _ in range(SEARCHES):
        fam_kana, given_kana, fam, birth = rng.choice(people)
        kind = rng.random()
        if kind < 0.4:
            queries.append({"q": f"{fam_kana} {given_kana}".translate(half)})  # half-width full name
        elif kind < 0.6:
            queries.append({"q": fam_kana})  # surname only: many hits, capped at 50
        elif kind < 0.8:
            queries.append({"q": fam, "birth_date": birth})
        else:
            queries.append({"q": given_kana, "town": "磯原町"})

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
            "1",
            "--threads",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        for _ in range(100):
            try:
                opener.open(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        page = opener.open(base + "/staff/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "shimin-clerk", "password": "madoguchi-demo"}
        )
        opener.open(urllib.request.Request(base + "/staff/login/", data=body.encode(), headers={"Referer": base}))
        page = opener.open(base + "/staff/residents/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

        def search(query: dict[str, str]) -> float:
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **query}).encode()
            request = urllib.request.Request(
                base + "/staff/residents/", data=data, headers={"Referer": base, "HX-Request": "true"}
            )
            t0 = time.perf_counter()
            with opener.open(request) as response:
                response.read()
                assert response.status == 200
            return (time.perf_counter() - t0) * 1000

        def bare() -> float:
            t0 = time.perf_counter()
            with opener.open(base + "/healthz") as response:
                response.read()
            return (time.perf_counter() - t0) * 1000

        for q in queries[:20]:  # warm caches and connections
            search(q)
            bare()
        search_ms, bare_ms = [], []
        for q in queries:  # interleaved so noise hits both alike
            search_ms.append(search(q))
            bare_ms.append(bare())
    finally:
        server.terminate()
        server.wait(timeout=10)

    search_p95, bare_p95 = p95(search_ms), p95(bare_ms)
    print(f"residents in register: {total}")
    print(f"search: n={len(search_ms)} median={statistics.median(search_ms):.1f} ms p95={search_p95:.1f} ms")
    print(f"bare request (/healthz): median={statistics.median(bare_ms):.1f} ms p95={bare_p95:.1f} ms")
    print(f"ratio search/bare at p95: {search_p95 / bare_p95:.1f}x")
    print(f"registry_search: {search_p95:.1f} ms p95, {search_p95 / bare_p95:.1f}x bare (goal < {GOAL_MS:.0f} ms)")
    return 0 if search_p95 < GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
