"""`python -m madoguchi.reservations.lottery verify`: anyone can re-run a published draw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from madoguchi.reservations.lottery import draw, draw_input_from_json, draw_result_to_json, seed_commitment
from madoguchi.reservations.lottery.cli import main

from .test_draw import PINNED_INPUT

DIGEST = "b73ac99808d67f2ecd1a1e363d2cd0a24d4c1ac93140b171c9bc4b1c1a46b233"


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, Path]:
    input_path, result_path = tmp_path / "input.json", tmp_path / "result.json"
    input_path.write_text(PINNED_INPUT, encoding="utf-8")
    result = draw(draw_input_from_json(PINNED_INPUT))
    # published pretty-printed: only the content has to match, not the bytes
    result_path.write_text(json.dumps(json.loads(draw_result_to_json(result)), indent=2), encoding="utf-8")
    return input_path, result_path


def _tamper(path: Path, change: object) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)  # type: ignore[operator]
    path.write_text(json.dumps(document), encoding="utf-8")


def test_verify__prints_the_winners_of_the_input(
    published: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    input_path, _ = published
    assert main(["verify", str(input_path)]) == 0
    out = capsys.readouterr().out
    assert f"入力ダイジェスト: {DIGEST}" in out
    assert "gym|a|sat\tA-1\t第1希望" in out
    assert "room|sat\tA-4\t第2希望" in out
    assert "申込 8 件、当選 3 件" in out


def test_verify__matching_published_result_exits_0(
    published: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    input_path, result_path = published
    commitment = seed_commitment("0123456789abcdef0123456789abcdef")
    argv = ["verify", str(input_path), str(result_path), "--seed-commitment", commitment, "--input-digest", DIGEST]
    assert main(argv) == 0
    assert "公開された結果と一致します。" in capsys.readouterr().out


def _swap_winner(document: dict) -> None:  # type: ignore[type-arg]
    document["winners"][0][1] = "A-7"


def _move_outcome(document: dict) -> None:  # type: ignore[type-arg]
    for outcome in document["outcomes"]:
        if outcome["application_id"] == "A-7":
            outcome.update(slot="gym|a|sat", rank=1)


@pytest.mark.parametrize(
    "change",
    [
        _swap_winner,
        _move_outcome,
        lambda d: d["outcomes"][0].update(ticket="0" * 16),
        lambda d: d.update(seed="another seed"),
        lambda d: d.update(input_digest="0" * 64),
        lambda d: d["outcomes"].pop(),
        lambda d: d.update(outcomes="nonsense"),
    ],
)
def test_verify__tampered_result_exits_1(
    published: tuple[Path, Path], change: object, capsys: pytest.CaptureFixture[str]
) -> None:
    input_path, result_path = published
    _tamper(result_path, change)
    assert main(["verify", str(input_path), str(result_path), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "公開された結果と一致しません" in out or "抽選結果として読めません" in out


def test_verify__swapped_winner_is_named(published: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    input_path, result_path = published
    _tamper(result_path, _swap_winner)
    assert main(["verify", str(input_path), str(result_path), "--quiet"]) == 1
    assert "枠 gym|a|sat の当選: 再計算 A-1 / 公開 A-7" in capsys.readouterr().out


def test_verify__tampered_input_no_longer_matches_the_result(published: tuple[Path, Path]) -> None:
    input_path, result_path = published
    _tamper(input_path, lambda d: d["applications"][6].update(weight=100))
    assert main(["verify", str(input_path), str(result_path), "--quiet"]) == 1


def test_verify__wrong_commitment_or_digest_exits_1(published: tuple[Path, Path]) -> None:
    input_path, _ = published
    assert main(["verify", str(input_path), "--quiet", "--seed-commitment", seed_commitment("other")]) == 1
    assert main(["verify", str(input_path), "--quiet", "--input-digest", "f" * 64]) == 1


def test_verify__unreadable_input_exits_2(tmp_path: Path) -> None:
    (tmp_path / "input.json").write_text('{"schema": "madoguchi.lottery.input/1"}', encoding="utf-8")
    assert main(["verify", str(tmp_path / "input.json")]) == 2
    assert main(["verify", str(tmp_path / "missing.json")]) == 2


def test_verify__runs_as_a_module(published: tuple[Path, Path]) -> None:
    input_path, result_path = published
    command = [sys.executable, "-m", "madoguchi.reservations.lottery", "verify", str(input_path), str(result_path)]
    ok = subprocess.run(command, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "公開された結果と一致します。" in ok.stdout
    _tamper(result_path, _swap_winner)
    assert subprocess.run(command, capture_output=True, check=False).returncode == 1
