"""The semantic layers' contract, and the first of them: nearest labelled exemplars.

A semantic layer only speaks when the rules stayed silent. The exemplar layer speaks only when an
unsafe exemplar is both close and clearly closer than the nearest allowed one, so close paraphrases
are caught without refusing look-alikes; `guardrails.classifier` reaches further.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from guardrails.categories import CATEGORIES, CategoryRegistry
from index.embedder import Embedder

DATA = Path(__file__).resolve().parent / "data"
# The training exemplars and the labelled contrast set together form the classifier's memory.
MEMORY_FILES = (DATA / "exemplars.jsonl", DATA / "contrast.jsonl")
# Embedded exemplar sets by the key of their model and texts; read-only once stored.
_embedded_memories: dict[str, np.ndarray] = {}
# After a refused turn the exemplar layer listens more closely.
STRICT_THRESHOLD_DROP = 0.05


@dataclass(frozen=True)
class SemanticHit:
    """An unsafe category found by a semantic layer; `score` and `margin` are on the layer's own scale."""

    category: str
    score: float
    margin: float
    rule: str
    evidence: str


class SemanticLayer(Protocol):
    """Judges one message from its text and embedding; `strict` after a refused turn."""

    @property
    def embedder(self) -> Embedder: ...

    def run(self, vector: np.ndarray, text: str, strict: bool = False) -> SemanticHit | None: ...


def load_labelled(paths: Sequence[Path]) -> tuple[list[str], list[str]]:
    """Single-turn texts and labels from JSONL files; look-alikes count as allowed."""
    texts: list[str] = []
    labels: list[str] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"no labelled guard data at {path}")
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if "turns" in row:
                continue  # multi-turn cases are judged with context, not as standalone text
            texts.append(row.get("text") or row["question"])
            labels.append("allowed" if row["category"] in ("allowed", "lookalike") else row["category"])
    return texts, labels


class ExemplarClassifier:
    """k-nearest-neighbour over labelled exemplars; `threshold` and `margin` are cosine similarities."""

    def __init__(
        self,
        embedder: Embedder,
        memory_files: tuple[Path, ...] = MEMORY_FILES,
        threshold: float = 0.55,
        margin: float = 0.10,
        cache_dir: Path | None = None,
        categories: CategoryRegistry = CATEGORIES,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must lie in (0, 1), got {threshold}")
        if margin < 0:
            raise ValueError(f"margin must not be negative, got {margin}")
        self.embedder = embedder
        self.threshold = threshold
        self.margin = margin
        self.unsafe = categories.unsafe()
        self.texts, self.labels = load_labelled(memory_files)
        self.vectors = self._vectors(cache_dir)

    def _vectors(self, cache_dir: Path | None) -> np.ndarray:
        """The exemplars' embeddings, kept on disk between starts (they cost ~2 s of a cold start)
        and in the process between pipelines (a reindex or a second data folder reuses them)."""
        key = hashlib.sha256(json.dumps([self.embedder.model_id, self.texts]).encode()).hexdigest()[:16]
        if key in _embedded_memories:
            return _embedded_memories[key]
        if cache_dir is None:
            vectors = _embedded_memories[key] = self.embedder.embed(self.texts)
            return vectors
        path = Path(cache_dir) / f"exemplars-{key}.npy"
        if path.exists():
            vectors = _embedded_memories[key] = np.load(path)
            return vectors
        vectors = _embedded_memories[key] = self.embedder.embed(self.texts)
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(staging, vectors)
        staging.replace(path)  # atomic, so concurrent workers never read half a file
        return vectors

    def run(self, vector: np.ndarray, text: str = "", strict: bool = False) -> SemanticHit | None:
        """The unsafe category whose exemplar is nearest, if near enough and ahead of every allowed one."""
        threshold = self.threshold - (STRICT_THRESHOLD_DROP if strict else 0.0)
        similarities = self.vectors @ vector
        best_allowed = max(
            (float(s) for s, label in zip(similarities, self.labels, strict=True) if label == "allowed"),
            default=0.0,
        )
        order = np.argsort(-similarities)
        for i in order[:1]:
            label = self.labels[i]
            similarity = float(similarities[i])
            if label in self.unsafe and similarity >= threshold and similarity - best_allowed >= self.margin:
                return SemanticHit(
                    label, similarity, similarity - best_allowed, f"semantic.exemplar-{i}", self.texts[i]
                )
        return None
