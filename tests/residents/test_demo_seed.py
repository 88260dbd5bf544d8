"""The demo register is deterministic and shaped like Kitaibaraki."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from madoguchi.core.models import Municipality
from madoguchi.core.text import kana_search_key
from madoguchi.core.wareki import age_on
from madoguchi.residents import demo
from madoguchi.residents.models import Household, Person, Relationship, ResidentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(city_a: Municipality) -> Municipality:
    demo.seed_residents(city_a, residents=3000, seed=7)
    return city_a


def _ages(city: Municipality) -> list[int]:
    return [
        age_on(b, demo.AS_OF)
        for b in Person.objects.filter(municipality=city).active().values_list("birth_date", flat=True)
    ]


def test_seed__about_the_asked_size_in_households(seeded) -> None:
    people = Person.objects.filter(municipality=seeded).count()
    households = Household.objects.filter(municipality=seeded).count()
    assert 3000 <= people < 3010
    assert 2.1 <= people / households <= 2.8  # Kitaibaraki: ~41,000 people in ~17,000 households


def test_seed__age_pyramid_like_the_city(seeded) -> None:
    ages = _ages(seeded)
    elderly = sum(a >= 65 for a in ages) / len(ages)
    children = sum(a < 15 for a in ages) / len(ages)
    assert 0.33 <= elderly <= 0.41
    assert 0.07 <= children <= 0.14


def test_seed__flags_follow_age_and_household(seeded) -> None:
    for person in Person.objects.filter(municipality=seeded).select_related("household"):
        age = age_on(person.birth_date, demo.AS_OF)
        assert person.late_elderly_insurance == (age >= 75)
        assert not (person.late_elderly_insurance and person.national_health_insurance)
        assert person.long_term_care_insured == (age >= 40)
        if person.care_level:
            assert age >= 65
    # 国民健康保険 is decided per household (for members under 75).
    for household in Household.objects.filter(municipality=seeded)[:500]:
        flags = {p.national_health_insurance for p in household.members.all() if age_on(p.birth_date, demo.AS_OF) < 75}
        assert len(flags) <= 1


def test_seed__every_household_has_one_head_who_lives_there(seeded) -> None:
    heads = Person.objects.filter(municipality=seeded, relationship=Relationship.HEAD)
    assert heads.count() == Household.objects.filter(municipality=seeded).count()
    for household in Household.objects.filter(municipality=seeded).select_related("head")[:300]:
        assert household.head.household_id == household.pk
        assert household.head.status == ResidentStatus.ACTIVE


def test_seed__names_have_katakana_readings_and_search_keys(seeded) -> None:
    for person in Person.objects.filter(municipality=seeded)[:500]:
        for kana in (person.family_name_kana, person.given_name_kana):
            assert kana and all("ァ" <= c <= "ヶ" or c in "ー " for c in kana)
        assert person.kana_key == kana_search_key(person.family_name_kana + person.given_name_kana)


def test_seed__real_towns_and_some_foreign_and_removed_residents(seeded) -> None:
    towns = set(Person.objects.filter(municipality=seeded).values_list("town", flat=True))
    assert "磯原町磯原" in towns and len(towns) > 20
    assert all(
        code.startswith("319")
        for code in Person.objects.filter(municipality=seeded).values_list("postal_code", flat=True).distinct()
    )
    foreign = Person.objects.filter(municipality=seeded, is_foreign=True)
    assert foreign.exists() and all(p.alphabet_name and p.nationality and p.residence_status for p in foreign)
    assert Person.objects.filter(municipality=seeded, status=ResidentStatus.REMOVED).count() > 5


def test_seed__is_deterministic(city_a, city_b) -> None:
    demo.seed_residents(city_a, residents=400, seed=11)
    demo.seed_residents(city_b, residents=400, seed=11)

    def shape(city):
        return list(
            Person.objects.filter(municipality=city)
            .order_by("atena_number")
            .values_list("family_name", "given_name", "birth_date", "relationship", "banchi", "resident_code")
        )

    assert shape(city_a) == shape(city_b)


def test_seed__numbers_are_unique(seeded) -> None:
    duplicates = (
        Person.objects.filter(municipality=seeded).values("resident_code").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not duplicates.exists()
    assert dt.date(1900, 1, 1) < Person.objects.order_by("birth_date").first().birth_date
