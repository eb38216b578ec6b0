"""Turn a saved web page, a Markdown file or a plain-text file into a draft article for a curator.

A draft keeps the text it was given (only HTML page furniture is dropped, and recorded), with
headings as `##` Markdown and front matter filled as far as the document allows; everything a
person still has to decide is left as a `TODO` note, which `assistant corpus approve` refuses.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from corpus.errors import CorpusError
from corpus.loader import ARTICLE_ID, parse_article, slugify
from corpus.models import Article, Source
from corpus.sanitize import strip_active_markup

HTML_SUFFIXES = (".html", ".htm")
MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".txt",)
IMPORTABLE_SUFFIXES = HTML_SUFFIXES + MARKDOWN_SUFFIXES + TEXT_SUFFIXES
TODO_MARKER = "TODO"
MAX_ID_LENGTH = 60

# Topic → words that suggest it; a guess for the curator to check, in the corpus's own vocabulary.
TOPIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "ketamine": ("ketamine",),
    "anaesthesia": ("anaesthe", "anesthe"),
    "depression": ("depression", "antidepressant"),
    "esketamine": ("esketamine", "spravato"),
    "suicidal ideation": ("suicid",),
    "ptsd": ("ptsd", "post-traumatic"),
    "anxiety": ("anxiety",),
    "chronic pain": ("chronic pain", "crps", "fibromyalgia"),
    "migraine": ("migraine",),
    "psychotherapy": ("psychotherapy",),
    "side effects": ("side effect",),
    "dissociation": ("dissociat", "k-hole"),
    "psychosis": ("psychosis", "psychotic"),
    "bladder": ("bladder", "cystitis"),
    "dependence": ("dependence", "dependency", "addiction"),
    "misuse": ("misuse", "abuse", "recreational"),
    "law": ("schedule iii", "controlled substance", "scheduling"),
    "veterinary medicine": ("veterinar",),
    "emergency": ("emergency",),
    "drug interactions": ("interaction",),
}
MAX_TOPICS = 6

_HEADING_LINE = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_NUMBERING = re.compile(r"^(?:\d{1,2}|[IVX]{1,4})[.)][ \t]+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")


class DocumentImportError(CorpusError):
    """A document cannot be turned into a draft."""


class DraftExistsError(CorpusError):
    """The draft's file already exists and `force` was not given."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} already exists; pass --force to overwrite it")


# The note an empty field gets; `approve` refuses while any TODO note is left.
FILL_NOTES = {
    "summary": "one sentence saying what the article covers",
    "sources": "name and https url of each public source the facts come from",
    "topics": "a few topic words, e.g. [ketamine, depression]",
    "license": "e.g. CC-BY-4.0",
}


@dataclass
class Draft:
    """An imported article before review: Article-like fields plus what the import left out."""

    id: str
    title: str
    body: str
    origin: Path
    summary: str | None = None
    sources: list[Source] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    license: str | None = None
    see: list[str] = field(default_factory=list)
    status: str = "draft"
    reviewed_on: dt.date | None = None
    checks: dict[str, str] = field(default_factory=dict)  # filled fields a person must check, and why
    dropped: list[str] = field(default_factory=list)  # page furniture left out of the body, in order
    markup_removed: list[str] = field(default_factory=list)  # scripts, tags, images and links taken out

    @property
    def file_name(self) -> str:
        return f"{self.id}.md"

    def todo_fields(self) -> list[str]:
        """Front-matter fields a curator still has to fill in or check."""
        pending = [
            name
            for name in ("title", "summary", "sources", "topics", "license")
            if name in self.checks or (name in FILL_NOTES and not getattr(self, name))
        ]
        return [*pending, "reviewed_on"]

    def to_markdown(self, imported_on: dt.date | None = None) -> str:
        """The draft as an article file: front matter with TODO notes, then the body."""
        when = (imported_on or dt.date.today()).isoformat()
        front = [
            f"id: {self.id}",
            self._field("title", self.title),
            self._field("summary", self.summary),
            *self._source_lines(),
            "reviewed_on: null"
            + _todo("`assistant corpus approve` fills this once a person has checked the text"),
            "status: draft",
            self._field("topics", self.topics),
            self._field("license", self.license),
        ]
        if self.see:
            front.append(f"see: {_yaml(self.see)}")
        # A plain comment, not a TODO: provenance may stay once the article is approved.
        front.append(f"# imported from {self.origin.name} on {when} by `assistant corpus import`")
        return "---\n" + "\n".join(front) + "\n---\n\n" + self.body.strip() + "\n"

    def _note(self, name: str, value: object) -> str:
        note = self.checks.get(name) or (FILL_NOTES.get(name) if not value else None)
        return _todo(note) if note else ""

    def _field(self, name: str, value: str | list[str] | None) -> str:
        return f"{name}: {_yaml(value)}" + self._note(name, value)

    def _source_lines(self) -> list[str]:
        if not self.sources:
            return ["sources: []" + self._note("sources", self.sources)]
        lines = ["sources:" + self._note("sources", self.sources)]
        for source in self.sources:
            lines += [f"  - name: {_yaml(source.name)}", f"    url: {_yaml(source.url)}"]
        return lines

    def to_article(self, path: Path | None = None) -> Article:
        """The draft parsed as the loader would read its file, so findings carry file lines."""
        return parse_article(self.to_markdown(), path or Path(self.file_name))


