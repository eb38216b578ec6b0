"""Extractive answers beside a local GGUF model's verified answers, on the blind development questions.

Opt-in (a 1.5B model writes one answer in seconds, not milliseconds): `make model-qwen` first, then
    .venv/bin/python bench/local_model.py --gguf .assistant-data/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
For each answerable or unanswerable development turn (refusals and escalations never reach a model)
both pipelines answer; the report gives, per answerer, the share of turns the model's own wording
was shown for, sentences generated and kept, first sentence answers and answer precision against
the gold sentences, and median seconds. Every kept model sentence is written beside the quotes that
verified it (`--kept FILE`), to be read for unsupported slips: a kept sentence its quotes do not back.
`--limit N` takes N turns spread evenly over the half.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, machine

from assistant.config import Settings
from assistant.runtime import build_index, load_pipeline
from evaluation.answer_quality import JudgedTurn, answer_quality_metrics

DATASET = REPO / "evals/user_questions.jsonl"
SHOWN = (
    "first_sentence_answers",
    "any_sentence_answers",
    "precision",
    "correct_abstention",
    "wrong_abstention",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=REPO / ".assistant-data")
    parser.add_argument("--limit", type=int, help="turns spread evenly over the development half")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per model answer")
    parser.add_argument("--kept", type=Path, default=REPO / "bench/results/local-model-kept.jsonl")
    args = parser.parse_args()
    cases = [json.loads(line) for line in DATASET.open(encoding="utf-8")]
    cases = [c for c in cases if c["split"] == "dev" and c["expect"] in ("answer", "abstain")]
    if args.limit and args.limit < len(cases):
        step = len(cases) / args.limit
        cases = [cases[int(i * step)] for i in range(args.limit)]
    base = Settings(data_dir=args.data_dir, answer_cache_size=0)
    build_index(base)
    llm = base.model_copy(
        update={
            "answerer": "llm",
            "llm_provider": "llamacpp",
            "llm_gguf_path": args.gguf,
            "llm_timeout_seconds": args.timeout,
            "llm_max_retries": 0,
        }
    )
    print(f"# Local model beside extractive answers: {len(cases)} development turns — {machine()}\n")
    rows = {"extractive": run(base, cases, None), f"llm ({args.gguf.name})": run(llm, cases, args.kept)}
    print("| answerer | " + " | ".join(name.replace("_", " ") for name in SHOWN) + " | model wording shown "
          "| generated | kept | median s |")  # fmt: skip
    print("|---" * (len(SHOWN) + 5) + "|")
    for name, (judged, stats) in rows.items():
        values = {m.name: m for m in answer_quality_metrics(judged)}
        cells = [f"{values['answers.' + m].value:.3f}" for m in SHOWN]
        print(
            f"| {name} | {' | '.join(cells)} | {stats['model_shown']}/{len(judged)} | {stats['generated']} "
            f"| {stats['kept']} | {statistics.median(stats['seconds']):.2f} |"
        )
    print(f"\ndropped model sentences by reason: {rows[list(rows)[1]][1]['dropped']}")
    print(f"errors: {rows[list(rows)[1]][1]['errors']}")
    print(f"kept model sentences beside their quotes: {args.kept}")


def run(settings: Settings, cases: list[dict], kept_file: Path | None) -> tuple[list[JudgedTurn], dict]:
    pipeline = load_pipeline(settings)
    judged: list[JudgedTurn] = []
    stats: dict = {"model_shown": 0, "generated": 0, "kept": 0, "seconds": [], "dropped": {}, "errors": {}}
    kept_rows = []
    for n, case in enumerate(cases, start=1):
        started = time.perf_counter()
        result = pipeline.run([{"role": "user", "content": turn} for turn in case["turns"]])
        stats["seconds"].append(time.perf_counter() - started)
        judged.append(JudgedTurn.of(case, result.status, [c.quote for c in result.citations]))
        verification = result.verification
        if verification is not None:
            stats["generated"] += verification.generated
            stats["kept"] += verification.kept
            for reason, count in verification.dropped.items():
                stats["dropped"][reason] = stats["dropped"].get(reason, 0) + count
            if verification.error:
                kind = verification.error.split(":")[0]
                stats["errors"][kind] = stats["errors"].get(kind, 0) + 1
        if result.answerer == "llm":
            stats["model_shown"] += 1
            kept_rows.append(
                {"id": case["id"], "question": case["turns"][-1], "answer": result.answer,
                 "quotes": {c.n: c.quote for c in result.citations}}
            )  # fmt: skip
        label = "llm" if settings.answerer == "llm" else "extractive"
        print(f"\r{label}: {n}/{len(cases)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    if kept_file is not None:
        kept_file.parent.mkdir(parents=True, exist_ok=True)
        kept_file.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in kept_rows))
    close = getattr(getattr(pipeline.generator, "model", None), "close", None)
    if close is not None:
        close()
    return judged, stats


if __name__ == "__main__":
    main()
