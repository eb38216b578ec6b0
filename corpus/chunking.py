"""Split an article body into passages that follow its sections and paragraphs."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.models import Article, Passage, Span
from corpus.text import heading_of, sentence_spans, word_count

CHUNKER_VERSION = "1"


@dataclass(frozen=True)
class ChunkingPolicy:
    """Passage size bounds in words; a passage never crosses a section heading."""

    min_words: int = 60
    max_words: int = 220

    def __post_init__(self) -> None:
        if not 0 < self.min_words < self.max_words:
            raise ValueError(f"need 0 < min_words < max_words, got {self.min_words} and {self.max_words}")


def _sections(body: str) -> list[tuple[str, list[Span]]]:
    """Each section's heading and its paragraphs (blank-line separated) as spans of `body`."""
    sections: list[tuple[str, list[Span]]] = [("", [])]
    paragraph_start: int | None = None
    offset = 0
    for line in [*body.split("\n"), ""]:
        line_end = offset + len(line)
        heading = heading_of(line)
        if heading is not None or not line.strip():
            if paragraph_start is not None:
                sections[-1][1].append(Span(paragraph_start, _rstrip_end(body, offset)))
                paragraph_start = None
            if heading is not None:
                sections.append((heading, []))
        elif paragraph_start is None:
            paragraph_start = offset + (len(line) - len(line.lstrip()))
        offset = line_end + 1
    return [(title, paragraphs) for title, paragraphs in sections if paragraphs]


def _rstrip_end(body: str, end: int) -> int:
    end = min(end, len(body))
    while end > 0 and body[end - 1].isspace():
        end -= 1
    return end


def _split_long(body: str, span: Span, max_words: int) -> list[Span]:
    """Cut an over-long paragraph at sentence boundaries."""
    pieces: list[Span] = []
    current: Span | None = None
    for sentence in sentence_spans(body, span.start, span.end):
        if current is not None and word_count(body[current.start : sentence.end]) > max_words:
            pieces.append(current)
            current = None
        current = Span(current.start if current else sentence.start, sentence.end)
    if current is not None:
        pieces.append(current)
    return pieces or [span]


def chunk_article(article: Article, policy: ChunkingPolicy | None = None) -> list[Passage]:
    """Passages of the article in reading order, ids `{article_id}#{n}` counted from 1."""
    policy = policy or ChunkingPolicy()
    body = article.body
    spans: list[tuple[str, Span]] = []
    for section, paragraphs in _sections(body):
        units = [
            piece for paragraph in paragraphs for piece in _split_long(body, paragraph, policy.max_words)
        ]
        grouped: list[Span] = []
        for unit in units:
            if grouped:
                last = grouped[-1]
                merged = Span(last.start, unit.end)
                small = word_count(body[last.start : last.end]) < policy.min_words
                if small and word_count(body[merged.start : merged.end]) <= policy.max_words:
                    grouped[-1] = merged
                    continue
            grouped.append(unit)
        # A short tail joins its predecessor when the two still fit comfortably.
        if len(grouped) > 1 and word_count(body[grouped[-1].start : grouped[-1].end]) < policy.min_words:
            merged = Span(grouped[-2].start, grouped[-1].end)
            if word_count(body[merged.start : merged.end]) <= policy.max_words * 1.25:
                grouped[-2:] = [merged]
        spans.extend((section, span) for span in grouped)
    return [
        Passage(
            id=f"{article.id}#{n}",
            article_id=article.id,
            n=n,
            section=section,
            text=body[span.start : span.end],
            start=span.start,
            end=span.end,
        )
        for n, (section, span) in enumerate(spans, start=1)
    ]
