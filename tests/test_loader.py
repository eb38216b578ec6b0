from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from corpus import ArticleFormatError, DuplicateArticleError, load_article, load_corpus
from tests.helpers import article_text, write_article

BODY = "## Section\n\nKetamine is a dissociative anaesthetic used in hospitals and by vets worldwide."


def test_parses_front_matter_and_body(tmp_path: Path) -> None:
    path = write_article(tmp_path, "sample", BODY, extra="see: [other]\n")
    article = load_article(path)
    assert article.id == "sample"
    assert article.status == "approved"
    assert article.reviewed_on == dt.date(2026, 11, 27)
    assert article.url == "https://www.who.int/"
    assert article.see == ["other"]
    assert article.body.startswith("## Section")
    lines = path.read_text().split("\n")
    assert lines[article.body_line - 1] == "## Section"


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\nid: bad\ntitle: [unclosed\nstatus: draft\n---\n\nBody text.\n")
    with pytest.raises(ArticleFormatError) as info:
        load_article(path)
    assert info.value.path == path
    assert info.value.line in (3, 4, 5)
    assert "malformed front matter" in str(info.value)
    assert str(path) in str(info.value)


def test_missing_fields_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "partial.md"
    path.write_text("---\nid: partial\ntitle: Partial\nstatus: draft\n---\n\nBody text.\n")
    with pytest.raises(
        ArticleFormatError, match=r"missing front matter field\(s\): sources, reviewed_on, topics, license"
    ):
        load_article(path)


def test_bad_status_points_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.md"
    path.write_text(article_text("s", BODY, status="published"))
    with pytest.raises(ArticleFormatError) as info:
        load_article(path)
    assert info.value.line == 8
    assert "status must be one of" in info.value.message


def test_empty_body_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.md"
    path.write_text(article_text("empty", "x").replace("\nx\n", "\n   \n"))
    with pytest.raises(ArticleFormatError, match="body is empty"):
        load_article(path)


def test_unclosed_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "open.md"
    path.write_text("---\nid: open\n\nBody\n")
    with pytest.raises(ArticleFormatError, match="not closed"):
        load_article(path)


def test_bad_date_and_bad_source(tmp_path: Path) -> None:
    path = tmp_path / "d.md"
    path.write_text(article_text("d", BODY).replace("reviewed_on: 2026-11-27", "reviewed_on: last week"))
    with pytest.raises(ArticleFormatError, match="reviewed_on must be a date"):
        load_article(path)
    path.write_text(article_text("d", BODY).replace("https://www.who.int/", "not a url"))
    with pytest.raises(ArticleFormatError, match="no valid http"):
        load_article(path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    write_article(tmp_path, "one", BODY)
    (tmp_path / "two.md").write_text(article_text("one", BODY))
    with pytest.raises(DuplicateArticleError) as info:
        load_corpus(tmp_path)
    assert "duplicate article id 'one'" in str(info.value)
    assert info.value.line == 2


def test_plain_text_is_a_draft(tmp_path: Path) -> None:
    path = tmp_path / "Raw Article.txt"
    path.write_text("\nA Title Line\n\nFirst paragraph here.\n\nSecond paragraph.\n")
    article = load_article(path)
    assert article.status == "draft"
    assert article.id == "raw-article"
    assert article.title == "A Title Line"
    assert article.body == "First paragraph here.\n\nSecond paragraph."
    assert article.body_line == 4


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes(b"---\nid: x\n---\n\xff\xfe body")
    with pytest.raises(ArticleFormatError, match="not UTF-8"):
        load_article(path)
