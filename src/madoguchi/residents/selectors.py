"""Reads of the resident register. Each checks the actor's permission and municipality,
and each read of a person's record is written to the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from madoguchi.core.audit import audit_record
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, has_perm, require
from madoguchi.core.text import is_kana_query, kana_search_key, name_search_key, normalize_text
from madoguchi.residents.models import Household, Movement, Person, ResidentStatus

# A range scan [key, key + this) finds every key that starts with ``key`` using a plain index.
_PREFIX_END = "\U0010ffff"
SEARCH_LIMIT = 50


def _people_of(actor: StaffUser) -> QuerySet[Person]:
    require(actor, Perm.RESIDENT_VIEW)
    people = Person.objects.filter(municipality_id=actor.municipality_id)
    if not has_perm(actor, Perm.RESIDENT_VIEW_REMOVED):
        people = people.filter(status=ResidentStatus.ACTIVE)
    return people


def access_person(*, actor: StaffUser, person_id: int, for_update: bool = False) -> Person:
    """Load a person the actor may see, or 404 (also for other municipalities' people)."""
    people = _people_of(actor).select_related("household")
    if for_update:
        people = people.select_for_update()
    try:
        return people.get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404("該当する住民が見つかりません。") from None


def access_household(*, actor: StaffUser, household_id: int, for_update: bool = False) -> Household:
    require(actor, Perm.RESIDENT_VIEW)
    households = Household.objects.filter(municipality_id=actor.municipality_id)
    if for_update:
        households = households.select_for_update()
    try:
        return households.get(pk=household_id)
    except Household.DoesNotExist:
        raise Http404("該当する世帯が見つかりません。") from None


@transaction.atomic
def person_view(*, actor: StaffUser, person_id: int) -> Person:
    """A person's record for display; the read is audited."""
    person = access_person(actor=actor, person_id=person_id)
    audit_record(municipality=person.municipality, actor=actor, action="resident.view", obj=person)
    return person


@transaction.atomic
def household_view(*, actor: StaffUser, household_id: int) -> tuple[Household, list[Person]]:
    """A household and the members the actor may see; the read is audited."""
    household = access_household(actor=actor, household_id=household_id)
    members = list(_people_of(actor).filter(household=household).order_by("status", "birth_date"))
    audit_record(municipality=household.municipality, actor=actor, action="household.view", obj=household)
    return household, members


@transaction.atomic
def person_history(*, actor: StaffUser, person_id: int) -> tuple[Person, list[Movement]]:
    person = access_person(actor=actor, person_id=person_id)
    movements = list(person.movements.select_related("recorded_by").order_by("-recorded_at", "-id"))
    audit_record(municipality=person.municipality, actor=actor, action="resident.history_view", obj=person)
    return person, movements


@dataclass(frozen=True)
class SearchResult:
    people: list[Person]
    truncated: bool


def person_search(
    *,
    actor: StaffUser,
    query: str = "",
    birth_date: dt.date | None = None,
    town: str = "",
    include_removed: bool = False,
    limit: int = SEARCH_LIMIT,
) -> SearchResult:
    """Search by name (kanji or kana, any width, ハ/バ-tolerant), 宛名番号, birth date and town.

    Searches are audited as one event each (the count, never the search words).
    """
    people = _people_of(actor)
    if not include_removed:
        people = people.filter(status=ResidentStatus.ACTIVE)
    query = normalize_text(query)
    if query:
        if query.isascii() and query.isdigit():
            people = people.filter(atena_number=query)
        elif is_kana_query(query):
            key = kana_search_key(query)
            people = people.filter(
                Q(kana_key__gte=key, kana_key__lt=key + _PREFIX_END)
                | Q(given_kana_key__gte=key, given_kana_key__lt=key + _PREFIX_END)
            )
        else:
            key = name_search_key(query)
            people = people.filter(name_key__gte=key, name_key__lt=key + _PREFIX_END)
    if birth_date:
        people = people.filter(birth_date=birth_date)
    if town:
        people = people.filter(town__startswith=normalize_text(town))
    found = list(people.order_by("kana_key", "birth_date", "id")[: limit + 1])
    with transaction.atomic():
        audit_record(
            municipality=actor.municipality,  # type: ignore[arg-type]
            actor=actor,
            action="resident.search",
            object_type="residents.person",
            reason=f"{min(len(found), limit)}件表示",
        )
    return SearchResult(people=found[:limit], truncated=len(found) > limit)


def household_members(*, actor: StaffUser, household: Household) -> list[Person]:
    """Active members, for choosing a new 世帯主 (no audit: the caller already audited the view)."""
    return list(_people_of(actor).filter(household=household, status=ResidentStatus.ACTIVE).order_by("birth_date"))


def household_by_number(*, actor: StaffUser, number: str) -> Household | None:
    require(actor, Perm.RESIDENT_VIEW)
    number = number.strip().zfill(10)
    return Household.objects.filter(municipality_id=actor.municipality_id, number=number).first()
