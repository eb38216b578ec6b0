"""Answer quality on the blind user questions (evals/user_questions.jsonl), one split at a time.

`--questions evals/user_followups.jsonl` measures the blind follow-up turns instead (each case is a
conversation; only its last turn is judged).

The development half may be read case by case (`--show-failures`); the held-out half prints only
its numbers, so nobody tunes on its failures.
With `--chart FILE` it also runs the earlier similarity ranking on the same half and draws both
per persona (first sentence answers, precision, correct abstention) into a PNG.
With `--sweep 0.03,0.07,0.10` it prints the table behind the selector threshold instead (docs/abstention.md).
With `--unknown-articles` it answers each answerable turn twice: as shipped, and with the selector's
memory forgetting every training question answered from the articles that hold its gold sentences,
as if those articles had been added after training.
With `--by-memory` it also splits the turns by how near the nearest training question is (the
selector's question encoder), which shows where writing training questions would help most.
With `--pooled` it also judges the same replies against the labels completed by blind judges
(`evals/pooled_judgements.jsonl`, written by `bench/pool_for_judging.py`; docs/evaluation.md).
With `--dump FILE` it writes each development turn's reply (status and quotes) as JSON, and with
`--compare FILE` it prints the development turns whose reply differs from such a dump, each marked
better, worse or neither: a change is judged turn by turn before it is judged in aggregate.
Run: .venv/bin/python bench/answer_quality.py [--split dev|heldout] [--show-failures] [--chart FILE]
     [--sweep T,T,...] [--unknown-articles] [--by-memory] [--questions FILE] [--dump FILE]
     [--compare FILE] [--pooled]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, machine

from assistant.config import Settings
from assistant.extractive import ExtractiveAnswerer
from assistant.runtime import build_index, load_pipeline
from evaluation.answer_quality import (
    JudgedTurn,
    answer_quality_metrics,
    ask_turn_by_turn,
    quotes_gold,
    with_pooled_judgements,
)

DATASET = REPO / "evals/user_questions.jsonl"
POOLED = REPO / "evals/pooled_judgements.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "heldout"], default="dev")
    parser.add_argument("--show-failures", action="store_true", help="dev only")
    parser.add_argument("--data-dir", type=Path, default=REPO / ".assistant-data")
    parser.add_argument("--questions", type=Path, default=DATASET, help="a labelled set in the same format")
    parser.add_argument(
        "--chart", type=Path, help="also measure similarity ranking and draw both per persona"
    )
    parser.add_argument("--sweep", help="comma-separated selector thresholds: print one row per threshold")
    parser.add_argument(
        "--unknown-articles", action="store_true", help="also answer as if the gold articles were new"
    )
    parser.add_argument(
        "--by-memory", action="store_true", help="also split by the nearest training question's similarity"
    )
    parser.add_argument(
        "--pooled",
        action="store_true",
        help=f"also judge the same replies with the sentences blind judges accepted ({POOLED.name})",
    )
    parser.add_argument("--dump", type=Path, help="dev only: write each turn's reply to this JSON file")
    parser.add_argument(
        "--compare", type=Path, help="dev only: print the turns whose reply differs from a dump"
    )
    args = parser.parse_args()
    if (args.show_failures or args.dump or args.compare) and args.split != "dev":
        parser.error("the held-out half's failures are not for reading")
    cases = [json.loads(line) for line in args.questions.open(encoding="utf-8")]
    cases = [c for c in cases if c["split"] == args.split]
    labelled = cases
    if args.pooled:
        # Everything below (the sweep, failures, comparisons) is then judged against the completed labels.
        judgements = [json.loads(line) for line in POOLED.open(encoding="utf-8")]
        cases = with_pooled_judgements(labelled, judgements, args.questions.name)
    if args.sweep:
        sweep(args.data_dir, cases, [float(t) for t in args.sweep.split(",")])
        return
    if args.unknown_articles:
        unknown_articles(Settings(data_dir=args.data_dir, answer_cache_size=0), cases)
        return
    judged = measure(Settings(data_dir=args.data_dir, answer_cache_size=0), cases, args.show_failures)
    print(f"# Answer quality, {args.questions.name}, {args.split} half ({len(cases)} turns) — {machine()}\n")
    print_metrics([JudgedTurn.of(case, t.status, t.quotes) for case, t in zip(labelled, judged, strict=True)])
    if args.pooled:
        print(f"\n# The same replies, with the pooled sentences the judges accepted ({POOLED.name})\n")
        print_metrics(judged)
    if args.dump:
        replies = {t.case_id: {"status": t.status, "quotes": list(t.quotes)} for t in judged}
        args.dump.write_text(json.dumps(replies, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.compare:
        compare(json.loads(args.compare.read_text(encoding="utf-8")), judged)
    if args.by_memory:
        by_memory(Settings(data_dir=args.data_dir, answer_cache_size=0), cases, judged)
    if args.chart:
        earlier = measure(
            Settings(data_dir=args.data_dir, answer_cache_size=0, answer_selection="similarity"), cases, False
        )
        draw(args.chart, args.split, {"similarity (before)": earlier, "learned selector": judged})
        print(f"\nchart: {args.chart}")


def print_metrics(judged: list[JudgedTurn]) -> None:
    for metric in answer_quality_metrics(judged):
        if metric.n:
            print(f"{metric.name:45s} {metric.value:.3f}  ({metric.successes}/{metric.n})")


SWEPT = ("first_sentence_answers", "precision", "correct_abstention", "wrong_abstention")


def sweep(data_dir: Path, cases: list[dict], thresholds: list[float]) -> None:
    """The whole pipeline at each selector threshold (the keep floor as configured), as a table."""
    print(f"| selector threshold | {' | '.join(name.replace('_', ' ') for name in SWEPT)} |")
    print(f"|---|{'---|' * len(SWEPT)}")
    for threshold in thresholds:
        settings = Settings(data_dir=data_dir, answer_cache_size=0, answer_threshold=threshold)
        values = {m.name: m.value for m in answer_quality_metrics(measure(settings, cases, False))}
        row = " | ".join(f"{values['answers.' + name]:.3f}" for name in SWEPT)
        print(f"| {threshold:.2f} | {row} |")


def unknown_articles(settings: Settings, cases: list[dict]) -> None:
    """Answerable turns with the shipped memory, then with their gold articles unknown to it."""
    build_index(settings)
    pipeline = load_pipeline(settings)
    answerer = pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer) and answerer.selector is not None, (
        "needs the learned selector"
    )
    selector, index = answerer.selector, pipeline.index
    shipped = selector.memory
    runs: dict[str, list[JudgedTurn]] = {"memory as shipped": [], "gold articles unknown to the memory": []}
    for case in (c for c in cases if c["expect"] == "answer"):
        gold_articles = frozenset(
            p.article_id for p in index.passages.values() for gold in case["gold"] if gold in p.text
        )
        for run, memory in zip(
            runs.values(), (shipped, shipped.without_articles(index, gold_articles)), strict=True
        ):
            selector.memory = memory
            result = ask_turn_by_turn(pipeline, case["turns"])
            run.append(JudgedTurn.of(case, result.status, [c.quote for c in result.citations]))
    selector.memory = shipped
    print(f"# Answerable turns as if their articles were new — {machine()}\n")
    for name, judged in runs.items():
        print(f"## {name}")
        for metric in answer_quality_metrics(judged):
            if metric.n and metric.name.count(".") == 1:
                print(f"{metric.name:45s} {metric.value:.3f}  ({metric.successes}/{metric.n})")


def _right(turn: JudgedTurn) -> bool:
    """Whether the reply does what the label asks: a gold first sentence, or the expected refusal."""
    if turn.expect == "answer":
        return turn.first_answers
    return turn.status == {"abstain": "abstained", "refuse": "refused", "escalate": "escalated"}[turn.expect]


def compare(earlier: dict[str, dict], judged: list[JudgedTurn]) -> None:
    """The turns whose reply differs from `earlier` (a `--dump`), and how many got better or worse."""
    tally = {"better": 0, "worse": 0, "neither": 0}
    print("\n# Replies that changed since the dump")
    for turn in judged:
        before = earlier.get(turn.case_id)
        if before is None or (before["status"], before["quotes"]) == (turn.status, list(turn.quotes)):
            continue
        was = dataclasses.replace(turn, status=before["status"], quotes=tuple(before["quotes"]))
        verdict = (
            "better" if _right(turn) > _right(was) else "worse" if _right(turn) < _right(was) else "neither"
        )
        tally[verdict] += 1
        print(f"\n## {verdict}: {turn.case_id} (expect {turn.expect})")
        for label, reply in (("before", was), ("after", turn)):
            lead = reply.quotes[0][:120] if reply.quotes else ""
            print(f"   {label:6s} {reply.status}: {lead}")
    print(f"\n{tally['better']} better, {tally['worse']} worse, {tally['neither']} changed otherwise")


MEMORY_BANDS = (0.0, 0.6, 0.7, 0.8, 1.01)


def by_memory(settings: Settings, cases: list[dict], judged: list[JudgedTurn]) -> None:
    """First sentence answers and correct abstentions, by the nearest training question's similarity
    to the last turn (the turn alone, as the selector's memory first reads it)."""
    answerer = load_pipeline(settings).answerer
    assert isinstance(answerer, ExtractiveAnswerer) and answerer.selector is not None, (
        "needs the learned selector"
    )
    selector = answerer.selector
    nearest = [float((selector.memory.vectors @ selector.embed(c["turns"][-1])).max()) for c in cases]
    print(
        "\n| nearest training question | answerable | first sentence answers | unanswerable | correct abstention |"
    )
    print("|---|---|---|---|---|")
    for low, high in itertools.pairwise(MEMORY_BANDS):
        band = [t for t, n in zip(judged, nearest, strict=True) if low <= n < high]
        answerable = [t for t in band if t.expect == "answer"]
        unanswerable = [t for t in band if t.expect == "abstain"]
        first = sum(t.first_answers for t in answerable)
        abstained = sum(t.status == "abstained" for t in unanswerable)
        print(
            f"| {low:.1f}–{min(high, 1.0):.1f} | {len(answerable)} | {first} ({first / max(1, len(answerable)):.2f}) "
            f"| {len(unanswerable)} | {abstained} ({abstained / max(1, len(unanswerable)):.2f}) |"
        )


def measure(settings: Settings, cases: list[dict], show_failures: bool) -> list[JudgedTurn]:
    build_index(settings)
    pipeline = load_pipeline(settings)
    judged = []
    for case in cases:
        result = ask_turn_by_turn(pipeline, case["turns"])
        turn = JudgedTurn.of(case, result.status, [c.quote for c in result.citations])
        judged.append(turn)
        if show_failures and not _right(turn):
            print(f"\n## {case['id']} expect {case['expect']} got {result.status}: {case['turns']}")
            for q in turn.quotes:
                print(f"   {'GOLD' if quotes_gold(q, turn.gold) else '    '} {q[:160]}")
            if case["expect"] == "answer":
                print(f"   wanted: {case['gold'][0][:160]}")
    return judged


def draw(path: Path, split: str, runs: dict[str, list[JudgedTurn]]) -> None:
    """Grouped bars per persona, one panel per metric, one colour per configuration."""
    from matplotlib.figure import Figure

    shown = [
        ("first_sentence_answers", "first sentence answers"),
        ("precision", "answer precision"),
        ("correct_abstention", "correct abstention"),
    ]
    personas = sorted({t.persona for turns in runs.values() for t in turns})
    figure = Figure(figsize=(12, 3.8), layout="constrained")
    axes = figure.subplots(1, len(shown), sharey=True)
    width = 0.8 / len(runs)
    for axis, (name, label) in zip(axes, shown, strict=True):
        for k, (run, turns) in enumerate(runs.items()):
            values = {m.name: m.value or 0.0 for m in answer_quality_metrics(turns)}
            heights = [values.get(f"answers.{name}.{p}", 0.0) for p in ["", *personas][1:]]
            overall = values.get(f"answers.{name}", 0.0)
            axis.bar([i + k * width for i in range(len(personas) + 1)], [overall, *heights], width, label=run)
        axis.set_xticks(
            [i + width * (len(runs) - 1) / 2 for i in range(len(personas) + 1)],
            ["all", *personas],
            rotation=30,
        )
        axis.set_title(label)
        axis.set_ylim(0, 1)
    axes[0].legend(loc="upper left", fontsize="small")
    figure.suptitle(f"Blind user questions, {split} half: before and after the learned selector")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
