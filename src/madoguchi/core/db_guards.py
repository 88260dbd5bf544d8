"""Database-level guards that keep the audit trail append-only.

PostgreSQL: a trigger refuses UPDATE, DELETE and TRUNCATE on the audit table
unless the session has set ``madoguchi.audit_maintenance = 'on'``.
SQLite: triggers refuse UPDATE and DELETE unless the connection's
``madoguchi_audit_unlocked()`` function answers 1; any other client (the sqlite3
shell) has no such function, so its change fails too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.signals import connection_created
from django.dispatch import receiver

_state = threading.local()

AUDIT_TABLE = "core_auditevent"

POSTGRES_INSTALL = f"""
CREATE OR REPLACE FUNCTION madoguchi_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('madoguchi.audit_maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_append_only ON {AUDIT_TABLE};
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {AUDIT_TABLE}
    FOR EACH ROW EXECUTE FUNCTION madoguchi_audit_append_only();
DROP TRIGGER IF EXISTS audit_no_truncate ON {AUDIT_TABLE};
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {AUDIT_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION madoguchi_audit_append_only();
"""
POSTGRES_REMOVE = f"""
DROP TRIGGER IF EXISTS audit_append_only ON {AUDIT_TABLE};
DROP TRIGGER IF EXISTS audit_no_truncate ON {AUDIT_TABLE};
DROP FUNCTION IF EXISTS madoguchi_audit_append_only();
"""
SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {AUDIT_TABLE}
        WHEN madoguchi_audit_unlocked() = 0
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {AUDIT_TABLE}
        WHEN madoguchi_audit_unlocked() = 0
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)'); END""",
]
SQLITE_REMOVE = ["DROP TRIGGER IF EXISTS audit_no_update", "DROP TRIGGER IF EXISTS audit_no_delete"]


def _unlocked() -> int:
    return 1 if getattr(_state, "unlocked", False) else 0


@receiver(connection_created)
def _register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("madoguchi_audit_unlocked", 0, _unlocked, deterministic=False)


def install(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # Executed without parameters so the driver leaves the '%' of RAISE alone.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES_INSTALL)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement)


def remove(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES_REMOVE)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement)


@contextmanager
def audit_unlocked(connection: Any) -> Iterator[None]:
    """Allow changes to audit rows on this connection for the duration (maintenance only)."""
    connection.ensure_connection()
    previous = getattr(_state, "unlocked", False)
    _state.unlocked = True
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('madoguchi.audit_maintenance', 'on', false)")
    try:
        yield
    finally:
        _state.unlocked = previous
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('madoguchi.audit_maintenance', 'off', false)")
