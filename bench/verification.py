"""What verifying a model's answer costs: per answer and per generated sentence, beside the extractive path.

The simulated model (evaluation/simulated_model.py) writes its reply in microseconds, so
the `generate` stage is almost all verification (embedding the sentences, finding the best quote,
the checks). The same questions run through the extractive pipeline, interleaved, for the ratio.
Run: .venv/bin/python bench/verification.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import built_settings, machine, percentile, shipped_questions

from assistant.runtime import load_pipeline
from evaluation.simulated_model import SimulatedChatModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = built_settings()
    extractive = load_pipeline(settings)
    generative = load_pipeline(settings, model=SimulatedChatModel(fault_rate=0.5))
    questions = shipped_questions()
    for question in questions[:10]:
        extractive.run(question)
        generative.run(question)
    plain: list[float] = []
    written: list[float] = []
    verify: list[float] = []
    per_sentence: list[float] = []
    for _ in range(args.rounds):
        for question in questions:
            started = time.perf_counter()
            extractive.run(question)
            plain.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            result = generative.run(question)
            written.append((time.perf_counter() - started) * 1000)
            if result.verification and "generate" in result.timings_ms:
                verify.append(result.timings_ms["generate"])
                sentences = max(result.verification.generated, 1)
                per_sentence.append(result.timings_ms["generate"] / sentences)
    print(f"# Verification cost, warm, in-process — {machine()}")
    print(f"{len(questions)} questions × {args.rounds} rounds; simulated model (fault rate 0.5); cache off\n")
    print("| measure | n | p50 ms | p95 ms |\n|---|---|---|---|")
    for label, values in (
        ("extractive answer, whole pipeline", plain),
        ("generated answer, whole pipeline", written),
        ("generate stage (≈ verification)", verify),
        ("verification per generated sentence", per_sentence),
    ):
        print(
            f"| {label} | {len(values)} | {statistics.median(values):.2f} | {percentile(values, 0.95):.2f} |"
        )
    print(
        f"\nratio generated / extractive: p50 {statistics.median(written) / statistics.median(plain):.2f}×, "
        f"p95 {percentile(written, 0.95) / percentile(plain, 0.95):.2f}× (before any real model time)"
    )


if __name__ == "__main__":
    main()
