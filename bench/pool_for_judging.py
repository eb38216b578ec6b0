"""Pool the sentences the assistant quoted that no labeller marked, for blind judges to rule on.

The blind sets' labellers copied the sentences they found answering each turn; a sentence they did
not copy counts against the assistant even when it answers (a restatement in another article, or a
better sentence than the one copied). As in pooled relevance judging, this collects every quoted
sentence that is not gold, on answerable turns and on turns labelled `abstain` that were answered,
into packets that judges who have never seen the corpus, the rules or the code read cold.

Each packet also carries controls the judges cannot tell apart from the rest: a gold sentence of
the same turn (which a fair judge should accept) and a sentence of the same article that was neither
quoted nor copied (which a fair judge should mostly reject), so the judges' strictness is measured
against the labellers'.

Writes `DIR/<split>-packet.jsonl` (what judges see: an opaque item number, the earlier user turns,
the question, the sentence) and `DIR/key.jsonl` (what each item is). The held-out packet is for
judges only; nothing here prints an item.
`--collect DIR` reads the judges' answer files back (`DIR/out/<packet>-<judge>.jsonl`, one line per
item: `{"item": ..., "verdict": "yes" | "partly" | "no"}`), writes the candidates' votes to
`evals/pooled_judgements.jsonl` (replacing the rows of the sets this round pooled, keeping the rest)
and prints how often the judges accepted each kind of item. `--sets` pools some of the blind sets
only, such as one added after the last round.
Run: .venv/bin/python bench/pool_for_judging.py DIR [--data-dir DIR] [--sets user_first_questions.jsonl ...]
     .venv/bin/python bench/pool_for_judging.py --collect DIR
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO

from assistant.config import Settings
from assistant.runtime import build_index, load_pipeline
from evaluation.answer_quality import (
    BLIND_SETS,
    JUDGES_TO_ACCEPT,
    accepted_by_judges,
    ask_turn_by_turn,
    quotes_gold,
)
from index.passages import passage_sentence_spans

POOLED = REPO / "evals/pooled_judgements.jsonl"
JUDGES = 3
SEED = 20261206
# Enough controls to measure the judges' strictness without doubling their reading.
GOLD_CONTROL_SHARE = 0.5
DECOY_CONTROL_SHARE = 0.4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--data-dir", type=Path, default=REPO / ".assistant-data")
    parser.add_argument("--collect", action="store_true", help="read the judges' answers back")
    parser.add_argument(
        "--sets", nargs="+", choices=BLIND_SETS, default=list(BLIND_SETS), help="the sets to pool"
    )
    args = parser.parse_args()
    if args.collect:
        collect(args.out)
        return
    settings = Settings(data_dir=args.data_dir, answer_cache_size=0)
    build_index(settings)
    pipeline = load_pipeline(settings)
    sentences_by_article: dict[str, list[str]] = {}
    for passage in pipeline.index.passages.values():
        sentences_by_article.setdefault(passage.article_id, []).extend(
            passage.text[start - passage.start : end - passage.start]
            for start, end in passage_sentence_spans(passage)
        )
    rng = random.Random(SEED)
    packets: dict[str, list[dict]] = {"dev": [], "heldout": []}
    key: list[dict] = []
    for name in args.sets:
        for case in map(json.loads, (REPO / "evals" / name).open(encoding="utf-8")):
            if case["expect"] not in ("answer", "abstain"):
                continue
            result = ask_turn_by_turn(pipeline, case["turns"])
            if result.status != "answered":
                continue
            quotes = [c.quote for c in result.citations]
            gold = case.get("gold", [])
            unmarked = [q for q in quotes if not quotes_gold(q, gold)]
            if not unmarked:
                continue
            items = [("candidate", q) for q in unmarked]
            if gold and rng.random() < GOLD_CONTROL_SHARE:
                items.append(("gold control", gold[0]))
            article = next((c.article_id for c in result.citations if c.quote == unmarked[0]), None)
            others = [
                s
                for s in sentences_by_article.get(article or "", [])
                if s not in quotes and not quotes_gold(s, gold) and len(s) > 40
            ]
            if others and rng.random() < DECOY_CONTROL_SHARE:
                items.append(("decoy control", rng.choice(others)))
            for role, sentence in items:
                key.append(
                    {
                        "set": name,
                        "id": case["id"],
                        "split": case["split"],
                        "role": role,
                        "expect": case["expect"],
                        "sentence": sentence,
                    }
                )
                packets[case["split"]].append(
                    {
                        "earlier_turns": case["turns"][:-1],
                        "question": case["turns"][-1],
                        "sentence": sentence,
                        "key_row": len(key) - 1,
                    }
                )
    args.out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for split, items in packets.items():
        rng.shuffle(items)
        with (args.out / f"{split}-packet.jsonl").open("w", encoding="utf-8") as out:
            for n, item in enumerate(items, 1):
                number = f"{split[0]}{n:04d}"
                rows[item.pop("key_row")] = number
                out.write(json.dumps({"item": number, **item}, ensure_ascii=False) + "\n")
    with (args.out / "key.jsonl").open("w", encoding="utf-8") as out:
        for n, row in enumerate(key):
            out.write(json.dumps({"item": rows[n], **row}, ensure_ascii=False) + "\n")
    for split, items in packets.items():
        print(f"{split}: {len(items)} items")


def collect(directory: Path) -> None:
    key = {row["item"]: row for row in map(json.loads, (directory / "key.jsonl").open(encoding="utf-8"))}
    votes: dict[str, list[str]] = {}
    for answers in sorted((directory / "out").glob("*.jsonl")):
        for row in map(json.loads, answers.open(encoding="utf-8")):
            if row["item"] not in key or row["verdict"] not in ("yes", "partly", "no"):
                raise SystemExit(f"{answers.name}: {row}")
            votes.setdefault(row["item"], []).append(row["verdict"])
    missing = [item for item in key if len(votes.get(item, ())) != JUDGES]
    if missing:
        raise SystemExit(f"{len(missing)} items without {JUDGES} verdicts, e.g. {missing[:3]}")
    print(f"| split | item | items | accepted ({JUDGES_TO_ACCEPT} of {JUDGES} say yes) | all judges agree |")
    print("|---|---|---|---|---|")
    kinds = sorted({(row["split"], row["role"], row["expect"]) for row in key.values()})
    for split, role, expect in kinds:
        items = [
            i for i, row in key.items() if (row["split"], row["role"], row["expect"]) == (split, role, expect)
        ]
        accepted = sum(accepted_by_judges(votes[i]) for i in items)
        unanimous = sum(len(set(votes[i])) == 1 for i in items)
        print(
            f"| {split} | {role}, labelled {expect} | {len(items)} | {accepted} ({accepted / len(items):.2f}) "
            f"| {unanimous / len(items):.2f} |"
        )
    pooled_now = {row["set"] for row in key.values()}
    kept = (
        [row for row in map(json.loads, POOLED.open(encoding="utf-8")) if row["set"] not in pooled_now]
        if POOLED.exists()
        else []
    )
    rows = sorted(
        [
            *kept,
            *(
                {"set": row["set"], "id": row["id"], "sentence": row["sentence"], "votes": votes[item]}
                for item, row in key.items()
                if row["role"] == "candidate"
            ),
        ],
        key=lambda row: (row["set"], row["id"], row["sentence"]),
    )
    with POOLED.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"\n{len(rows)} pooled sentences → {POOLED.relative_to(REPO)}")


if __name__ == "__main__":
    main()
