"""Re-run a published draw and check it against the published result.

    python -m madoguchi.reservations.lottery verify input.json [result.json]
        [--seed-commitment HEX] [--input-digest HEX] [--quiet]

Prints the input digest, the seed's commitment and the winners. Exit status: 0 when
everything given matches, 1 when the result, the commitment or the digest does not,
2 when a file cannot be read as a lottery input or result.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .draw import DrawResult, InvalidDrawInput, draw
from .published import draw_input_from_json, draw_result_from_json, draw_result_to_json
from .seed import seed_commitment, seed_matches


def _differences(expected: DrawResult, published: DrawResult) -> list[str]:
    lines = []
    for name in ("lottery_id", "seed", "input_digest"):
        if getattr(expected, name) != getattr(published, name):
            lines.append(f"{name}: 再計算 {getattr(expected, name)} / 公開 {getattr(published, name)}")
    for slot in sorted(set(expected.winners) | set(published.winners)):
        ours, theirs = expected.winners.get(slot), published.winners.get(slot)
        if ours != theirs:
            lines.append(f"枠 {slot} の当選: 再計算 {ours or 'なし'} / 公開 {theirs or 'なし'}")
    for application_id in sorted(set(expected.outcomes) | set(published.outcomes)):
        ours_o, theirs_o = expected.outcomes.get(application_id), published.outcomes.get(application_id)
        if ours_o != theirs_o:
            lines.append(f"申込 {application_id}: 再計算 {ours_o} / 公開 {theirs_o}")
    return lines


def verify(args: argparse.Namespace) -> int:
    try:
        draw_input = draw_input_from_json(Path(args.input).read_bytes())
    except (OSError, InvalidDrawInput) as error:
        print(f"抽選の入力を読めません: {error}", file=sys.stderr)
        return 2
    result = draw(draw_input)
    ok = True
    print(f"抽選 {result.lottery_id}")
    print(f"入力ダイジェスト: {result.input_digest}")
    print(f"シードのコミットメント: {seed_commitment(draw_input.seed)}")
    if args.input_digest is not None and args.input_digest.strip().lower() != result.input_digest:
        print("入力ダイジェストが公開された値と一致しません。")
        ok = False
    if args.seed_commitment is not None and not seed_matches(draw_input.seed, args.seed_commitment):
        print("シードが公開されたコミットメントと一致しません。")
        ok = False
    won = sum(1 for o in result.outcomes.values() if o.won)
    print(f"申込 {len(result.outcomes)} 件、当選 {won} 件")
    if not args.quiet:
        for slot, application_id in result.winners.items():
            print(f"  {slot}\t{application_id}\t第{result.outcomes[application_id].rank}希望")
    if args.result is not None:
        try:
            published_text = Path(args.result).read_bytes()
        except OSError as error:
            print(f"抽選結果を読めません: {error}", file=sys.stderr)
            return 2
        try:
            published = draw_result_from_json(published_text)
        except InvalidDrawInput as error:
            print(f"公開された結果は抽選結果として読めません: {error}")
            return 1
        if draw_result_to_json(published) == draw_result_to_json(result):
            print("公開された結果と一致します。")
        else:
            print("公開された結果と一致しません:")
            for line in _differences(result, published)[:20]:
                print(f"  {line}")
            ok = False
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m madoguchi.reservations.lottery",
        description="施設予約の抽選を公開データから再実行して検証します。",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="入力から抽選をやり直し、当選を表示・公開結果と照合する")
    check.add_argument("input", help="公開された抽選の入力 (JSON)")
    check.add_argument("result", nargs="?", help="公開された抽選結果 (JSON)")
    check.add_argument("--seed-commitment", help="抽選前に公開されたシードのコミットメント")
    check.add_argument("--input-digest", help="抽選前に公開された入力ダイジェスト")
    check.add_argument("--quiet", action="store_true", help="当選の一覧を表示しない")
    args = parser.parse_args(argv)
    return verify(args)
