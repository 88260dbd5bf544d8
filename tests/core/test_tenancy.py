"""Staff of municipality A never read or change municipality B's rows: every staff URL, every role."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from madoguchi.citizens.models import LinkCode
from madoguchi.core import clock
from madoguchi.core.models import AuditEvent
from madoguchi.line.models import KeywordReply, LineChannel
from madoguchi.messaging.models import DeliveryJob, JobStatus, MessageTemplate
from madoguchi.payments.models import IntentStatus, PaymentIntent
from madoguchi.residents.models import Movement, Person

from ..conftest import ROLES, make_staff, verified_client
from ..reservations.tenancy_objects import reservations_of_b

pytestmark = pytest.mark.django_db


def _staff_routes() -> list[tuple[str, list[str]]]:
    """(url name, its argument names) for every URL under the staff namespace."""
    routes: list[tuple[str, list[str]]] = []

    def walk(patterns: list, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, f"{prefix}{entry.namespace}:" if entry.namespace else prefix)
            elif isinstance(entry, URLPattern) and entry.name:
                routes.append((prefix + entry.name, list(entry.pattern.converters)))

    staff = next(r for r in get_resolver().url_patterns if isinstance(r, URLResolver) and r.namespace == "staff")
    walk(staff.url_patterns, "staff:")
    return routes


def test_staff_routes__are_discovered() -> None:
    names = {name for name, _ in _staff_routes()}
    assert {"staff:residents:person", "staff:residents:household", "staff:residents:movement", "staff:audit"} <= names


@pytest.mark.parametrize("persona", sorted(ROLES))
def test_staff_of_a__cannot_read_or_change_b(persona: str, city_a, city_b, residents) -> None:
    family_b = residents.family(city_b, family_name="高萩", family_kana="タカハギ")
    person_b = family_b["head"]
    removed_b = residents.removed(city_b, family_name="高萩", family_name_kana="タカハギ", given_name="除票子")
    # What would show that B's data leaked: full names as pages print them, and their numbers.
    markers = [
        m for p in Person.objects.filter(municipality=city_b) for m in (p.full_name, p.atena_number, p.resident_code)
    ]
    before = {p.pk: (p.status, p.town, p.relationship) for p in Person.objects.filter(municipality=city_b)}
    movements_before = Movement.objects.filter(municipality=city_b).count()
    audit_b_before = AuditEvent.objects.filter(municipality=city_b).count()

    user = make_staff(city_a, persona)
    client = verified_client(user)
    template_b = MessageTemplate.objects.create(
        municipality=city_b, key="t", title="高萩のお知らせ", body="本文", created_at=clock.now()
    )
    job_b = DeliveryJob.objects.create(
        municipality=city_b, template=template_b, text="高萩の配信", created_at=clock.now(), scheduled_at=clock.now()
    )
    markers.append("高萩のお知らせ")
    channel_b = LineChannel.objects.create(
        municipality=city_b,
        channel_id="2000082147",
        channel_secret="s",
        access_token="t",
        api_base_url="http://127.0.0.1:9",
    )
    reply_b = KeywordReply.objects.create(municipality=city_b, keywords="高萩のキーワード", reply="高萩の返信")
    markers += ["高萩の返信", "2000082147"]
    intent_b = PaymentIntent.objects.create(
        municipality=city_b,
        purpose="reservations.booking",
        subject_id="1",
        amount=1200,
        description="高萩の施設使用料",
        account_label="高萩市民体育館",
        expires_at=clock.now(),
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    markers += ["高萩の施設使用料", "高萩市民体育館"]
    reservations_b = reservations_of_b(city_b)
    markers += reservations_b.markers
    values = {
        **reservations_b.values,
        "person_id": person_b.pk,
        "household_id": person_b.household_id,
        "kind": "move_out",
        "job_id": job_b.pk,
        "reply_id": reply_b.pk,
        "intent_id": intent_b.pk,
    }
    post_data = {
        "occurred_on": "2024-04-01",
        "notified_on": "2024-04-02",
        "destination": "東京都千代田区",
        "postal_code": "3191541",
        "town": "磯原町磯原",
        "banchi": "1",
        "new_head": family_b["spouse"].pk,
        "former_head_relationship": "husband",
        "family_name": "侵入",
        "given_name": "者",
        "family_name_kana": "シンニュウ",
        "given_name_kana": "シャ",
        "birth_date": "2000-01-01",
        "sex": "1",
        "relationship": "child",
        "moved_from": "X",
        "household_number": person_b.household.number,
        "q": "タカハギ",
        "include_removed": "on",
        "action": "issue",
        "keywords": "侵入",
        "reply": "侵入",
        "priority": "1",
        "on": "1",
        "confirm": "on",
        "received": "5000",
        "reason": "侵入",
        "amount": "1200",
        **reservations_b.post_data,
    }
    for name, params in _staff_routes():
        if name in ("staff:logout", "staff:login"):
            continue
        for person in (person_b, removed_b):
            url = reverse(name, kwargs={p: (person.pk if p == "person_id" else values[p]) for p in params})
            for method in ("get", "post"):
                response = getattr(client, method)(url, post_data if method == "post" else None)
                body = response.content.decode()
                leaked = [m for m in markers if m in body]
                assert not leaked, (persona, name, method, leaked)
                if params:
                    # A POST-only URL refuses a GET before reading anything (405).
                    allowed = (403, 404, 405) if method == "get" else (403, 404)
                    assert response.status_code in allowed, (persona, name, method, response.status_code)
    after = {p.pk: (p.status, p.town, p.relationship) for p in Person.objects.filter(municipality=city_b)}
    assert after == before
    assert Movement.objects.filter(municipality=city_b).count() == movements_before
    assert AuditEvent.objects.filter(municipality=city_b).count() == audit_b_before
    assert not LinkCode.objects.exists()
    job_b.refresh_from_db()
    assert job_b.status == JobStatus.PENDING
    channel_b.refresh_from_db()
    reply_b.refresh_from_db()
    assert not channel_b.disaster_mode and reply_b.reply == "高萩の返信"
    intent_b.refresh_from_db()
    assert intent_b.status == IntentStatus.CREATED and not intent_b.refunds.exists()
    reservations_b.assert_unchanged()
    # Nothing was registered in A under B's household number either.
    assert not Person.objects.filter(municipality=city_a, family_name="侵入").exists()


def test_search_in_a__never_returns_b(city_a, city_b, residents) -> None:
    residents.person(city_b, family_name="高萩", family_name_kana="タカハギ")
    mine = residents.person(city_a, family_name="高萩", family_name_kana="タカハギ", given_name="北子")
    client = verified_client(make_staff(city_a, "chief"))
    response = client.post(reverse("staff:residents:search"), {"q": "ﾀｶﾊｷﾞ", "include_removed": "on"})
    assert response.status_code == 200
    people = response.context["result"].people
    assert [p.pk for p in people] == [mine.pk]


def test_audit_view__shows_only_own_municipality(city_a, city_b, residents) -> None:
    person_b = residents.person(city_b)
    clerk_b = make_staff(city_b, "chief", username="b-chief")
    verified_client(clerk_b).get(reverse("staff:residents:person", args=[person_b.pk]))
    assert AuditEvent.objects.filter(municipality=city_b, action="resident.view").count() == 1
    admin_a = verified_client(make_staff(city_a, "kikaku"))
    response = admin_a.get(reverse("staff:audit") + "?scope=all")
    assert response.status_code == 200
    assert all(e.municipality_id == city_a.pk for e in response.context["page"].object_list)
    assert "b-chief" not in response.content.decode()
