"""The citations family: sentences cited, quotes verbatim, cited sentences like their passages, numbers quoted."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.results import AnswerResult
from evaluation.metrics.answers import answer_sentences, numbers_in, quoted_units
from evaluation.metrics.checks import CaseChecks, CitationCheck, NumberCheck, ScoredCase, share_of
from evaluation.reference import ReferenceCorpus
from evaluation.stats import Metric

# A cited sentence this similar to its passage (MiniLM cosine) counts as supported; below it, the
# sentence usually shares words but not meaning with the passage.
SUPPORT_FLOOR = 0.5


def check_citations(
    reference: ReferenceCorpus, expected: Sequence[str], result: AnswerResult, checks: CaseChecks
) -> None:
    """Record how much of an answer is cited, which quotes are verbatim, and which numbers they hold."""
    by_number = {c.n: c for c in result.citations}
    sentences = quoted_units(answer_sentences(result.answer), {n: c.quote for n, c in by_number.items()})
    checks.sentences = len(sentences)
    checks.cited_sentences = sum(1 for s in sentences if any(n in by_number for n in s.markers))
    for citation in result.citations:
        problem = reference.quote_problem(citation)
        checks.citations.append(
            CitationCheck(citation.n, citation.article_id, citation.passage_id, problem is None, problem)
        )
        if problem:
            checks.reasons.append(f"citation [{citation.n}] invalid: {problem}")
    for sentence in sentences:
        quotes = " ".join(by_number[n].quote for n in sentence.markers if n in by_number)
        in_quotes = numbers_in(quotes)
        for number in sorted(numbers_in(sentence.text)):
            checks.numbers.append(NumberCheck(number, number in in_quotes, sentence.text))
    if expected:
        checks.expected_article_cited = any(c.article_id in expected for c in result.citations)


def cited_passages(
    cases: Sequence[ScoredCase], reference: ReferenceCorpus
) -> list[tuple[CitationCheck, str, str]]:
    """(citation check, sentence, passage text) for every sentence of every answer and passage it cites."""
    pairs = []
    for scored in cases:
        result = scored.outcome.result
        if result is None or result.status != "answered":
            continue
        checks = {check.n: check for check in scored.checks.citations}
        by_number = {c.n: c for c in result.citations}
        for sentence in answer_sentences(result.answer):
            for n in sentence.markers:
                if n not in by_number:
                    continue
                passage = reference.passage_text(by_number[n])
                if passage is not None:
                    pairs.append((checks[n], sentence.text, passage))
    return pairs


def citation_metrics(cases: Sequence[ScoredCase], support_floor: float) -> list[Metric]:
    """Over the answered cases only: a refusal or an abstention has nothing to cite."""
    answered = [c for c in cases if c.outcome.status == "answered"]
    return [
        *_coverage_metrics(answered),
        *_quote_metrics([check for c in answered for check in c.checks.citations], support_floor),
        *_number_metrics(answered),
        share_of(
            "citations.expected_article_cited",
            "answers citing an expected article",
            [c for c in answered if c.checks.expected_article_cited is not None],
            lambda c: c.checks.expected_article_cited,
        ),
    ]


def _coverage_metrics(answered: Sequence[ScoredCase]) -> list[Metric]:
    return [
        Metric.share(
            "citations.coverage",
            "answer sentences carrying a citation",
            sum(c.checks.cited_sentences for c in answered),
            sum(c.checks.sentences for c in answered),
        ),
        share_of(
            "citations.fully_cited",
            "answers with every sentence cited",
            answered,
            lambda c: c.checks.sentences > 0 and c.checks.cited_sentences == c.checks.sentences,
        ),
    ]


def _quote_metrics(citations: Sequence[CitationCheck], support_floor: float) -> list[Metric]:
    support = [value for check in citations for value in check.support]
    return [
        Metric.share(
            "citations.quote_validity",
            "quotes found verbatim at their offsets",
            sum(1 for check in citations if check.valid),
            len(citations),
        ),
        Metric.average("citations.support.mean", "similarity of cited sentences to their passages", support),
        Metric.quantile(
            "citations.support.p10", "10th percentile of that similarity", support, 0.10, "higher"
        ),
        Metric.share(
            "citations.supported",
            f"cited sentences with similarity ≥ {support_floor}",
            sum(1 for v in support if v >= support_floor),
            len(support),
        ),
    ]


def _number_metrics(answered: Sequence[ScoredCase]) -> list[Metric]:
    with_numbers = [c for c in answered if c.checks.numbers]
    numbers = [n for c in with_numbers for n in c.checks.numbers]
    return [
        share_of(
            "citations.number_faithfulness",
            "answers whose every number is in its cited quote",
            with_numbers,
            lambda c: all(n.in_quote for n in c.checks.numbers),
        ),
        Metric.share(
            "citations.numbers_in_quotes",
            "numbers found in their cited quote",
            sum(1 for n in numbers if n.in_quote),
            len(numbers),
        ),
    ]
