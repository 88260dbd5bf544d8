"""Changes to the resident register. Each use case is one 異動 (or a set of them):
validated, permission-checked, kept as history, and written to the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.forms.models import model_to_dict

from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.residents import identifiers
from madoguchi.residents.keys import apply_search_keys
from madoguchi.residents.models import (
    Household,
    Movement,
    MovementKind,
    Person,
    Relationship,
    ResidentStatus,
)
from madoguchi.residents.selectors import access_household, access_person
from madoguchi.residents.towns import is_local_postal_code

_SNAPSHOT_EXCLUDE = {"id", "municipality", "name_key", "kana_key", "given_kana_key"}


@dataclass(frozen=True)
class Address:
    postal_code: str
    town: str
    banchi: str
    katagaki: str = ""


@dataclass(frozen=True)
class PersonInput:
    """What a 届出 says about a person (already normalized by the form)."""

    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: dt.date
    sex: str
    relationship: str
    former_family_name: str = ""
    is_foreign: bool = False
    alphabet_name: str = ""
    nationality: str = ""
    residence_status: str = ""
    residence_until: dt.date | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _snapshot(person: Person) -> dict[str, object]:
    data = model_to_dict(person, exclude=list(_SNAPSHOT_EXCLUDE))
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}


def _check_local(actor: StaffUser, address: Address) -> None:
    if not is_local_postal_code(actor.municipality, address.postal_code):
        raise DomainError(f"この郵便番号は{actor.municipality.name}の区域ではありません。", field="postal_code")


def _check_dates(*, occurred_on: dt.date, notified_on: dt.date, birth_date: dt.date | None = None) -> None:
    today = clock.today()
    if occurred_on > today:
        raise DomainError("異動日に未来の日付は指定できません。", field="occurred_on")
    if notified_on > today:
        raise DomainError("届出日に未来の日付は指定できません。", field="notified_on")
    if birth_date is not None and occurred_on < birth_date:
        raise DomainError("異動日が生年月日より前になっています。", field="occurred_on")


def _record(
    *,
    actor: StaffUser,
    person: Person,
    kind: MovementKind,
    occurred_on: dt.date,
    notified_on: dt.date,
    before: dict[str, object],
    note: str = "",
) -> Movement:
    movement = Movement.objects.create(
        municipality=person.municipality,
        person=person,
        kind=kind,
        occurred_on=occurred_on,
        notified_on=notified_on,
        recorded_at=clock.now(),
        recorded_by=actor,
        before=before,
        after=_snapshot(person),
        note=note[:200],
    )
    audit_record(
        municipality=person.municipality,
        actor=actor,
        action=f"movement.{kind.value}",
        obj=person,
        reason=f"異動ID {movement.pk}",
    )
    return movement


def _new_person(
    *, actor: StaffUser, household: Household, data: PersonInput, address: Address, since: dt.date
) -> Person:
    if data.birth_date > clock.today():
        raise DomainError("生年月日に未来の日付は指定できません。", field="birth_date")
    person = Person(
        municipality=household.municipality,
        atena_number=identifiers.next_atena_number(household.municipality),
        resident_code=identifiers.new_resident_code(household.municipality),
        household=household,
        relationship=data.relationship,
        family_name=data.family_name,
        given_name=data.given_name,
        family_name_kana=data.family_name_kana,
        given_name_kana=data.given_name_kana,
        former_family_name=data.former_family_name,
        birth_date=data.birth_date,
        sex=data.sex,
        postal_code=address.postal_code,
        town=address.town,
        banchi=address.banchi,
        katagaki=address.katagaki,
        became_resident_on=since,
        is_foreign=data.is_foreign,
        alphabet_name=data.alphabet_name,
        nationality=data.nationality,
        residence_status=data.residence_status,
        residence_until=data.residence_until,
    )
    if data.is_foreign and not (data.alphabet_name and data.nationality and data.residence_status):
        raise DomainError("外国人住民は、アルファベット氏名・国籍・在留資格を入力してください。", field="alphabet_name")
    apply_search_keys(person)
    person.save()
    return person


@transaction.atomic
def resident_move_in(
    *,
    actor: StaffUser,
    data: PersonInput,
    address: Address,
    occurred_on: dt.date,
    notified_on: dt.date,
    moved_from: str,
    household: Household | None = None,
) -> Person:
    """転入: a person arrives, into an existing household or as head of a new one."""
    require(actor, Perm.RESIDENT_CHANGE)
    _check_dates(occurred_on=occurred_on, notified_on=notified_on, birth_date=data.birth_date)
    if household is not None:
        household = access_household(actor=actor, household_id=household.pk, for_update=True)
        if data.relationship == Relationship.HEAD:
            raise DomainError("既存の世帯に入る場合、続柄に「世帯主」は選べません。", field="relationship")
        address = Address(household.postal_code, household.town, household.banchi, household.katagaki)
    else:
        _check_local(actor, address)
        if data.relationship != Relationship.HEAD:
            raise DomainError("新しい世帯をつくる場合、続柄は「世帯主」にしてください。", field="relationship")
        household = Household.objects.create(
            municipality=actor.municipality,
            number=identifiers.next_household_number(actor.municipality),  # type: ignore[arg-type]
            postal_code=address.postal_code,
            town=address.town,
            banchi=address.banchi,
            katagaki=address.katagaki,
            created_on=occurred_on,
        )
    person = _new_person(actor=actor, household=household, data=data, address=address, since=occurred_on)
    if data.relationship == Relationship.HEAD:
        household.head = person
        household.save(update_fields=["head"])
    _record(
        actor=actor,
        person=person,
        kind=MovementKind.MOVE_IN,
        occurred_on=occurred_on,
        notified_on=notified_on,
        before={},
        note=f"転入前住所: {moved_from}"[:200],
    )
    return person


@transaction.atomic
def resident_birth(*, actor: StaffUser, household: Household, data: PersonInput, notified_on: dt.date) -> Person:
    """出生: a child is entered into a household."""
    require(actor, Perm.RESIDENT_CHANGE)
    household = access_household(actor=actor, household_id=household.pk, for_update=True)
    _check_dates(occurred_on=data.birth_date, notified_on=notified_on)
    if notified_on < data.birth_date:
        raise DomainError("届出日が出生日より前になっています。", field="notified_on")
    if data.relationship == Relationship.HEAD:
        raise DomainError("出生の届出で続柄に「世帯主」は選べません。", field="relationship")
    address = Address(household.postal_code, household.town, household.banchi, household.katagaki)
    person = _new_person(actor=actor, household=household, data=data, address=address, since=data.birth_date)
    _record(
        actor=actor,
        person=person,
        kind=MovementKind.BIRTH,
        occurred_on=data.birth_date,
        notified_on=notified_on,
        before={},
    )
    return person


def _other_active_members(person: Person) -> bool:
    return (
        Person.objects.filter(household_id=person.household_id, status=ResidentStatus.ACTIVE)
        .exclude(pk=person.pk)
        .exists()
    )


def _remove(
    *, actor: StaffUser, person_id: int, kind: MovementKind, occurred_on: dt.date, notified_on: dt.date, note: str
) -> Person:
    require(actor, Perm.RESIDENT_CHANGE)
    person = access_person(actor=actor, person_id=person_id, for_update=True)
    if person.is_removed:
        raise DomainError("この方はすでに除票になっています。")
    _check_dates(occurred_on=occurred_on, notified_on=notified_on, birth_date=person.birth_date)
    household = access_household(actor=actor, household_id=person.household_id, for_update=True)
    is_head = household.head_id == person.pk
    if kind == MovementKind.MOVE_OUT and is_head and _other_active_members(person):
        raise DomainError("世帯主が転出する場合は、先に残る世帯の世帯主変更を登録してください。")
    before = _snapshot(person)
    person.status = ResidentStatus.REMOVED
    person.removed_on = occurred_on
    person.removal_reason = kind
    if kind == MovementKind.MOVE_OUT:
        person.moved_out_to = note[:120]
    person.save()
    if is_head and not _other_active_members(person):
        # The household ends with its last member; the head stays recorded for history.
        pass
    elif is_head:
        # 死亡 of the head: the household waits for a 世帯主変更 届出.
        household.head = None
        household.save(update_fields=["head"])
    _record(
        actor=actor,
        person=person,
        kind=kind,
        occurred_on=occurred_on,
        notified_on=notified_on,
        before=before,
        note=note,
    )
    return person


@transaction.atomic
def resident_move_out(
    *, actor: StaffUser, person_id: int, occurred_on: dt.date, notified_on: dt.date, destination: str
) -> Person:
    """転出: the person leaves the municipality; the record becomes a 除票."""
    if not destination.strip():
        raise DomainError("転出先の住所を入力してください。", field="destination")
    return _remove(
        actor=actor,
        person_id=person_id,
        kind=MovementKind.MOVE_OUT,
        occurred_on=occurred_on,
        notified_on=notified_on,
        note=destination.strip(),
    )


@transaction.atomic
def resident_death(*, actor: StaffUser, person_id: int, occurred_on: dt.date, notified_on: dt.date) -> Person:
    """死亡: the record becomes a 除票."""
    if notified_on < occurred_on:
        raise DomainError("届出日が死亡日より前になっています。", field="notified_on")
    return _remove(
        actor=actor,
        person_id=person_id,
        kind=MovementKind.DEATH,
        occurred_on=occurred_on,
        notified_on=notified_on,
        note="",
    )


@transaction.atomic
def resident_move_within(
    *, actor: StaffUser, person_id: int, address: Address, occurred_on: dt.date, notified_on: dt.date
) -> list[Person]:
    """転居: the person's whole household moves to a new address within the municipality."""
    require(actor, Perm.RESIDENT_CHANGE)
    person = access_person(actor=actor, person_id=person_id, for_update=True)
    if person.is_removed:
        raise DomainError("除票の方の転居は登録できません。")
    _check_dates(occurred_on=occurred_on, notified_on=notified_on, birth_date=person.birth_date)
    _check_local(actor, address)
    household = access_household(actor=actor, household_id=person.household_id, for_update=True)
    if (household.postal_code, household.town, household.banchi, household.katagaki) == (
        address.postal_code,
        address.town,
        address.banchi,
        address.katagaki,
    ):
        raise DomainError("新しい住所が現在の住所と同じです。", field="banchi")
    household.postal_code, household.town = address.postal_code, address.town
    household.banchi, household.katagaki = address.banchi, address.katagaki
    household.save(update_fields=["postal_code", "town", "banchi", "katagaki"])
    moved = []
    for member in Person.objects.select_for_update().filter(household=household, status=ResidentStatus.ACTIVE):
        before = _snapshot(member)
        member.postal_code, member.town = address.postal_code, address.town
        member.banchi, member.katagaki = address.banchi, address.katagaki
        member.save(update_fields=["postal_code", "town", "banchi", "katagaki"])
        _record(
            actor=actor,
            person=member,
            kind=MovementKind.MOVE_WITHIN,
            occurred_on=occurred_on,
            notified_on=notified_on,
            before=before,
        )
        moved.append(member)
    return moved


