"""Tests that need PostgreSQL's concurrency (row locks under real parallel transactions).

They run in the PostgreSQL pass (MADOGUCHI_TEST_DATABASE_URL set). There, a missing
server makes database set-up fail, so they fail rather than skip.
"""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _needs_postgresql(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL pass only (set MADOGUCHI_TEST_DATABASE_URL)")
