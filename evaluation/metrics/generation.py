"""The generation family: which path answered when a model was asked, and what verification dropped.

With the labels of a simulated model (each generated sentence's truth) it also reports the faults
verification caught and the faithful sentences it lost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.generative import sentence_id
from assistant.results import AnswerResult
from evaluation.metrics.checks import ScoredCase
from evaluation.stats import Metric


@dataclass(frozen=True)
class GeneratedSentence:
    """One sentence the model wrote, named by its hash: a dropped sentence's text is never sent."""

    id: str
    kept: bool
    reason: str | None


@dataclass(frozen=True)
class ModelAsked:
    """An answer the model was asked for: the path that answered, the call's error, each sentence's check."""

    answerer: str
    error: str | None
    sentences: tuple[GeneratedSentence, ...]

    @classmethod
    def of(cls, result: AnswerResult) -> ModelAsked | None:
        """None when no model was asked."""
        summary = result.verification
        if summary is None:
            return None
        sentences = tuple(GeneratedSentence(s.id, s.kept, s.reason) for s in summary.sentences)
        return cls(result.answerer, summary.error, sentences)


def generation_metrics(cases: Sequence[ScoredCase], labels: Mapping[str, str] | None) -> list[Metric]:
    """Nothing unless the system asked a model; the fault metrics only with a simulated model's labels."""
    asked = [
        verification
        for c in cases
        if c.outcome.result is not None and (verification := ModelAsked.of(c.outcome.result)) is not None
    ]
    if not asked:
        return []
    sentences = [s for v in asked for s in v.sentences]
    metrics = [*_answer_metrics(asked), *_sentence_metrics(sentences)]
    if labels is not None:
        metrics += _fault_metrics(sentences, labels)
    return metrics


def _answer_metrics(asked: Sequence[ModelAsked]) -> list[Metric]:
    return [
        Metric.share(
            "generation.answered_by_model",
            "answers the model asked for that used its verified sentences",
            sum(1 for v in asked if v.answerer == "llm"),
            len(asked),
        ),
        Metric.share(
            "generation.model_errors",
            "model calls that failed (timeout, error, open breaker)",
            sum(1 for v in asked if v.error),
            len(asked),
            "lower",
        ),
    ]


def _sentence_metrics(sentences: Sequence[GeneratedSentence]) -> list[Metric]:
    kept = Metric.share(
        "generation.sentences_kept",
        "generated sentences that passed verification",
        sum(1 for s in sentences if s.kept),
        len(sentences),
    )
    reasons = Counter(str(s.reason) for s in sentences if not s.kept)
    dropped = [
        Metric.share(
            f"generation.dropped.{reason}",
            f"generated sentences dropped: {reason}",
            reasons[reason],
            len(sentences),
            "lower",
        )
        for reason in sorted(reasons)
    ]
    return [kept, *dropped]


def _fault_metrics(sentences: Sequence[GeneratedSentence], labels: Mapping[str, str]) -> list[Metric]:
    by_id = {sentence_id(text): label for text, label in labels.items()}
    truth = [(by_id.get(s.id, "unlabelled"), s.kept) for s in sentences]
    faithful = [kept for label, kept in truth if label == "faithful"]
    faults = [(label, kept) for label, kept in truth if label not in ("faithful", "unlabelled")]
    metrics = [
        Metric.share(
            "generation.faithful_kept",
            "faithful generated sentences kept (simulated model)",
            sum(faithful),
            len(faithful),
        ),
        Metric.share(
            "generation.faults_caught",
            "faulty generated sentences dropped (simulated model)",
            sum(1 for _, kept in faults if not kept),
            len(faults),
        ),
    ]
    for kind in sorted({label for label, _ in faults}):
        group = [kept for label, kept in faults if label == kind]
        metrics.append(
            Metric.share(
                f"generation.faults_caught.{kind}",
                f"{kind} sentences dropped (simulated model)",
                sum(1 for kept in group if not kept),
                len(group),
            )
        )
    return metrics
