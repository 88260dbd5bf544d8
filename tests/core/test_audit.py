"""The audit trail: every read of a resident record appends an event; the chain shows tampering."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from madoguchi import cli
from madoguchi.core.audit import audit_record, verify_all, verify_chain
from madoguchi.core.db_guards import audit_unlocked
from madoguchi.core.models import AuditEvent

from ..conftest import make_staff, verified_client

pytestmark = pytest.mark.django_db


def _events(city, n: int) -> list[AuditEvent]:
    return [audit_record(municipality=city, actor=None, action="test.event", object_id=i) for i in range(n)]


def test_resident_read__writes_an_audit_event(city_a, clerk_a, residents) -> None:
    person = residents.person(city_a)
    client = verified_client(clerk_a)
    client.defaults["HTTP_X_REQUEST_ID"] = "req-test-0001"
    response = client.get(reverse("staff:residents:person", args=[person.pk]), REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="resident.view")
    assert (event.actor_id, event.object_type, event.object_id) == (clerk_a.pk, "residents.person", str(person.pk))
    assert event.municipality_id == city_a.pk
    assert event.role == "市民課 担当"
    assert event.request_id == "req-test-0001"
    assert event.ip_address == "192.0.2.10"
    # No personal data in the trail: neither the name nor the birth date.
    row = " ".join(str(v) for v in AuditEvent.objects.filter(pk=event.pk).values_list().get())
    assert person.family_name not in row and person.birth_date.isoformat() not in row


def test_chain__verifies_when_untouched(city_a, city_b) -> None:
    _events(city_a, 5)
    _events(city_b, 3)
    assert verify_all() == []
    assert list(AuditEvent.objects.filter(municipality=city_a).values_list("seq", flat=True)) == [1, 2, 3, 4, 5]


def test_audit_rows__refuse_update_and_delete_in_the_database(city_a) -> None:
    event = _events(city_a, 1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.parametrize("field,value", [("reason", "改ざん"), ("action", "resident.view"), ("actor_label", "someone")])
def test_verify__names_the_edited_row(city_a, field: str, value: str, capsys) -> None:
    events = _events(city_a, 6)
    with audit_unlocked(connection):
        AuditEvent.objects.filter(pk=events[3].pk).update(**{field: value})
    problem = verify_chain(city_a)
    assert problem is not None and (problem.seq, problem.event_id) == (4, events[3].pk)
    assert cli.main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"#4 (id={events[3].pk})" in out and "改ざん" in out


def test_verify__names_a_deleted_row(city_a, capsys) -> None:
    events = _events(city_a, 6)
    with audit_unlocked(connection):
        AuditEvent.objects.filter(pk=events[2].pk).delete()
    problem = verify_chain(city_a)
    assert problem is not None and problem.seq == 3 and "欠落" in problem.problem
    assert cli.main(["audit", "verify"]) == 1
    assert "#3" in capsys.readouterr().out


def test_verify__notices_the_last_rows_removed(city_a) -> None:
    events = _events(city_a, 4)
    with audit_unlocked(connection):
        AuditEvent.objects.filter(pk__in=[events[2].pk, events[3].pk]).delete()
    problem = verify_chain(city_a)
    assert problem is not None and problem.seq == 3


def test_verify__notices_a_rehashed_forgery(city_a) -> None:
    """Editing a row and recomputing its own hash still breaks the next link."""
    from madoguchi.core.audit import compute_hash

    events = _events(city_a, 3)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.reason = "forged"
    with audit_unlocked(connection):
        AuditEvent.objects.filter(pk=forged.pk).update(reason="forged", hash=compute_hash(forged, city_a.code))
    problem = verify_chain(city_a)
    assert problem is not None and problem.seq == 3


def test_cli_verify__ok_when_untouched(city_a, capsys) -> None:
    _events(city_a, 2)
    assert cli.main(["audit", "verify"]) == 0
    assert "OK" in capsys.readouterr().out


def test_clerk__sees_own_reads_in_audit_view(city_a, clerk_a, residents) -> None:
    person = residents.person(city_a)
    client = verified_client(clerk_a)
    client.get(reverse("staff:residents:person", args=[person.pk]))
    response = client.get(reverse("staff:audit"))
    assert response.status_code == 200
    actions = [(e.action, e.object_id) for e in response.context["page"].object_list]
    assert ("resident.view", str(person.pk)) in actions
    assert "住民記録の閲覧" in response.content.decode()


def test_clerk__cannot_see_everyones_audit(city_a, clerk_a) -> None:
    other = make_staff(city_a, "chief")
    audit_record(municipality=city_a, actor=other, action="resident.view", object_id=1)
    response = verified_client(clerk_a).get(reverse("staff:audit") + "?scope=all")
    assert response.status_code == 403


def test_every_page_showing_a_person__audits_the_read(city_a, clerk_a, residents) -> None:
    family = residents.family(city_a)
    head = family["head"]
    client = verified_client(clerk_a)
    pages = [
        ("resident.view", reverse("staff:residents:person", args=[head.pk])),
        ("resident.history_view", reverse("staff:residents:history", args=[head.pk])),
        ("household.view", reverse("staff:residents:household", args=[head.household_id])),
        ("resident.view", reverse("staff:residents:movement", args=[head.pk, "head_change"])),
    ]
    for action, url in pages:
        before = AuditEvent.objects.filter(action=action, actor=clerk_a).count()
        assert client.get(url).status_code == 200
        assert AuditEvent.objects.filter(action=action, actor=clerk_a).count() == before + 1, url
