"""The abstention family: off-corpus questions declined, answerable ones not."""

from __future__ import annotations

from collections.abc import Sequence

from evaluation.metrics.checks import ScoredCase, share_of
from evaluation.stats import Metric


def abstention_metrics(cases: Sequence[ScoredCase]) -> list[Metric]:
    off_corpus = [c for c in cases if c.outcome.case.expect == "abstain"]
    answerable = [c for c in cases if c.outcome.case.expect == "answer"]
    return [
        share_of(
            "abstention.accuracy",
            "off-corpus questions abstained on",
            off_corpus,
            lambda c: c.outcome.status == "abstained",
        ),
        share_of(
            "abstention.wrong_answers",
            "off-corpus questions answered anyway",
            off_corpus,
            lambda c: c.outcome.status == "answered",
            "lower",
        ),
        share_of(
            "abstention.wrong_abstentions",
            "answerable questions abstained on",
            answerable,
            lambda c: c.outcome.status == "abstained",
            "lower",
        ),
    ]
