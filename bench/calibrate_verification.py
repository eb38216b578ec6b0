"""How the support rule's thresholds trade supported against unsupported model sentences.

Reads evals/generated_sentences.jsonl: sentences SmolLM2-135M-Instruct wrote for the shipped
questions, each beside the best-matching quote of its passages and labelled by hand as supported
by that quote or not. For each overlap threshold and word limit it prints how many of each the
rule keeps. The labels were made while the thresholds were chosen, so the shipped row is optimistic.
Run: .venv/bin/python bench/calibrate_verification.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine

from assistant.generative import DEFAULT_MAX_NOVEL_WORDS, DEFAULT_OVERLAP_THRESHOLD, SupportRule
from index.embedder import SentenceTransformerEmbedder

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    rows = [json.loads(line) for line in (REPO / "evals/generated_sentences.jsonl").read_text().splitlines()]
    embedder = SentenceTransformerEmbedder()
    claims = embedder.embed([r["sentence"] for r in rows])
    quotes = embedder.embed([r["quote"] for r in rows])
    similarities = [float(np.dot(c, q)) for c, q in zip(claims, quotes, strict=True)]
    supported = sum(r["supported"] for r in rows)
    print(f"# Support rule calibration — {machine()}")
    print(
        f"{len(rows)} labelled sentences: {supported} supported by their quote, {len(rows) - supported} not\n"
    )
    print(
        "| overlap ≥ | new words ≤ | supported kept | unsupported kept | precision |\n|---|---|---|---|---|"
    )
    for overlap in (0.5, 0.6, 0.7, 0.8):
        for novel in (1, 2, 3, 99):
            rule = SupportRule(overlap_threshold=overlap, max_novel_words=novel)
            kept = [
                r["supported"]
                for r, similarity in zip(rows, similarities, strict=True)
                if rule.judge(r["sentence"], [r["quote"]], r["quote"], similarity) is None
            ]
            shipped = overlap == DEFAULT_OVERLAP_THRESHOLD and novel == DEFAULT_MAX_NOVEL_WORDS
            precision = f"{sum(kept) / len(kept):.2f}" if kept else "n/a"
            print(
                f"| {overlap:.1f} | {'any' if novel == 99 else novel}{' (shipped)' if shipped else ''} "
                f"| {sum(kept)}/{supported} | {len(kept) - sum(kept)}/{len(rows) - supported} | {precision} |"
            )


if __name__ == "__main__":
    main()
