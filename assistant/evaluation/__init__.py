"""The evaluation harness: labelled datasets in, metrics with intervals and readable reports out."""

from assistant.evaluation.baseline import PlainRagBaseline
from assistant.evaluation.compare import Comparison, compare_reports, load_report
from assistant.evaluation.dataset import (
    Dataset,
    DatasetIssue,
    EvalCase,
    load_datasets,
    parse_case,
    read_lines,
)
from assistant.evaluation.harness import Evaluation, Harness
from assistant.evaluation.metrics import CaseChecks, Scorecard, Scorer, compute_metrics
from assistant.evaluation.reference import ReferenceCorpus
from assistant.evaluation.runner import CaseOutcome, EvalRunner
from assistant.evaluation.stats import Metric, wilson_interval
from assistant.evaluation.systems import EvalSystemError, HttpSystem, InProcessSystem, SystemUnderTest
from assistant.evaluation.thresholds import Threshold, check_thresholds, load_thresholds

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
