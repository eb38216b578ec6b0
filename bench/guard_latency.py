"""Guard latency per message: rules alone, then with the exemplar layer and the trained classifier.

Runs every message of the contrast set through the input rail several times and prints the
median and p95 of each configuration (the median of the per-run medians and p95s).
Run: .venv/bin/python bench/guard_latency.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, percentile

from guardrails import ExemplarClassifier, InputRail, IntentClassifier
from index.embedder import SentenceTransformerEmbedder

CONTRAST = Path(__file__).resolve().parent.parent / "guardrails" / "data" / "contrast.jsonl"


def timed(rail: InputRail, conversations: list[list[str]], vectors: list | None) -> list[float]:
    times = []
    for i, turns in enumerate(conversations):
        started = time.perf_counter()
        rail.run(turns, None if vectors is None else vectors[i])
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cases = [json.loads(line) for line in CONTRAST.read_text().splitlines() if line.strip()]
    conversations = [c.get("turns") or [c["question"]] for c in cases]
    embedder = SentenceTransformerEmbedder()
    vectors = list(embedder.embed([turns[-1] for turns in conversations]))
    exemplars, classifier = ExemplarClassifier(embedder), IntentClassifier(embedder)
    configurations = {
        "rules only": (InputRail(), None),
        "rules + exemplars (query vector shared with retrieval)": (
            InputRail(semantic=[exemplars]),
            vectors,
        ),
        "rules + exemplars + classifier (query vector shared)": (
            InputRail(semantic=[exemplars, classifier]),
            vectors,
        ),
        "rules + semantic (embedding the message itself)": (
            InputRail(semantic=[exemplars, classifier]),
            None,
        ),
    }
    print(f"# Guard latency — {machine()}")
    print(f"{len(conversations)} messages × {args.runs} runs; medians across runs\n")
    for name, (rail, shared) in configurations.items():
        timed(rail, conversations[:20], None if shared is None else shared[:20])  # warm-up
        medians, p95s = [], []
        for _ in range(args.runs):
            times = timed(rail, conversations, shared)
            medians.append(statistics.median(times))
            p95s.append(percentile(times, 0.95))
        print(f"- {name}: median {statistics.median(medians):.2f} ms, p95 {statistics.median(p95s):.2f} ms")


if __name__ == "__main__":
    main()
