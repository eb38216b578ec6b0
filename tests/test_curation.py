"""Curation tools: import to drafts, the approve gate, stale and list; and the shipped corpus as a whole."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings
from corpus import (
    Article,
    ArticleFormatError,
    Vetter,
    chunk_article,
    load_article,
    load_corpus,
    parse_article,
)
from corpus.curation import (
    ApprovalRefusedError,
    approve_article,
    article_rows,
    cutoff_date,
    mark_approved,
    stale_articles,
)
from corpus.importer import DocumentImportError, DraftExistsError, import_document, write_draft
from corpus.loader import PACKAGE_ARTICLES
from tests.conftest import REPO
from tests.helpers import article_text, write_article

TODAY = dt.date(2026, 11, 27)

PAGE_HTML = """\
<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Ketamine and the bladder | Example Health Blog</title>
<meta name="description" content="How frequent ketamine use can damage the bladder and why stopping matters.">
<link rel="canonical" href="https://www.nhs.uk/conditions/ketamine-bladder/">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/about">About us</a></li>
<li><a href="/blog">Blog</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
<button>Accept cookies</button> <a href="/privacy">Cookie settings</a></div>
<main><article>
<h1>Ketamine and the bladder</h1>
<div class="share-buttons"><a href="https://facebook.com/share">Share on Facebook</a>
<a href="https://twitter.com/share">Tweet this</a></div>
<p>Long-term, frequent use of ketamine can damage the lining of the bladder. Doctors call the
condition ketamine-associated uropathy or ketamine bladder syndrome, and it was first described
in the medical literature in the late 2000s.</p>
<h2>What the symptoms are</h2>
<p>People with the condition often need to pass urine very often and urgently, feel pain in the
<strong>lower</strong> abdomen, and may see blood in their urine. The symptoms can be mistaken for
a urinary infection, which delays the right diagnosis.</p>
<h3>How the damage shows</h3>
<p>Over time the bladder can shrink and become stiff, so that it holds much less than before. In
severe cases the tubes that carry urine from the kidneys can also be damaged.</p>
<h2>Why stopping matters</h2>
<p>Stopping ketamine use is the most important step. Many people improve after stopping, but some
damage can be permanent, and a few people need major surgery to remove or rebuild the bladder.</p>
</article></main>
<section id="comments" class="comments-area">
<h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<form id="commentform" class="comment-form"><p class="comment-notes">Your email address will not
be published. Required fields are marked *</p>
<p><label>Comment</label><textarea name="comment"></textarea></p>
<p><input type="submit" value="Post Comment"></p></form>
</section>
<footer><p>Copyright Example Health Blog. All rights reserved.</p></footer>
</body></html>
"""

MARKDOWN_DOC = """\
---
id: ketamine-and-driving
summary: Why ketamine and driving do not mix.
sources:
  - name: "GOV.UK: Drugs and driving"
    url: https://www.gov.uk/drug-driving-law
status: approved
reviewed_on: 2020-01-01
---

# Ketamine and driving

Ketamine changes **perception** and *reaction time*, so driving after using it is dangerous.

### The law

Driving while impaired by a controlled drug is an offence in many countries, and police can test
for several drugs at the roadside.
"""

PLAIN_TEXT = """\
Ketamine and Memory

Ketamine changes how the brain stores new memories, and people who use it often BUY KETAMINE ONLINE
report that their recall of recent events becomes patchy while they are affected.

What Research Shows

1. Short-term effects
During the effects, people find it hard to form new memories, to pay attention and to plan, and these problems usually fade as the drug wears off.

2. Frequent use
Studies of people who use ketamine very often have found lasting problems with memory and
attention, and some of these improve after a long period without the drug.

Leave a Reply

