"""Learned answer selection: the probability that a retrieved sentence answers the question.

Topic similarity alone picks sentences that share the question's subject but not its point
("how long does ketamine stay in your system" → how long the antidepressant effect lasts). A
logistic model over a few cheap features of each candidate (its similarity to the question, how
much of the question's wording it and its section cover, where its passage ranked, whether it can
stand alone) was trained on questions written for training by people who then copied the sentence
that answers each, plus questions the articles do not answer. Serving is a dot product per
candidate: no model call beyond the question's one embedding.

Weights ship in `data/answer-selector.npz` with the key of their training data;
`python -m assistant.selection` retrains them (seconds) after the data changes.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.lexical import tokenize
from index.passages import IndexedPassage, PassageIndex
from index.retrieval import RetrievedPassage

DATA = Path(__file__).resolve().parent / "data"
TRAINING_FILE = DATA / "selector-training.jsonl"
SHIPPED_WEIGHTS = DATA / "answer-selector.npz"

# A sentence opening with one of these leans on the sentence before it ("These risks rise ...").
DEPENDENT_OPENING = re.compile(
    r"^\s*(?:this|these|that|those|such|it|its|they|their|them|he|she|both|neither|"
    r"because\s+of\s+this|as\s+a\s+result|however|but|also|instead|otherwise|even\s+so|in\s+addition|"
    r"similarly|likewise|for\s+(?:this|these|that)\s+reasons?|the\s+same|here|there\s+(?:it|they))\b",
    re.IGNORECASE,
)
GLOSSARY = "glossary"
FEATURES = (
    "similarity",
    "similarity_squared",
    "gap_to_best",
    "similarity_rank",
    "question_words_in_sentence",
    "question_words_in_heading",
    "question_words_in_passage",
    "passage_rank",
    "first_in_passage",
    "glossary",
    "leans_on_previous",
    "log_words",
    "similarity_times_words",
)
FEATURE_VERSION = 2


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, with its features and article-body offsets."""

    passage: IndexedPassage
    start: int
    end: int
    row: int
    similarity: float
    features: np.ndarray


def leans_on_previous(sentence: str) -> bool:
    return bool(DEPENDENT_OPENING.search(sentence))


def candidates(
    index: PassageIndex,
    question: str,
    query_vector: np.ndarray,
    hits: Sequence[RetrievedPassage],
    min_words: int = 5,
) -> list[Candidate]:
    """Every quotable sentence of the retrieved passages with its feature vector."""
    asked = set(tokenize(question))
    raw: list[tuple[IndexedPassage, int, int, int, float, str, int, int]] = []
    for rank, hit in enumerate(hits, start=1):
        for position, row in enumerate(index.sentences(hit.passage.id)):
            text = hit.passage.text[row.start - hit.passage.start : row.end - hit.passage.start]
            if len(text.split()) < min_words or text.rstrip().endswith(("?", ":")):
                continue
            similarity = float(np.dot(index.sentence_vectors[row.row], query_vector))
            raw.append((hit.passage, row.start, row.end, row.row, similarity, text, rank, position))
    if not raw:
        return []
    best = max(r[4] for r in raw)
    order = {id(r): i for i, r in enumerate(sorted(raw, key=lambda r: -r[4]), start=1)}
    share = (lambda words: len(asked & words) / len(asked)) if asked else (lambda words: 0.0)
    out = []
    for item in raw:
        passage, start, end, vector_row, similarity, text, rank, position = item
        words = len(text.split())
        features = np.array(
            [
                similarity,
                similarity * similarity,
                similarity - best,
                1.0 / order[id(item)],
                share(set(tokenize(text))),
                share(set(tokenize(f"{passage.title} {passage.section}"))),
                share(set(tokenize(passage.text))),
                1.0 / rank,
                float(position == 0),
                float(passage.article_id == GLOSSARY),
                float(leans_on_previous(text)),
                math.log(words),
                similarity * share(set(tokenize(text))),
            ],
            dtype=np.float32,
        )
        out.append(Candidate(passage, start, end, vector_row, similarity, features))
    return out


class AnswerSelector:
    """P(sentence answers the question) from the shipped logistic weights."""

    def __init__(self, weights_file: Path = SHIPPED_WEIGHTS, training_file: Path = TRAINING_FILE) -> None:
        if not weights_file.exists():
            raise FileNotFoundError(
                f"no selector weights at {weights_file}: run python -m assistant.selection"
            )
        with np.load(weights_file) as saved:
            names = tuple(str(saved["features"]).split("\n"))
            if names != FEATURES:
                raise ValueError(
                    f"{weights_file} was trained on other features; run python -m assistant.selection"
                )
            self.key = str(saved["key"])
            self.mean, self.scale = saved["mean"], saved["scale"]
            self.weights, self.bias = saved["weights"], float(saved["bias"])
        self.training_file = training_file

    def probabilities(self, found: Sequence[Candidate]) -> np.ndarray:
        if not found:
            return np.zeros(0, dtype=np.float32)
        matrix = (np.stack([c.features for c in found]) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(matrix @ self.weights + self.bias)))


def training_key(path: Path = TRAINING_FILE) -> str:
    digest = hashlib.sha256(path.read_bytes())
    digest.update(f"features={FEATURE_VERSION}:{','.join(FEATURES)}".encode())
    return digest.hexdigest()[:16]


def _normal(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .")


def training_matrix(
    pipeline: object, path: Path = TRAINING_FILE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and question ids of every candidate of every training question."""
    from assistant.pipeline import AnswerPipeline

    assert isinstance(pipeline, AnswerPipeline)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    vectors = pipeline.embedder.embed([r["question"] for r in rows])
    features, labels, groups = [], [], []
    for n, (row, vector) in enumerate(zip(rows, vectors, strict=True)):
        gold = {_normal(a) for a in row["answers"]}
        hits = pipeline.retriever.run(row["question"], k=pipeline.k, query_vector=vector)
        for candidate in candidates(pipeline.index, row["question"], vector, hits):
            text = candidate.passage.text[
                candidate.start - candidate.passage.start : candidate.end - candidate.passage.start
            ]
            features.append(candidate.features)
            labels.append(int(_normal(text) in gold))
            groups.append(n)
    return np.stack(features), np.array(labels), np.array(groups)


def train(pipeline: object, path: Path = TRAINING_FILE, out: Path = SHIPPED_WEIGHTS) -> dict[str, float]:
    """Fit the logistic weights on the training questions and store them with their data key."""
    from sklearn.linear_model import LogisticRegression

    features, labels, _ = training_matrix(pipeline, path)
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit((features - mean) / scale, labels)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        key=np.array(training_key(path)),
        features=np.array("\n".join(FEATURES)),
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        weights=model.coef_[0].astype(np.float32),
        bias=np.array(model.intercept_[0], dtype=np.float32),
    )
    return {"candidates": float(len(labels)), "positives": float(labels.sum())}


def main() -> None:
    """Retrain on the shipped training questions over the shipped corpus and rewrite the weights."""
    import tempfile

    from assistant.config import Settings
    from assistant.runtime import build_index, load_pipeline

    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), answer_cache_size=0, answer_selection="similarity")
        build_index(settings)
        summary = train(load_pipeline(settings))
    print(f"wrote {SHIPPED_WEIGHTS} (key {training_key()}): {summary}")


if __name__ == "__main__":
    main()
