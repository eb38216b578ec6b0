"""Choose the abstention threshold from labelled questions and print the curve behind the choice.

For every question of the answerable set (evals/questions.jsonl) and the off-topic set
(evals/offtopic.jsonl) it records the best sentence relevance the extractive answerer sees,
then sweeps thresholds and reports accuracy, wrong abstentions and wrong answers at each.
Run: .venv/bin/python bench/calibrate_abstention.py [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from assistant.config import Settings
from assistant.conversation import readings
from assistant.runtime import build_index, load_pipeline

REPO = Path(__file__).resolve().parent.parent


def load_cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir or Path(tempfile.mkdtemp()))
    build_index(settings)
    pipeline = load_pipeline(settings)
    labelled: list[tuple[float, bool]] = []
    for path, should_answer in (
        (REPO / "evals/questions.jsonl", True),
        (REPO / "evals/offtopic.jsonl", False),
    ):
        for case in load_cases(path):
            turns = case.get("turns") or [case["question"]]
            query = readings(turns)[-1]
            vector = pipeline.embedder.embed([query])[0]
            hits = pipeline.retriever.run(query, query_vector=vector)
            pipeline.answerer.abstain_threshold = 0.0
            best = pipeline.answerer.run(query, vector, hits).best_relevance
            labelled.append((best, should_answer))
    answerable = sorted(b for b, a in labelled if a)
    offtopic = sorted(b for b, a in labelled if not a)
    print(
        f"answerable n={len(answerable)} median best relevance {statistics.median(answerable):.3f}, "
        f"p5 {answerable[len(answerable) // 20]:.3f}"
    )
    print(
        f"off-topic  n={len(offtopic)} median best relevance {statistics.median(offtopic):.3f}, max {offtopic[-1]:.3f}"
    )
    print("threshold  accuracy  wrong_abstentions  wrong_answers")
    best_threshold, best_score = 0.0, -1.0
    for step in range(20, 61):
        threshold = step / 100
        wrong_abstain = sum(1 for b in answerable if b < threshold)
        wrong_answer = sum(1 for b in offtopic if b >= threshold)
        accuracy = 1 - (wrong_abstain + wrong_answer) / len(labelled)
        # A wrong answer to an off-topic question costs more than a cautious abstention.
        score = accuracy - 0.5 * wrong_answer / len(labelled)
        if score > best_score:
            best_threshold, best_score = threshold, score
        if step % 2 == 0:
            print(
                f"  {threshold:.2f}      {accuracy:.3f}     {wrong_abstain:3d}/{len(answerable)}            {wrong_answer:3d}/{len(offtopic)}"
            )
    print(f"chosen threshold: {best_threshold:.2f}")


if __name__ == "__main__":
    main()
