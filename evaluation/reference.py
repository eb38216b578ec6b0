"""The corpus as the harness checks citations against it: cleaned article bodies and their passages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.config import Settings
from assistant.results import Citation
from corpus.chunking import chunk_article
from corpus.models import Article


@dataclass(frozen=True)
class ReferencePassage:
    """A passage of an article: `body[start:end] == text`."""

    id: str
    article_id: str
    start: int
    end: int
    text: str


class ReferenceCorpus:
    """Cleaned bodies (the text citation offsets refer to) and the passages the index is built from."""

    def __init__(self, bodies: Mapping[str, str], passages: Iterable[ReferencePassage], source: str) -> None:
        self.bodies = dict(bodies)
        self.passages = {p.id: p for p in passages}
        self.source = source
        unknown = {p.article_id for p in self.passages.values()} - set(self.bodies)
        if unknown:
            raise ValueError(f"passages of unknown articles: {', '.join(sorted(unknown))}")

    @classmethod
    def from_articles(cls, articles: Sequence[Article], source: str = "articles") -> ReferenceCorpus:
        passages = [
            ReferencePassage(p.id, p.article_id, p.start, p.end, p.text)
            for a in articles
            for p in chunk_article(a)
        ]
        return cls({a.id: a.body for a in articles}, passages, source)

    @classmethod
    def from_settings(cls, settings: Settings) -> ReferenceCorpus:
        """The approved, vetted articles of the configured corpus, cleaned exactly as the index sees them."""
        from assistant.runtime import indexable_articles

        articles, _ = indexable_articles(settings)
        return cls.from_articles(articles, source=f"local corpus {settings.corpus_dir}")

    @classmethod
    def from_api(cls, articles: Iterable[Mapping[str, Any]], source: str) -> ReferenceCorpus:
        """From `GET /v1/articles/{id}` bodies: what a server actually quotes from."""
        bodies: dict[str, str] = {}
        passages: list[ReferencePassage] = []
        for article in articles:
            bodies[article["id"]] = article["body"]
            passages.extend(
                ReferencePassage(p["id"], article["id"], p["start"], p["end"], p["text"])
                for p in article.get("passages", [])
            )
        return cls(bodies, passages, source)

    def quote_problem(self, citation: Citation) -> str | None:
        """Why the citation's quote is not verbatim at its offsets, or None when it is."""
        body = self.bodies.get(citation.article_id)
        if body is None:
            return f"unknown article {citation.article_id!r}"
        if not 0 <= citation.start < citation.end <= len(body):
            return f"offsets {citation.start}-{citation.end} outside the article (length {len(body)})"
        if body[citation.start : citation.end] != citation.quote:
            found = body.find(citation.quote)
            where = (
                f"the quote occurs at {found}" if found >= 0 else "the quote does not occur in the article"
            )
            return f"body[{citation.start}:{citation.end}] differs from the quote; {where}"
        return None

    def passage_text(self, citation: Citation) -> str | None:
        """The text of the cited passage: by id, else the passage that holds the quote's offsets."""
        passage = self.passages.get(citation.passage_id)
        if passage is not None:
            return passage.text
        for candidate in self.passages.values():
            if (
                candidate.article_id == citation.article_id
                and candidate.start <= citation.start
                and citation.end <= candidate.end
            ):
                return candidate.text
        return None
