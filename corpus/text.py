"""Sentence and section splitting that keeps exact character offsets into the original text."""

from __future__ import annotations

import re

from corpus.models import Span

# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "etc",
    "vs",
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "st",
    "approx",
    "al",
    "fig",
    "no",
    "u.s",
    "u.k",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+|$)")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _previous_word(text: str, end: int) -> str:
    match = re.search(r"([A-Za-z.]+)\.$", text[:end])
    return match.group(1).lower() if match else ""


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Split `text[start:end]` into sentences; a line break always ends a sentence."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    line_start = start
    while line_start < end:
        line_end = text.find("\n", line_start, end)
        line_end = end if line_end == -1 else line_end
        spans.extend(_line_sentences(text, line_start, line_end))
        line_start = line_end + 1
    return spans


def _line_sentences(text: str, start: int, end: int) -> list[Span]:
    line = text[start:end]
    marker = _LIST_MARKER.match(line)
    if _HEADING.match(line):
        return []
    cursor = marker.end() if marker else 0
    spans = []
    sentence_start = cursor
    for match in _SENTENCE_END.finditer(line, cursor):
        if match.group().startswith(".") and _previous_word(line, match.start() + 1) in _ABBREVIATIONS:
            continue
        following = line[match.end() :].lstrip()
        if following and not (following[0].isupper() or following[0].isdigit() or following[0] in "\"'“‘(["):
            continue
        spans.append(Span(sentence_start, match.end()))
        sentence_start = match.end()
    spans.append(Span(sentence_start, len(line)))
    result = []
    for span in spans:
        piece = line[span.start : span.end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right > left:
            result.append(Span(start + span.start + left, start + span.start + right))
    return result


def heading_of(line: str) -> str | None:
    """The text of a Markdown heading line, or None when the line is not a heading."""
    match = _HEADING.match(line)
    return match.group(2).strip() if match else None


def word_count(text: str) -> int:
    return len(text.split())


# A sentence opening with one of these leans on the sentence before it ("These risks rise ...").
DEPENDENT_OPENING = re.compile(
    r"^\s*(?:this|these|that|those|such|it|its|they|their|them|he|she|both|neither|"
    r"because\s+of\s+this|as\s+a\s+result|however|but|also|instead|otherwise|even\s+so|in\s+addition|"
    r"similarly|likewise|for\s+(?:this|these|that)\s+reasons?|the\s+same|here|there\s+(?:it|they)|"
    r"(?:taking|using|buying)\s+such|all\s+of\s+(?:these|those|them))\b",
    re.IGNORECASE,
)


def leans_on_previous(sentence: str) -> bool:
    """Whether a sentence opens by pointing back at the one before it ("These risks rise ...")."""
    return bool(DEPENDENT_OPENING.search(sentence))


def leaning_sentences(body: str) -> list[tuple[int, int]]:
    """Offsets of the sentences of a body (headings aside) that cannot be quoted alone."""
    return [
        (span.start, span.end)
        for span in sentence_spans(body)
        if not body[span.start : span.end].startswith("#") and leans_on_previous(body[span.start : span.end])
    ]
