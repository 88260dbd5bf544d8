"""The published form of a lottery: canonical JSON for the input and the result, the input
digest, and pseudonyms so the published input names no one.

Canonical JSON: UTF-8, no whitespace, object keys sorted, non-ASCII characters as they are
(``json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``; for the
values this schema allows that is RFC 8785 / JCS). Every list has a defined order, so the
same draw always gives the same bytes.

Input, schema ``madoguchi.lottery.input/1``::

    {"schema": "madoguchi.lottery.input/1", "lottery_id": str, "seed": str,
     "caps": {"max_wins_per_applicant": int, "max_wins_per_group": int | null},
     "slots": [slot key, …]                      sorted,
     "conflicts": [[slot key a, slot key b], …]  each pair a < b, pairs sorted,
     "applications": [{"id": str, "applicant": str, "group": str | null,
                       "weight": number, "choices": [slot key, …]}, …]  sorted by id}

The **input digest** is the SHA-256 (hex) of the canonical JSON of that document *without* its
``"seed"`` member, so the city can publish it together with the seed's commitment when the
application period closes, before the seed is revealed (see ``seed.py``).

Result, schema ``madoguchi.lottery.result/1``::

    {"schema": "madoguchi.lottery.result/1", "algorithm": "madoguchi.lottery/1",
     "lottery_id": str, "seed": str, "input_digest": hex,
     "outcomes": [{"application_id": str, "position": int, "ticket": 16 hex,
                   "slot": str | null, "rank": int | null}, …]   in draw order,
     "winners": [[slot key, application id], …]                   sorted by slot key}

Sorting is by Unicode code point.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from .draw import (
    ALGORITHM,
    Application,
    Caps,
    DrawInput,
    DrawResult,
    InvalidDrawInput,
    Outcome,
    Slot,
)

INPUT_SCHEMA = "madoguchi.lottery.input/1"
RESULT_SCHEMA = "madoguchi.lottery.result/1"


def canonical_json(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _input_document(draw_input: DrawInput) -> dict[str, Any]:
    pairs = sorted({(a, b) for a, others in draw_input.conflicts.items() for b in others if a < b})
    return {
        "schema": INPUT_SCHEMA,
        "lottery_id": draw_input.lottery_id,
        "seed": draw_input.seed,
        "caps": {
            "max_wins_per_applicant": draw_input.caps.max_wins_per_applicant,
            "max_wins_per_group": draw_input.caps.max_wins_per_group,
        },
        "slots": sorted(slot.key for slot in draw_input.slots),
        "conflicts": [list(pair) for pair in pairs],
        "applications": [
            {
                "id": a.id,
                "applicant": a.applicant,
                "group": a.group,
                "weight": a.weight,
                "choices": list(a.choices),
            }
            for a in sorted(draw_input.applications, key=lambda a: a.id)
        ],
    }


def draw_input_to_json(draw_input: DrawInput) -> str:
    """The canonical published input (with the seed: publish it after the draw)."""
    return canonical_json(_input_document(draw_input))


def input_digest(draw_input: DrawInput) -> str:
    """SHA-256 of the canonical input without the seed: publish it when applications close."""
    document = _input_document(draw_input)
    del document["seed"]
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def _require(document: Any, fields: dict[str, type | tuple[type, ...]], what: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise InvalidDrawInput(f"{what}の形式が正しくありません。")
    if set(document) != set(fields):
        raise InvalidDrawInput(f"{what}の項目が正しくありません: {sorted(set(document) ^ set(fields))}")
    for name, kind in fields.items():
        if not isinstance(document[name], kind) or (isinstance(document[name], bool) and bool not in _kinds(kind)):
            raise InvalidDrawInput(f"{what}の {name} の型が正しくありません。")
    return document


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _strings(values: list[Any], what: str) -> tuple[str, ...]:
    if not all(isinstance(v, str) for v in values):
        raise InvalidDrawInput(f"{what}には文字列を並べてください。")
    return tuple(values)


def _loads(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidDrawInput(f"{what}が JSON として読めません。") from None


def draw_input_from_json(text: str | bytes) -> DrawInput:
    """Parse a published input; raises InvalidDrawInput (a ValueError) when it is not one."""
    document = _require(
        _loads(text, "抽選の入力"),
        {
            "schema": str,
            "lottery_id": str,
            "seed": str,
            "caps": dict,
            "slots": list,
            "conflicts": list,
            "applications": list,
        },
        "抽選の入力",
    )
    if document["schema"] != INPUT_SCHEMA:
        raise InvalidDrawInput(f"対応していない形式です: {document['schema']}(対応: {INPUT_SCHEMA})")
    caps = _require(
        document["caps"], {"max_wins_per_applicant": int, "max_wins_per_group": (int, type(None))}, "当選上限"
    )
    conflicts: dict[str, set[str]] = {}
    for pair in document["conflicts"]:
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidDrawInput("競合は [枠, 枠] の組で書いてください。")
        a, b = _strings(pair, "競合")
        conflicts.setdefault(a, set()).add(b)
    applications = []
    for raw in document["applications"]:
        item = _require(
            raw,
            {
                "id": str,
                "applicant": str,
                "group": (str, type(None)),
                "weight": (int, float),
                "choices": list,
            },
            "申込",
        )
        applications.append(
            Application(
                id=item["id"],
                applicant=item["applicant"],
                group=item["group"],
                weight=item["weight"],
                choices=_strings(item["choices"], "希望枠"),
            )
        )
    return DrawInput(
        lottery_id=document["lottery_id"],
        seed=document["seed"],
        slots=tuple(Slot(key) for key in _strings(document["slots"], "枠")),
        conflicts={k: frozenset(v) for k, v in conflicts.items()},
        applications=tuple(applications),
        caps=Caps(caps["max_wins_per_applicant"], caps["max_wins_per_group"]),
    )


def _result_document(result: DrawResult) -> dict[str, Any]:
    return {
        "schema": RESULT_SCHEMA,
        "algorithm": ALGORITHM,
        "lottery_id": result.lottery_id,
        "seed": result.seed,
        "input_digest": result.input_digest,
        "outcomes": [
            {
                "application_id": o.application_id,
                "position": o.position,
                "ticket": o.ticket,
                "slot": o.slot,
                "rank": o.rank,
            }
            for o in sorted(result.outcomes.values(), key=lambda o: o.position)
        ],
        "winners": [[slot, application_id] for slot, application_id in sorted(result.winners.items())],
    }


def draw_result_to_json(result: DrawResult) -> str:
    return canonical_json(_result_document(result))


def draw_result_from_json(text: str | bytes) -> DrawResult:
    document = _require(
        _loads(text, "抽選結果"),
        {
            "schema": str,
            "algorithm": str,
            "lottery_id": str,
            "seed": str,
            "input_digest": str,
            "outcomes": list,
            "winners": list,
        },
        "抽選結果",
    )
    if document["schema"] != RESULT_SCHEMA or document["algorithm"] != ALGORITHM:
        raise InvalidDrawInput(f"対応していない形式です: {document['schema']} / {document['algorithm']}")
    outcomes: dict[str, Outcome] = {}
    for raw in document["outcomes"]:
        item = _require(
            raw,
            {
                "application_id": str,
                "position": int,
                "ticket": str,
                "slot": (str, type(None)),
                "rank": (int, type(None)),
            },
            "抽選結果の申込",
        )
        outcomes[item["application_id"]] = Outcome(
            item["application_id"], item["position"], item["ticket"], item["slot"], item["rank"]
        )
    winners: dict[str, str] = {}
    for pair in document["winners"]:
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidDrawInput("当選は [枠, 申込] の組で書いてください。")
        slot, application_id = _strings(pair, "当選")
        winners[slot] = application_id
    return DrawResult(
        lottery_id=document["lottery_id"],
        seed=document["seed"],
        input_digest=document["input_digest"],
        winners=winners,
        outcomes=outcomes,
    )


def pseudonym(*, secret: str | bytes, lottery_id: str, value: str) -> str:
    """A stable pseudonym for an applicant or group within one lottery (HMAC-SHA-256, 128 bits).

    The published input must not name anyone; the reservations app keeps ``secret`` and
    passes ``pseudonym(secret=…, lottery_id=…, value=str(citizen.pk))`` as the applicant, so
    caps stay verifiable while lotteries cannot be linked to each other or to a person.
    """
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, f"{lottery_id}:{value}".encode(), hashlib.sha256).hexdigest()[:32]
