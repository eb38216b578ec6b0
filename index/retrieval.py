"""Hybrid retrieval: dense (chromadb) and lexical (BM25) results fused by reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from index.embedder import Embedder
from index.passages import IndexedPassage, PassageIndex


@dataclass(frozen=True)
class RetrievedPassage:
    """A passage with how each search ranked it; `score` is the fused RRF score."""

    passage: IndexedPassage
    score: float
    dense_score: float | None
    lexical_score: float | None
    dense_rank: int | None
    lexical_rank: int | None

    def as_dict(self) -> dict[str, Any]:
        p = self.passage
        return {
            "passage_id": p.id,
            "article_id": p.article_id,
            "title": p.title,
            "section": p.section,
            "url": p.url,
            "start": p.start,
            "end": p.end,
            "score": self.score,
            "dense_score": self.dense_score,
            "lexical_score": self.lexical_score,
            "dense_rank": self.dense_rank,
            "lexical_rank": self.lexical_rank,
        }


class Retriever(Protocol):
    """Finds passages for a query; takes a precomputed query vector so the embedding is shared."""

    def run(
        self, query: str, k: int | None = None, query_vector: np.ndarray | None = None
    ) -> list[RetrievedPassage]: ...


class HybridRetriever:
    """Reciprocal rank fusion of dense and lexical rankings over one `PassageIndex`."""

    def __init__(
        self, index: PassageIndex, embedder: Embedder, k: int = 6, candidates: int = 20, rrf_k: int = 60
    ) -> None:
        if k < 1 or candidates < k:
            raise ValueError(f"need 1 <= k <= candidates, got k={k}, candidates={candidates}")
        if rrf_k < 1:
            raise ValueError(f"rrf_k must be positive, got {rrf_k}")
        self.index = index
        self.embedder = embedder
        self.k = k
        self.candidates = candidates
        self.rrf_k = rrf_k

    def run(
        self, query: str, k: int | None = None, query_vector: np.ndarray | None = None
    ) -> list[RetrievedPassage]:
        """The top `k` passages for `query`, best first."""
        k = k or self.k
        if query_vector is None:
            query_vector = self.embedder.embed([query])[0]
        dense = self.index.dense(query_vector, self.candidates)
        lexical = self.index.lexical.search(query, self.candidates)
        fused: dict[str, dict[str, Any]] = {}
        for kind, ranking in (("dense", dense), ("lexical", lexical)):
            for rank, (pid, score) in enumerate(ranking, start=1):
                entry = fused.setdefault(pid, {"score": 0.0})
                entry["score"] += 1.0 / (self.rrf_k + rank)
                entry[f"{kind}_rank"] = rank
                entry[f"{kind}_score"] = score
        ordered = sorted(fused.items(), key=lambda item: (-item[1]["score"], item[0]))
        return [
            RetrievedPassage(
                passage=self.index.passages[pid],
                score=entry["score"],
                dense_score=entry.get("dense_score"),
                lexical_score=entry.get("lexical_score"),
                dense_rank=entry.get("dense_rank"),
                lexical_rank=entry.get("lexical_rank"),
            )
            for pid, entry in ordered[:k]
            if pid in self.index.passages
        ]

    def as_langchain(self) -> Any:
        """This retriever as a LangChain `BaseRetriever` (a `Runnable`: str in, Documents out)."""
        from index.langchain import LangChainHybridRetriever

        return LangChainHybridRetriever(hybrid=self)
