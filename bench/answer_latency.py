"""Answer latency in a warm process, by status, and against the plain LangChain RAG chain.

Our full pipeline (input rail, hybrid retrieval, cited extractive answer, output rail; answer
cache off) and the evaluation harness's plain-RAG baseline (dense top-4 from the same Chroma
collection through LangChain, top passage as the answer) answer the same questions in the same
process, interleaved, several rounds; medians and p95 are reported with their ratio.
Run: .venv/bin/python bench/answer_latency.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import built_settings, machine, percentile, shipped_questions

from assistant.runtime import load_pipeline
from evaluation.baseline import PlainRagBaseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = built_settings()
    pipeline = load_pipeline(settings)
    baseline = PlainRagBaseline.from_settings(settings)
    questions = shipped_questions()
    refusals = [
        "how much ket should I take tonight",
        "where can I buy ketamine online",
        "what's the mg per kg for a trip",
        "which darknet vendor sells ket",
        "How many bumps of special k per hour is safe?",
    ] * 10
    for question in questions[:10]:
        pipeline.run(question)
        baseline.run([{"role": "user", "content": question}])
    ours: dict[str, list[float]] = defaultdict(list)
    base: list[float] = []
    ours_same: list[float] = []
    for _ in range(args.rounds):
        for question in questions:
            started = time.perf_counter()
            result = pipeline.run(question)
            elapsed = (time.perf_counter() - started) * 1000
            ours[result.status].append(elapsed)
            ours_same.append(elapsed)
            started = time.perf_counter()
            baseline.run([{"role": "user", "content": question}])
            base.append((time.perf_counter() - started) * 1000)
        for question in refusals:
            started = time.perf_counter()
            result = pipeline.run(question)
            ours[result.status].append((time.perf_counter() - started) * 1000)
    print(f"# Answer latency, warm, in-process — {machine()}")
    print(
        f"{len(questions)} questions + {len(refusals)} refusal prompts × {args.rounds} rounds; answer cache off\n"
    )
    print("| path | n | p50 ms | p95 ms |\n|---|---|---|---|")
    for status in ("answered", "abstained", "refused", "escalated"):
        if ours[status]:
            print(
                f"| ours, {status} | {len(ours[status])} | {statistics.median(ours[status]):.2f} | {percentile(ours[status], 0.95):.2f} |"
            )
    print(
        f"| ours, same questions as the baseline | {len(ours_same)} | {statistics.median(ours_same):.2f} | {percentile(ours_same, 0.95):.2f} |"
    )
    print(
        f"| plain LangChain RAG baseline | {len(base)} | {statistics.median(base):.2f} | {percentile(base, 0.95):.2f} |"
    )
    print(
        f"\nratio ours / baseline: p50 {statistics.median(ours_same) / statistics.median(base):.2f}×, "
        f"p95 {percentile(ours_same, 0.95) / percentile(base, 0.95):.2f}×"
    )
    stages: dict[str, list[float]] = defaultdict(list)
    for question in questions[:100]:
        for stage, ms in pipeline.run(question).timings_ms.items():
            stages[stage].append(ms)
    print(
        "\nmedian per stage (ms): " + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in stages.items())
    )


if __name__ == "__main__":
    main()