def _todo(note: str) -> str:
    return f"  # {TODO_MARKER}: {note}"


def _yaml(value: Any) -> str:
    """One value in YAML flow style on one line, quoted only where a plain scalar would be misread."""
    if isinstance(value, str):
        value = " ".join(value.split())  # a page description can hold line breaks
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1_000_000)
    return dumped.split("\n...")[0].strip()


def import_document(path: Path | str) -> Draft:
    """A draft article made from an `.html`/`.htm`, `.md` or `.txt` file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMPORTABLE_SUFFIXES:
        raise DocumentImportError(
            f"{path}: cannot import {suffix or 'a file without extension'}; "
            f"use one of {', '.join(IMPORTABLE_SUFFIXES)}"
        )
    try:
        raw = path.read_bytes()
        # A saved page declares its own encoding, which trafilatura reads; text files must be UTF-8.
        text = "" if suffix in HTML_SUFFIXES else raw.decode("utf-8").replace("\r\n", "\n").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise DocumentImportError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise DocumentImportError(f"{path}: cannot read the file: {exc.strerror}") from None
    if suffix in HTML_SUFFIXES:
        draft = _from_html(raw, path)
    elif suffix in MARKDOWN_SUFFIXES:
        draft = _from_markdown(text, path)
    else:
        draft = _from_plain_text(text, path)
    _strip_active_markup(draft)
    if not draft.body.strip():
        raise DocumentImportError(f"{path}: no article text found")
    if not draft.topics:
        draft.topics = guess_topics(f"{draft.title}\n{draft.body}")
        if draft.topics:
            draft.checks["topics"] = "guessed from keywords; check them"
    return draft


def _strip_active_markup(draft: Draft) -> None:
    """Scripts, tags, event handlers, images and links out of the title, summary and body, recorded."""
    removed: list[str] = []
    for name in ("title", "summary", "body"):
        value = getattr(draft, name)
        if value:
            stripped = strip_active_markup(value)
            setattr(draft, name, stripped.text)
            removed += stripped.removed
    draft.markup_removed = removed


def write_draft(draft: Draft, folder: Path, force: bool = False, imported_on: dt.date | None = None) -> Path:
    """Write the draft as `<folder>/<id>.md`, refusing to overwrite unless `force`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / draft.file_name
    if target.exists() and not force:
        raise DraftExistsError(target)
    target.write_text(draft.to_markdown(imported_on), encoding="utf-8")
    return target


def article_id_for(title: str) -> str:
    """An article id from a title, cut at a word boundary so file names stay readable."""
    slug = slugify(title)
    if len(slug) <= MAX_ID_LENGTH:
        return slug
    return slug[: MAX_ID_LENGTH + 1].rsplit("-", 1)[0] or slug[:MAX_ID_LENGTH]


def guess_topics(text: str) -> list[str]:
    """Topics whose keywords occur in the text, most mentioned first."""
    lowered = text.lower()
    counts = Counter(
        {topic: sum(lowered.count(word) for word in words) for topic, words in TOPIC_KEYWORDS.items()}
    )
    return [topic for topic, count in counts.most_common(MAX_TOPICS) if count > 0]


# --- HTML -------------------------------------------------------------------------------------


def _trafilatura() -> Any:
    try:
        import trafilatura
    except ImportError as exc:  # trafilatura's own dependencies (lxml_html_clean) can be missing
        raise DocumentImportError(f"HTML import needs trafilatura and its dependencies: {exc}") from None
    return trafilatura