@transaction.atomic
def household_head_change(
    *,
    actor: StaffUser,
    household_id: int,
    new_head_id: int,
    former_head_relationship: str,
    occurred_on: dt.date,
    notified_on: dt.date,
) -> Household:
    """世帯主変更: the new head must be a current member of the household."""
    require(actor, Perm.RESIDENT_CHANGE)
    household = access_household(actor=actor, household_id=household_id, for_update=True)
    try:
        new_head = Person.objects.select_for_update().get(
            pk=new_head_id, household=household, status=ResidentStatus.ACTIVE
        )
    except Person.DoesNotExist:
        raise DomainError("新しい世帯主は、この世帯の現在の世帯員から選んでください。", field="new_head") from None
    if household.head_id == new_head.pk:
        raise DomainError("この方はすでに世帯主です。", field="new_head")
    _check_dates(occurred_on=occurred_on, notified_on=notified_on, birth_date=new_head.birth_date)
    old_head = household.head
    if old_head is not None and old_head.status == ResidentStatus.ACTIVE:
        if former_head_relationship in ("", Relationship.HEAD):
            raise DomainError("これまでの世帯主の新しい続柄を選んでください。", field="former_head_relationship")
        before = _snapshot(old_head)
        old_head.relationship = former_head_relationship
        old_head.save(update_fields=["relationship"])
        _record(
            actor=actor,
            person=old_head,
            kind=MovementKind.HEAD_CHANGE,
            occurred_on=occurred_on,
            notified_on=notified_on,
            before=before,
        )
    before = _snapshot(new_head)
    new_head.relationship = Relationship.HEAD
    new_head.save(update_fields=["relationship"])
    household.head = new_head
    household.save(update_fields=["head"])
    _record(
        actor=actor,
        person=new_head,
        kind=MovementKind.HEAD_CHANGE,
        occurred_on=occurred_on,
        notified_on=notified_on,
        before=before,
    )
    return household


__all__ = [
    "Address",
    "PersonInput",
    "household_head_change",
    "resident_birth",
    "resident_death",
    "resident_move_in",
    "resident_move_out",
    "resident_move_within",
]