Your email address will not be published. Required fields are marked *
"""

# What the corpus-wide test looks for: an amount with a dosing unit, or any per-kilogram rate.
DOSE_PATTERN = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:mg|g|ml|mcg|µg|μg)\b"
    r"|\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|μg|ml|g)?\s?(?:/|per)\s?(?:kg|kilo)",
    re.IGNORECASE,
)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _reviewed(article_id: str, reviewed_on: str, status: str = "approved") -> str:
    body = f"## About\n\nThis article about {article_id.replace('-', ' ')} is plain prose with no problem."
    return article_text(article_id, body, status=status).replace("2026-11-27", reviewed_on)


# --- import --------------------------------------------------------------------------------------


def test_html_import_keeps_the_article_and_drops_page_furniture(tmp_path: Path) -> None:
    draft = import_document(_write(tmp_path, "page.html", PAGE_HTML))

    assert draft.id == "ketamine-and-the-bladder"
    assert draft.title == "Ketamine and the bladder"
    assert draft.status == "draft"
    assert draft.reviewed_on is None
    assert draft.summary == "How frequent ketamine use can damage the bladder and why stopping matters."
    assert [s.url for s in draft.sources] == ["https://www.nhs.uk/conditions/ketamine-bladder/"]
    assert "bladder" in draft.topics

    body = draft.body
    assert body.startswith("Long-term, frequent use of ketamine")  # the h1 became the title
    headings = [line for line in body.split("\n") if line.startswith("#")]
    assert headings == ["## What the symptoms are", "### How the damage shows", "## Why stopping matters"]
    assert "pain in the lower abdomen" in body  # emphasis markers are not kept
    for furniture in (
        "Home",
        "About us",
        "Share on Facebook",
        "Tweet this",
        "cookies",
        "Leave a Reply",
        "email address",
        "Post Comment",
        "All rights reserved",
    ):
        assert furniture not in body, furniture

    dropped = " ".join(draft.dropped)
    for furniture in (
        "Home About us Blog",
        "Share on Facebook",
        "Leave a Reply",
        "Required fields are marked",
    ):
        assert furniture in dropped, furniture
    assert "Long-term" not in dropped


def test_html_import_falls_back_to_og_url_and_h1(tmp_path: Path) -> None:
    html = PAGE_HTML.replace(
        '<link rel="canonical" href="https://www.nhs.uk/conditions/ketamine-bladder/">',
        '<meta property="og:url" content="https://www.nhs.uk/og/ketamine-bladder/">',
    ).replace("<title>Ketamine and the bladder | Example Health Blog</title>", "")
    draft = import_document(_write(tmp_path, "page.htm", html))
    assert draft.title == "Ketamine and the bladder"
    assert [s.url for s in draft.sources] == ["https://www.nhs.uk/og/ketamine-bladder/"]


def test_html_import_reads_the_page_encoding(tmp_path: Path) -> None:
    html = PAGE_HTML.replace('charset="utf-8"', 'charset="iso-8859-1"').replace(
        "late 2000s", "late 2000s (café)"
    )
    path = tmp_path / "latin.html"
    path.write_bytes(html.encode("latin-1"))
    assert "(café)" in import_document(path).body


def test_draft_file_loads_as_a_draft_with_todo_notes(tmp_path: Path) -> None:
    draft = import_document(_write(tmp_path, "page.html", PAGE_HTML))
    path = write_draft(draft, tmp_path / "out", imported_on=TODAY)
    assert path == tmp_path / "out" / "ketamine-and-the-bladder.md"

    article = load_article(path)
    assert article.status == "draft"
    assert article.reviewed_on is None
    assert article.license is None
    assert article.body == draft.body
    text = path.read_text()
    assert "reviewed_on: null  # TODO" in text
    assert "license: null  # TODO" in text
    assert "# imported from page.html on 2026-11-27" in text


def test_markdown_import_keeps_declared_fields_but_not_the_review(tmp_path: Path) -> None:
    draft = import_document(_write(tmp_path, "driving.md", MARKDOWN_DOC))
    assert draft.id == "ketamine-and-driving"
    assert draft.title == "Ketamine and driving"
    assert draft.summary == "Why ketamine and driving do not mix."
    assert [s.url for s in draft.sources] == ["https://www.gov.uk/drug-driving-law"]
    assert draft.body.startswith("Ketamine changes perception and reaction time, so driving")
    assert "## The law" in draft.body.split("\n")  # the top heading level inside the body becomes ##

    article = draft.to_article()
    assert (article.status, article.reviewed_on, article.license) == ("draft", None, None)
    text = draft.to_markdown()
    assert "summary: Why ketamine and driving do not mix.\n" in text  # declared, so no TODO note
    assert "license: null  # TODO" in text


def test_plain_text_import_marks_headings_and_keeps_debris_for_vetting(tmp_path: Path) -> None:
    draft = import_document(_write(tmp_path, "memory-notes.txt", PLAIN_TEXT))
    assert draft.title == "Ketamine and Memory"
    assert draft.id == "ketamine-and-memory"
    lines = draft.body.split("\n")
    assert "## What Research Shows" in lines
    assert "### Short-term effects" in lines
    assert "### Frequent use" in lines
    # Hard-wrapped prose is joined back into one line per paragraph.
    assert any(line.startswith("Studies of people") and line.endswith("without the drug.") for line in lines)
    # The comment form stays in the draft so that vetting can show it to the curator.
    assert "Leave a Reply" in draft.body
    assert draft.dropped == []

    found = {(f.rule, f.text) for f in Vetter().vet(draft.to_article()).findings}
    assert ("spam.buy-online", "BUY KETAMINE ONLINE") in found
    assert ("debris.comment-form", "Leave a Reply") in found


def test_plain_text_without_a_title_line_gets_a_todo_title(tmp_path: Path) -> None:
    text = (
        "ketamine is a medicine used in anaesthesia, and this sentence is far too long to be a title line.\n"
    )
    draft = import_document(_write(tmp_path, "raw_notes.txt", text))
    assert draft.title == "Raw notes"
    assert "title: Raw notes  # TODO: made from the file name" in draft.to_markdown()
    assert draft.body == text.strip()
    assert "title" in draft.todo_fields()


def test_import_refuses_unknown_types_and_existing_files(tmp_path: Path) -> None:
    with pytest.raises(DocumentImportError, match=r"cannot import \.pdf"):
        import_document(_write(tmp_path, "paper.pdf", "%PDF"))
    draft = import_document(_write(tmp_path, "page.html", PAGE_HTML))
    write_draft(draft, tmp_path / "out")
    with pytest.raises(DraftExistsError, match="--force"):
        write_draft(draft, tmp_path / "out")
    write_draft(draft, tmp_path / "out", force=True)


def test_cli_import_writes_drafts_and_reports_findings(
    isolated_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "incoming", "memory.txt", PLAIN_TEXT)
    assert main(["corpus", "import", str(source)]) == 0
    out = capsys.readouterr().out
    draft_path = isolated_settings.corpus_dir / "ketamine-and-memory.md"
    assert draft_path.is_file()
    assert "'BUY KETAMINE ONLINE'" in out and "spam.buy-online [block]" in out
    assert "'Leave a Reply'" in out and "debris.comment-form [strip]" in out
    assert "dropped: nothing" in out

    assert main(["corpus", "import", str(source)]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert main(["corpus", "import", str(source), "--force"]) == 0

    page = _write(tmp_path / "incoming", "page.html", PAGE_HTML)
    assert main(["corpus", "import", str(page), "--out", str(tmp_path / "elsewhere")]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "elsewhere" / "ketamine-and-the-bladder.md").is_file()
    assert "dropped as page furniture" in out and "'Leave a Reply" in out
    assert "vetting: no finding" in out


# --- loader rules for drafts ----------------------------------------------------------------------


def test_drafts_may_leave_fields_empty_but_approved_articles_may_not(tmp_path: Path) -> None:
    text = article_text("x", "## A\n\nSome plain text here.", status="draft")
    for field, empty in (
        ("reviewed_on: 2026-11-27", "reviewed_on: null"),
        ("license: CC-BY-4.0", "license:"),
    ):
        text = text.replace(field, empty)
    text = text.replace("sources:\n  - name: Test source\n    url: https://www.who.int/", "sources: []")
    draft = load_article(_write(tmp_path, "x.md", text))
    assert (draft.reviewed_on, draft.license, draft.sources) == (None, None, [])

    path = _write(tmp_path, "y.md", text.replace("status: draft", "status: approved"))
    with pytest.raises(
        ArticleFormatError,
        match="approved article must fill every field; empty: sources, reviewed_on, license",
    ) as info:
        load_article(path)
    assert info.value.line == 4  # the first empty field's line


# --- approve -------------------------------------------------------------------------------------


def _finish_draft(path: Path) -> None:
    """What a curator does: remove the spam and the comment form, fill the front matter, drop the TODOs."""
    text = path.read_text()
    text = text.replace(" BUY KETAMINE ONLINE", "")
    text = text.replace(
        "## Leave a Reply\n\nYour email address will not be published. Required fields are marked *", ""
    )
    text = re.sub(r"summary: null  # TODO.*", "summary: How ketamine affects memory.", text)
    text = re.sub(
        r"sources: \[\]  # TODO.*",
        "sources:\n  - name: NHS\n    url: https://www.nhs.uk/",
        text,
    )
    text = re.sub(r"(topics: \[.*\])  # TODO.*", r"\1", text)
    text = re.sub(r"license: null  # TODO.*", "license: CC-BY-4.0", text)
    path.write_text(text.rstrip() + "\n")


def test_approve_refuses_while_findings_remain_then_writes_two_lines(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "articles"
    draft = import_document(_write(tmp_path, "memory.txt", PLAIN_TEXT))
    path = write_draft(draft, corpus_dir)

    with pytest.raises(ApprovalRefusedError) as info:
        approve_article(draft.id, corpus_dir, Vetter(), TODAY)
    problems = "\n".join(info.value.problems)
    assert "spam.buy-online [block] 'BUY KETAMINE ONLINE'" in problems
    assert "debris.comment-form [strip] 'Leave a Reply'" in problems
    assert "sources is empty" in problems and "license is empty" in problems
    assert "TODO note left: 'summary: null" in problems
    assert "reviewed_on" not in problems  # approve fills that line itself
    assert load_article(path).status == "draft"

    _finish_draft(path)
    before = path.read_text().split("\n")
    approved = approve_article(draft.id, corpus_dir, Vetter(), TODAY)
    after = path.read_text().split("\n")

    assert (approved.status, approved.reviewed_on) == ("approved", TODAY)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [
        (before[approved.field_lines["reviewed_on"] - 1], "reviewed_on: 2026-11-27"),
        ("status: draft", "status: approved"),
    ]


def test_approve_refuses_a_strippable_finding_too(tmp_path: Path) -> None:
    body = "## Links\n\nMore reading is at https://example-blog.com/ketamine for anyone curious."
    write_article(tmp_path, "linky", body, status="draft")
    with pytest.raises(ApprovalRefusedError, match=r"links\.offlist-domain \[strip\]"):
        approve_article("linky", tmp_path, Vetter(), TODAY)


def test_approve_checks_related_ids(tmp_path: Path) -> None:
    write_article(tmp_path, "one", "## A\n\nPlain prose only.", status="draft", extra="see: [two, three]\n")
    write_article(tmp_path, "two", "## A\n\nPlain prose only.")
    with pytest.raises(ApprovalRefusedError, match="see: no article with id three"):
        approve_article("one", tmp_path, Vetter(), TODAY)


def test_mark_approved_keeps_line_endings_and_everything_else() -> None:
    text = article_text("crlf", "## A\n\nPlain prose.", status="draft").replace("\n", "\r\n")
    article = parse_article(text, "crlf.md")
    result = mark_approved(text, article, dt.date(2027, 1, 2))
    assert result == text.replace("reviewed_on: 2026-11-27\r\n", "reviewed_on: 2027-01-02\r\n").replace(
        "status: draft\r\n", "status: approved\r\n"
    )


def test_cli_approve(isolated_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    corpus_dir = isolated_settings.corpus_dir
    write_article(corpus_dir, "spammy", "## A\n\nGreat therapy. Order now and feel better.", status="draft")
    assert main(["corpus", "approve", "spammy"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot approve 'spammy': 1 problem(s) remain") and "'Order now'" in err
    assert err.count("\n") == 1

    (corpus_dir / "spammy.md").write_text(
        (corpus_dir / "spammy.md").read_text().replace(" Order now and feel better.", "")
    )
    before = dt.date.today()
    assert main(["corpus", "approve", "spammy"]) == 0
    assert "approved 'spammy'" in capsys.readouterr().out
    article = load_article(corpus_dir / "spammy.md")
    assert article.status == "approved"
    assert article.reviewed_on in (before, dt.date.today())

    assert main(["corpus", "approve", "missing"]) == 2
    assert "no article with id 'missing'" in capsys.readouterr().err


# --- stale and list ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("365d", dt.date(2025, 11, 27)),
        ("2w", dt.date(2026, 11, 13)),
        ("1m", dt.date(2026, 10, 27)),
        ("12M", dt.date(2025, 11, 27)),
        ("1y", dt.date(2025, 11, 27)),
    ],
)
def test_cutoff_date_units(spec: str, expected: dt.date) -> None:
    assert cutoff_date(TODAY, spec) == expected


def test_cutoff_date_clamps_to_month_end_and_refuses_nonsense() -> None:
    assert cutoff_date(dt.date(2026, 3, 31), "1m") == dt.date(2026, 2, 28)
    assert cutoff_date(dt.date(2028, 2, 29), "1y") == dt.date(2027, 2, 28)
    with pytest.raises(ValueError, match=r"e\.g\. 365d"):
        cutoff_date(TODAY, "a year")


def test_stale_lists_approved_articles_reviewed_before_the_cutoff(tmp_path: Path) -> None:
    _write(tmp_path, "old.md", _reviewed("old", "2024-06-01"))
    _write(tmp_path, "older.md", _reviewed("older", "2023-01-15"))
    _write(tmp_path, "edge.md", _reviewed("edge", "2025-11-27"))  # exactly 365 days: not yet due
    _write(tmp_path, "fresh.md", _reviewed("fresh", "2026-10-01"))
    _write(tmp_path, "old-draft.md", _reviewed("old-draft", "2020-01-01", status="draft"))
    due = stale_articles(load_corpus(tmp_path), cutoff_date(TODAY, "365d"))
    assert [a.id for a in due] == ["older", "old"]


def test_cli_stale_exit_codes(isolated_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    _write(isolated_settings.corpus_dir, "old.md", _reviewed("old", "2024-06-01"))
    _write(isolated_settings.corpus_dir, "fresh.md", _reviewed("fresh", "2026-10-01"))

    assert main(["corpus", "stale", "--older-than", "1y", "--as-of", "2026-11-27"]) == 0
    out = capsys.readouterr().out
    assert "1 approved article(s) last reviewed before 2025-11-27" in out
    assert "old" in out and "fresh" not in out and "909" in out  # age in days
    assert main(["corpus", "stale", "--older-than", "1y", "--as-of", "2026-11-27", "--fail"]) == 1
    capsys.readouterr()

    assert main(["corpus", "stale", "--older-than", "3y", "--as-of", "2026-11-27", "--fail", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["stale"] == [] and payload["reviewed_before"] == "2023-11-27"

    with pytest.raises(SystemExit) as exit_info:
        main(["corpus", "stale", "--older-than", "soon"])
    assert exit_info.value.code == 2


def test_list_rows_and_cli(isolated_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    corpus_dir = isolated_settings.corpus_dir
    _write(corpus_dir, "b-old.md", _reviewed("b-old", "2026-01-01"))
    draft = import_document(_write(corpus_dir.parent, "memory.txt", PLAIN_TEXT))
    write_draft(draft, corpus_dir)

    articles = load_corpus(corpus_dir)
    rows = {row.id: row for row in article_rows(articles, TODAY)}
    assert rows["b-old"].age_days == 330
    assert rows["ketamine-and-memory"].age_days is None
    for article in articles:
        assert rows[article.id].passages == len(chunk_article(article))

    assert main(["corpus", "list", "--json", "--as-of", "2026-11-27"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in payload["articles"]] == ["b-old", "ketamine-and-memory"]
    assert payload["articles"][0] == rows["b-old"].as_dict() | {"reviewed_on": "2026-01-01"}
    assert payload["totals"]["approved"] == 1 and payload["totals"]["draft"] == 1
    assert payload["totals"]["passages"] == sum(r.passages for r in rows.values())

    assert main(["corpus", "list", "--status", "draft"]) == 0
    out = capsys.readouterr().out
    assert "ketamine-and-memory" in out and "b-old" not in out
    assert "1 article(s): 0 approved, 1 draft, 0 rejected" in out

    _write(corpus_dir, "broken.md", "no front matter\n")
    assert main(["corpus", "list"]) == 2
    assert "broken.md:1: missing front matter" in capsys.readouterr().out


# --- the shipped corpus --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def approved_articles() -> list[Article]:
    articles = [a for a in load_corpus(PACKAGE_ARTICLES) if a.status == "approved"]
    assert len(articles) >= 30
    return articles


def test_every_approved_article_has_complete_front_matter(approved_articles: list[Article]) -> None:
    problems = []
    for a in approved_articles:
        assert a.path is not None
        if a.path.stem != a.id:
            problems.append(f"{a.id}: file is named {a.path.name}")
        if not (a.summary and a.topics and a.license and a.sources):
            problems.append(f"{a.id}: summary, topics, license and sources must all be filled")
        if any(not s.url.startswith("https://") for s in a.sources):
            problems.append(f"{a.id}: every source needs an https url")
        if a.reviewed_on is None or a.reviewed_on > dt.date.today():
            problems.append(f"{a.id}: reviewed_on {a.reviewed_on} is missing or in the future")
        words = len(a.body.split())
        if not 300 <= words <= 1200:
            problems.append(f"{a.id}: {words} words, outside 300-1200")
        if "TODO" in a.path.read_text():
            problems.append(f"{a.id}: TODO note left")
    assert problems == []


def test_every_approved_article_passes_vetting_with_no_finding(approved_articles: list[Article]) -> None:
    vetter = Vetter()
    findings = [
        f"{a.id}:{f.line}: {f.rule} {f.text!r}" for a in approved_articles for f in vetter.vet(a).findings
    ]
    assert findings == []


def test_no_approved_article_contains_a_dose(approved_articles: list[Article]) -> None:
    hits = [
        f"{a.id}: {m.group()!r}"
        for a in approved_articles
        for m in DOSE_PATTERN.finditer(f"{a.title}\n{a.summary or ''}\n{a.body}")
    ]
    assert hits == []


def test_dose_pattern_catches_amounts() -> None:
    for text in ("50 mg", "0.5mg/kg", "2 mg per kg", "10 ml", "25 mcg", "100 µg", "1 per kg", "3 g"):
        assert DOSE_PATTERN.search(text), text
    for text in ("in 2019", "Schedule III", "at least two hours", "the 1960s"):
        assert not DOSE_PATTERN.search(text), text


def test_related_article_ids_exist(approved_articles: list[Article]) -> None:
    ids = {a.id for a in load_corpus(PACKAGE_ARTICLES)}
    dangling = [f"{a.id} -> {see}" for a in approved_articles for see in a.see if see not in ids]
    assert dangling == []


def test_each_article_answers_at_least_three_evaluation_questions(approved_articles: list[Article]) -> None:
    counts: Counter[str] = Counter()
    for line in (REPO / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            counts.update(json.loads(line).get("expected_articles") or [])
    thin = {a.id: counts[a.id] for a in approved_articles if counts[a.id] < 3}
    assert thin == {}


def test_docs_describe_every_curation_command() -> None:
    doc = (REPO / "docs" / "curation.md").read_text(encoding="utf-8")
    for command in ("corpus import", "corpus list", "corpus stale", "corpus approve"):
        assert command in doc, command
