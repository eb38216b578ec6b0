"""The figures a question asks for, so that a sentence which gives none of them does not answer it.

"What's the phone number for FRANK" is answered by a number, not by what FRANK does; "what blood
pressure threshold should prompt withholding esketamine" by a reading, not by the fact that blood
pressure is checked. The learned selector judges whether a sentence is on the question's topic and
reads like an answer, and for such questions it leads with the right topic and no figure at all.

Only kinds of figure that the training questions' labellers never accepted a sentence without are
read: a price, a share of people, an age, a phone number, a threshold. A duration or a count ("how
long does it last", "how many sessions") is often answered without a number ("it is not known how
long", "a few weeks of closely spaced sessions"), so those are left to the selector (docs/abstention.md,
session 26). Only a question that asks nothing else is read: "is it safe when breastfeeding, and
what does it cost" may be answered by its first half.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A year is a date, not a share: "use in the year ending March 2023" says how many did not change.
_YEAR = r"(?:1[89]|20)\d\d"


@dataclass(frozen=True)
class Figure:
    """One kind of figure: the ways a question asks for it and the ways a sentence gives it."""

    name: str
    asked: re.Pattern[str]
    given: re.Pattern[str]


FIGURES: tuple[Figure, ...] = (
    Figure(
        "price",
        re.compile(
            r"\bhow much (?:does|do|is|are|would|will|did)\b.*\b(?:cost|charge)\b|\bcost (?:per|of a|for a)\b|"
            r"\bprice (?:of|per|for)\b|\bwhat (?:does|do|would) (?:it|they|that|a \w+) cost\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"[£$€]\s?\d|\b\d[\d,.]*\s?(?:dollars|pounds|euros)\b|\bfree\b|\bno charge\b", re.IGNORECASE
        ),
    ),
    Figure(
        "share of people",
        re.compile(r"\bwhat (?:percentage|percent|proportion|share)\b|%|\bincidence\b", re.IGNORECASE),
        re.compile(
            rf"(?<![\d.])(?!{_YEAR}\b)\d[\d,.]*|\bpercent\b|\bper cent\b|\bhalf\b|\bthird\b|\bquarter\b|"
            r"\bone in\b|\bmost\b|\bmajority\b|\bminority\b",
            re.IGNORECASE,
        ),
    ),
    Figure(
        "age",
        re.compile(r"\bwhat age\b|\bhow old\b|\bage limit\b|\bminimum age\b", re.IGNORECASE),
        re.compile(r"\b\d+\b|\badults?\b|\bchild(?:ren)?\b|\bteen|\byoung people\b|\bage\b", re.IGNORECASE),
    ),
    Figure(
        "phone number",
        re.compile(
            r"\bphone number\b|\bnumber (?:for|to call|to ring|to text)\b|"
            # "whats the samaritans number", not "what's the number of deaths"
            r"\bwhat(?:'s|s| is) (?:the )?(?:[\w']+\s+){0,2}?number\b(?!\s+(?:of|one)\b)|\bwhat number (?:do|can|should) (?:i|we|you)\b",
            re.IGNORECASE,
        ),
        re.compile(r"\b\d{3}\b"),
    ),
    Figure(
        "threshold",
        re.compile(r"\bthresholds?\b|\bcut-?\s?offs?\b|\bwhat (?:level|reading)\b", re.IGNORECASE),
        re.compile(r"\d"),
    ),
)

# The question's last sentence joins a second ask to the one for a figure ("…, and what does it cost?",
# "… and at what reading should it be deferred").
_SECOND_ASK = re.compile(
    r"(?:,|\band\b|\bor\b)\s+(?:\w+\s+){0,2}?(?:is|are|does|do|can|could|should|will|would|what|how|why|when|where|"
    r"which|who|has|have)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?]+\s+")
# "Costs vary" and "it is not known" answer honestly.
_NOT_KNOWN = re.compile(
    r"\bnot (?:yet )?known\b|\bunknown\b|\bunclear\b|\bcannot be (?:predicted|given|known)\b|\bvar(?:y|ies)\b",
    re.IGNORECASE,
)


def figures_asked(question: str) -> tuple[Figure, ...]:
    """The figures the question's last sentence asks for, when that is all it asks."""
    sentences = [s for s in _SENTENCE_END.split(question.strip()) if s.strip()]
    if not sentences or _SECOND_ASK.search(sentences[-1]):
        return ()
    return tuple(f for f in FIGURES if f.asked.search(sentences[-1]))


def gives_a_figure(figures: tuple[Figure, ...], sentence: str) -> bool:
    """Whether `sentence` gives one of `figures`, or says it is not known (always, when none is asked)."""
    return not figures or bool(_NOT_KNOWN.search(sentence)) or any(f.given.search(sentence) for f in figures)


# The service whose number is asked for ("what's the phone number for FRANK", "whats the samaritans
# number"): only a sentence that names it can give its number. Words that name no one service are
# not read as one ("the emergency number", "a helpline number").
_NUMBER_OF = (
    re.compile(r"\bnumber\s+(?:for|of)\s+(?:the\s+)?([\w']+)", re.IGNORECASE),
    re.compile(
        r"\bwhat(?:'s|s|\s+is)\s+(?:the\s+)?([\w']+)(?:\s+(?:phone|helpline|help\s*line|contact|telephone))?\s+number\b",
        re.IGNORECASE,
    ),
)
_NO_ONE_SERVICE = frozenset(
    {
        *("a", "an", "any", "the", "this", "that", "their", "your", "my", "his", "her", "our"),
        *("emergency", "phone", "telephone", "helpline", "hotline", "contact", "text", "number"),
        *("drug", "drugs", "crisis", "ambulance", "police", "support", "help", "national", "local", "free"),
        *("right", "best", "main", "correct", "actual", "real", "general", "uk", "us", "usa"),
    }
)


def service_of_number(question: str, figures: tuple[Figure, ...]) -> str | None:
    """The one service whose phone number the question asks for, when it names one."""
    if not any(f.name == "phone number" for f in figures):
        return None
    names = sorted((m.start(), m.group(1)) for pattern in _NUMBER_OF for m in pattern.finditer(question))
    for _, word in names:
        name = word.casefold().removesuffix("'s")
        if name not in _NO_ONE_SERVICE and not name.isdigit():
            return name
    return None


def names_service(service: str, sentence: str) -> bool:
    """Whether `sentence` names `service` (a word of `service_of_number`)."""
    return re.search(rf"(?<!\w){re.escape(service)}(?!\w)", sentence, re.IGNORECASE) is not None
