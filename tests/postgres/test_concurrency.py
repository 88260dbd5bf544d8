"""Parallel writers on PostgreSQL: the audit chain never forks, numbers never repeat."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from madoguchi.core.audit import audit_record, verify_chain
from madoguchi.core.models import AuditEvent
from madoguchi.residents import identifiers

from .conftest import in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_audit_chain__stays_linear_under_parallel_writers(city_a) -> None:
    assert connection.vendor == "postgresql"

    def write(i: int) -> None:
        for j in range(25):
            audit_record(municipality=city_a, actor=None, action="test.parallel", object_id=f"{i}-{j}")

    assert in_threads(8, write) == []
    seqs = list(AuditEvent.objects.filter(municipality=city_a).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 201))
    assert verify_chain(city_a) is None


def test_atena_numbers__never_repeat_under_parallel_issuing(city_a) -> None:
    issued: list[str] = []
    lock = threading.Lock()

    def issue(i: int) -> None:
        for _ in range(25):
            number = identifiers.next_atena_number(city_a)
            with lock:
                issued.append(number)

    assert in_threads(8, issue) == []
    assert len(issued) == 200 and len(set(issued)) == 200


def test_audit_trigger__refuses_truncate(city_a) -> None:
    from django.db import DatabaseError, transaction

    audit_record(municipality=city_a, actor=None, action="test.truncate")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_auditevent CASCADE")
    assert AuditEvent.objects.count() == 1
