"""Japanese input normalization: what people type, in any width, becomes one form.

- full-width ASCII letters, digits and symbols → half-width
- half-width katakana (with their voiced marks) → full-width
- ideographic space → space; trimmed; runs of spaces collapsed
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

_SPACES = re.compile(r"\s+")
_HYPHENS_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\-‐‑‒–—―−ーｰ－](?=\d)")
_VARIANTS = str.maketrans(
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
_VOICED_MARKS = {"\u3099", "\u309a"}
# Half-width marks jaconv leaves alone when they stand without a kana before them.
_LONE_HALF_WIDTH = str.maketrans({"ﾞ": "゛", "ﾟ": "゜", "｡": "。", "｢": "「", "｣": "」", "､": "、", "･": "・", "ｰ": "ー"})
FURIGANA_ERROR = "フリガナはカタカナまたはひらがなで入力してください。"


def normalize_text(value: str) -> str:
    """Width-normalized, trimmed, single-spaced. Idempotent."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    value = jaconv.z2h(value, kana=False, ascii=True, digit=True)
    value = jaconv.h2z(value, kana=True, ascii=False, digit=False).translate(_LONE_HALF_WIDTH)
    value = unicodedata.normalize("NFC", value.replace("\u3000", " "))
    return _SPACES.sub(" ", value).strip()


def normalize_digits(value: str) -> str:
    """Digits only, for phone numbers and postal codes: hyphens between digits and spaces removed."""
    value = normalize_text(value)
    value = _HYPHENS_BETWEEN_DIGITS.sub("", value)
    return value.replace(" ", "")


def _is_furigana_char(ch: str) -> bool:
    return ("ァ" <= ch <= "ヶ") or ch in "ヴーヽヾ・ "


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
    """A folding key for tolerant name search: ハ = バ = パ, ァ = ア, spaces and ー ignored."""
    value = jaconv.hira2kata(normalize_text(value))
    decomposed = unicodedata.normalize("NFD", value)
    stripped = "".join(ch for ch in decomposed if ch not in _VOICED_MARKS)
    value = unicodedata.normalize("NFC", stripped).replace("ヴ", "ウ")
    value = value.translate(_SMALL_TO_LARGE).translate(_OLD_KANA)
    return "".join(ch for ch in value if "ア" <= ch <= "ン" or ch in "ヵヶ")


def name_search_key(value: str) -> str:
    """A key for kanji names: width-normalized, without spaces, common 異体字 folded."""
    return normalize_text(value).replace(" ", "").translate(_VARIANTS)


def is_kana_query(value: str) -> bool:
    """True when the (normalized) value is only kana, ー, ・ and spaces."""
    value = normalize_text(value)
    if not value:
        return False
    return all(("ぁ" <= ch <= "ゖ") or ("ァ" <= ch <= "ヺ") or ch in "ーゝゞヽヾ・ " for ch in value)