def _from_html(html: bytes, path: Path) -> Draft:
    trafilatura = _trafilatura()
    tree = trafilatura.load_html(html)
    if tree is None:
        raise DocumentImportError(f"{path}: not an HTML page trafilatura can read")
    extracted = trafilatura.extract(
        tree,  # extract() works on its own copy of the tree
        output_format="markdown",
        include_formatting=True,  # needed for headings; emphasis markers are removed below
        include_comments=False,
        include_links=False,
        include_images=False,
        include_tables=True,
    )
    if not extracted:
        raise DocumentImportError(f"{path}: no article text found in the page")
    metadata = trafilatura.extract_metadata(tree)
    body = _join_soft_breaks(_plain_emphasis(extracted))
    title = metadata.title if metadata and metadata.title else None
    title, body, guessed = _take_title(body, path, known=title)
    draft = Draft(
        id=article_id_for(title),
        title=title,
        checks=_title_check(guessed),
        body=_normalise_headings(body),
        origin=path,
        summary=(metadata.description or None) if metadata else None,
        sources=_page_sources(tree, metadata, title),
        # Last, because html2txt cleans the tree it is given.
        dropped=_dropped_runs(trafilatura.html2txt(tree), extracted),
    )
    if draft.summary:
        draft.checks["summary"] = "taken from the page's description; check it"
    if draft.sources:
        draft.checks["sources"] = "the page itself; name the public sources behind its facts"
    return draft


