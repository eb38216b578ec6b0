"""Curation's domain half: list, find stale, approve and summarise imports of articles.

Plain functions that take a fixed `today` (tests pin it); the `assistant corpus` commands in
`assistant/curation.py` are thin handlers around them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.chunking import chunk_article
from corpus.errors import ArticleNotFoundError, AssistantError, CorpusError, DuplicateArticleError
from corpus.importer import TODO_MARKER, Draft
from corpus.loader import article_paths, load_article
from corpus.models import Article
from corpus.text import word_count
from corpus.vetting import Vetter, VettingReport

# The two lines `approve` writes; a TODO note on them is expected until it does.
APPROVAL_FIELDS = ("reviewed_on", "status")
_AGE = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)
_TODO = re.compile(rf"\b{TODO_MARKER}\b")


class CurationError(CorpusError):
    """A curation command cannot do what was asked."""


class ApprovalRefusedError(CurationError):
    """An article still has problems that approval does not accept; `problems` lists them."""

    def __init__(self, article_id: str, problems: list[str]) -> None:
        self.article_id = article_id
        self.problems = problems
        super().__init__(
            f"cannot approve {article_id!r}: {len(problems)} problem(s) remain: {'; '.join(problems)}"
        )


# --- reading the corpus -----------------------------------------------------------------------


def load_corpus_leniently(folder: Path) -> tuple[list[Article], list[str]]:
    """Every article that loads, and one message per file that does not (or repeats an id)."""
    articles: list[Article] = []
    errors: list[str] = []
    seen: dict[str, Path] = {}
    for path in article_paths([folder]):
        try:
            article = load_article(path)
            if article.id in seen:
                raise DuplicateArticleError(
                    article.id, seen[article.id], path, article.field_lines.get("id", 1)
                )
        except AssistantError as exc:
            errors.append(str(exc))
            continue
        seen[article.id] = path
        articles.append(article)
    return articles, errors


@dataclass(frozen=True)
class ArticleRow:
    """One line of `corpus list`."""

    id: str
    title: str
    status: str
    reviewed_on: dt.date | None
    words: int
    passages: int
    age_days: int | None  # days since the last review; None for an article never reviewed

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "reviewed_on": self.reviewed_on.isoformat() if self.reviewed_on else None,
            "words": self.words,
            "passages": self.passages,
            "age_days": self.age_days,
        }


def article_rows(articles: Iterable[Article], today: dt.date) -> list[ArticleRow]:
    """A row per article, in the given order, with its size and the days since its review."""
    return [
        ArticleRow(
            id=article.id,
            title=article.title,
            status=article.status,
            reviewed_on=article.reviewed_on,
            words=word_count(article.body),
            passages=len(chunk_article(article)),
            age_days=(today - article.reviewed_on).days if article.reviewed_on else None,
        )
        for article in articles
    ]


# --- staleness --------------------------------------------------------------------------------


def parse_age(spec: str) -> tuple[int, str]:
    """`365d`, `52w`, `12m` or `1y` as (number, unit); raises ValueError otherwise."""
    match = _AGE.match(spec)
    if not match:
        raise ValueError(f"age must be a number with d, w, m or y (e.g. 365d, 12m, 1y), got {spec!r}")
    return int(match.group(1)), match.group(2).lower()


def cutoff_date(today: dt.date, spec: str) -> dt.date:
    """The date `spec` before `today`; months and years follow the calendar (31 Mar − 1m = 28/29 Feb)."""
    number, unit = parse_age(spec)
    if unit in ("d", "w"):
        return today - dt.timedelta(days=number * (7 if unit == "w" else 1))
    months = number * (12 if unit == "y" else 1)
    year, month_index = divmod(today.year * 12 + today.month - 1 - months, 12)
    if year < dt.MINYEAR:
        raise ValueError(f"age {spec!r} reaches before year {dt.MINYEAR}")
    month = month_index + 1
    return dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def stale_articles(articles: Iterable[Article], cutoff: dt.date) -> list[Article]:
    """Approved articles last reviewed before `cutoff`, oldest first: they are served but due a review."""
    due = [a for a in articles if a.status == "approved" and a.reviewed_on and a.reviewed_on < cutoff]
    return sorted(due, key=lambda a: (a.reviewed_on, a.id))


# --- approval ---------------------------------------------------------------------------------


def find_article_path(article_id: str, folder: Path) -> Path:
    """The file of the article with this id: `<id>.md` by convention, else any file declaring it."""
    for suffix in (".md", ".markdown"):
        candidate = folder / f"{article_id}{suffix}"
        if candidate.is_file():
            return candidate
    articles, _ = load_corpus_leniently(folder)
    for article in articles:
        if article.id == article_id and article.path is not None:
            return article.path
    raise ArticleNotFoundError(article_id)


def approval_problems(article: Article, text: str, report: VettingReport, known_ids: set[str]) -> list[str]:
    """Everything that stops `article` (read from `text`) being approved; empty when it may be."""
    if article.path is not None and article.path.suffix == ".txt":
        return [
            "a plain-text file has no front matter; run `assistant corpus import` on it and approve the draft"
        ]
    problems = [
        f"line {f.line}:{f.column}: {f.rule} [{f.action}] {f.text!r} ({f.field})" for f in report.findings
    ]
    problems += [
        f"{name} is empty" for name in ("sources", "topics", "license") if not getattr(article, name)
    ]
    skipped = {article.field_lines.get(name) for name in APPROVAL_FIELDS}
    for number, line in enumerate(text.split("\n"), start=1):
        if number not in skipped and _TODO.search(line):
            problems.append(f"line {number}: TODO note left: {line.strip()[:80]!r}")
    unknown = [see for see in article.see if see not in known_ids]
    if unknown:
        problems.append(f"see: no article with id {', '.join(unknown)}")
    # Two patterns of one rule can match the same span; name it once.
    return list(dict.fromkeys(problems))


def mark_approved(text: str, article: Article, today: dt.date) -> str:
    """`text` with only its `reviewed_on` and `status` lines rewritten; every other byte unchanged."""
    lines = text.split("\n")  # the loader's line numbers count "\n" only
    replacements = {"reviewed_on": f"reviewed_on: {today.isoformat()}", "status": "status: approved"}
    for name, new in replacements.items():
        number = article.field_lines.get(name)
        if number is None or not lines[number - 1].startswith(name):
            raise CurationError(f"{article.path}: cannot find the {name}: line in the front matter")
        lines[number - 1] = new + ("\r" if lines[number - 1].endswith("\r") else "")
    return "\n".join(lines)


def approve_article(article_id: str, folder: Path, vetter: Vetter, today: dt.date) -> Article:
    """Record `today` as the review date and flip the status, or refuse with every problem found."""
    path = find_article_path(article_id, folder)
    raw = path.read_bytes().decode("utf-8")  # bytes keep the file's own line endings
    article = load_article(path)
    known_ids = {a.id for a in load_corpus_leniently(folder)[0]}
    problems = approval_problems(article, raw.replace("\r\n", "\n"), vetter.vet(article), known_ids)
    if problems:
        raise ApprovalRefusedError(article.id, problems)
    _replace_file(path, mark_approved(raw, article, today))
    try:
        approved = load_article(path)
    except CorpusError:
        _replace_file(path, raw)  # never leave a file the loader refuses
        raise
    return approved


def _replace_file(path: Path, text: str) -> None:
    """Write through a temporary file so a crash leaves the old or the new file, never half of one."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(text.encode("utf-8"))
    os.replace(temporary, path)


