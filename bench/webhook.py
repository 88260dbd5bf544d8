"""Webhook acknowledgement time under load: 200 signed events per second for 10 s against the
production web server (gunicorn, as `madoguchi serve` runs it) on PostgreSQL, measured as each
request's time to its 200, from the moment the event was due (open loop). A background worker
processes the events at the same time (answering through the LINE sandbox), as in production;
after the load the bench waits for it to finish and reports how long that took.

Last line: ``webhook: <p99> ms p99 at 200 events/s (goal < 100 ms)``; exit 1 when missed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RATE = 200
SECONDS = 10
GOAL_MS = 100.0
CLIENTS = 32
SECRET = "bench-webhook-secret"  # noqa: S105 - a throw-away bench channel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/madoguchi_bench_webhook")
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MADOGUCHI_TESTING": "1",
        "LOG_LEVEL": "WARNING",
        "AXES_ENABLED": "0",
    }
    cli = [sys.executable, "-m", "madoguchi.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    sandbox_port = free_port()
    sandbox = subprocess.Popen(
        [*cli, "sandbox", f"--port={sandbox_port}", "--token=x", f"--secret={SECRET}"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    setup = (
        "from madoguchi.core.services import municipality_ensure as m;"
        "from madoguchi.line.models import LineChannel;"
        f"LineChannel.objects.create(municipality=m('082155','北茨城市','茨城県',''), channel_id='bench', channel_secret='{SECRET}',"
        f"access_token='x', api_base_url='http://127.0.0.1:{sandbox_port}')"
    )
    subprocess.run([*cli, "manage", "shell", "-c", setup], env=env, check=True)
    port = free_port()
    worker = subprocess.Popen([*cli, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
            "--preload",  # as `madoguchi serve` runs it
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(100):  # until the application answers, not only the socket
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        latencies: list[float] = []
        errors: list[int] = []
        lock = threading.Lock()
        schedule: queue.Queue[tuple[int, float] | None] = queue.Queue()

        def body_for(i: int) -> tuple[bytes, str]:
            event = {
                "type": "message",
                "mode": "active",
                "timestamp": 0,
                "webhookEventId": uuid.uuid4().hex[:26],
                "source": {"type": "user", "userId": f"U{i:032x}"},
                "replyToken": uuid.uuid4().hex,
                "message": {"type": "text", "id": str(i), "text": "ごみの出し方"},
                "deliveryContext": {"isRedelivery": False},
            }
            body = json.dumps({"destination": "U0", "events": [event]}).encode()
            return body, base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            while (item := schedule.get()) is not None:
                i, due = item
                body, signature = body_for(i)
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                # Measured from when the event was due: waiting for a free client counts too.
                headers = {"Content-Type": "application/json", "X-Line-Signature": signature}
                try:
                    connection.request("POST", "/line/webhook/bench/", body, headers)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    status = 0
                elapsed = (time.perf_counter() - due) * 1000
                with lock:
                    latencies.append(elapsed)
                    if status != 200:
                        errors.append(status)

        clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in clients:
            thread.start()
        start = time.perf_counter() + 0.5
        for i in range(RATE * SECONDS):  # open loop: each event is due at its time, whatever the server does
            schedule.put((i, start + i / RATE))
        for _ in clients:
            schedule.put(None)
        for thread in clients:
            thread.join()
        achieved = len(latencies) / (time.perf_counter() - start)
        drain_started = time.perf_counter()
        processed = _wait_until_processed(env, RATE * SECONDS, timeout=120)
        drain = time.perf_counter() - drain_started
    finally:
        for process in (server, worker, sandbox):
            process.terminate()
        for process in (server, worker, sandbox):
            process.wait(timeout=20)
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(f"sent {len(latencies)} events at {achieved:.0f}/s; errors: {len(errors)}")
    print(
        f"processed (answered) by the worker: {processed} of {RATE * SECONDS}, the last {drain:.1f} s after the load ended"
    )
    print(f"ack latency median {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms")
    print(f"webhook: {p99:.1f} ms p99 at {RATE} events/s (goal < {GOAL_MS:.0f} ms)")
    return 0 if p99 < GOAL_MS and not errors and processed == RATE * SECONDS else 1


def _wait_until_processed(env: dict[str, str], expected: int, timeout: float) -> int:
    import psycopg

    deadline = time.monotonic() + timeout
    done = 0
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
        while time.monotonic() < deadline:
            row = db.execute("SELECT count(*) FROM line_webhookevent WHERE status = 'processed'").fetchone()
            done = int(row[0]) if row else 0
            if done >= expected:
                break
            time.sleep(0.2)
    return done


if __name__ == "__main__":
    sys.exit(main())
