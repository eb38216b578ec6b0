"""`assistant corpus gaps`: abstained questions grouped by theme for curators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.gaps import GapsInputError, abstained_questions, group_gaps
from assistant.pipeline import AnswerPipeline


def test_questions_come_from_a_report_or_a_list(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "cases": [
                    {"case": {"question": "Is it sold in Japan?"}, "status": "abstained"},
                    {"case": {"question": "What is ketamine?"}, "status": "answered"},
                    {"case": {"turns": ["What is esketamine?", "and the price?"]}, "status": "abstained"},
                ]
            }
        )
    )
    assert abstained_questions(report, None) == ["Is it sold in Japan?", "and the price?"]
    listing = tmp_path / "questions.jsonl"
    listing.write_text('{"question": "one?"}\n\nplain two?\n')
    assert abstained_questions(listing, None) == ["one?", "plain two?"]
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(GapsInputError, match="not an evaluation report"):
        abstained_questions(tmp_path / "bad.json", None)


def test_questions_about_one_missing_thing_are_grouped(shipped_pipeline: AnswerPipeline) -> None:
    gaps = group_gaps(
        [
            "how much does spravato cost without insurance",
            "what would spravato cost me if my insurance won't pay",
            "is ketamine legal to carry in japan",
        ],
        shipped_pipeline,
    )
    assert [len(g.questions) for g in gaps] == [2, 1]
    assert "spravato" in gaps[0].words and gaps[0].closest_article
