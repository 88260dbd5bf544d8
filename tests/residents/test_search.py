"""Resident search: width- and voicing-tolerant, permission-aware, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from madoguchi.core.models import AuditEvent
from madoguchi.residents.selectors import person_search

from ..conftest import make_staff, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(city_a, residents):
    return {
        "yamada": residents.person(
            city_a, family_name="山田", family_name_kana="ヤマダ", given_name="太郎", given_name_kana="タロウ"
        ),
        "yamata": residents.person(
            city_a, family_name="山田", family_name_kana="ヤマタ", given_name="花", given_name_kana="ハナ"
        ),
        "takahashi": residents.person(
            city_a,
            family_name="髙橋",
            family_name_kana="タカハシ",
            given_name="誠",
            given_name_kana="マコト",
            birth_date=dt.date(1980, 1, 2),
        ),
        "baba": residents.person(
            city_a, family_name="馬場", family_name_kana="ババ", given_name="一", given_name_kana="ハジメ"
        ),
        "gone": residents.removed(
            city_a, family_name="山田", family_name_kana="ヤマダ", given_name="去", given_name_kana="サル"
        ),
    }


@pytest.mark.parametrize("query", ["ﾔﾏﾀﾞ", "やまだ", "ヤマダ", "ﾔﾏﾀ", "ヤマダ タロウ", "ﾔﾏﾀﾞﾀﾛｳ", "　ヤマダ　"])
def test_search__kana_in_any_width_and_voicing(people, clerk_a, query: str) -> None:
    found = {p.pk for p in person_search(actor=clerk_a, query=query).people}
    assert people["yamada"].pk in found
    assert people["gone"].pk not in found  # 除票 only when asked


def test_search__ha_and_ba_are_the_same(people, clerk_a) -> None:
    assert {p.pk for p in person_search(actor=clerk_a, query="ハハ").people} == {people["baba"].pk}
    assert {p.pk for p in person_search(actor=clerk_a, query="ﾊﾟﾊﾟ").people} == {people["baba"].pk}


def test_search__given_name_kana_alone(people, clerk_a) -> None:
    assert {p.pk for p in person_search(actor=clerk_a, query="まこと").people} == {people["takahashi"].pk}


def test_search__kanji_with_variant_and_space(people, clerk_a) -> None:
    for query in ("高橋", "髙橋　誠", "高橋誠"):
        assert [p.pk for p in person_search(actor=clerk_a, query=query).people] == [people["takahashi"].pk]


def test_search__birth_date_and_atena_number(people, clerk_a) -> None:
    assert [p.pk for p in person_search(actor=clerk_a, birth_date=dt.date(1980, 1, 2)).people] == [
        people["takahashi"].pk
    ]
    number = people["baba"].atena_number
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert [p.pk for p in person_search(actor=clerk_a, query=full_width).people] == [people["baba"].pk]


def test_search__removed_persons_for_authorized_staff(people, city_a, clerk_a) -> None:
    found = {p.pk for p in person_search(actor=clerk_a, query="ヤマダ", include_removed=True).people}
    assert people["gone"].pk in found
    hoken = make_staff(city_a, "hoken")
    found = {p.pk for p in person_search(actor=hoken, query="ヤマダ", include_removed=True).people}
    assert people["gone"].pk not in found


def test_search__is_audited_without_the_search_words(people, clerk_a) -> None:
    person_search(actor=clerk_a, query="ヤマダ")
    event = AuditEvent.objects.get(action="resident.search")
    assert event.actor_id == clerk_a.pk and "ヤマダ" not in event.reason and "件" in event.reason


def test_search_page__posts_so_names_stay_out_of_urls(people, clerk_a) -> None:
    client = verified_client(clerk_a)
    response = client.get(reverse("staff:residents:search") + "?q=ヤマダ")
    assert response.context["result"] is None
    response = client.post(reverse("staff:residents:search"), {"q": "ﾔﾏﾀﾞ"})
    assert response.status_code == 200
    assert "山田　太郎" in response.content.decode()


def test_search_page__empty_form_explains_in_japanese(clerk_a) -> None:
    response = verified_client(clerk_a).post(reverse("staff:residents:search"), {"q": "", "birth_date": ""})
    assert "いずれかを入力してください" in response.content.decode()


def test_search_page__bad_date_keeps_input(people, clerk_a) -> None:
    response = verified_client(clerk_a).post(
        reverse("staff:residents:search"), {"q": "ﾔﾏﾀﾞ", "birth_date": "平成31年5月1日"}
    )
    body = response.content.decode()
    assert 'value="ヤマダ"' in body or 'value="ﾔﾏﾀﾞ"' in body
    assert 'value="平成31年5月1日"' in body
    assert "存在しません" in body


def test_search_page__htmx_answers_the_form_and_results_with_errors_too(people, clerk_a) -> None:
    client = verified_client(clerk_a)
    ok = client.post(reverse("staff:residents:search"), {"q": "ﾔﾏﾀﾞ"}, HTTP_HX_REQUEST="true")
    body = ok.content.decode()
    assert body.lstrip().startswith('<div id="search-area">') and "<html" not in body
    assert "山田　太郎" in body
    bad = client.post(reverse("staff:residents:search"), {"q": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert 'role="alert"' in bad and "いずれかを入力してください" in bad
