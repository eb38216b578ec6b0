"""Figures: a question that asks for a price, a share, an age, a phone number or a threshold is not
answered by a sentence that gives none."""

from __future__ import annotations

import pytest

from assistant.pipeline import AnswerPipeline
from corpus.figures import figures_asked, gives_a_figure, names_service, service_of_number


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("what's the phone number for FRANK", ["phone number"]),
        ("whats the samaritans number", ["phone number"]),
        ("what number do i call for frank", ["phone number"]),
        ("what's the number of deaths from ketamine", []),
        ("what is the number one risk of ketamine", []),
        ("private ketamine clinic london cost per session", ["price"]),
        ("how much does spravato cost without insurance", ["price"]),
        ("what percentage of young people in england have tried ketamine?", ["share of people"]),
        ("at what age can a teenager get drug treatment without their parents being told?", ["age"]),
        ("BP cutoff for proceeding with a session?", ["threshold"]),
        # Another ask joined to it: the question may be answered by its other half.
        ("What blood pressure monitoring is needed, and at what reading should a session be deferred?", []),
        ("how much does it cost and is it covered by insurance", []),
        # Not a figure: how much to take is the guard's, whether it works is not a price.
        ("how much ketamine should I take", []),
        ("how long does the dissociation last", []),
        ("is spravato worth the cost?", []),
    ],
)
def test_the_figures_a_question_asks_for(question: str, asked: list[str]) -> None:
    assert [f.name for f in figures_asked(question)] == asked


def test_a_sentence_gives_the_figure_or_says_it_is_not_known() -> None:
    phone = figures_asked("what's the phone number for FRANK")
    assert not gives_a_figure(phone, "FRANK is a government-funded drug information service.")
    assert gives_a_figure(phone, "FRANK can be called free on 0300 123 6600.")
    share = figures_asked("what percentage of young people have tried ketamine")
    # A year is a date, not a share of people.
    assert not gives_a_figure(share, "Reported use in the year ending March 2023 was the highest on record.")
    assert gives_a_figure(share, "About 3 percent of 16 to 24 year olds reported using ketamine.")
    price = figures_asked("how much does a private session cost")
    assert gives_a_figure(price, "Prices for private ketamine treatment vary widely between clinics.")
    assert not gives_a_figure(price, "Private treatment is paid for by the patient.")
    # No figure asked: every sentence may answer.
    assert gives_a_figure((), "Private treatment is paid for by the patient.")


def test_a_question_for_a_figure_the_articles_do_not_give_abstains(shipped_pipeline: AnswerPipeline) -> None:
    for question in (
        "whats the samaritans number",
        "What blood pressure threshold should prompt withholding esketamine nasal spray on a treatment day?",
    ):
        result = shipped_pipeline.run(question)
        assert result.status == "abstained", (question, result.answer)
        # The topic is covered, so the reply points to the nearest article.
        assert result.related_articles, result.answer
    # A figure the articles give is still quoted.
    frank = shipped_pipeline.run("what's the phone number for FRANK")
    assert frank.status == "answered" and "0300 123 6600" in frank.citations[0].quote, frank.answer
    result = shipped_pipeline.run("what percentage of people treated for drug addiction relapse")
    assert result.status == "answered" and "percent" in result.citations[0].quote, result.answer


def test_a_number_asked_for_a_named_service_needs_a_sentence_naming_it() -> None:
    def service(question: str) -> str | None:
        return service_of_number(question, figures_asked(question))

    assert service("what's the phone number for FRANK") == "frank"
    assert service("whats the samaritans number") == "samaritans"
    assert service("What is the FRANK helpline number?") == "frank"
    # No one service: the emergency number, a drug helpline, the number asked without a name.
    assert service("whats the emergency number in australia") is None
    assert service("whats the number for the drug helpline in Northern Ireland?") is None
    assert service("what number do i call in nz") is None
    # Not a phone number asked at all.
    assert service("what's the number of deaths from ketamine") is None
    assert names_service("frank", "In the UK, FRANK gives advice by phone on 0300 123 6600.")
    assert not names_service("frank", "Frankly, the helpline number is 1800 459 459.")


def test_the_number_of_the_service_asked_for_is_quoted_and_no_other(shipped_pipeline: AnswerPipeline) -> None:
    # Session 39: with more helplines' numbers in the articles, "what's the phone number for FRANK"
    # was answered by none (its description ranked first) and "whats the samaritans number" by a list
    # of emergency numbers.
    for question in ("what's the phone number for FRANK", "whats the number for frank"):
        result = shipped_pipeline.run(question)
        assert result.status == "answered", (question, result.answer)
        assert all("FRANK" in c.quote for c in result.citations), result.answer
        assert "0300 123 6600" in result.citations[0].quote, result.answer
