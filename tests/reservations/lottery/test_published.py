"""The published form: canonical JSON, the input digest, pseudonyms and the seed commitment."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from hypothesis import given

from madoguchi.reservations.lottery import (
    Application,
    Caps,
    DrawInput,
    InvalidDrawInput,
    Slot,
    draw,
    draw_input_from_json,
    draw_input_to_json,
    draw_result_from_json,
    draw_result_to_json,
    input_digest,
    pseudonym,
    seed_commitment,
    seed_matches,
    seed_new,
)

from .strategies import draw_inputs, gym_slots
from .test_draw import PINNED_INPUT


@given(draw_inputs())
def test_json__input_round_trip_gives_the_identical_draw(draw_input: DrawInput) -> None:
    text = draw_input_to_json(draw_input)
    again = draw_input_from_json(text)
    assert draw_input_to_json(again) == text
    assert draw(again) == draw(draw_input)
    assert input_digest(again) == input_digest(draw_input)


@given(draw_inputs())
def test_json__result_round_trip_is_identical(draw_input: DrawInput) -> None:
    result = draw(draw_input)
    text = draw_result_to_json(result)
    assert draw_result_from_json(text) == result
    assert draw_result_to_json(draw_result_from_json(text)) == text
    document = json.loads(text)
    assert [o["position"] for o in document["outcomes"]] == list(range(len(draw_input.applications)))


def test_json__canonical_form_is_compact_sorted_utf8() -> None:
    slots, conflicts = gym_slots(1, 1)
    draw_input = DrawInput(
        "L", "s", tuple(slots), conflicts, (Application("申込1", "p", None, 1.5, (slots[0].key,)),), Caps(1)
    )
    text = draw_input_to_json(draw_input)
    assert "体育館0-全面|0" in text and " " not in text  # non-ASCII kept as is, no whitespace
    assert '"weight":1.5' in text
    document = json.loads(text)
    assert list(document) == sorted(document)
    # pairs and lists by code point: 全 (U+5168) before 半 (U+534A)
    assert document["conflicts"] == [["体育館0-全面|0", "体育館0-半面A|0"], ["体育館0-全面|0", "体育館0-半面B|0"]]


def _input(seed: str = "seed", weight: int | float = 1) -> DrawInput:
    slots, conflicts = gym_slots(1, 2)
    keys = [s.key for s in slots]
    applications = (
        Application("a1", "p1", "g1", weight, (keys[0], keys[1])),
        Application("a2", "p2", None, 1, (keys[0],)),
    )
    return DrawInput("L", seed, tuple(slots), conflicts, applications, Caps(1, 2))


def test_input_digest__covers_everything_but_the_seed() -> None:
    base = input_digest(_input())
    assert re.fullmatch("[0-9a-f]{64}", base)
    assert input_digest(_input(seed="another")) == base
    assert input_digest(_input(weight=2)) != base
    assert input_digest(dataclasses.replace(_input(), caps=Caps(2, 2))) != base
    assert input_digest(dataclasses.replace(_input(), lottery_id="L2")) != base
    assert input_digest(dataclasses.replace(_input(), applications=_input().applications[:1])) != base
    assert draw(_input()).input_digest == base


def test_conflicts__are_made_symmetric() -> None:
    one_way = DrawInput("L", "s", (Slot("full"), Slot("half")), {"full": frozenset({"half"})}, (), Caps(1))
    assert one_way.conflicts == {"full": frozenset({"half"}), "half": frozenset({"full"})}
    both_ways = DrawInput(
        "L", "s", (Slot("full"), Slot("half")), {"half": frozenset({"full"}), "full": frozenset({"half"})}, (), Caps(1)
    )
    assert input_digest(one_way) == input_digest(both_ways)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema="madoguchi.lottery.input/2"), "対応していない形式"),
        (lambda d: d.update(extra=1), "項目"),
        (lambda d: d.pop("caps"), "項目"),
        (lambda d: d["applications"][0].update(weight="2"), "型"),
        (lambda d: d["applications"][0].update(choices=["no-such-slot"]), "対象外"),
        (lambda d: d["applications"][1].update(id="A-1"), "重複"),
        (lambda d: d["applications"][0].update(choices=[]), "希望枠がありません"),
        (lambda d: d["conflicts"].append(["room|sat", "room|sat"]), "自分自身"),
        (lambda d: d["caps"].update(max_wins_per_applicant=0), "当選上限"),
        (lambda d: d["caps"].update(max_wins_per_group=True), "型"),
        (lambda d: d.update(seed=""), "シード"),
    ],
)
def test_json__invalid_input_is_refused_with_a_reason(change: object, message: str) -> None:
    document = json.loads(PINNED_INPUT)
    change(document)  # type: ignore[operator]
    with pytest.raises(InvalidDrawInput, match=message):
        draw_input_from_json(json.dumps(document))


def test_json__not_json_is_refused() -> None:
    with pytest.raises(InvalidDrawInput, match="JSON"):
        draw_input_from_json("{not json")
    with pytest.raises(InvalidDrawInput, match="JSON"):
        draw_result_from_json(b"\xff")


def test_pseudonym__stable_per_lottery_and_unlinkable_across_lotteries() -> None:
    one = pseudonym(secret="k", lottery_id="2026-04", value="citizen-42")
    assert one == pseudonym(secret=b"k", lottery_id="2026-04", value="citizen-42")
    assert re.fullmatch("[0-9a-f]{32}", one) and "42" not in one
    assert one != pseudonym(secret="k", lottery_id="2026-05", value="citizen-42")
    assert one != pseudonym(secret="k2", lottery_id="2026-04", value="citizen-42")
    assert one != pseudonym(secret="k", lottery_id="2026-04", value="citizen-43")


def test_seed__fresh_random_hex() -> None:
    seeds = {seed_new() for _ in range(50)}
    assert len(seeds) == 50
    assert all(re.fullmatch("[0-9a-f]{32}", s) for s in seeds)


def test_seed_commitment__is_sha256_of_the_seed_and_checks_the_reveal() -> None:
    # SHA-256("abc"), the FIPS 180-2 test vector
    assert seed_commitment("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert seed_matches("abc", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\n")
    assert not seed_matches("abd", seed_commitment("abc"))
