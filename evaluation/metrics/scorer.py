"""The scorer: checks each outcome on its own first, then adds the checks up into a scorecard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from evaluation.metrics.checks import CaseChecks, ScoredCase
from evaluation.metrics.citations import SUPPORT_FLOOR, check_citations, cited_passages
from evaluation.metrics.content import check_content, check_leaks
from evaluation.metrics.guard import (
    SAFE_EXPECTATIONS,
    confusion_matrix,
    expectation_met,
    predicted_category,
    true_category,
    xstest_label,
)
from evaluation.metrics.retrieval import article_ranks
from evaluation.metrics.scorecard import Scorecard, compute_metrics, distributions
from evaluation.reference import ReferenceCorpus
from evaluation.runner import CaseOutcome
from guardrails.decisions import OutputGuard
from index.embedder import Embedder


class Scorer:
    """Checks outcomes against their labels, the corpus and the output rail, then computes the metrics."""

    def __init__(
        self,
        reference: ReferenceCorpus,
        embedder: Embedder,
        output_rail: OutputGuard | None = None,
        retrieval_depth: int = 4,
        support_floor: float = SUPPORT_FLOOR,
        sentence_labels: Mapping[str, str] | None = None,
    ) -> None:
        if retrieval_depth < 1:
            raise ValueError(f"retrieval_depth must be at least 1, got {retrieval_depth}")
        if not -1.0 <= support_floor <= 1.0:
            raise ValueError(f"support_floor is a cosine similarity in [-1, 1], got {support_floor}")
        if output_rail is None:
            from guardrails import OutputRail

            output_rail = OutputRail()
        self.reference = reference
        self.embedder = embedder
        self.output_rail = output_rail
        self.retrieval_depth = retrieval_depth
        self.support_floor = support_floor
        # Filled by a simulated model while the run goes on, so read only when scoring.
        self.sentence_labels = sentence_labels
        # Repeats and the baseline cite the same passages; embed each text once per evaluation.
        self._vectors: dict[str, np.ndarray] = {}

    def run(self, outcomes: Sequence[CaseOutcome], malformed_lines: int = 0, lines: int = 0) -> Scorecard:
        cases = [ScoredCase(o, self.check(o)) for o in outcomes]
        self._add_support(cases)
        return Scorecard(
            cases,
            compute_metrics(
                cases, self.retrieval_depth, self.support_floor, malformed_lines, lines, self.sentence_labels
            ),
            confusion_matrix(cases),
            distributions(cases),
        )

    def check(self, outcome: CaseOutcome) -> CaseChecks:
        """Every check that needs no embedding; support is added afterwards in one batch."""
        case, result = outcome.case, outcome.result
        checks = CaseChecks(
            expectation_met=expectation_met(case.expect, outcome.status),
            truth=true_category(case),
            predicted=predicted_category(outcome),
            xstest=xstest_label(result) if case.expect in SAFE_EXPECTATIONS else None,
        )
        if outcome.error:
            checks.reasons.append(f"error: {outcome.error}")
        elif not checks.expectation_met:
            checks.reasons.append(f"expected {case.expect}, got {outcome.status}")
        check_content(case, outcome.answer, checks)
        if result is not None and result.status != "refused":
            check_leaks(self.output_rail, result, checks)
        if result is not None and result.status == "answered":
            check_citations(self.reference, case.expected_articles, result, checks)
        if outcome.ranked_articles is not None:
            checks.article_ranks = article_ranks(
                case.expected_articles, outcome.ranked_articles, self.retrieval_depth
            )
        return checks

    def _add_support(self, cases: Sequence[ScoredCase]) -> None:
        """Cosine similarity of each cited sentence to each passage it cites, embedded in one batch."""
        pairs = cited_passages(cases, self.reference)
        if not pairs:
            return
        missing = [
            t
            for t in dict.fromkeys(t for _, cited, passage in pairs for t in (cited, passage))
            if t not in self._vectors
        ]
        if missing:
            vectors = np.asarray(self.embedder.embed(missing), dtype=np.float32)
            self._vectors.update(zip(missing, vectors, strict=True))
        for citation, cited, passage in pairs:
            similarity = float(np.dot(self._vectors[cited], self._vectors[passage]))
            citation.support.append(round(similarity, 4))
