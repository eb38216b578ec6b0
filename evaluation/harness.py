"""One evaluation: run the cases through our system (N times) and the baseline, score, and gather the report."""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evaluation.dataset import Dataset
from evaluation.metrics import Scorecard, Scorer
from evaluation.runner import EvalRunner
from evaluation.systems import SystemUnderTest
from evaluation.thresholds import Threshold, ThresholdResult, check_thresholds

REPORT_SCHEMA = 1


@dataclass
class SystemRun:
    """One pass of every case through one system, scored."""

    system: dict[str, Any]
    scorecard: Scorecard
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"system": self.system, "seconds": round(self.seconds, 2), **self.scorecard.as_dict()}


@dataclass
class Evaluation:
    """Everything the report files show."""

    dataset: Dataset
    runs: list[SystemRun]
    baseline: SystemRun | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    threshold_results: list[ThresholdResult] | None = None
    threshold_file: str | None = None

    @property
    def main(self) -> SystemRun:
        return self.runs[0]

    def metric_values(self) -> dict[str, float | None]:
        """Each metric's value, the mean over repeated runs when there are several."""
        names = self.main.scorecard.metrics
        values: dict[str, float | None] = {}
        for name in names:
            measured = [v for run in self.runs if (v := _value(run, name)) is not None]
            values[name] = statistics.fmean(measured) if measured else None
        return values

    def spread(self) -> dict[str, dict[str, Any]]:
        """Per metric across repeated runs: every value, mean, standard deviation, min and max."""
        if len(self.runs) < 2:
            return {}
        spread = {}
        for name in self.main.scorecard.metrics:
            values = [v for run in self.runs if (v := _value(run, name)) is not None]
            if not values:
                continue
            spread[name] = {
                "values": [round(v, 6) for v in values],
                "mean": statistics.fmean(values),
                "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
                "min": min(values),
                "max": max(values),
            }
        return spread

    def unstable_cases(self) -> list[dict[str, Any]]:
        """Cases whose status or pass/fail differed between repeated runs."""
        if len(self.runs) < 2:
            return []
        unstable = []
        for i, scored in enumerate(self.main.scorecard.cases):
            statuses = [run.scorecard.cases[i].outcome.status for run in self.runs]
            passes = [run.scorecard.cases[i].checks.passed for run in self.runs]
            if len(set(statuses)) > 1 or len(set(passes)) > 1:
                case = scored.outcome.case
                unstable.append(
                    {"id": case.id, "category": case.category, "statuses": statuses, "passed": passes}
                )
        return unstable

    def check(self, thresholds: Sequence[Threshold], source: str) -> list[ThresholdResult]:
        self.threshold_results = check_thresholds(list(thresholds), self.metric_values())
        self.threshold_file = source
        return self.threshold_results

    @property
    def thresholds_passed(self) -> bool:
        return self.threshold_results is None or all(r.passed for r in self.threshold_results)

    def as_dict(self) -> dict[str, Any]:
        main = self.main.as_dict()
        return {
            "schema": REPORT_SCHEMA,
            "created_at": self.created_at,
            "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
            "settings": self.settings,
            "datasets": [{"path": path, "cases": count} for path, count in self.dataset.files.items()],
            "dataset_lines": self.dataset.lines,
            "dataset_issues": [
                {"path": i.path, "line": i.line, "message": i.message} for i in self.dataset.issues
            ],
            "repeat": len(self.runs),
            **main,
            "run_seconds": [round(run.seconds, 2) for run in self.runs],
            "spread": self.spread(),
            "unstable_cases": self.unstable_cases(),
            "baseline": self.baseline.as_dict() if self.baseline else None,
            "thresholds": None
            if self.threshold_results is None
            else {
                "file": self.threshold_file,
                "passed": self.thresholds_passed,
                "results": [r.as_dict() for r in self.threshold_results],
            },
        }


def _value(run: SystemRun, name: str) -> float | None:
    metric = run.scorecard.metrics.get(name)
    return metric.value if metric else None


class Harness:
    """Runs a dataset through a system `repeat` times (and once through a baseline), scoring each pass."""

    def __init__(
        self,
        scorer: Scorer,
        repeat: int = 1,
        concurrency: int = 1,
        progress: bool = True,
    ) -> None:
        if repeat < 1:
            raise ValueError(f"repeat must be at least 1, got {repeat}")
        self.scorer = scorer
        self.repeat = repeat
        self.concurrency = concurrency
        self.progress = progress

    def run(
        self,
        dataset: Dataset,
        system: SystemUnderTest,
        baseline: SystemUnderTest | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Evaluation:
        runs = []
        for attempt in range(1, self.repeat + 1):
            label = system.name if self.repeat == 1 else f"{system.name} {attempt}/{self.repeat}"
            runs.append(self._pass(dataset, system, self.concurrency, label))
        baseline_run = self._pass(dataset, baseline, 1, baseline.name) if baseline is not None else None
        return Evaluation(dataset, runs, baseline_run, dict(settings or {}))

    def _pass(self, dataset: Dataset, system: SystemUnderTest, concurrency: int, label: str) -> SystemRun:
        runner = EvalRunner(
            system,
            concurrency=concurrency if system.concurrent else 1,
            retrieval_depth=self.scorer.retrieval_depth,
            progress=self.progress,
            description=label,
        )
        _warm_up(system)
        started = time.perf_counter()
        outcomes = runner.run(dataset.cases)
        seconds = time.perf_counter() - started
        scorecard = self.scorer.run(outcomes, malformed_lines=len(dataset.issues), lines=dataset.lines)
        return SystemRun(system.describe(), scorecard, seconds)


# Not a dataset question, so a server's answer cache cannot turn the first real case into a hit.
WARM_UP_QUESTION = "Evaluation warm-up: which medicines do your articles cover?"


def _warm_up(system: SystemUnderTest) -> None:
    """One untimed call, so model loading and first-call caches do not land in the first case's latency."""
    with contextlib.suppress(Exception):  # a system that fails here fails again, visibly, on the real case
        system.run([{"role": "user", "content": WARM_UP_QUESTION}])
