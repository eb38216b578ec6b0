"""Metric values with their uncertainty: Wilson intervals for shares, bootstrap intervals for means and quantiles."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

# Enough resamples for a stable 95% interval while keeping a 1,000-case report under a second.
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20261127

Kind = Literal["proportion", "mean", "quantile", "count"]
Better = Literal["higher", "lower"]


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for `successes` out of `n`; (0, 1) when nothing was measured."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return (0.0, 1.0)
    # scipy.stats takes most of a second to import, and every `assistant` command loads this module.
    from scipy import stats

    interval = stats.binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return (float(interval.low), float(interval.high))


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` quantile by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must lie in [0, 1], got {share}")
    return float(np.quantile(values, share))


def bootstrap_interval(
    values: Sequence[float],
    statistic: Callable[[np.ndarray], np.ndarray],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """A percentile-bootstrap 95% interval, seeded so the same results give the same report.

    `statistic` maps a (resamples × n) array to one value per row, e.g. `lambda a: a.mean(axis=1)`.
    """
    if not values:
        raise ValueError("bootstrap of no values")
    data = np.asarray(values, dtype=float)
    if len(data) == 1:  # scipy refuses a single observation; its every resample is that value
        value = float(statistic(data[None, :])[0])
        return (value, value)
    from scipy import stats

    result = stats.bootstrap(
        (data,),
        lambda resampled, axis: statistic(resampled),  # 1-D data: scipy passes (resamples × n), axis=-1
        n_resamples=resamples,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(seed),
    )
    return (float(result.confidence_interval.low), float(result.confidence_interval.high))


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


@dataclass(frozen=True)
class Metric:
    """One number of the report with its count and interval.

    Shares carry `successes` of `n` and a Wilson interval; means and quantiles a bootstrap interval;
    counts no interval. `value` is None when nothing was measured (n == 0).
    """

    name: str
    label: str
    kind: Kind
    better: Better
    value: float | None
    n: int
    successes: int | None = None
    low: float | None = None
    high: float | None = None
    interval: str | None = None

    @classmethod
    def share(cls, name: str, label: str, successes: int, n: int, better: Better = "higher") -> Metric:
        if n == 0:
            return cls(name, label, "proportion", better, None, 0, 0)
        low, high = wilson_interval(successes, n)
        return cls(name, label, "proportion", better, successes / n, n, successes, low, high, "wilson")

    @classmethod
    def average(cls, name: str, label: str, values: Sequence[float], better: Better = "higher") -> Metric:
        if not values:
            return cls(name, label, "mean", better, None, 0)
        low, high = bootstrap_interval(values, lambda rows: rows.mean(axis=1))
        return cls(name, label, "mean", better, mean(values), len(values), None, low, high, "bootstrap")

    @classmethod
    def quantile(
        cls, name: str, label: str, values: Sequence[float], share: float, better: Better = "lower"
    ) -> Metric:
        if not values:
            return cls(name, label, "quantile", better, None, 0)
        low, high = bootstrap_interval(values, lambda rows: np.quantile(rows, share, axis=1))
        return cls(
            name,
            label,
            "quantile",
            better,
            percentile(values, share),
            len(values),
            None,
            low,
            high,
            "bootstrap",
        )

    @classmethod
    def count(cls, name: str, label: str, count: int, n: int, better: Better = "lower") -> Metric:
        return cls(name, label, "count", better, float(count), n, count)

    @property
    def measured(self) -> bool:
        return self.value is not None

    def worse_than(self, other: Metric | float) -> bool:
        """Whether this value is worse than `other` in the metric's direction."""
        reference = other.value if isinstance(other, Metric) else other
        if self.value is None or reference is None:
            return False
        return self.value < reference if self.better == "higher" else self.value > reference

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Metric:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})

    def formatted(self, digits: int = 3) -> str:
        """`0.912 [0.871, 0.941] n=213` for shares, `12.0 ms` style for the rest."""
        if self.value is None:
            return f"n/a (n={self.n})"
        if self.kind == "count":
            return f"{int(self.value)} (of {self.n})"
        unit = " ms" if self.name.startswith("latency.") else ""
        number = f"{self.value:.1f}{unit}" if unit else f"{self.value:.{digits}f}"
        interval = ""
        if self.low is not None and self.high is not None:
            interval = (
                f" [{self.low:.1f}, {self.high:.1f}]"
                if unit
                else f" [{self.low:.{digits}f}, {self.high:.{digits}f}]"
            )
        count = f" ({self.successes}/{self.n})" if self.kind == "proportion" else f" (n={self.n})"
        return number + interval + count
