"""Japanese input normalization, under property-based tests."""

from __future__ import annotations

import re
import unicodedata

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core.text import (
    is_kana_query,
    kana_search_key,
    name_search_key,
    normalize_digits,
    normalize_prose,
    normalize_text,
    to_furigana,
)

HIRAGANA = st.text(st.characters(min_codepoint=0x3041, max_codepoint=0x3096), min_size=1, max_size=12)
KATAKANA = st.text(st.characters(min_codepoint=0x30A1, max_codepoint=0x30FA), min_size=1, max_size=12)
FULL_WIDTH_ASCII = st.text(st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=12)
HALF_WIDTH_KANA = st.text(st.characters(min_codepoint=0xFF61, max_codepoint=0xFF9F), max_size=12)
JAPANESE_MIX = st.text(st.sampled_from("Ａ１　ｶﾞｷﾞﾜﾞﾞﾟ゛゜\u3099\u309aカハ漢字あー〜 \t"), max_size=20)
ANY = st.text(max_size=30)
SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")


def _unvoiced(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", value)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in "\u3099\u309a"))


@given(st.one_of(ANY, JAPANESE_MIX, HALF_WIDTH_KANA))
def test_normalize_text__is_idempotent(value: str) -> None:
    once = normalize_text(value)
    assert normalize_text(once) == once


@given(st.one_of(ANY, FULL_WIDTH_ASCII, HALF_WIDTH_KANA, JAPANESE_MIX))
def test_normalize_text__leaves_no_full_width_ascii_nor_half_width_kana(value: str) -> None:
    result = normalize_text(value)
    assert not any(0xFF01 <= ord(c) <= 0xFF5E for c in result)
    assert not any(0xFF61 <= ord(c) <= 0xFF9F for c in result)
    assert "\u3000" not in result and "  " not in result and result == result.strip()


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("ＡＢＣ　１２３", "ABC 123"),
        ("ｶﾞｯｺｳ", "ガッコウ"),
        ("  山田　　太郎 ", "山田 太郎"),
        ("ﾊﾟｰﾄ", "パート"),
        ("ｳﾞｨｰﾅｽ", "ヴィーナス"),
        ("ﾜﾞｲﾝ", "ヷイン"),
        ("カ゛ハ゜", "カ゛ハ゜"),  # spacing marks typed as such are not composed
        ("ﾞ", "゛"),  # a lone half-width mark stays a (full-width) mark
        ("ひらがな〜ー", "ひらがな〜ー"),  # 〜 and the long vowel mark are kept
        ("ｻﾄｳ･ﾀﾛｳ｡", "サトウ・タロウ。"),
    ],
)
def test_normalize_text__examples(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("０２９３－４３－１１１１", "0293431111"),
        ("0293 - 43 - 1111", "0293431111"),
        ("319ー1541", "3191541"),
        ("319ｰ1541", "3191541"),
        ("319‐1541", "3191541"),
        ("319−1541", "3191541"),
        ("３１９ １５４１", "3191541"),
    ],
)
def test_normalize_digits__drops_dashes_and_spaces(raw: str, expected: str) -> None:
    assert normalize_digits(raw) == expected


def test_normalize_digits__keeps_other_characters_for_the_caller_to_reject() -> None:
    assert normalize_digits("ー123") == "ー123"
    assert normalize_digits("12a4") == "12a4"


@given(HIRAGANA)
def test_to_furigana__hiragana_becomes_katakana(value: str) -> None:
    assert to_furigana(value) == jaconv.hira2kata(value)


@given(KATAKANA)
def test_to_furigana__katakana_and_its_half_width_form_agree(value: str) -> None:
    assert to_furigana(value) == value
    half = jaconv.z2h(value, kana=True, ascii=False, digit=False)
    if all(0xFF66 <= ord(c) <= 0xFF9F for c in half):  # only kana with a half-width form
        assert to_furigana(half) == value


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("やまだ　たろう", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("ゔぃーなす", "ヴィーナス"),
        ("さゝき", "サヽキ"),
        ("ジョン・スミス", "ジョン・スミス"),
        ("", ""),
        ("　", ""),
    ],
)
def test_to_furigana__examples(raw: str, expected: str) -> None:
    assert to_furigana(raw) == expected


