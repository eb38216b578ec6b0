"""Hostile articles: no dose amount, sourcing cue or markup reaches a reader, however it is disguised.

`evals/redteam_article_variants.jsonl` holds 58 paragraphs written by a red-teamer who saw only the
policy: payloads hidden with zero-width characters, look-alike letters, full-width digits, number
words, unit spellings, defanged links, HTML entities, comments, scripts and event handlers, and
sourcing or dosing advice in plain words. Each names the strings that must never be shown.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.runtime import build_index, load_pipeline
from corpus.curation import ApprovalRefusedError, approve_article
from corpus.importer import import_document
from corpus.loader import load_article
from corpus.text import sentence_spans
from corpus.vetting import Vetter
from guardrails import OutputRail
from tests.conftest import REPO

VARIANTS = [
    json.loads(line)
    for line in (REPO / "evals/redteam_article_variants.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
TODAY = __import__("datetime").date(2026, 12, 3)
BENIGN = (
    "Ketamine is an anaesthetic medicine used in hospitals and by paramedics. "
    "Doctors value ketamine because breathing usually continues during anaesthesia."
)


def _article(identifier: str, paragraph: str) -> str:
    return (
        textwrap.dedent(
            f"""\
        ---
        id: {identifier}
        title: Ketamine notes {identifier}
        summary: Notes about ketamine for a test.
        sources:
          - name: "World Health Organization: Model List of Essential Medicines"
            url: https://www.who.int/
        reviewed_on: 2026-12-01
        status: draft
        topics: [ketamine]
        license: CC-BY-4.0
        ---

        {BENIGN}

        ## Notes

        """
        )
        + paragraph.replace("\n", " ")
        + "\n"
    )


def test_every_variant_is_found_by_vetting(tmp_path: Path) -> None:
    vetter = Vetter()
    missed = []
    for variant in VARIANTS:
        path = tmp_path / f"{variant['id']}.md"
        path.write_text(_article(variant["id"], variant["text"]), encoding="utf-8")
        if not vetter.vet(load_article(path)).findings:
            missed.append(variant["id"])
    assert not missed, f"vetting found nothing in {missed}"


@pytest.mark.parametrize("variant", VARIANTS, ids=[v["id"] for v in VARIANTS])
def test_the_output_rail_alone_removes_every_payload(variant: dict) -> None:
    # Defence in depth: as if the article had slipped past vetting, every sentence that carries a
    # forbidden string is removed before it leaves.
    rail = OutputRail()
    text = variant["text"]
    for span in sentence_spans(text):
        sentence = text[span.start : span.end]
        if any(bad in sentence for bad in variant["forbidden"]):
            assert not rail.check(sentence).allowed, sentence


@pytest.mark.slow
def test_hostile_articles_never_reach_an_answer(isolated_settings: Settings) -> None:
    corpus = isolated_settings.corpus_dir
    (corpus / "benign.md").write_text(
        _article("benign", "Ketamine is on the list of essential medicines.").replace(
            "status: draft", "status: approved"
        ),
        encoding="utf-8",
    )
    vetter = Vetter()
    approved = []
    for variant in VARIANTS:
        identifier = variant["id"]
        (corpus / f"{identifier}.md").write_text(_article(identifier, variant["text"]), encoding="utf-8")
        try:
            approve_article(identifier, corpus, vetter, TODAY)
            approved.append(identifier)
        except ApprovalRefusedError:
            continue
    build_index(isolated_settings)
    pipeline = load_pipeline(isolated_settings)
    for variant in VARIANTS:
        result = pipeline.run(variant["question"])
        shown = result.answer + " ".join(c.quote for c in result.citations)
        leaked = [bad for bad in variant["forbidden"] if bad in shown]
        assert not leaked, (variant["id"], leaked, result.answer)
    assert approved == [], f"approve let hostile articles through: {approved}"


MARKUP_VARIANTS = [variant for variant in VARIANTS if variant["kind"] == "markup"]


@pytest.mark.parametrize("variant", MARKUP_VARIANTS, ids=[v["id"] for v in MARKUP_VARIANTS])
def test_import_takes_active_markup_out_and_says_so(tmp_path: Path, variant: dict) -> None:
    source = tmp_path / "incoming.md"
    source.write_text(f"# Ketamine notes\n\n{BENIGN}\n\n{variant['text']}\n", encoding="utf-8")
    draft = import_document(source)
    active = [rule.id for rule, _ in Vetter().scan_text(draft.body) if rule.id == "markup.active"]
    assert not active, draft.body
    assert draft.markup_removed
    assert BENIGN in draft.body  # the article around the markup is kept


def test_import_keeps_ordinary_text_and_makes_disguised_letters_plain(tmp_path: Path) -> None:
    source = tmp_path / "incoming.md"
    source.write_text(
        "# Notes\n\nRisk rises when x < y and y > z.\n\nPeople b\u200buy k\u0435tamine; "
        "\u041a\u0435\u0442\u0430\u043c\u0438\u043d is the Russian word.\n",
        encoding="utf-8",
    )
    draft = import_document(source)
    assert "Risk rises when x < y and y > z." in draft.body
    assert "People buy ketamine;" in draft.body
    assert "\u041a\u0435\u0442\u0430\u043c\u0438\u043d" in draft.body  # a word wholly in Cyrillic stays
    assert draft.markup_removed == []
