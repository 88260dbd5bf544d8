"""Fan-out of one LINE broadcast through the delivery engine and the LINE sandbox, on PostgreSQL.

The sandbox enforces multicast at 200 requests/s and answers after 30 ms, like LINE.
For N recipients the API phase cannot beat the rate-limit bound ceil(N/500)/200 s;
we report the API phase (first to last accepted request) against that bound and the
end-to-end time from `broadcast()` to the job being done.

Usage: uv run python bench/fanout.py [--sizes 40000,400000] [--database-url postgres://...]
Last line: ``fanout: <api/bound> x bound, <e2e> s end to end for 40,000 (goal ≤ 1.5x, ≤ 10 s)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]
GOAL_RATIO = 1.5
GOAL_E2E_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(database_url: str) -> None:
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ.update({"DATABASE_URL": database_url, "MADOGUCHI_TESTING": "1", "LOG_LEVEL": "WARNING"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def run(size: int) -> tuple[float, float, float]:
    from madoguchi.citizens.models import Citizen, LineIdentity, LineIdentityStatus
    from madoguchi.core import clock
    from madoguchi.core.services import municipality_ensure
    from madoguchi.line.models import LineChannel
    from madoguchi.messaging import ratelimit, services
    from madoguchi.messaging.models import DeliveryJob, JobStatus, MessageTemplate

    code = {40000: "082155", 400000: "082147"}.get(size, "082015")
    city = municipality_ensure(code, f"bench{size}", "茨城県", "")
    # The sandbox runs in its own process, as LINE would: it must not share our interpreter.
    port = free_port()
    sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "madoguchi.line.sandbox",
            "--port",
            str(port),
            "--token",
            "bench-token",
            "--secret",
            "bench-secret",
            "--latency-ms",
            "30",
            "--multicast-rate",
            "200",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sandbox.stdout is not None
    sandbox.stdout.readline()
    base_url = f"http://127.0.0.1:{port}"
    try:
        LineChannel.objects.update_or_create(
            municipality=city,
            defaults={
                "channel_id": f"bench{size}",
                "channel_secret": "bench-secret",
                "access_token": "bench-token",
                "api_base_url": base_url,
            },
        )
        now = clock.now()
        made = time.monotonic()
        for start in range(0, size, 20000):
            n = min(20000, size - start)
            citizens = Citizen.objects.bulk_create([Citizen(municipality=city, created_at=now) for _ in range(n)])
            LineIdentity.objects.bulk_create(
                [
                    LineIdentity(
                        municipality=city,
                        citizen=c,
                        line_user_id=f"U{size:06d}{start + i:026x}",
                        status=LineIdentityStatus.FOLLOWING,
                        followed_at=now,
                    )
                    for i, c in enumerate(citizens)
                ]
            )
        print(f"{size:,} followers created in {time.monotonic() - made:.1f}s", flush=True)
        template = MessageTemplate.objects.create(
            municipality=city, key="bench", title="bench", body="避難訓練のお知らせ", created_at=now
        )
        ratelimit.reset()
        started = time.monotonic()
        # Scheduled for later so no worker picks it up: it runs here, in this process, at once.
        job = services.broadcast(actor=None, template=template, filters={}, scheduled_at=now + dt.timedelta(hours=1))
        services.job_run(job.pk, threads=16)
        e2e = time.monotonic() - started
        assert DeliveryJob.objects.get(pk=job.pk).status == JobStatus.DONE
        with urllib.request.urlopen(base_url + "/sandbox/summary") as response:
            summary = json.load(response)
        assert summary["recipients"] == size == summary["deliveries"], f"every recipient exactly once: {summary}"
        bound = math.ceil(size / 500) / 200
        # First to last accepted request, plus the one interval the bound also counts for the first.
        api = summary["api_phase_seconds"] + 1 / 200
        print(
            f"{size:,}: {summary['accepted']} multicast requests; API phase {api:.2f}s vs bound {bound:.2f}s "
            f"({api / bound:.2f}x); end to end {e2e:.2f}s",
            flush=True,
        )
        return api, bound, e2e
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="40000,400000")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/madoguchi_bench"),
    )
    args = parser.parse_args()
    setup(args.database_url)
    results = {int(s): run(int(s)) for s in args.sizes.split(",")}
    api, bound, e2e = results.get(40000, next(iter(results.values())))
    ok = api / bound <= GOAL_RATIO and e2e <= GOAL_E2E_S
    print(
        f"fanout: {api / bound:.2f}x bound, {e2e:.1f} s end to end for 40,000 (goal ≤ {GOAL_RATIO}x, ≤ {GOAL_E2E_S:.0f} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
