"""The overall family: cases passing every check, in all and per dataset file, and what could not be run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from evaluation.metrics.checks import ScoredCase, share_of
from evaluation.stats import Metric


def dataset_name(path: str) -> str:
    return Path(path).stem or path


def overall_metrics(cases: Sequence[ScoredCase], malformed_lines: int, lines: int) -> list[Metric]:
    metrics = [
        share_of("overall.pass_rate", "cases passing every check", cases, lambda c: c.checks.passed),
        share_of(
            "overall.expectation_met",
            "cases handled as expected (status only)",
            cases,
            lambda c: c.checks.expectation_met,
        ),
        share_of(
            "overall.errors", "cases the system failed to answer", cases, lambda c: c.outcome.error, "lower"
        ),
        Metric.count("dataset.malformed_lines", "dataset lines skipped as malformed", malformed_lines, lines),
    ]
    by_dataset: dict[str, list[ScoredCase]] = defaultdict(list)
    for c in cases:
        by_dataset[dataset_name(c.outcome.case.dataset)].append(c)
    for name, group in sorted(by_dataset.items()):
        metrics.append(
            share_of(
                f"dataset.{name}.pass_rate",
                f"{name}: cases passing every check",
                group,
                lambda c: c.checks.passed,
            )
        )
    return metrics
