"""異動: history is kept, 除票 persist, and the register's rules hold."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from madoguchi.core.errors import DomainError
from madoguchi.core.models import AuditEvent
from madoguchi.residents import services
from madoguchi.residents.models import Movement, MovementKind, Person, Relationship, ResidentStatus
from madoguchi.residents.selectors import person_search

from ..conftest import verified_client

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_move_out__makes_a_removed_record_that_keeps_history(city_a, clerk_a, residents) -> None:
    child = residents.family(city_a)["child"]
    services.resident_move_out(
        actor=clerk_a,
        person_id=child.pk,
        occurred_on=dt.date(2026, 11, 1),
        notified_on=dt.date(2026, 11, 2),
        destination="東京都千代田区千代田1-1",
    )
    child.refresh_from_db()
    assert child.status == ResidentStatus.REMOVED and child.removed_on == dt.date(2026, 11, 1)
    assert Person.objects.filter(pk=child.pk).exists()
    movement = Movement.objects.get(person=child)
    assert movement.kind == MovementKind.MOVE_OUT
    assert movement.before["status"] == "active" and movement.after["status"] == "removed"
    assert AuditEvent.objects.filter(action="movement.move_out", object_id=str(child.pk)).count() == 1
    found = person_search(actor=clerk_a, query="スズキ アオイ", include_removed=True).people
    assert [p.pk for p in found] == [child.pk]
    assert person_search(actor=clerk_a, query="スズキ アオイ").people == []


def test_history__keeps_every_movement_in_order(city_a, clerk_a, residents) -> None:
    family = residents.family(city_a)
    services.resident_move_within(
        actor=clerk_a,
        person_id=family["head"].pk,
        address=services.Address("3191703", "大津町五浦", "727"),
        occurred_on=dt.date(2026, 6, 1),
        notified_on=dt.date(2026, 6, 3),
    )
    services.resident_death(
        actor=clerk_a, person_id=family["head"].pk, occurred_on=dt.date(2026, 10, 1), notified_on=dt.date(2026, 10, 2)
    )
    services.household_head_change(
        actor=clerk_a,
        household_id=family["head"].household_id,
        new_head_id=family["spouse"].pk,
        former_head_relationship="",
        occurred_on=dt.date(2026, 10, 1),
        notified_on=dt.date(2026, 10, 5),
    )
    kinds = list(
        Movement.objects.filter(person=family["head"]).order_by("recorded_at", "id").values_list("kind", flat=True)
    )
    assert kinds == [MovementKind.MOVE_WITHIN, MovementKind.DEATH]
    first = Movement.objects.filter(person=family["head"]).order_by("id").first()
    assert first.before["town"] == "磯原町磯原" and first.after["town"] == "大津町五浦"
    spouse = Person.objects.get(pk=family["spouse"].pk)
    assert spouse.relationship == Relationship.HEAD and spouse.town == "大津町五浦"
    assert spouse.household.head_id == spouse.pk
    response = verified_client(clerk_a).get(reverse("staff:residents:history", args=[family["head"].pk]))
    body = response.content.decode()
    assert "転居" in body and "死亡" in body


def test_death__cannot_precede_birth(city_a, clerk_a, residents) -> None:
    person = residents.person(city_a, birth_date=dt.date(1990, 1, 1), relationship=Relationship.CHILD)
    with pytest.raises(DomainError) as error:
        services.resident_death(
            actor=clerk_a, person_id=person.pk, occurred_on=dt.date(1989, 12, 31), notified_on=dt.date(2026, 1, 5)
        )
    assert "生年月日より前" in error.value.message and error.value.field == "occurred_on"
    person.refresh_from_db()
    assert person.status == ResidentStatus.ACTIVE and not Movement.objects.filter(person=person).exists()


def test_dates_in_the_future__are_refused(city_a, clerk_a, residents) -> None:
    person = residents.person(city_a, relationship=Relationship.CHILD)
    with pytest.raises(DomainError, match="未来"):
        services.resident_death(
            actor=clerk_a,
            person_id=person.pk,
            occurred_on=TODAY + dt.timedelta(days=1),
            notified_on=TODAY + dt.timedelta(days=2),
        )


def test_head_change__new_head_must_be_a_member(city_a, clerk_a, residents) -> None:
    family = residents.family(city_a)
    stranger = residents.person(city_a, family_name="他人")
    with pytest.raises(DomainError) as error:
        services.household_head_change(
            actor=clerk_a,
            household_id=family["head"].household_id,
            new_head_id=stranger.pk,
            former_head_relationship="husband",
            occurred_on=TODAY,
            notified_on=TODAY,
        )
    assert error.value.field == "new_head"
    assert Person.objects.get(pk=family["head"].pk).household.head_id == family["head"].pk


def test_head_change__moves_the_relationships(city_a, clerk_a, residents) -> None:
    family = residents.family(city_a)
    services.household_head_change(
        actor=clerk_a,
        household_id=family["head"].household_id,
        new_head_id=family["spouse"].pk,
        former_head_relationship="husband",
        occurred_on=TODAY,
        notified_on=TODAY,
    )
    assert Person.objects.get(pk=family["head"].pk).relationship == Relationship.HUSBAND
    assert Person.objects.get(pk=family["spouse"].pk).relationship == Relationship.HEAD


def test_head_moving_out__must_hand_over_first(city_a, clerk_a, residents) -> None:
    family = residents.family(city_a)
    with pytest.raises(DomainError, match="世帯主変更"):
        services.resident_move_out(
            actor=clerk_a, person_id=family["head"].pk, occurred_on=TODAY, notified_on=TODAY, destination="水戸市"
        )


def test_birth__adds_a_child_with_new_numbers(city_a, clerk_a, residents) -> None:
    head = residents.family(city_a)["head"]
    child = services.resident_birth(
        actor=clerk_a,
        household=head.household,
        data=services.PersonInput("鈴木", "湊", "スズキ", "ミナト", dt.date(2026, 11, 20), "1", "child"),
        notified_on=TODAY,
    )
    assert child.household_id == head.household_id and child.town == head.town
    assert len(child.atena_number) == 10 and len(child.resident_code) == 11
    assert Movement.objects.get(person=child).kind == MovementKind.BIRTH


def test_move_in__creates_household_and_normalizes_form_input(city_a, clerk_a) -> None:
    client = verified_client(clerk_a)
    response = client.post(
        reverse("staff:residents:move_in"),
        {
            "family_name": "ｻﾄｳ",
            "given_name": "健",
            "family_name_kana": "さとう",
            "given_name_kana": "ｹﾝ",
            "birth_date": "Ｓ５０．４．１",
            "sex": "1",
            "relationship": "head",
            "postal_code": "３１９－１７０３",
            "town": "",
            "banchi": "７２７",
            "katagaki": "",
            "occurred_on": "令和8年11月1日",
            "notified_on": "R8.11.2",
            "moved_from": "東京都千代田区",
            "household_number": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    person = Person.objects.get(given_name="健")
    assert person.family_name == "サトウ"  # half-width kana become full-width
    assert (person.family_name_kana, person.given_name_kana) == ("サトウ", "ケン")
    assert person.birth_date == dt.date(1975, 4, 1)
    assert (person.postal_code, person.town, person.banchi) == ("3191703", "大津町五浦", "727")
    assert person.household.head_id == person.pk


def test_movement_form__keeps_input_and_shows_japanese_error_beside_field(city_a, clerk_a, residents) -> None:
    person = residents.person(city_a, birth_date=dt.date(1990, 1, 1), relationship=Relationship.CHILD)
    url = reverse("staff:residents:movement", args=[person.pk, "death"])
    response = verified_client(clerk_a).post(url, {"occurred_on": "平成元年1月7日", "notified_on": "あした"})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="平成元年1月7日"' in body and 'value="あした"' in body
    assert 'id="id_occurred_on_error"' in body or 'id="id_notified_on_error"' in body
    assert "日付の形式が正しくありません" in body or "存在しません" in body
    person.refresh_from_db()
    assert person.status == ResidentStatus.ACTIVE


def test_movement_form__domain_error_lands_on_its_field(city_a, clerk_a, residents) -> None:
    person = residents.person(city_a, birth_date=dt.date(1990, 1, 1), relationship=Relationship.CHILD)
    url = reverse("staff:residents:movement", args=[person.pk, "death"])
    response = verified_client(clerk_a).post(url, {"occurred_on": "1989-12-31", "notified_on": "2026-01-05"})
    assert response.status_code == 400
    assert response.context["form"].errors["occurred_on"] == ["異動日が生年月日より前になっています。"]
    assert 'value="1989-12-31"' in response.content.decode()


def test_removed_person__cannot_be_removed_twice(city_a, clerk_a, residents) -> None:
    gone = residents.removed(city_a)
    with pytest.raises(DomainError, match="すでに除票"):
        services.resident_death(actor=clerk_a, person_id=gone.pk, occurred_on=TODAY, notified_on=TODAY)


def test_database__refuses_a_removed_person_without_date(city_a, residents) -> None:
    from django.db import IntegrityError, transaction

    person = residents.person(city_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(status=ResidentStatus.REMOVED)


def test_move_within_form__fills_town_from_postal_code(city_a, clerk_a, residents) -> None:
    person = residents.person(city_a)
    url = reverse("staff:residents:movement", args=[person.pk, "move_within"])
    response = verified_client(clerk_a).post(
        url,
        {
            "occurred_on": "R8.11.20",
            "notified_on": "R8.11.21",
            "postal_code": "３１９－１７０３",
            "town": "",
            "banchi": "７２７",
        },
    )
    assert response.status_code == 302, response.content.decode()
    person.refresh_from_db()
    assert (person.postal_code, person.town, person.banchi) == ("3191703", "大津町五浦", "727")
    assert Movement.objects.get(person=person).kind == MovementKind.MOVE_WITHIN


def test_move_within__refuses_an_address_in_another_city(city_a, clerk_a, residents) -> None:
    person = residents.person(city_a)
    with pytest.raises(DomainError) as error:
        services.resident_move_within(
            actor=clerk_a,
            person_id=person.pk,
            address=services.Address("1000001", "千代田", "1"),
            occurred_on=TODAY,
            notified_on=TODAY,
        )
    assert error.value.field == "postal_code" and "北茨城市の区域ではありません" in error.value.message