# --- import -----------------------------------------------------------------------------------


def import_summary(draft: Draft, target: Path, report: VettingReport) -> list[str]:
    """What a curator needs to know after an import, one line each."""
    article = report.article
    sections = sum(1 for line in article.body.split("\n") if line.startswith("#"))
    lines = [
        f"imported {draft.origin} -> {target} (draft {article.id!r})",
        f"  {word_count(article.body):,} words, {sections} headings, {len(chunk_article(article))} passages",
        f"  front matter to finish (TODO notes): {', '.join(draft.todo_fields())}"
        + (f"; topics guessed: {', '.join(draft.topics)}" if draft.topics else ""),
    ]
    if draft.dropped:
        dropped_words = sum(len(run.split()) for run in draft.dropped)
        shown = " | ".join(_shorten(run) for run in draft.dropped[:10])
        more = f" | … and {len(draft.dropped) - 10} more" if len(draft.dropped) > 10 else ""
        lines.append(f"  dropped as page furniture ({dropped_words} words): {shown}{more}")
    elif draft.origin.suffix.lower() in (".txt", ".md", ".markdown"):
        lines.append("  dropped: nothing (text and Markdown keep every line, so vetting sees any debris)")
    if draft.markup_removed:
        shown = " | ".join(_shorten(piece) for piece in draft.markup_removed[:10])
        more = f" | … and {len(draft.markup_removed) - 10} more" if len(draft.markup_removed) > 10 else ""
        lines.append(f"  removed as active markup ({len(draft.markup_removed)}): {shown}{more}")
    if report.findings:
        lines.append(f"  vetting: {len(report.findings)} finding(s); approve refuses until they are fixed:")
        lines.extend(
            f"    {target}:{f.line}:{f.column}: {f.rule} [{f.action}] {f.text!r}: {f.description}"
            for f in report.findings
        )
    else:
        lines.append("  vetting: no finding")
    lines.append(f"  next: finish the TODO notes, then `assistant corpus approve {article.id}`")
    return lines


def _shorten(text: str, limit: int = 70) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
