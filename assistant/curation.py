"""Curation commands: `assistant corpus list | stale | approve | import`.

Thin handlers `(args, settings) -> exit code` around `corpus.curation`, registered on the CLI
through `register`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from corpus.curation import (
    ArticleRow,
    CurationError,
    approve_article,
    article_rows,
    cutoff_date,
    find_article_path,
    import_summary,
    load_corpus_leniently,
    parse_age,
    stale_articles,
)
from corpus.errors import AssistantError
from corpus.importer import import_document, write_draft
from corpus.loader import load_article

if TYPE_CHECKING:
    from assistant.config import Settings


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

    gaps = corpus.add_parser(
        "gaps",
        help="group the questions the assistant abstained on by theme: what to write next",
        description="Reads an evaluation report (report.json) or a list of questions (JSONL or one per line; "
        "they are asked) and groups the abstained ones by theme, with the article that came closest.",
    )
    gaps.add_argument("path", type=Path, help="report.json from `assistant eval`, or a questions file")
    gaps.add_argument("--top", type=int, default=15, help="themes to show (default 15)")
    gaps.add_argument("--json", action="store_true")
    gaps.set_defaults(handler=cmd_gaps)


def cmd_gaps(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.gaps import abstained_questions, group_gaps
    from assistant.runtime import build_index, load_pipeline

    build_index(settings)
    pipeline = load_pipeline(settings)
    asked = abstained_questions(args.path, None if args.path.suffix == ".json" else pipeline)
    found = group_gaps(asked, pipeline)
    if args.json:
        print(json.dumps({"abstained": len(asked), "themes": [g.as_dict() for g in found]}, indent=2))
        return 0
    print(f"{len(asked)} question(s) abstained on, in {len(found)} theme(s); largest first:")
    for gap in found[: args.top]:
        near = f" (closest article: {gap.closest_article})" if gap.closest_article else ""
        print(f"\n{len(gap.questions):3d} × {', '.join(gap.words)}{near}")
        for question in gap.questions[:3]:
            print(f"      - {question}")
    return 0
