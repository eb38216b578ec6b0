"""An answer as the checks read it: sentences with the citation markers after them, and the numbers stated."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from corpus.text import sentence_spans

# Markers and the full stop after them when a sentence is written "… text [1]." (a model's style).
_MARKER_RUN = re.compile(r"(?:\s*\[\d+\])+(?:[.!?…]+(?=\s|$))?")
_MARKER = re.compile(r"\[(\d+)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class MarkedSentence:
    """A sentence of an answer and the citation numbers written right after it."""

    text: str
    markers: tuple[int, ...]


def answer_sentences(answer: str) -> list[MarkedSentence]:
    """Split an answer into sentences; a run of `[n]` markers belongs to the sentence just before it."""
    sentences: list[MarkedSentence] = []
    position = 0
    for run in _MARKER_RUN.finditer(answer):
        markers = tuple(int(n) for n in _MARKER.findall(run.group()))
        parts = _split(answer[position : run.start()])
        if parts:
            sentences.extend(MarkedSentence(part, ()) for part in parts[:-1])
            sentences.append(MarkedSentence(parts[-1], markers))
        elif sentences:  # markers after markers: more citations for the same sentence
            last = sentences[-1]
            sentences[-1] = MarkedSentence(last.text, last.markers + markers)
        position = run.end()
    sentences.extend(MarkedSentence(part, ()) for part in _split(answer[position:]))
    return sentences


def quoted_units(sentences: Sequence[MarkedSentence], quotes: Mapping[int, str]) -> list[MarkedSentence]:
    """Sentences grouped so that a quote of several sentences (one that leans on the sentence before
    it is quoted with it) counts as one cited unit instead of uncited sentences before a cited one."""

    def flat(text: str) -> str:
        return " ".join(text.split())

    units: list[MarkedSentence] = []
    pending: list[MarkedSentence] = []
    for sentence in sentences:
        if not sentence.markers:
            pending.append(sentence)
            continue
        quoted = flat(" ".join(quotes[n] for n in sentence.markers if n in quotes))
        while pending and flat(" ".join([*(p.text for p in pending), sentence.text])) not in quoted:
            units.append(pending.pop(0))
        units.append(MarkedSentence(" ".join([*(p.text for p in pending), sentence.text]), sentence.markers))
        pending = []
    return units + pending


def _split(text: str) -> list[str]:
    return [piece for span in sentence_spans(text) if (piece := text[span.start : span.end].strip())]


def numbers_in(text: str) -> set[str]:
    """The numbers written in `text`, thousands separators dropped: "1,000" and "1000" are the same."""
    found = set()
    for raw in _NUMBER.findall(_MARKER.sub(" ", text)):
        found.add(raw.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw) else raw)
    return found
