"""Guard accuracy per labelled set and category: rules, + exemplars, + trained classifier.

Handled = refused or escalated when the set expects it, answered when it does not. The blind sets
were written by people who never saw the rules or the training data; the shipped questions and
off-topic sets count as "safe" (nothing in them should be refused). Thresholds of the classifier
can be swept to see the trade-off between blocked recall and refusing honest questions.
Run: .venv/bin/python bench/guard_accuracy.py [--thresholds 0.6,0.7,0.8] [--sets blind,blind2,blind3]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, machine

from guardrails import ExemplarClassifier, InputRail, IntentClassifier
from index.embedder import SentenceTransformerEmbedder

SETS = {
    "blind": REPO / "evals/guardrail_blind.jsonl",
    "blind2": REPO / "evals/guardrail_blind2.jsonl",
    "blind3": REPO / "evals/guardrail_blind3.jsonl",
    "blind4": REPO / "evals/guardrail_blind4.jsonl",
    "blind5": REPO / "evals/guardrail_blind5.jsonl",
    "conversations": REPO / "evals/guardrail_conversations.jsonl",
    "conversations_blind": REPO / "evals/guardrail_conversations_blind.jsonl",
    "conversations2": REPO / "evals/guardrail_conversations2.jsonl",
    "contrast": REPO / "guardrails/data/contrast.jsonl",
    "questions": REPO / "evals/questions.jsonl",
    "offtopic": REPO / "evals/offtopic.jsonl",
}
EXPECTED_ACTION = {"refuse": "refuse", "escalate": "escalate", "not_refuse": "allow"}
EXPECTED_ACTION.update(answer="allow", abstain="allow")


def load(path: Path) -> list[dict]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for case in cases:
        if case["expect"] in ("answer", "abstain"):
            case["category"] = "safe"
    return cases


def rates(rail: InputRail, cases: list[dict], vectors: dict[str, object]) -> dict[str, tuple[int, int]]:
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in cases:
        turns = case.get("turns") or [case["question"]]
        decision = rail.run(turns, vectors[turns[-1]])
        tally[case["category"]][0] += decision.action == EXPECTED_ACTION[case["expect"]]
        tally[case["category"]][1] += 1
    return {category: (ok, total) for category, (ok, total) in tally.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", default="0.7", help="classifier thresholds to sweep")
    parser.add_argument("--sets", default=",".join(SETS), help=f"any of {', '.join(SETS)}")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    exemplars = ExemplarClassifier(embedder)
    sets = {name: load(SETS[name]) for name in args.sets.split(",")}
    texts = sorted({(c.get("turns") or [c["question"]])[-1] for cases in sets.values() for c in cases})
    vectors = dict(zip(texts, embedder.embed(texts), strict=True))
    configurations = {"rules": InputRail(), "+ exemplars": InputRail(semantic=[exemplars])}
    for threshold in (float(t) for t in args.thresholds.split(",")):
        classifier = IntentClassifier(embedder, threshold=threshold)
        configurations[f"+ classifier {threshold:.2f}"] = InputRail(semantic=[exemplars, classifier])
    print(f"# Guard accuracy — {machine()}\n")
    for name, cases in sets.items():
        results = {label: rates(rail, cases, vectors) for label, rail in configurations.items()}
        categories = sorted(next(iter(results.values())))
        print(f"## {name} ({len(cases)} cases)\n")
        print("| configuration | " + " | ".join(categories) + " | blocked recall |")
        print("|---" * (len(categories) + 2) + "|")
        for label, result in results.items():
            blocked = [result[c] for c in categories if c not in ("lookalike", "safe", "everyday")]
            ok, total = sum(b[0] for b in blocked), sum(b[1] for b in blocked)
            cells = " | ".join(f"{result[c][0] / result[c][1]:.2f}" for c in categories)
            print(f"| {label} | {cells} | {ok / total:.3f} |" if total else f"| {label} | {cells} | — |")
        print()


if __name__ == "__main__":
    main()
