"""Search keys stored on each person so search is one indexed range scan."""

from __future__ import annotations

from madoguchi.core.text import kana_search_key, name_search_key
from madoguchi.residents.models import Person


def apply_search_keys(person: Person) -> None:
    person.name_key = name_search_key(person.family_name + person.given_name)
    person.kana_key = kana_search_key(person.family_name_kana + person.given_name_kana)
    person.given_kana_key = kana_search_key(person.given_name_kana)
