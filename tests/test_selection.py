"""Learned answer selection: shipped weights match their data, answers lead with an answer, quotes stand alone."""

from __future__ import annotations

import numpy as np

from assistant.conversation import retrieval_query
from assistant.extractive import ExtractiveAnswerer
from assistant.pipeline import AnswerPipeline
from assistant.selection import AnswerSelector, Candidate, leans_on_previous, training_key


def test_shipped_weights_were_trained_on_the_shipped_data() -> None:
    assert AnswerSelector().key == training_key(), (
        "selector weights are stale: run python -m assistant.selection"
    )


def test_dependent_openings_are_recognised() -> None:
    assert leans_on_previous("These risks rise with heavy use.")
    assert leans_on_previous("Because of this, patients are watched for two hours.")
    assert not leans_on_previous("Thessaloniki hosts a clinic.")
    assert not leans_on_previous("Esketamine is given under supervision.")


def test_the_first_sentence_answers_what_was_asked(shipped_pipeline: AnswerPipeline) -> None:
    result = shipped_pipeline.run("Can I drive home after my esketamine session?")
    assert result.status == "answered"
    assert "driv" in result.citations[0].quote.lower()


def test_a_sentence_that_leans_on_the_previous_is_quoted_with_it(shipped_pipeline: AnswerPipeline) -> None:
    answerer = shipped_pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    index = shipped_pipeline.index
    for passage in index.passages.values():
        rows = index.sentences(passage.id)
        for position, row in enumerate(rows[1:], start=1):
            text = passage.text[row.start - passage.start : row.end - passage.start]
            previous = passage.text[rows[position - 1].start - passage.start : row.start - passage.start]
            if leans_on_previous(text) and not leans_on_previous(previous):
                candidate = Candidate(passage, row.start, row.end, row.row, 0.5, np.zeros(1))
                sentence = answerer._standalone(candidate, 0.9)
                assert sentence is not None and sentence.start == rows[position - 1].start
                assert (
                    sentence.quote == passage.text[sentence.start - passage.start : row.end - passage.start]
                )
                return
    raise AssertionError("the shipped corpus has no sentence that leans on the one before it")


def test_answers_show_no_markdown(shipped_pipeline: AnswerPipeline) -> None:
    for question in ("What does Class B mean?", "What is an anaesthetic?", "What is a K-hole?"):
        result = shipped_pipeline.run(question)
        assert "**" not in result.answer and all("**" not in c.quote for c in result.citations)


def test_a_standalone_question_is_not_read_as_a_follow_up() -> None:
    assert retrieval_query(["What is a K-hole?", "What are the risks of ketamine?"]) == (
        "What are the risks of ketamine?"
    )
    assert retrieval_query(["What is a K-hole?", "is it dangerous?"]).startswith("What is a K-hole?")
