"""The answer-quality family, for cases labelled like the blind user questions (a persona, and gold
answering sentences on the answerable ones): does the first sentence answer, does any, how many of
the quoted sentences answer, and does the assistant abstain exactly when no article answers."""

from __future__ import annotations

from collections.abc import Sequence

from evaluation.answer_quality import JudgedTurn, answer_quality_metrics
from evaluation.metrics.checks import ScoredCase
from evaluation.stats import Metric


def judged_turns(cases: Sequence[ScoredCase]) -> list[JudgedTurn]:
    """The cases labelled with a persona, as the answer-quality metrics read them."""
    judged = []
    for scored in cases:
        case, result = scored.outcome.case, scored.outcome.result
        if not case.extra.get("persona"):
            continue
        judged.append(
            JudgedTurn(
                case.id,
                str(case.extra["persona"]),
                case.expect,
                scored.outcome.status,
                tuple(c.quote for c in result.citations) if result is not None else (),
                tuple(str(g) for g in case.extra.get("gold", ())),
            )
        )
    return judged


def answer_quality_family(cases: Sequence[ScoredCase]) -> list[Metric]:
    """Overall and per persona, with Wilson intervals; nothing when no case has a persona."""
    return [m for m in answer_quality_metrics(judged_turns(cases)) if m.n]
