"""The distress head: hopelessness read from the letters of a message, in any of the six languages.

The intent classifier reads a MiniLM embedding, and MiniLM was trained on English: "vorrei
sparire", "ya no quiero seguir aquí" and "j'ai plus envie de remonter" land near everyday
sentences. Character n-grams (2 to 5 letters inside word boundaries) see "sparire", "sparissi" and
"disparaître" as the same few pieces whatever the grammar around them, so a logistic regression
over them finds distress the embedding misses. It answers one question only (is this distress?)
and runs first among the semantic layers: a crisis outranks every refusal.

Weights ship in `data/distress-head.npz` with the key of the data they were trained on, like the
intent classifier's; `python -m guardrails.distress` retrains and rewrites them. Serving needs
NumPy only; scikit-learn is imported when training.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from guardrails.classifier import TRAINING_FILES
from guardrails.normalize import basic
from guardrails.semantic import DATA, SemanticHit, load_labelled
from index.embedder import Embedder

SHIPPED_WEIGHTS = DATA / "distress-head.npz"
# The classifier's data plus messages written for this head alone: distress and everyday hyperbole
# in six languages. Given to the classifier too, they made it read short follow-ups ("can it be
# permanent?") as distress; letters do not.
DISTRESS_FILES = (*TRAINING_FILES, DATA / "distress-training.jsonl")
# Chosen on the development sets (distress, distress conversations, homonyms, access): below it
# everyday frustration ("this week is killing me") starts to escalate, above it recall falls fast.
DEFAULT_THRESHOLD = 0.8
SHORTEST, LONGEST = 2, 5
logger = logging.getLogger(__name__)


def char_grams(text: str) -> Counter[str]:
    """Letter n-grams of each word padded with spaces, of the normalised text."""
    grams: Counter[str] = Counter()
    for word in basic(text).split():
        padded = f" {word} "
        for n in range(SHORTEST, min(LONGEST, len(padded)) + 1):
            grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


class DistressHead:
    """A `SemanticLayer` that only ever says "self_harm", when distress is at least `threshold` probable."""

    reads_earlier_turns = True

    def __init__(
        self,
        embedder: Embedder,
        threshold: float = DEFAULT_THRESHOLD,
        training_files: Sequence[Path] = DISTRESS_FILES,
        regularisation: float = 4.0,
        weights_file: Path | None = SHIPPED_WEIGHTS,
        cache_dir: Path | None = None,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must lie in (0, 1), got {threshold}")
        if regularisation <= 0:
            raise ValueError(f"regularisation must be positive, got {regularisation}")
        # Not used to read the text; the rail asks its first layer for the embedder it shares.
        self.embedder = embedder
        self.threshold = threshold
        self.regularisation = regularisation
        texts, labels = load_labelled(training_files)
        if "self_harm" not in labels:
            raise ValueError("the training data has no self_harm messages to learn distress from")
        payload = json.dumps([SHORTEST, LONGEST, regularisation, texts, labels], ensure_ascii=False)
        self.key = hashlib.sha256(payload.encode()).hexdigest()[:16]
        cached = Path(cache_dir) / f"distress-head-{self.key}.npz" if cache_dir is not None else None
        for path in (weights_file, cached):
            if path is not None and self._load(path):
                return
        logger.warning("distress head weights are stale or missing; training (about 10 s)")
        self._fit(texts, [label == "self_harm" for label in labels])
        if cached is not None:
            self.save(cached)

    def _load(self, path: Path) -> bool:
        if not path.exists():
            return False
        with np.load(path) as saved:
            if str(saved["key"]) != self.key:
                return False
            self._column = {gram: i for i, gram in enumerate(str(saved["vocabulary"]).split("\n"))}
            self._idf, self._weights = saved["idf"], saved["weights"]
            self._bias = float(saved["bias"])
        return True

    def _fit(self, texts: list[str], distressed: list[bool]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        # The same features `probability` computes by hand: sublinear counts, smoothed IDF, unit length.
        # (An analyzer returns every occurrence: handed the Counter, scikit-learn would count each once.)
        vectorizer = TfidfVectorizer(
            analyzer=lambda text: list(char_grams(text).elements()), sublinear_tf=True, min_df=2
        )
        features = vectorizer.fit_transform(texts)
        model = LogisticRegression(C=self.regularisation, class_weight="balanced", max_iter=3000)
        model.fit(features, np.array(distressed))
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        self._column = {gram: i for i, gram in enumerate(vocabulary)}
        self._idf = vectorizer.idf_.astype(np.float32)
        self._weights = model.coef_[0].astype(np.float32)
        self._bias = float(model.intercept_[0])

    def save(self, path: Path) -> None:
        """Store the weights with the key of their training data (atomically: workers may race)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_suffix(f".{os.getpid()}.tmp.npz")
        vocabulary = sorted(self._column, key=self._column.__getitem__)
        np.savez_compressed(
            staging,
            key=np.array(self.key),
            vocabulary=np.array("\n".join(vocabulary)),
            idf=self._idf,
            weights=self._weights,
            bias=np.array(self._bias),
        )
        staging.replace(path)

    def probability(self, text: str) -> float:
        """How probable it is that `text` expresses distress about living."""
        found = [(self._column[g], 1 + math.log(c)) for g, c in char_grams(text).items() if g in self._column]
        logit = self._bias
        if found:
            columns = np.array([c for c, _ in found], dtype=np.int64)
            values = np.array([v for _, v in found], dtype=np.float32) * self._idf[columns]
            logit += float(values @ self._weights[columns]) / float(np.linalg.norm(values))
        return 1.0 / (1.0 + math.exp(-logit))

    def run(self, vector: np.ndarray, text: str, strict: bool = False) -> SemanticHit | None:
        probability = self.probability(text)
        if probability < self.threshold:
            return None
        return SemanticHit(
            "self_harm",
            probability,
            probability - self.threshold,
            "semantic.distress-head",
            f"p(distress) = {probability:.2f}",
        )


def main() -> None:
    """Retrain on the shipped data and rewrite the shipped weights."""
    from index.embedder import SentenceTransformerEmbedder

    head = DistressHead(SentenceTransformerEmbedder(), weights_file=None)
    head.save(SHIPPED_WEIGHTS)
    print(f"wrote {SHIPPED_WEIGHTS} ({SHIPPED_WEIGHTS.stat().st_size / 1024:.0f} KB), key {head.key}")
    print(f"vocabulary {len(head._column)} letter n-grams")


if __name__ == "__main__":
    main()
