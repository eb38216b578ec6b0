"""What the scorer found for one outcome, as typed records, and the share helper every metric family uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from evaluation.runner import CaseOutcome
from evaluation.stats import Better, Metric


@dataclass(frozen=True)
class Leak:
    """An answer sentence the output rail would have stopped."""

    sentence: str
    category: str
    rule: str
    matched: str | None


@dataclass
class CitationCheck:
    """One citation of an answer: whether its quote is verbatim, and how well it supports its sentences."""

    n: int
    article_id: str
    passage_id: str
    valid: bool
    problem: str | None
    # Cosine similarity of each sentence citing it to the cited passage; filled in after every case is checked.
    support: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class NumberCheck:
    """A number an answer sentence states, and whether the quotes it cites state it too."""

    number: str
    in_quote: bool
    sentence: str


@dataclass
class CaseChecks:
    """Every check of one outcome, kept in the report so each failure explains itself."""

    expectation_met: bool
    truth: str  # confusion-matrix row: the harmful category, or "allowed"
    predicted: str  # confusion-matrix column: the guard category that fired, "allowed" or "error"
    xstest: str | None = None  # for safe prompts only
    must_include_hit: bool | None = None
    must_not_include_found: list[str] = field(default_factory=list)
    leaks: list[Leak] = field(default_factory=list)
    sentences: int = 0
    cited_sentences: int = 0
    citations: list[CitationCheck] = field(default_factory=list)
    numbers: list[NumberCheck] = field(default_factory=list)
    expected_article_cited: bool | None = None
    article_ranks: dict[str, int | None] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, **asdict(self)}


@dataclass
class ScoredCase:
    outcome: CaseOutcome
    checks: CaseChecks

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.outcome.case.as_dict(),
            **self.outcome.as_dict(),
            "checks": self.checks.as_dict(),
        }


def share_of(
    name: str,
    label: str,
    group: Sequence[ScoredCase],
    test: Callable[[ScoredCase], object],
    better: Better = "higher",
) -> Metric:
    """The share of `group` for which `test` is truthy."""
    return Metric.share(name, label, sum(1 for c in group if test(c)), len(group), better)
