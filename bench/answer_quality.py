"""Answer quality on the blind user questions (evals/user_questions.jsonl), one split at a time.

The development half may be read case by case (`--show-failures`); the held-out half prints only
its numbers, so nobody tunes on its failures.
Run: .venv/bin/python bench/answer_quality.py [--split dev|heldout] [--show-failures]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, machine

from assistant.config import Settings
from assistant.runtime import build_index, load_pipeline
from evaluation.answer_quality import JudgedTurn, answer_quality_metrics, quotes_gold

DATASET = REPO / "evals/user_questions.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "heldout"], default="dev")
    parser.add_argument("--show-failures", action="store_true", help="dev only")
    parser.add_argument("--data-dir", type=Path, default=REPO / ".assistant-data")
    args = parser.parse_args()
    if args.show_failures and args.split != "dev":
        parser.error("the held-out half's failures are not for reading")
    settings = Settings(data_dir=args.data_dir, answer_cache_size=0)
    build_index(settings)
    pipeline = load_pipeline(settings)
    cases = [json.loads(line) for line in DATASET.open(encoding="utf-8")]
    cases = [c for c in cases if c["split"] == args.split]
    judged = []
    for case in cases:
        result = pipeline.run([{"role": "user", "content": turn} for turn in case["turns"]])
        turn = JudgedTurn(
            case["id"],
            case["persona"],
            case["expect"],
            result.status,
            tuple(c.quote for c in result.citations),
            tuple(case.get("gold", ())),
        )
        judged.append(turn)
        if args.show_failures and (
            (case["expect"] == "answer" and not turn.first_answers)
            or (
                case["expect"] != "answer"
                and result.status
                != {"abstain": "abstained", "refuse": "refused", "escalate": "escalated"}[case["expect"]]
            )
        ):
            print(f"\n## {case['id']} expect {case['expect']} got {result.status}: {case['turns']}")
            for q in turn.quotes:
                print(f"   {'GOLD' if quotes_gold(q, turn.gold) else '    '} {q[:160]}")
            if case["expect"] == "answer":
                print(f"   wanted: {case['gold'][0][:160]}")
    print(f"# Answer quality, {args.split} half ({len(cases)} turns) — {machine()}\n")
    for metric in answer_quality_metrics(judged):
        if metric.n:
            print(f"{metric.name:45s} {metric.value:.3f}  ({metric.successes}/{metric.n})")


if __name__ == "__main__":
    main()
