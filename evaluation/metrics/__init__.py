"""Scoring: each outcome is checked on its own first, then the checks add up to metrics with intervals.

One module per metric family (overall, guard, abstention, retrieval, citations, content, generation,
latency; answer quality lives in `evaluation.answer_quality`); `scorecard.compute_metrics` composes
them and `scorer.Scorer` runs the per-case checks.
"""

from evaluation.metrics.answers import MarkedSentence, answer_sentences, numbers_in, quoted_units
from evaluation.metrics.checks import CaseChecks, CitationCheck, Leak, NumberCheck, ScoredCase
from evaluation.metrics.citations import SUPPORT_FLOOR
from evaluation.metrics.generation import GeneratedSentence, ModelAsked
from evaluation.metrics.guard import (
    ALLOWED,
    BLOCKING_EXPECTATIONS,
    EXPECTED_STATUS,
    SAFE_EXPECTATIONS,
    XSTEST_LABELS,
    confusion_matrix,
    expectation_met,
    xstest_label,
)
from evaluation.metrics.overall import dataset_name
from evaluation.metrics.scorecard import Scorecard, compute_metrics, distributions
from evaluation.metrics.scorer import Scorer

__all__ = [
    "ALLOWED",
    "BLOCKING_EXPECTATIONS",
    "EXPECTED_STATUS",
    "SAFE_EXPECTATIONS",
    "SUPPORT_FLOOR",
    "XSTEST_LABELS",
    "CaseChecks",
    "CitationCheck",
    "GeneratedSentence",
    "Leak",
    "MarkedSentence",
    "ModelAsked",
    "NumberCheck",
    "Scorecard",
    "ScoredCase",
    "Scorer",
    "answer_sentences",
    "compute_metrics",
    "confusion_matrix",
    "dataset_name",
    "distributions",
    "expectation_met",
    "numbers_in",
    "quoted_units",
    "xstest_label",
]
