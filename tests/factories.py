"""Factories with scenario constructors for the resident register."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from madoguchi.core.models import Municipality
from madoguchi.residents import identifiers
from madoguchi.residents.keys import apply_search_keys
from madoguchi.residents.models import Household, Person, Relationship, ResidentStatus, Sex

_numbers = itertools.count(1)


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.LazyFunction(lambda: str(next(_numbers)).zfill(10))
    postal_code = "3191541"
    town = "磯原町磯原"
    banchi = "1630"
    created_on = dt.date(2000, 4, 1)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    municipality = factory.SelfAttribute("household.municipality")
    atena_number = factory.LazyFunction(lambda: str(next(_numbers)).zfill(10))
    resident_code = factory.LazyFunction(lambda: identifiers.make_resident_code(str(10**9 + next(_numbers))))
    relationship = Relationship.HEAD
    family_name = "山田"
    given_name = "太郎"
    family_name_kana = "ヤマダ"
    given_name_kana = "タロウ"
    birth_date = dt.date(1970, 5, 1)
    sex = Sex.MALE
    postal_code = factory.SelfAttribute("household.postal_code")
    town = factory.SelfAttribute("household.town")
    banchi = factory.SelfAttribute("household.banchi")
    became_resident_on = dt.date(2000, 4, 1)

    @classmethod
    def _create(cls, model_class: type[Person], *args: object, **kwargs: object) -> Person:
        person = model_class(*args, **kwargs)
        apply_search_keys(person)
        person.save()
        return person


class ResidentFactory:
    """Scenario constructors: ``ResidentFactory.family(city)`` etc."""

    @staticmethod
    def person(municipality: Municipality, *, household: Household | None = None, **fields: object) -> Person:
        household = household or HouseholdFactory(municipality=municipality)
        person = PersonFactory(household=household, **fields)
        if household.head_id is None and person.relationship == Relationship.HEAD:
            household.head = person
            household.save(update_fields=["head"])
        return person

    @staticmethod
    def family(municipality: Municipality, family_name: str = "鈴木", family_kana: str = "スズキ") -> dict[str, Person]:
        """A head, a spouse and a child in one household."""
        household = HouseholdFactory(municipality=municipality)
        head = ResidentFactory.person(
            municipality,
            household=household,
            family_name=family_name,
            family_name_kana=family_kana,
            given_name="一郎",
            given_name_kana="イチロウ",
            birth_date=dt.date(1975, 6, 1),
        )
        spouse = ResidentFactory.person(
            municipality,
            household=household,
            family_name=family_name,
            family_name_kana=family_kana,
            given_name="花子",
            given_name_kana="ハナコ",
            sex=Sex.FEMALE,
            relationship=Relationship.SPOUSE,
            birth_date=dt.date(1978, 2, 3),
        )
        child = ResidentFactory.person(
            municipality,
            household=household,
            family_name=family_name,
            family_name_kana=family_kana,
            given_name="葵",
            given_name_kana="アオイ",
            sex=Sex.FEMALE,
            relationship=Relationship.CHILD,
            birth_date=dt.date(2012, 9, 9),
        )
        return {"head": head, "spouse": spouse, "child": child}

    @staticmethod
    def removed(municipality: Municipality, **fields: object) -> Person:
        fields.setdefault("status", ResidentStatus.REMOVED)
        fields.setdefault("removed_on", dt.date(2024, 3, 31))
        fields.setdefault("relationship", Relationship.CHILD)
        return ResidentFactory.person(municipality, **fields)
