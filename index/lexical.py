"""Lexical search over passages with BM25 (bm25s), persisted next to the vector store."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "ours",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "about",
        "also",
        "any",
        "each",
        "just",
        "more",
        "most",
        "other",
        "own",
        "same",
        "very",
        "get",
        "got",
        "tell",
        "know",
        "please",
    ]
)
_TOKEN = re.compile(r"[a-z0-9]+")


def _stem(token: str) -> str:
    """A deliberately light suffix stripper: enough to match 'risks'/'risk' and 'used'/'use'."""
    if len(token) <= 4 or token.isdigit():
        return token
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            if suffix == "s" and token.endswith("ss"):
                return token
            return token[: -len(suffix)] + replacement
    return token


def _unstemmed_tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOPWORDS]


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, lightly stemmed word tokens."""
    return [_stem(t) for t in _unstemmed_tokens(text)]


def content_words(text: str) -> str:
    """The text's words that are not stop words, lower-cased but unstemmed, so a model can still read them."""
    return " ".join(_unstemmed_tokens(text))


class LexicalIndex:
    """BM25 over a fixed list of passage ids; `search` returns (passage id, score) with score > 0."""

    def __init__(self, passage_ids: Sequence[str], retriever: object) -> None:
        self.passage_ids = list(passage_ids)
        self._retriever = retriever

    @classmethod
    def build(cls, passage_ids: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        if len(passage_ids) != len(texts):
            raise ValueError("passage_ids and texts must have the same length")
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) or ["_empty_"] for t in texts], show_progress=False)
        return cls(passage_ids, retriever)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(folder / "bm25"), show_progress=False)  # type: ignore[attr-defined]
        (folder / "bm25_ids.json").write_text(json.dumps(self.passage_ids))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        return cls(json.loads((folder / "bm25_ids.json").read_text()), retriever)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        tokens = tokenize(query)
        if not tokens or not self.passage_ids:
            return []
        k = min(k, len(self.passage_ids))
        documents, scores = self._retriever.retrieve([tokens], k=k, show_progress=False)  # type: ignore[attr-defined]
        return [
            (self.passage_ids[int(doc)], float(score))
            for doc, score in zip(np.asarray(documents)[0], np.asarray(scores)[0], strict=True)
            if score > 0
        ]
