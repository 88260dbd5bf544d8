"""郵便番号 → 住所, offline."""

from __future__ import annotations

import pytest

from madoguchi.core.postal import format_postal_code, lookup, towns_of_city


@pytest.mark.parametrize("code", ["3191541", "319-1541", "３１９－１５４１", "〒319-1541"])
def test_lookup__any_width_and_hyphen(code: str) -> None:
    found = lookup(code)
    assert found is not None
    assert (found.prefecture, found.city, found.town) == ("茨城県", "北茨城市", "磯原町磯原")


def test_lookup__unknown_and_malformed() -> None:
    assert lookup("0000000") is None
    with pytest.raises(ValueError, match="7桁"):
        lookup("319-15")
    assert lookup("１００－０００１").town == "千代田"
    assert format_postal_code("３１９１５４１") == "319-1541"


def test_towns_of_city__kitaibaraki() -> None:
    towns = towns_of_city("08215")
    names = {t.town for t in towns}
    assert len(towns) == 40
    assert {"磯原町磯原", "大津町五浦", "平潟町", "関南町神岡上"} <= names
    assert all(t.city == "北茨城市" and t.postal_code.startswith("319") for t in towns)
