from __future__ import annotations

from pathlib import Path

from corpus import ChunkingPolicy, chunk_article, load_article, load_corpus, sentence_spans
from tests.helpers import write_article

LONG_PARAGRAPH = " ".join(
    f"Sentence number {i} talks about ketamine and its uses in hospitals." for i in range(40)
)


def test_passages_are_exact_spans_of_the_body() -> None:
    for article in load_corpus():
        passages = chunk_article(article)
        assert passages, article.id
        for passage in passages:
            assert article.body[passage.start : passage.end] == passage.text
        assert [p.id for p in passages] == [f"{article.id}#{n}" for n in range(1, len(passages) + 1)]


def test_passages_never_straddle_sections(tmp_path: Path) -> None:
    body = "## One\n\nShort first section about ketamine.\n\n## Two\n\nShort second section about esketamine."
    article = load_article(write_article(tmp_path, "two-sections", body))
    passages = chunk_article(article)
    assert [(p.section, p.text) for p in passages] == [
        ("One", "Short first section about ketamine."),
        ("Two", "Short second section about esketamine."),
    ]


def test_long_paragraphs_split_at_sentences_within_bounds(tmp_path: Path) -> None:
    article = load_article(write_article(tmp_path, "long", f"## Only\n\n{LONG_PARAGRAPH}"))
    passages = chunk_article(article, ChunkingPolicy(min_words=60, max_words=220))
    assert len(passages) > 1
    assert all(p.word_count <= 220 for p in passages)
    assert all(p.text.endswith(".") for p in passages)
    assert "".join(p.text for p in passages).replace(" ", "") == LONG_PARAGRAPH.replace(" ", "")


def test_small_paragraphs_merge_up_to_the_limit(tmp_path: Path) -> None:
    paragraphs = "\n\n".join(f"Paragraph {i} has exactly eight words in it." for i in range(20))
    article = load_article(write_article(tmp_path, "small", f"## S\n\n{paragraphs}"))
    passages = chunk_article(article)
    assert all(60 <= p.word_count <= 220 for p in passages)


def test_shipped_corpus_passage_sizes() -> None:
    sizes = [p.word_count for a in load_corpus() for p in chunk_article(a)]
    assert max(sizes) <= 275
    in_range = sum(40 <= s <= 220 for s in sizes) / len(sizes)
    assert in_range >= 0.95, in_range


def test_policy_validates() -> None:
    import pytest

    with pytest.raises(ValueError, match="min_words < max_words"):
        ChunkingPolicy(min_words=300, max_words=200)


def test_sentence_spans_respect_abbreviations_and_lines() -> None:
    text = "Ketamine (e.g. Ketalar) is an anaesthetic. The U.S. FDA approved it in 1970.\n- A list item here.\nDone"
    sentences = [text[s.start : s.end] for s in sentence_spans(text)]
    assert sentences == [
        "Ketamine (e.g. Ketalar) is an anaesthetic.",
        "The U.S. FDA approved it in 1970.",
        "A list item here.",
        "Done",
    ]
