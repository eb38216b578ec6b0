"""The evaluation harness: labelled datasets in, metrics with intervals and readable reports out."""

from evaluation.baseline import PlainRagBaseline
from evaluation.compare import Comparison, compare_reports, load_report
from evaluation.dataset import (
    Dataset,
    DatasetIssue,
    EvalCase,
    load_datasets,
    parse_case,
    read_lines,
)
from evaluation.harness import Evaluation, Harness
from evaluation.metrics import CaseChecks, Scorecard, Scorer, compute_metrics
from evaluation.reference import ReferenceCorpus
from evaluation.runner import CaseOutcome, EvalRunner
from evaluation.stats import Metric, wilson_interval
from evaluation.systems import EvalSystemError, HttpSystem, InProcessSystem, SystemUnderTest
from evaluation.thresholds import Threshold, check_thresholds, load_thresholds

__all__ = [
    "CaseChecks",
    "CaseOutcome",
    "Comparison",
    "Dataset",
    "DatasetIssue",
    "EvalCase",
    "EvalRunner",
    "EvalSystemError",
    "Evaluation",
    "Harness",
    "HttpSystem",
    "InProcessSystem",
    "Metric",
    "PlainRagBaseline",
    "ReferenceCorpus",
    "Scorecard",
    "Scorer",
    "SystemUnderTest",
    "Threshold",
    "check_thresholds",
    "compare_reports",
    "compute_metrics",
    "load_datasets",
    "load_report",
    "load_thresholds",
    "parse_case",
    "read_lines",
    "wilson_interval",
]
