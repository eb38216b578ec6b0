"""The retrieval family: where the expected articles rank among the passages retrieved for a question."""

from __future__ import annotations

from collections.abc import Sequence

from evaluation.metrics.checks import ScoredCase
from evaluation.stats import Metric


def article_ranks(expected: Sequence[str], ranked: Sequence[str], depth: int) -> dict[str, int | None]:
    """Each expected article's 1-based rank within the top `depth`, None when it is not there."""
    top = list(ranked[:depth])
    return {a: (top.index(a) + 1 if a in top else None) for a in expected}


def retrieval_metrics(cases: Sequence[ScoredCase], depth: int) -> list[Metric]:
    ranked = [c for c in cases if c.checks.article_ranks]
    ranks = [rank for c in ranked for rank in c.checks.article_ranks.values()]
    reciprocal = [max((1 / r for r in c.checks.article_ranks.values() if r), default=0.0) for c in ranked]
    return [
        Metric.share(
            "retrieval.recall@1",
            "expected articles in the top passage",
            sum(1 for r in ranks if r == 1),
            len(ranks),
        ),
        Metric.share(
            f"retrieval.recall@{depth}",
            f"expected articles among the top {depth} passages",
            sum(1 for r in ranks if r is not None),
            len(ranks),
        ),
        Metric.average(
            f"retrieval.mrr@{depth}",
            "mean reciprocal rank of the first expected article",
            reciprocal,
        ),
    ]
