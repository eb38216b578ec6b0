"""Answer-quality metrics on questions labelled with gold answering sentences.

A labeller who read the articles marked each user turn `answer` (with every sentence that answers
it, copied verbatim), `abstain`, `refuse` or `escalate`. These metrics ask what a reader feels: does
the first sentence answer the question, does any, how many of the quoted sentences answer it, and
does the assistant abstain exactly when no article answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assistant.results import AnswerResult
from evaluation.stats import Metric


class Answers(Protocol):
    def run(self, conversation: list[dict[str, str]]) -> AnswerResult: ...


def ask_turn_by_turn(system: Answers, turns: Sequence[str]) -> AnswerResult:
    """The reply to the last of `turns`, asked one at a time with each reply sent back before the
    next, as the widget, the CLI and the harness's runner ask (a reply does not lead with what the
    one before it led with)."""
    if not turns:
        raise ValueError("no turns to ask")
    conversation: list[dict[str, str]] = []
    for turn in turns:
        conversation.append({"role": "user", "content": turn})
        result = system.run(conversation)
        conversation.append({"role": "assistant", "content": result.answer})
    return result


_MARKUP = re.compile(r"[*_`]+")
_WORD = re.compile(r"\w+")
# A quote that rewords a gold sentence slightly (an article revised after labelling) still counts.
SAME_SENTENCE_OVERLAP = 0.8


def _normal(text: str) -> str:
    return " ".join(_MARKUP.sub("", text).casefold().split()).strip(" .")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def quotes_gold(quote: str, gold: Iterable[str]) -> bool:
    """Whether a quoted span contains (or is, up to a light revision) one of the gold sentences."""
    said = _normal(quote)
    said_words = _words(said)
    for sentence in gold:
        wanted = _normal(sentence)
        if wanted and (wanted in said or (said in wanted and len(said) > 0.6 * len(wanted))):
            return True
        wanted_words = _words(wanted)
        union = said_words | wanted_words
        if union and len(said_words & wanted_words) / len(union) >= SAME_SENTENCE_OVERLAP:
            return True
    return False


@dataclass(frozen=True)
class JudgedTurn:
    """One labelled turn and what the assistant did with it."""

    case_id: str
    persona: str
    expect: str
    status: str
    quotes: tuple[str, ...]
    gold: tuple[str, ...]

    @classmethod
    def of(cls, case: Mapping[str, Any], status: str, quotes: Sequence[str]) -> JudgedTurn:
        """A row of evals/user_questions.jsonl and the status and quotes of the reply to it."""
        return cls(
            case["id"], case["persona"], case["expect"], status, tuple(quotes), tuple(case.get("gold", ()))
        )

    @property
    def first_answers(self) -> bool:
        return self.status == "answered" and bool(self.quotes) and quotes_gold(self.quotes[0], self.gold)

    @property
    def any_answers(self) -> bool:
        return self.status == "answered" and any(quotes_gold(q, self.gold) for q in self.quotes)

    @property
    def gold_quotes(self) -> int:
        return sum(quotes_gold(q, self.gold) for q in self.quotes)


# The blind answer sets in evals/, each labelled by helpers who read the articles (docs/evaluation.md).
BLIND_SETS = (
    "user_questions.jsonl",
    "user_followups.jsonl",
    "user_questions_more.jsonl",
    "user_questions_personas.jsonl",
    "user_first_questions.jsonl",
    "user_questions_new_subjects.jsonl",
    "user_questions_situations.jsonl",
)

# Pooled judgements (evals/pooled_judgements.jsonl): a sentence the assistant quoted that no labeller
# copied, ruled on by three judges who never saw the corpus or the code. Two "yes" of three accept it.
JUDGES_TO_ACCEPT = 2


def accepted_by_judges(votes: Sequence[str]) -> bool:
    """Whether a pooled sentence answers its turn: a majority of the judges said it does."""
    return sum(vote == "yes" for vote in votes) >= JUDGES_TO_ACCEPT


def with_pooled_judgements(
    cases: Iterable[Mapping[str, Any]], judgements: Iterable[Mapping[str, Any]], dataset: str
) -> list[dict[str, Any]]:
    """The cases of `dataset` with every pooled sentence the judges accepted added to its turn's gold.

    A turn labelled `abstain` that gains a gold sentence becomes answerable: the judges found an
    article sentence that answers it, which the labeller did not. Judgements of other datasets, and
    sentences the judges rejected, change nothing.
    """
    accepted: dict[str, list[str]] = {}
    for row in judgements:
        if row["set"] == dataset and accepted_by_judges(row["votes"]):
            accepted.setdefault(row["id"], []).append(row["sentence"])
    completed = []
    for case in cases:
        case = dict(case)
        if extra := accepted.get(case["id"]):
            if case["expect"] not in ("answer", "abstain"):
                raise ValueError(
                    f"{dataset} {case['id']}: a pooled sentence for a turn labelled {case['expect']}"
                )
            case["gold"] = [*case.get("gold", ()), *extra]
            case["expect"] = "answer"
        completed.append(case)
    return completed


def answer_quality_metrics(turns: Sequence[JudgedTurn], prefix: str = "answers") -> list[Metric]:
    """The answer-quality family, overall and per persona."""
    metrics: list[Metric] = []
    groups: list[tuple[str, Sequence[JudgedTurn]]] = [("", turns)]
    for persona in sorted({t.persona for t in turns if t.persona}):
        groups.append((f".{persona}", [t for t in turns if t.persona == persona]))
    for suffix, group in groups:
        answerable = [t for t in group if t.expect == "answer"]
        unanswerable = [t for t in group if t.expect == "abstain"]
        answered = [t for t in answerable if t.status == "answered"]
        where = f" ({suffix[1:]})" if suffix else ""
        metrics += [
            Metric.share(
                f"{prefix}.first_sentence_answers{suffix}",
                f"first sentence answers the question{where}",
                sum(t.first_answers for t in answerable),
                len(answerable),
            ),
            Metric.share(
                f"{prefix}.any_sentence_answers{suffix}",
                f"some sentence answers the question{where}",
                sum(t.any_answers for t in answerable),
                len(answerable),
            ),
            Metric.share(
                f"{prefix}.precision{suffix}",
                f"answer sentences that answer{where}",
                sum(t.gold_quotes for t in answered),
                sum(len(t.quotes) for t in answered),
            ),
            Metric.share(
                f"{prefix}.correct_abstention{suffix}",
                f"abstained where no article answers{where}",
                sum(t.status == "abstained" for t in unanswerable),
                len(unanswerable),
            ),
            Metric.share(
                f"{prefix}.wrong_abstention{suffix}",
                f"abstained or refused though an article answers{where}",
                sum(t.status != "answered" for t in answerable),
                len(answerable),
                better="lower",
            ),
        ]
    return metrics