def _join_soft_breaks(markdown: str) -> str:
    """Join lines that HTML source wrapping left inside a paragraph; a line break ends a sentence here."""
    blocks = []
    for block in re.split(r"\n[ \t]*\n", markdown.strip()):
        lines: list[str] = []
        for line in block.split("\n"):
            structural = (
                _HEADING_LINE.match(line) or _LIST_ITEM.match(line) or line.lstrip()[:1] in ("|", ">")
            )
            if lines and not structural and not _HEADING_LINE.match(lines[-1]) and lines[-1][:1] != "|":
                lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"
            else:
                lines.append(line.rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _page_sources(tree: Any, metadata: Any, title: str) -> list[Source]:
    """The page's own address (canonical link first, then og:url) as a source to check."""
    from trafilatura.metadata import extract_url

    url = extract_url(tree) or (metadata.url if metadata else None)
    if not url or not re.match(r"^https?://[^\s/]+\.[^\s/]+", url):
        return []
    site = metadata.sitename if metadata and metadata.sitename else None
    return [Source(name=f"{site}: {title}" if site else title, url=url)]


def _dropped_runs(page_text: str, kept: str) -> list[str]:
    """Runs of the page's visible words that the extraction left out, in page order."""
    page_words = page_text.split()
    kept_words = [word for word in _plain_emphasis(kept).split() if not re.fullmatch(r"#+|[-*+]", word)]
    matcher = difflib.SequenceMatcher(None, page_words, kept_words, autojunk=False)
    return [
        " ".join(page_words[start:end])
        for tag, start, end, _, _ in matcher.get_opcodes()
        if tag in ("delete", "replace")
    ]


# --- Markdown and plain text ------------------------------------------------------------------


def _from_markdown(text: str, path: Path) -> Draft:
    meta, body = _split_front_matter(text, path)
    title = str(meta["title"]).strip() if meta.get("title") else None
    title, body, guessed = _take_title(_plain_emphasis(body), path, known=title)
    declared_id = str(meta.get("id") or "").strip()
    return Draft(
        id=declared_id if ARTICLE_ID.match(declared_id) else article_id_for(title),
        title=title,
        checks=_title_check(guessed),
        body=_normalise_headings(body),
        origin=path,
        summary=str(meta["summary"]).strip() if meta.get("summary") else None,
        sources=_declared_sources(meta.get("sources")),
        topics=_declared_strings(meta.get("topics")),
        license=str(meta["license"]).strip() if meta.get("license") else None,
        see=_declared_strings(meta.get("see")),
    )


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Front matter (if any) as a mapping, and the text after it."""
    match = re.match(r"---\n(.*?)\n---[ \t]*(?:\n|$)", text, flags=re.DOTALL)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentImportError(f"{path}: malformed front matter: {str(exc).splitlines()[0]}") from None
    if not isinstance(meta, dict):
        raise DocumentImportError(f"{path}: front matter must be a mapping of fields")
    return meta, text[match.end() :]


def _declared_sources(value: Any) -> list[Source]:
    items = value if isinstance(value, list) else []
    return [
        Source(name=str(item["name"]).strip(), url=str(item["url"]).strip())
        for item in items
        if isinstance(item, dict) and item.get("name") and str(item.get("url", "")).startswith("http")
    ]


def _declared_strings(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(item).strip() for item in items if str(item).strip()]


def _from_plain_text(text: str, path: Path) -> Draft:
    title, body, guessed = _take_title(text, path)
    return Draft(
        id=article_id_for(title),
        title=title,
        checks=_title_check(guessed),
        body=_plain_text_to_markdown(body),
        origin=path,
    )


def _plain_text_to_markdown(text: str) -> str:
    """Mark plain-text headings as Markdown and rejoin hard-wrapped lines; every line is kept."""
    blocks = [block.split("\n") for block in re.split(r"\n[ \t]*\n", text.strip()) if block.strip()]
    out: list[str] = []
    for lines in blocks:
        lines = [line.rstrip() for line in lines]
        heading = _heading_text(lines[0])
        if heading is not None and len(lines) == 1:
            out.append(f"## {heading}")
            continue
        if heading is not None and len(lines[1].split()) >= 15:
            # A short line leading straight into prose is a sub-heading ("1. Anaesthesia").
            out.append(f"### {heading}")
            lines = lines[1:]
        out.append(_rejoin_wrapped(lines))
    return "\n\n".join(out)


def _heading_text(line: str) -> str | None:
    """The heading in a plain-text line that reads like one, without its numbering."""
    text = _NUMBERING.sub("", line.strip())
    if not text or len(text) > 80 or len(text.split()) > 12:
        return None
    if text[-1] in ".,;:!*" or re.search(r"[.!?]\s", text) or _HEADING_LINE.match(text):
        return None
    return text if text[0].isupper() or text[0].isdigit() else None


def _rejoin_wrapped(lines: list[str]) -> str:
    """Join a line to the one before when it continues that sentence (a hard wrap)."""
    joined: list[str] = []
    for line in lines:
        continues = (
            joined
            and not _LIST_ITEM.match(line)
            and line.lstrip()[:1].islower()
            and joined[-1].rstrip()[-1:] not in ".!?:;"
        )
        if continues:
            joined[-1] = f"{joined[-1].rstrip()} {line.strip()}"
        else:
            joined.append(line)
    return "\n".join(joined)


# --- shared -----------------------------------------------------------------------------------


def _take_title(text: str, path: Path, known: str | None = None) -> tuple[str, str, bool]:
    """Title, the body without its title line, and whether the title was made from the file name.

    The first line is the title when it is a top-level `#` heading or a plain line that reads
    like a heading; a title already known (from metadata or front matter) removes a first line
    that repeats it. A `##` first line is a section, so it stays in the body.
    """
    lines = text.strip().split("\n")
    first = lines[0].strip() if lines else ""
    heading = _HEADING_LINE.match(first)
    if heading:
        first_text = heading.group(2).strip() if len(heading.group(1)) == 1 or known else None
    else:
        first_text = _heading_text(first)
    rest = "\n".join(lines[1:]).strip()
    if known:
        repeats = first_text is not None and _same_words(first_text, known)
        return known.strip(), rest if repeats else text.strip(), False
    if first_text:
        return first_text, rest, False
    return (
        path.stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Untitled",
        text.strip(),
        True,
    )


def _title_check(guessed: bool) -> dict[str, str]:
    return {"title": "made from the file name; write a real title"} if guessed else {}


def _same_words(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()


def _normalise_headings(body: str) -> str:
    """Shift heading levels so the top level inside the body is `##`, as the article format asks."""
    levels = [len(m.group(1)) for m in re.finditer(r"^(#{1,6})[ \t]", body, flags=re.MULTILINE)]
    if not levels:
        return body
    shift = min(levels) - 2
    return re.sub(
        r"^(#{1,6})(?=[ \t])",
        lambda m: "#" * min(6, max(2, len(m.group(1)) - shift)),
        body,
        flags=re.MULTILINE,
    )


def _plain_emphasis(text: str) -> str:
    """Text without Markdown bold and italic markers, which would otherwise end up in quotes."""
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))
