"""Plain data types shared by every layer: articles, passages and sentence spans."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ArticleStatus = Literal["approved", "draft", "rejected"]
STATUSES: tuple[str, ...] = ("approved", "draft", "rejected")


@dataclass(frozen=True)
class Source:
    """Where an article's facts come from."""

    name: str
    url: str


@dataclass
class Article:
    """One article: front matter plus a Markdown body; offsets everywhere refer to `body`."""

    id: str
    title: str
    body: str
    status: ArticleStatus
    sources: list[Source] = field(default_factory=list)
    reviewed_on: dt.date | None = None
    topics: list[str] = field(default_factory=list)
    license: str | None = None
    summary: str | None = None
    see: list[str] = field(default_factory=list)
    path: Path | None = None
    body_line: int = 1  # line of the file on which `body` starts, to report findings by file line
    field_lines: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str | None:
        """The first source's address, the one a citation links to."""
        return self.sources[0].url if self.sources else None

    def file_line(self, offset: int) -> int:
        """The file line holding the body character at `offset`."""
        return self.body_line + self.body.count("\n", 0, offset)

    def content_hash(self) -> str:
        """A hash of everything that ends up in the index, so unchanged articles are not re-embedded."""
        payload = {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "url": self.url,
            "reviewed_on": self.reviewed_on.isoformat() if self.reviewed_on else None,
            "topics": self.topics,
            "see": self.see,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def served_record(self) -> dict[str, Any]:
        """Everything a server shows of the article, as JSON-ready data stored with an index version."""
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "status": self.status,
            "sources": [{"name": s.name, "url": s.url} for s in self.sources],
            "reviewed_on": self.reviewed_on.isoformat() if self.reviewed_on else None,
            "topics": list(self.topics),
            "license": self.license,
            "summary": self.summary,
            "see": list(self.see),
        }

    @classmethod
    def from_served_record(cls, record: dict[str, Any]) -> Article:
        reviewed_on = record.get("reviewed_on")
        return cls(
            id=record["id"],
            title=record["title"],
            body=record["body"],
            status=record.get("status", "approved"),
            sources=[Source(s["name"], s["url"]) for s in record.get("sources", [])],
            reviewed_on=dt.date.fromisoformat(reviewed_on) if reviewed_on else None,
            topics=list(record.get("topics", [])),
            license=record.get("license"),
            summary=record.get("summary"),
            see=list(record.get("see", [])),
        )


@dataclass(frozen=True)
class Passage:
    """A contiguous span of an article body: `article.body[start:end] == text`."""

    id: str
    article_id: str
    n: int
    section: str
    text: str
    start: int
    end: int

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Span:
    """A half-open character range `[start, end)` in some text."""

    start: int
    end: int
