"""`--fail-under`: floors and ceilings for metrics, read from a TOML file.

    [min]                       # the metric must be at least this
    "overall.pass_rate" = 0.95
    [max]                       # the metric must be at most this
    "content.leaks" = 0.0

A metric that was not measured, or does not exist, fails: a typo must not pass silently.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from corpus.errors import AssistantError

Bound = Literal["min", "max"]


class ThresholdFileError(AssistantError):
    """The thresholds file cannot be used."""


@dataclass(frozen=True)
class Threshold:
    metric: str
    bound: Bound
    limit: float


@dataclass(frozen=True)
class ThresholdResult:
    threshold: Threshold
    value: float | None
    passed: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        t = self.threshold
        return {
            "metric": t.metric,
            "bound": t.bound,
            "limit": t.limit,
            "value": self.value,
            "passed": self.passed,
            "message": self.message,
        }


def load_thresholds(path: Path | str) -> list[Threshold]:
    """The thresholds in `path`; raises ThresholdFileError naming the file and the problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ThresholdFileError(f"thresholds file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThresholdFileError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"min", "max"}
    if unknown:
        raise ThresholdFileError(
            f"{path}: unknown table(s) {', '.join(sorted(unknown))}; use [min] and [max] "
            '(quote dotted metric names: "overall.pass_rate" = 0.9)'
        )
    thresholds = []
    for bound in ("min", "max"):
        table = data.get(bound, {})
        if not isinstance(table, dict):
            raise ThresholdFileError(f"{path}: [{bound}] must be a table of metric = number")
        for metric, limit in _flatten(table):
            if isinstance(limit, bool) or not isinstance(limit, int | float):
                raise ThresholdFileError(f"{path}: [{bound}] {metric!r} must be a number, got {limit!r}")
            thresholds.append(Threshold(metric, bound, float(limit)))
    if not thresholds:
        raise ThresholdFileError(f"{path}: no thresholds; add a [min] or [max] table")
    return thresholds


def _flatten(table: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    # An unquoted dotted key (overall.pass_rate = 0.9) arrives as nested tables; accept both spellings.
    pairs: list[tuple[str, object]] = []
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            pairs.extend(_flatten(value, name))
        else:
            pairs.append((name, value))
    return pairs


def check_thresholds(
    thresholds: list[Threshold], values: Mapping[str, float | None]
) -> list[ThresholdResult]:
    """Each threshold against the metric values (one run's, or the mean over repeats)."""
    results = []
    for threshold in thresholds:
        name, limit = threshold.metric, threshold.limit
        if name not in values:
            close = difflib.get_close_matches(name, list(values), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            results.append(ThresholdResult(threshold, None, False, f"{name}: no such metric{hint}"))
            continue
        value = values[name]
        if value is None:
            results.append(ThresholdResult(threshold, None, False, f"{name}: not measured on these datasets"))
            continue
        passed = value >= limit if threshold.bound == "min" else value <= limit
        relation = (
            (">=" if threshold.bound == "min" else "<=")
            if passed
            else ("<" if threshold.bound == "min" else ">")
        )
        results.append(
            ThresholdResult(
                threshold, value, passed, f"{name} = {value:.4g} {relation} {threshold.bound} {limit:g}"
            )
        )
    return results
