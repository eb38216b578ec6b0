"""Curation commands: `assistant corpus list | stale | approve | import`.

Each command has a plain function that does the work (tests call these with a fixed `today`)
and a thin handler `(args, settings) -> exit code` that the CLI registers through `register`.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus.chunking import chunk_article
from corpus.errors import ArticleNotFoundError, AssistantError, CorpusError, DuplicateArticleError
from corpus.importer import TODO_MARKER, Draft, import_document, write_draft
from corpus.loader import article_paths, load_article
from corpus.models import Article
from corpus.text import word_count
from corpus.vetting import Vetter, VettingReport

if TYPE_CHECKING:
    from assistant.config import Settings

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


# --- handlers ---------------------------------------------------------------------------------


def _today(args: argparse.Namespace) -> dt.date:
    return args.as_of if getattr(args, "as_of", None) else dt.date.today()


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    articles, errors = load_corpus_leniently(settings.corpus_dir)
    if args.status:
        articles = [a for a in articles if a.status == args.status]
    rows = article_rows(sorted(articles, key=lambda a: a.id), _today(args))
    totals = {
        "articles": len(rows),
        **{status: sum(r.status == status for r in rows) for status in ("approved", "draft", "rejected")},
        "words": sum(r.words for r in rows),
        "passages": sum(r.passages for r in rows),
    }
    if args.json:
        print(
            json.dumps(
                {"articles": [r.as_dict() for r in rows], "totals": totals, "errors": errors}, indent=2
            )
        )
    else:
        _print_table(rows)
        print(
            f"{totals['articles']} article(s): {totals['approved']} approved, {totals['draft']} draft, "
            f"{totals['rejected']} rejected; {totals['words']:,} words; {totals['passages']} passages"
        )
        for error in errors:
            print(f"error: {error}")
    return 2 if errors else 0


def _print_table(rows: list[ArticleRow]) -> None:
    id_width = max([len("id"), *(len(r.id) for r in rows)])
    print(
        f"{'id':<{id_width}}  {'title':<40}  {'status':<8}  {'reviewed':<10}  {'words':>5}  {'passages':>8}  {'age':>5}"
    )
    for r in rows:
        title = r.title if len(r.title) <= 40 else r.title[:39] + "…"
        reviewed = r.reviewed_on.isoformat() if r.reviewed_on else "-"
        age = "-" if r.age_days is None else str(r.age_days)
        print(
            f"{r.id:<{id_width}}  {title:<40}  {r.status:<8}  {reviewed:<10}  {r.words:>5}  {r.passages:>8}  {age:>5}"
        )


def cmd_stale(args: argparse.Namespace, settings: Settings) -> int:
    today = _today(args)
    cutoff = cutoff_date(today, args.older_than)
    articles, errors = load_corpus_leniently(settings.corpus_dir)
    due = stale_articles(articles, cutoff)
    if args.json:
        payload = {
            "as_of": today.isoformat(),
            "older_than": args.older_than,
            "reviewed_before": cutoff.isoformat(),
            "stale": [r.as_dict() for r in article_rows(due, today)],
            "errors": errors,
        }
        print(json.dumps(payload, indent=2))
    else:
        if due:
            print(
                f"{len(due)} approved article(s) last reviewed before {cutoff} (older than {args.older_than}):"
            )
            _print_table(article_rows(due, today))
        else:
            print(f"no approved article was last reviewed before {cutoff} (older than {args.older_than})")
        for error in errors:
            print(f"error: {error}")
    if errors:
        return 2
    return 1 if due and args.fail else 0


def cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.runtime import vetter

    before = find_article_path(args.id, settings.corpus_dir)
    was_approved = load_article(before).status == "approved"
    article = approve_article(args.id, settings.corpus_dir, vetter(settings), dt.date.today())
    verb = "re-approved" if was_approved else "approved"
    print(f"{verb} {article.id!r}: reviewed_on {article.reviewed_on}, status approved ({article.path})")
    print("the next `assistant index build` (or ask) indexes it")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.runtime import vetter

    folder = args.out or settings.corpus_dir
    rules = vetter(settings)
    failures: list[str] = []
    for path in args.paths:
        try:
            draft = import_document(path)
            target = write_draft(draft, folder, force=args.force)
            report = rules.vet(load_article(target))
        except AssistantError as exc:
            failures.append(str(exc))
            continue
        print("\n".join(import_summary(draft, target, report)))
    if failures:
        raise CurationError(
            f"{len(failures)} of {len(args.paths)} file(s) not imported: {'; '.join(failures)}"
        )
    return 0


# --- registration -----------------------------------------------------------------------------


def _age_argument(value: str) -> str:
    try:
        parse_age(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value.strip()


def _date_argument(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-27, got {value!r}") from None


def register(corpus: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `list`, `stale`, `approve` and `import` to the `assistant corpus` subcommands."""
    as_of_help = "count ages as of this date (default: today)"

    listing = corpus.add_parser("list", help="articles with status, review date, words, passages and age")
    listing.add_argument("--status", choices=("approved", "draft", "rejected"), help="only this status")
    listing.add_argument("--as-of", type=_date_argument, help=as_of_help)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)

    stale = corpus.add_parser(
        "stale", help="approved articles due for re-review; exit 0, or 1 with --fail when any are due"
    )
    stale.add_argument(
        "--older-than", type=_age_argument, default="365d", help="e.g. 365d, 26w, 6m, 1y (default 365d)"
    )
    stale.add_argument("--as-of", type=_date_argument, help=as_of_help)
    stale.add_argument("--fail", action="store_true", help="exit 1 when any article is due (for CI)")
    stale.add_argument("--json", action="store_true")
    stale.set_defaults(handler=cmd_stale)

    approve = corpus.add_parser(
        "approve", help="record today's review and set status approved; refuses while any finding remains"
    )
    approve.add_argument("id", help="article id")
    approve.set_defaults(handler=cmd_approve)

    importer = corpus.add_parser("import", help="turn .html, .md or .txt files into draft articles")
    importer.add_argument("paths", nargs="+", type=Path, help="files to import")
    importer.add_argument("--out", type=Path, help="folder for the drafts (default: the corpus folder)")
    importer.add_argument("--force", action="store_true", help="overwrite a draft file that exists")
    importer.set_defaults(handler=cmd_import)
