"""The latency family: median and 95th percentile wall-clock time per status and over all cases."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from evaluation.metrics.checks import ScoredCase
from evaluation.stats import Metric


def latency_metrics(cases: Sequence[ScoredCase]) -> list[Metric]:
    latencies: dict[str, list[float]] = defaultdict(list)
    for c in cases:
        if c.outcome.latency_ms is not None:
            latencies[c.outcome.status].append(c.outcome.latency_ms)
            latencies["all"].append(c.outcome.latency_ms)
    metrics = []
    for status, values in sorted(latencies.items()):
        metrics += [
            Metric.quantile(f"latency.p50_ms.{status}", f"median latency, {status}", values, 0.5),
            Metric.quantile(f"latency.p95_ms.{status}", f"95th percentile latency, {status}", values, 0.95),
        ]
    return metrics
