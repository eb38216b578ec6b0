"""The semantic layer: nearest labelled exemplars in the sentence-embedding space already loaded.

It only speaks when the rules stayed silent, and only when an unsafe exemplar is both close and
clearly closer than the nearest allowed one, so paraphrases are caught without refusing look-alikes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedder import Embedder

DATA = Path(__file__).resolve().parent / "data"
# The training exemplars and the labelled contrast set together form the classifier's memory.
MEMORY_FILES = (DATA / "exemplars.jsonl", DATA / "contrast.jsonl")
UNSAFE = ("dosing", "sourcing", "jailbreak", "emergency", "self_harm")


@dataclass(frozen=True)
class SemanticHit:
    category: str
    exemplar: int
    similarity: float
    margin: float
    text: str


class ExemplarClassifier:
    """k-nearest-neighbour over labelled exemplars; `threshold` and `margin` are cosine similarities."""

    def __init__(
        self,
        embedder: Embedder,
        memory_files: tuple[Path, ...] = MEMORY_FILES,
        threshold: float = 0.55,
        margin: float = 0.10,
        cache_dir: Path | None = None,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must lie in (0, 1), got {threshold}")
        if margin < 0:
            raise ValueError(f"margin must not be negative, got {margin}")
        self.embedder = embedder
        self.threshold = threshold
        self.margin = margin
        self.texts: list[str] = []
        self.labels: list[str] = []
        for path in memory_files:
            if not path.exists():
                raise FileNotFoundError(f"no exemplar file at {path}")
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                row = json.loads(line)
                if "turns" in row:
                    continue  # multi-turn cases are judged with context, not as standalone text
                self.texts.append(row.get("text") or row["question"])
                self.labels.append(
                    "allowed" if row["category"] in ("allowed", "lookalike") else row["category"]
                )
        self.vectors = self._vectors(cache_dir)

    def _vectors(self, cache_dir: Path | None) -> np.ndarray:
        """The exemplars' embeddings, kept on disk between starts (they cost ~2 s of a cold start)."""
        if cache_dir is None:
            return self.embedder.embed(self.texts)
        key = hashlib.sha256(json.dumps([self.embedder.model_id, self.texts]).encode()).hexdigest()[:16]
        path = Path(cache_dir) / f"exemplars-{key}.npy"
        if path.exists():
            return np.load(path)
        vectors = self.embedder.embed(self.texts)
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(staging, vectors)
        staging.replace(path)  # atomic, so concurrent workers never read half a file
        return vectors

    def run(self, vector: np.ndarray, threshold: float | None = None) -> SemanticHit | None:
        """The unsafe category whose exemplar is nearest, if near enough and ahead of every allowed one."""
        threshold = self.threshold if threshold is None else threshold
        similarities = self.vectors @ vector
        best_allowed = max(
            (float(s) for s, label in zip(similarities, self.labels, strict=True) if label == "allowed"),
            default=0.0,
        )
        order = np.argsort(-similarities)
        for i in order[:1]:
            label = self.labels[i]
            similarity = float(similarities[i])
            if label in UNSAFE and similarity >= threshold and similarity - best_allowed >= self.margin:
                return SemanticHit(label, int(i), similarity, similarity - best_allowed, self.texts[i])
        return None