@pytest.mark.parametrize("bad", ["山田", "yamada", "ヤマダ1", "ヤマダ!", "ｱﾞ"])
def test_to_furigana__refuses_other_characters_in_japanese(bad: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape('フリガナはカタカナまたはひらがなで入力してください。')}$"):
        to_furigana(bad)


@given(st.one_of(HIRAGANA, KATAKANA, HALF_WIDTH_KANA, ANY))
def test_kana_search_key__is_idempotent_and_plain(value: str) -> None:
    key = kana_search_key(value)
    assert kana_search_key(key) == key
    assert all("ア" <= c <= "ン" for c in key)
    assert not any(
        c in key for c in "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォッャュョヮヵヶヲヱヰー・ "
    )


@given(KATAKANA)
def test_kana_search_key__ignores_voicing_size_width_and_script(value: str) -> None:
    key = kana_search_key(value)
    assert key == kana_search_key(_unvoiced(value))
    assert key == kana_search_key(value.translate(SMALL_TO_LARGE))
    assert key == kana_search_key(jaconv.kata2hira(value))
    assert key == kana_search_key(jaconv.z2h(value, kana=True, ascii=False, digit=False))


def test_kana_search_key__examples() -> None:
    assert kana_search_key("ﾊﾞﾊﾞ") == kana_search_key("はは") == kana_search_key("パパ") == "ハハ"
    assert kana_search_key("キョウコ") == kana_search_key("キヨウコ")
    assert kana_search_key("サイトウ ショウ") == "サイトウシヨウ"
    assert kana_search_key("ヲヱヰヅヂヴ") == "オエイツチウ"
    assert kana_search_key("ゕゖヵヶヮ") == "カケカケワ"
    assert kana_search_key("スミス・ジョーンズ") == "スミスシヨンス"
    assert kana_search_key("山田 タロウ") == "タロウ"


@given(st.text(st.sampled_from("山田太郎髙﨑高崎邊邉齋齊濵 　eかｶﾞ\u0301\u3099"), max_size=10))
def test_name_search_key__folds_variants_and_spaces(value: str) -> None:
    key = name_search_key(value)
    assert not any(c in key for c in " 髙﨑邊邉齋齊濵")
    assert name_search_key(key) == key


def test_name_search_key__examples() -> None:
    assert name_search_key("髙橋　一郎") == name_search_key("高橋一郎") == "高橋一郎"
    assert name_search_key("山﨑 花子") == "山崎花子"
    assert name_search_key("渡邊") == name_search_key("渡邉") == "渡辺"
    assert name_search_key("齋藤") == name_search_key("齊藤") == "斎藤"
    assert name_search_key("濵田") == "浜田"


@pytest.mark.parametrize(
    "value,expected",
    [
        ("ﾔﾏﾀﾞ", True),
        ("やまだ たろう", True),
        ("ジョン・スミス", True),
        ("山田", False),
        ("やまだ太郎", False),
        ("", False),
        ("　", False),
        ("123", False),
    ],
)
def test_is_kana_query__only_kana_and_spaces(value: str, expected: bool) -> None:
    assert is_kana_query(value) is expected


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("12月6日（土）9時", "12月6日（土）9時"),  # the writer's full-width punctuation stays
        ("ｲｿﾊﾗ町で訓練", "イソハラ町で訓練"),
        ("ｶﾞｽ点検  ", "ガス点検"),
        ("Ａ地区 and B地区", "Ａ地区 and B地区"),
    ],
)
def test_prose_fixes_half_width_kana_only(typed: str, kept: str) -> None:
    assert normalize_prose(typed) == kept
