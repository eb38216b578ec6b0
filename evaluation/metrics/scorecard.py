"""The scorecard: every metric family over the scored cases, the confusion matrix and the raw distributions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evaluation.metrics.abstention import abstention_metrics
from evaluation.metrics.answer_quality import answer_quality_family
from evaluation.metrics.checks import ScoredCase
from evaluation.metrics.citations import SUPPORT_FLOOR, citation_metrics
from evaluation.metrics.content import content_metrics
from evaluation.metrics.generation import generation_metrics
from evaluation.metrics.guard import XSTEST_LABELS, guard_metrics
from evaluation.metrics.latency import latency_metrics
from evaluation.metrics.overall import overall_metrics
from evaluation.metrics.retrieval import retrieval_metrics
from evaluation.stats import Metric


@dataclass
class Scorecard:
    """Scored cases and everything computed from them."""

    cases: list[ScoredCase]
    metrics: dict[str, Metric]
    confusion: dict[str, Any]
    distributions: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "metrics": {name: m.as_dict() for name, m in self.metrics.items()},
            "confusion": self.confusion,
            "distributions": self.distributions,
            "cases": [c.as_dict() for c in self.cases],
        }


def compute_metrics(
    cases: Sequence[ScoredCase],
    retrieval_depth: int = 4,
    support_floor: float = SUPPORT_FLOOR,
    malformed_lines: int = 0,
    lines: int = 0,
    sentence_labels: Mapping[str, str] | None = None,
) -> dict[str, Metric]:
    """Every metric of the report, keyed by a stable dotted name that thresholds and compare refer to."""
    # Reports and compare list the metrics in this order.
    families = [
        overall_metrics(cases, malformed_lines, lines),
        guard_metrics(cases),
        abstention_metrics(cases),
        retrieval_metrics(cases, retrieval_depth),
        citation_metrics(cases, support_floor),
        content_metrics(cases),
        answer_quality_family(cases),
        generation_metrics(cases, sentence_labels),
        latency_metrics(cases),
    ]
    return {metric.name: metric for family in families for metric in family}


def distributions(cases: Sequence[ScoredCase]) -> dict[str, Any]:
    """Raw values behind the distribution charts."""
    latency: dict[str, list[float]] = defaultdict(list)
    for c in cases:
        if c.outcome.latency_ms is not None:
            latency[c.outcome.status].append(round(c.outcome.latency_ms, 2))
    support = [v for c in cases for check in c.checks.citations for v in check.support]
    xstest: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(XSTEST_LABELS, 0))
    for c in cases:
        if c.checks.xstest is not None:
            xstest[c.outcome.case.category][c.checks.xstest] += 1
    return {"latency_ms": dict(latency), "support": support, "xstest": dict(xstest)}
