"""Tests that need PostgreSQL's concurrency (row locks under real parallel transactions).

They run in the PostgreSQL pass (MADOGUCHI_TEST_DATABASE_URL set); there a missing
server makes database set-up fail. In the SQLite pass they are covered by that other
pass, but with CI=true they still check that the server answers, so CI fails, not
skips, when PostgreSQL is missing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

CI = os.environ.get("CI", "").lower() == "true"
PG_HOST, PG_PORT = "127.0.0.1", 5432


def _postgres_answers() -> bool:
    import psycopg

    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", connect_timeout=5):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(autouse=True)
def _needs_postgresql(db: None) -> None:
    if connection.vendor == "postgresql":
        return
    if CI and not _postgres_answers():
        pytest.fail(f"PostgreSQL is required in CI (CI=true) but nothing answers on {PG_HOST}:{PG_PORT}", pytrace=False)
    pytest.skip("runs in the PostgreSQL pass (MADOGUCHI_TEST_DATABASE_URL)")


def in_threads(n: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run ``work(i)`` in n threads released together; the exceptions they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors
