"""Load articles from Markdown files with YAML front matter (or plain text, as drafts)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from corpus.errors import ArticleFormatError, DuplicateArticleError
from corpus.models import STATUSES, Article, Source

# libyaml when it is there: ten times faster on front matter, and every start loads the whole corpus.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
REQUIRED_FIELDS = ("id", "title", "sources", "reviewed_on", "status", "topics", "license")
# A draft must declare these but may leave them empty (`null` or `[]`) until a curator fills them in.
DRAFT_MAY_LEAVE_EMPTY = ("sources", "reviewed_on", "topics", "license")
ARTICLE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ARTICLE_SUFFIXES = (".md", ".markdown", ".txt")
PACKAGE_ARTICLES = Path(__file__).resolve().parent / "articles"


def slugify(text: str) -> str:
    """A valid article id made from any text."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "article"


def _field_lines(front_matter: str, first_line: int) -> dict[str, int]:
    lines = {}
    for offset, line in enumerate(front_matter.split("\n")):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match:
            lines[match.group(1)] = first_line + offset
    return lines


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not value)


def _parse_date(value: Any, path: Path, line: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ArticleFormatError(path, line, f"reviewed_on must be a date like 2026-11-27, got {value!r}")


def _string_list(value: Any, name: str, path: Path, line: int) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ArticleFormatError(path, line, f"{name} must be a list of non-empty strings")
    return [item.strip() for item in value]


def _sources(value: Any, path: Path, line: int) -> list[Source]:
    if not isinstance(value, list) or not value:
        raise ArticleFormatError(path, line, "sources must be a non-empty list of {name, url}")
    sources = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict) or not item.get("name") or not item.get("url"):
            raise ArticleFormatError(path, line, f"source {index} needs both a name and a url")
        url = str(item["url"]).strip()
        if not re.match(r"^https?://[^\s/]+\.[^\s/]+", url):
            raise ArticleFormatError(path, line, f"source {index} has no valid http(s) url: {url!r}")
        sources.append(Source(name=str(item["name"]).strip(), url=url))
    return sources


def parse_article(text: str, path: Path | str) -> Article:
    """Parse one article file's text; `path` is used for the id of plain-text drafts and in errors."""
    path = Path(path)
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if path.suffix == ".txt" and not text.startswith("---\n"):
        return _parse_plain_text(text, path)
    if not text.startswith("---\n"):
        raise ArticleFormatError(path, 1, "missing front matter: the file must start with a line '---'")
    closing = re.search(r"^---[ \t]*$", text[4:], flags=re.MULTILINE)
    if closing is None:
        raise ArticleFormatError(path, 1, "front matter is not closed by a line '---'")
    front_matter = text[4 : 4 + closing.start()]
    after = text[4 + closing.end() :]
    closing_line = 2 + front_matter.count("\n")
    try:
        meta = yaml.load(front_matter, Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ArticleFormatError(path, line, f"malformed front matter: {problem}") from None
    if not isinstance(meta, dict):
        raise ArticleFormatError(path, 2, "front matter must be a mapping of fields")
    lines = _field_lines(front_matter, first_line=2)
    missing = [
        name
        for name in REQUIRED_FIELDS
        if name not in meta or (_is_empty(meta[name]) and name not in DRAFT_MAY_LEAVE_EMPTY)
    ]
    if missing:
        raise ArticleFormatError(path, 1, f"missing front matter field(s): {', '.join(missing)}")

    def line_of(name: str) -> int:
        return lines.get(name, 1)

    article_id = str(meta["id"]).strip()
    if not ARTICLE_ID.match(article_id):
        raise ArticleFormatError(
            path, line_of("id"), f"id {article_id!r} must be lower-case words joined by '-'"
        )
    status = str(meta["status"]).strip()
    if status not in STATUSES:
        raise ArticleFormatError(
            path, line_of("status"), f"status must be one of {', '.join(STATUSES)}, got {status!r}"
        )
    if status == "approved":
        empty = [name for name in DRAFT_MAY_LEAVE_EMPTY if _is_empty(meta[name])]
        if empty:
            raise ArticleFormatError(
                path,
                line_of(empty[0]),
                f"an approved article must fill every field; empty: {', '.join(empty)} "
                "(only a draft or rejected article may leave them empty)",
            )
    stripped = after.lstrip("\n")
    body_line = closing_line + 1 + (len(after) - len(stripped)) - 1
    body = stripped.rstrip()
    if not body:
        raise ArticleFormatError(path, closing_line + 1, "the article body is empty")
    return Article(
        id=article_id,
        title=str(meta["title"]).strip(),
        body=body,
        status=status,  # type: ignore[arg-type]
        sources=[] if _is_empty(meta["sources"]) else _sources(meta["sources"], path, line_of("sources")),
        reviewed_on=None
        if _is_empty(meta["reviewed_on"])
        else _parse_date(meta["reviewed_on"], path, line_of("reviewed_on")),
        topics=_string_list(meta["topics"], "topics", path, line_of("topics")),
        license=None if _is_empty(meta["license"]) else str(meta["license"]).strip(),
        summary=str(meta["summary"]).strip() if meta.get("summary") else None,
        see=_string_list(meta.get("see"), "see", path, line_of("see")),
        path=path,
        body_line=max(body_line, 1),
        field_lines=lines,
    )


def _parse_plain_text(text: str, path: Path) -> Article:
    """A plain `.txt` file: the first non-empty line is the title, the rest the body, status `draft`."""
    lines = text.split("\n")
    title_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if title_index is None:
        raise ArticleFormatError(path, 1, "the file is empty")
    title = lines[title_index].strip()
    rest = "\n".join(lines[title_index + 1 :])
    stripped = rest.lstrip("\n")
    body = stripped.rstrip()
    if not body:
        raise ArticleFormatError(path, title_index + 2, "the article body is empty")
    body_line = title_index + 2 + rest[: len(rest) - len(stripped)].count("\n")
    return Article(
        id=slugify(path.stem),
        title=title,
        body=body,
        status="draft",
        path=path,
        body_line=body_line,
        field_lines={"title": title_index + 1},
    )


def load_article(path: Path | str) -> Article:
    """Read and parse one article file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleFormatError(path, 1, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ArticleFormatError(path, 1, f"cannot read the file: {exc.strerror}") from None
    return parse_article(text, path)


def article_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Expand folders into the article files they hold, sorted; files are kept as given."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in ARTICLE_SUFFIXES and p.is_file()))
        else:
            found.append(path)
    return found


def load_corpus(paths: Iterable[Path | str] | Path | str = PACKAGE_ARTICLES) -> list[Article]:
    """Load every article under the given files or folders, refusing duplicate ids."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    articles: list[Article] = []
    seen: dict[str, Path] = {}
    for path in article_paths(paths):
        article = load_article(path)
        if article.id in seen:
            raise DuplicateArticleError(article.id, seen[article.id], path, article.field_lines.get("id", 1))
        seen[article.id] = path
        articles.append(article)
    return articles
