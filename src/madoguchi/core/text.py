"""Japanese input normalization: what people type, in any width, becomes one form.

- full-width ASCII letters, digits and symbols → half-width
- half-width katakana (with their voiced marks) → full-width
- ideographic space → space; trimmed; runs of whitespace collapsed

Kanji, hiragana, 〜 and the long vowel mark ー are left as they are.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

FURIGANA_ERROR = "フリガナはカタカナまたはひらがなで入力してください。"

_SPACES = re.compile(r"\s+")
# Dashes people type between the groups of a phone number or postal code. The long vowel
# mark ー (and half-width ｰ, which normalize_text has already widened) only counts as a
# dash between digits: elsewhere it is a character of its own.
_DASHES = re.compile(r"[\-‐‑‒–—―−﹣－]")
_LONG_VOWEL_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])ー+(?=[0-9])")

_VOICED = "\u3099"  # combining dakuten
_SEMI_VOICED = "\u309a"  # combining handakuten
# What jaconv.h2z leaves half-width: marks with no kana before them (or none to combine
# with, as in ﾜﾞ), and the half-width punctuation block. The half-width voiced marks
# become combining so that NFC can compose them (ﾜﾞ → ヷ); the ones that still stand
# alone become the spacing ゛/゜. (Spacing ゛/゜ typed as such are left alone: composing
# them would let removing a space, as name_search_key does, change a later result.)
_HALF_WIDTH_LEFTOVERS = str.maketrans(
    {
        "ﾞ": _VOICED,
        "ﾟ": _SEMI_VOICED,
        "｡": "。",
        "｢": "「",
        "｣": "」",
        "､": "、",
        "･": "・",
        "ｰ": "ー",
    }
)
_LONE_MARKS = str.maketrans({_VOICED: "゛", _SEMI_VOICED: "゜"})

# Common 異体字 in names, folded to the everyday form for searching.
_NAME_VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "邊": "辺",
        "邉": "辺",
        "齋": "斎",
        "齊": "斎",
        "濵": "浜",
        "德": "徳",
        "瀨": "瀬",
        "櫻": "桜",
    }
)
_SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
_OLD_KANA = str.maketrans("ヲヱヰ", "オエイ")


def normalize_text(value: str) -> str:
    """Width-normalized, trimmed, single-spaced. Idempotent."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    value = jaconv.z2h(value, kana=False, ascii=True, digit=True)
    value = jaconv.h2z(value, kana=True, ascii=False, digit=False)
    value = unicodedata.normalize("NFC", value.translate(_HALF_WIDTH_LEFTOVERS))
    value = value.translate(_LONE_MARKS).replace("\u3000", " ")
    return _SPACES.sub(" ", value).strip()


def normalize_prose(value: str) -> str:
    """For message text residents read: half-width kana → full-width, trimmed; the writer's
    punctuation (（）、全角英数) is theirs to choose and is kept."""
    if not value:
        return ""
    value = jaconv.h2z(unicodedata.normalize("NFC", value), kana=True, ascii=False, digit=False)
    return unicodedata.normalize("NFC", value.translate(_LONE_MARKS)).strip()


def normalize_digits(value: str) -> str:
    """For phone numbers and postal codes: normalize_text without spaces and dashes.

    Every kind of hyphen/dash is removed, the long vowel mark ー only between digits.
    What is left is returned as is (callers check that only digits remain).
    """
    value = normalize_text(value).replace(" ", "")
    value = _DASHES.sub("", value)
    return _LONG_VOWEL_BETWEEN_DIGITS.sub("", value)


def _is_furigana_char(ch: str) -> bool:
    # ァ..ヺ covers all full-width katakana including small kana, ヴ and ヷ..ヺ.
    return ("ァ" <= ch <= "ヺ") or ch in "ー・ヽヾ "


def to_furigana(value: str) -> str:
    """ふりがな typed in hiragana or katakana (any width) → full-width katakana.

    Raises ValueError (Japanese message) if anything else remains.
    """
    value = normalize_text(value)
    if not value:
        return ""
    value = jaconv.hira2kata(value)
    if not all(_is_furigana_char(ch) for ch in value):
        raise ValueError(FURIGANA_ERROR)
    return value


def kana_search_key(value: str) -> str:
    """A folding key for tolerant name search.

    Hiragana = katakana, any width; ハ = バ = パ; ァ = ア, ッ = ツ; ヲ = オ; spaces, ー, ・
    and anything that is not kana are dropped. Idempotent.
    """
    value = jaconv.hira2kata(normalize_text(value))
    decomposed = unicodedata.normalize("NFD", value)
    value = "".join(ch for ch in decomposed if ch not in (_VOICED, _SEMI_VOICED))
    value = unicodedata.normalize("NFC", value).translate(_SMALL_TO_LARGE).translate(_OLD_KANA)
    return "".join(ch for ch in value if "ア" <= ch <= "ン")


def name_search_key(value: str) -> str:
    """A key for kanji names: width-normalized, without spaces, common 異体字 folded. Idempotent."""
    # NFC again: a combining mark that followed a space now follows a letter.
    return unicodedata.normalize("NFC", normalize_text(value).replace(" ", "")).translate(_NAME_VARIANTS)


def is_kana_query(value: str) -> bool:
    """True when the (normalized) value is non-empty and only kana, ー, ・ and spaces."""
    value = normalize_text(value)
    if not value:
        return False
    return all(("ぁ" <= ch <= "ゖ") or ("ァ" <= ch <= "ヺ") or ch in "ーゝゞヽヾ・ " for ch in value)
