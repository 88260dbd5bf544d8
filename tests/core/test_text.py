"""Japanese input normalization, under property-based tests."""

from __future__ import annotations

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.text import (
    is_kana_query,
    kana_search_key,
    name_search_key,
    normalize_digits,
    normalize_text,
    to_furigana,
)

HIRAGANA = st.text(st.characters(min_codepoint=0x3041, max_codepoint=0x3094), min_size=1, max_size=12)
KATAKANA = st.text(st.characters(min_codepoint=0x30A1, max_codepoint=0x30F4), min_size=1, max_size=12)
FULL_WIDTH_ASCII = st.text(st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=12)
HALF_WIDTH_KANA = st.text(st.characters(min_codepoint=0xFF66, max_codepoint=0xFF9F), max_size=12)
ANY = st.text(max_size=30)


@given(ANY)
def test_normalize_text__is_idempotent(value: str) -> None:
    once = normalize_text(value)
    assert normalize_text(once) == once


@given(st.one_of(ANY, FULL_WIDTH_ASCII, HALF_WIDTH_KANA, st.text(st.sampled_from("Ａ１　ｶﾞｷﾞ漢字 \t"), max_size=20)))
def test_normalize_text__leaves_no_full_width_ascii_nor_half_width_kana(value: str) -> None:
    result = normalize_text(value)
    assert not any(0xFF01 <= ord(c) <= 0xFF5E for c in result)
    assert not any(0xFF66 <= ord(c) <= 0xFF9F for c in result)
    assert "\u3000" not in result and "  " not in result and result == result.strip()


@pytest.mark.parametrize(
    "raw,expected",
    [("ＡＢＣ　１２３", "ABC 123"), ("ｶﾞｯｺｳ", "ガッコウ"), ("  山田　　太郎 ", "山田 太郎"), ("ﾊﾟｰﾄ", "パート")],
)
def test_normalize_text__examples(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@given(HIRAGANA)
def test_to_furigana__hiragana_becomes_katakana(value: str) -> None:
    assert to_furigana(value) == jaconv.hira2kata(value)


@given(KATAKANA)
def test_to_furigana__katakana_and_its_half_width_form_agree(value: str) -> None:
    assert to_furigana(value) == value
    half = jaconv.z2h(value, kana=True, ascii=False, digit=False)
    if all(0xFF66 <= ord(c) <= 0xFF9F for c in half):  # only kana with a half-width form
        assert to_furigana(half) == value


@pytest.mark.parametrize("bad", ["山田", "yamada", "ヤマダ1", "ヤマダ!"])
def test_to_furigana__refuses_other_characters_in_japanese(bad: str) -> None:
    with pytest.raises(ValueError, match="フリガナはカタカナまたはひらがなで入力してください"):
        to_furigana(bad)


@given(st.one_of(HIRAGANA, KATAKANA, HALF_WIDTH_KANA))
def test_kana_search_key__is_idempotent_and_plain(value: str) -> None:
    key = kana_search_key(value)
    assert kana_search_key(key) == key
    assert not any(c in key for c in "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポァィゥェォッャュョー ")


@given(KATAKANA)
def test_kana_search_key__ignores_voicing_width_and_script(value: str) -> None:
    import unicodedata

    plain = unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFD", value) if c not in "\u3099\u309a")
    )
    assert kana_search_key(value) == kana_search_key(plain) == kana_search_key(jaconv.kata2hira(value))


def test_kana_search_key__examples() -> None:
    assert kana_search_key("ﾊﾞﾊﾞ") == kana_search_key("はは") == kana_search_key("パパ") == "ハハ"
    assert kana_search_key("キョウコ") == kana_search_key("キヨウコ")
    assert kana_search_key("サイトウ ショウ") == "サイトウシヨウ"


@given(st.text(st.sampled_from("山田太郎髙﨑高崎 　"), max_size=10))
def test_name_search_key__folds_variants_and_spaces(value: str) -> None:
    key = name_search_key(value)
    assert " " not in key and "髙" not in key and "﨑" not in key
    assert name_search_key(key) == key


def test_normalize_digits__phone_and_postal() -> None:
    assert normalize_digits("０２９３－４３－１１１１") == "0293431111"
    assert normalize_digits("319ー1541") == "3191541"


@pytest.mark.parametrize(
    "value,expected", [("ﾔﾏﾀﾞ", True), ("やまだ たろう", True), ("山田", False), ("", False), ("123", False)]
)
def test_is_kana_query(value: str, expected: bool) -> None:
    assert is_kana_query(value) is expected
