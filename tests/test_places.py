"""Places: a question about one place is not answered with the facts of another."""

from __future__ import annotations

import pytest

from assistant.pipeline import AnswerPipeline
from corpus.places import (
    names_only_other_places,
    places,
    places_asked,
    places_followed,
    places_of_conversation,
    without_places,
)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Is ketamine legal in the UK?", {"united kingdom"}),
        ("Possession is illegal under U.S. federal law.", {"united states"}),
        ("In the United States, the FDA approved it in 2019.", {"united states"}),
        ("NICE guidance on depression", {"united kingdom"}),
        ("ket law australia", {"australia"}),
        ("In Northern Ireland the rules match", {"northern ireland"}),
        ("the EMA and Ireland", {"european union", "ireland"}),
        # Each nation runs its own NHS: with a nation named, the NHS is that nation's.
        ("Ask whether the local NHS board in Scotland provides it", {"scotland"}),
        ("Is it on the NHS?", {"united kingdom"}),
        ("NHS England, and the rest of the UK", {"england", "united kingdom"}),
        # Acronyms that are also words count only in capitals.
        ("can they help us, is it nice", set()),
        ("the ema said", set()),
        # "the us" is never the pronoun; "let us know" is.
        ("legit ketamine clinic in the us", {"united states"}),
        ("let us know", set()),
        # Provinces and states that share a word with a place are not it.
        ("law in british columbia", set()),
        ("rules in new south wales", set()),
        # A country's medicines regulator or health service names it (session 33).
        ("what about the TGA, has it approved spravato", {"australia"}),
        ("is it covered by the HSE", {"ireland"}),
        ("tga", set()),
        # And its drug law (session 36).
        ("is ketamine schedule I under the CDSA?", {"canada"}),
        ("does it come under the narcotic control regulations", {"canada"}),
    ],
)
def test_places_are_read_by_name_and_acronym(text: str, named: set[str]) -> None:
    assert places(text) == named


def test_a_question_names_its_place_by_city_too_and_an_article_does_not() -> None:
    assert places_asked("im in melbourne, is ket a schedule 8 here") == {"australia"}
    assert places_asked("how do i get a referral in ontario") == {"canada"}
    assert places_asked("law in british columbia") == {"canada"}
    assert places_asked("any good ketamine clinics near columbus ohio") == {"united states"}
    assert places_asked("is spravato covered by insurance in west virginia") == {"united states"}
    assert places_asked("Is ketamine legal in Glasgow and in the UK?") == {"scotland", "united kingdom"}
    # In an article a city is a university's or a study's, not a regional fact.
    assert places("A 2010 study from University College London") == set()
    assert without_places("clinics in melbourne or sydney").split() == ["clinics", "in", "or"]


def test_a_sentence_about_only_other_places_answers_another_question() -> None:
    assert names_only_other_places(places("what about the netherlands"), "Ketamine is Class B in the UK.")
    assert names_only_other_places(places("drug driving limit in england"), "Scotland set a limit in 2019.")
    assert names_only_other_places(
        places("how do i get referred for spravato in england"),
        "People in Scotland can ask whether the local NHS board provides esketamine.",
    )
    # A whole holds for its parts and a part answers for its whole.
    assert not names_only_other_places(places("is it legal in England"), "In the UK it is a Class B drug.")
    assert not names_only_other_places(places("is it legal in the UK"), "Scotland set a limit in 2019.")
    # A sentence that names no place, or a question that names none, is not held back.
    assert not names_only_other_places(places("is it legal in Spain"), "It is a controlled drug.")
    assert not names_only_other_places(frozenset(), "Ketamine is Class B in the UK.")
    assert "UK" not in without_places("legal status in the UK compared to the US")


def _conversation(*turns: str) -> list[dict[str, str]]:
    messages = []
    for turn in turns[:-1]:
        messages += [{"role": "user", "content": turn}, {"role": "assistant", "content": "(an answer)"}]
    return [*messages, {"role": "user", "content": turns[-1]}]


def test_a_question_about_a_place_is_answered_from_that_place_or_not_at_all(
    shipped_pipeline: AnswerPipeline,
) -> None:
    # The articles cover the law of the UK, the US, Canada and Australia, not of the Netherlands.
    for conversation in (
        _conversation("Is ketamine legal in the Netherlands?"),
        _conversation("is ketamine legal in the uk", "what about the netherlands"),
    ):
        result = shipped_pipeline.run(conversation)
        assert result.status == "abstained", (conversation, result.answer)
    # "and in canada?" sits on the selector's threshold: its Canadian sentence is answered or not by
    # which CPU's int8 kernels run it (docs/abstention.md, session 30), so the test asks it plainly.
    canada = shipped_pipeline.run(_conversation("is ketamine legal in the uk", "what about canada?"))
    assert canada.status == "answered" and "Canada" in canada.citations[0].quote, canada.answer
    assert not any(places(c.quote) - {"canada"} for c in canada.citations), canada.answer


def test_a_conversation_is_about_the_place_the_person_says_they_are_in() -> None:
    assert places_of_conversation(["im in ireland and need help", "do i need my gp"]) == {"ireland"}
    assert places_of_conversation(["we live in melbourne", "what is the law"]) == {"australia"}
    # The newest turn's own places come first; a question about a country's law says nothing about
    # where the asker is; an earlier turn naming several places settles nothing.
    assert places_of_conversation(["im in ireland", "and in the uk?"]) == {"united kingdom"}
    assert places_of_conversation(["is it legal in the uk", "what are the penalties"]) == frozenset()
    assert places_of_conversation(["we're in the uk or ireland", "do i need my gp"]) == frozenset()
    # An eleventh new-user trial (session 37): a school in Kent, a city asked about for a service, a
    # place set aside.
    assert places_of_conversation(["im in canada though, not the UK", "what should i do now"]) == {"canada"}
    assert places_asked("is it not legal in the UK?") == {"united kingdom"}
    assert places_of_conversation(["I'm head of year at a secondary in Kent", "is it illegal at 15?"]) == {
        "england"
    }
    assert places_of_conversation(
        ["is there anywhere in toronto i can call", "do doctors keep it private"]
    ) == {"canada"}
    # A twelfth new-user trial (session 38): "here", said after a country was named, is that country.
    law = "What's the law on ketamine in Ireland?"
    assert places_of_conversation([law, "can you tell me if it's illegal here", "is there a helpline?"]) == {
        "ireland"
    }
    assert places_of_conversation([law, "where do i go from here"]) == frozenset()
    assert places_of_conversation([law, "here's another question: is it addictive"]) == frozenset()


def test_someone_in_ireland_who_asks_for_a_helpline_here_gets_ireland_s(
    shipped_pipeline: AnswerPipeline,
) -> None:
    asked = shipped_pipeline.run(
        _conversation(
            "What's the law on ketamine in Ireland?",
            "if I'm worried and want to talk to someone about all this here, is there a helpline?",
        )
    )
    assert asked.status == "answered" and "1800 459 459" in asked.citations[0].quote, asked.answer
    assert all("Ireland" in c.quote for c in asked.citations), asked.answer


def test_a_follow_up_naming_no_place_is_not_answered_with_another_places_rule(
    shipped_pipeline: AnswerPipeline,
) -> None:
    # Read alone, "do i need to go through my gp" is best answered by the UK's self-referral rule.
    alone = shipped_pipeline.run(_conversation("do i need to go through my gp for help with ketamine"))
    assert alone.status == "answered" and any(places(c.quote) for c in alone.citations), alone.answer
    result = shipped_pipeline.run(
        _conversation(
            "im in ireland and i think i need help with my ket use", "do i need to go through my gp"
        )
    )
    for citation in result.citations:
        assert not names_only_other_places(frozenset({"ireland"}), citation.quote), citation.quote


def test_a_sentence_that_names_its_own_place_is_judged_by_it_not_by_its_section(
    shipped_pipeline: AnswerPipeline,
) -> None:
    # The articles give Scotland's drug-driving limits under a United Kingdom heading; they do not
    # answer a question about England, whose law they state in other sentences.
    result = shipped_pipeline.run(_conversation("is there a drug driving limit for ketamine in england"))
    assert result.status == "answered", result.answer
    for citation in result.citations:
        assert "england" in places(citation.quote) or not places(citation.quote), citation.quote


def test_a_countrys_own_bodies_name_it() -> None:
    # The veterans' health service and Medicaid are American; the drug advisers and the care regulator British.
    assert places_asked("does the VA actually offer spravato, like can i get it thru my VA doctor") == {
        "united states"
    }
    assert places("The ACMD report, published in January 2026, described continued growth in use.") == {
        "united kingdom"
    }
    assert names_only_other_places(frozenset({"united states"}), "Private clinics are regulated by the CQC.")
    # "va" in another language is not the VA.
    assert not places_asked("ça va, et la kétamine?") and not places_asked("va bene la ketamina?")


def test_a_follow_up_keeps_to_the_place_the_turn_before_asked_about() -> None:
    law = "whats the law on ketamine in new zealand? like is it class A or B or whatever"
    # Where the person is, for emergency numbers, still needs them to say so; the answer keeps to it.
    assert places_of_conversation([law, "is ketamine illegal tho?"]) == frozenset()
    assert places_followed([law, "is ketamine illegal tho?"]) == {"new zealand"}
    assert places_followed([law, "and in the uk?"]) == {"united kingdom"}
    assert places_followed(["is it legal in the uk or ireland", "what are the penalties"]) == frozenset()
    assert places_followed(["is it legal?", "what are the penalties"]) == frozenset()
    # A place a reply is suspected of, or questioned before saying where one is, is not one the question
    # is about; a place asked about before saying where one is still is.
    assert places_asked("Scottish? I'm in Ohio. Is there any support for me, like for parents?") == {
        "united states"
    }
    assert places_asked("is it legal in scotland? im in england") == {"scotland", "england"}
    # An age between "im" and "in" still says where the person is (a fourteenth new-user trial).
    assert places_of_conversation(
        ["who can i talk to? im 15 in manchester", "should i call an ambulance?"]
    ) == {"england"}
    assert places_asked("is that nz law? unlimited fine sounds like the uk. im in auckland") == {
        "new zealand"
    }
    # US health insurance names the United States ("We have a Blue Shield PPO").
    assert places_asked("will our insurance pay? We have a Blue Shield PPO through my work") == {
        "united states"
    }


def test_a_teenager_in_new_zealand_is_not_given_another_countrys_law_or_number(
    shipped_pipeline: AnswerPipeline,
) -> None:
    # A thirteenth new-user trial (session 39): the United Kingdom's penalties, unnamed, and no 111.
    law = shipped_pipeline.run(
        _conversation(
            "whats the law on ketamine in new zealand? like is it class A or B or whatever",
            "is ketamine illegal tho? like what happens if ur caught with it",
        )
    )
    for citation in law.citations:
        assert not names_only_other_places(frozenset({"new zealand"}), citation.quote), citation.quote
        assert "Class B" not in citation.quote, citation.quote
    # The glossary restates the other articles in a line: it is never the article an abstention offers.
    first = shipped_pipeline.run(
        "whats the law on ketamine in new zealand? like is it class A or B or whatever"
    )
    assert first.status == "abstained", first.answer
    assert all("Glossary" not in article.title for article in first.related_articles), first.related_articles
    number = shipped_pipeline.run("what number do i call in new zealand if it happens again")
    assert number.status == "answered" and "111 in New Zealand" in number.answer, number.answer
    # Asked for again, with the replies sent back as the widget sends them, the number is given again
    # rather than a helpline's.
    messages: list[dict[str, str]] = []
    for turn in (
        "im in nz. if we call an ambulance when someones on ket will the cops come?",
        "ok but whats the number here, is it 111",
        "what number do i call in new zealand if it happens again",
    ):
        messages.append({"role": "user", "content": turn})
        again = shipped_pipeline.run(list(messages))
        messages.append({"role": "assistant", "content": again.answer})
    assert "111 in New Zealand" in messages[3]["content"], messages[3]["content"]
    assert "111 in New Zealand" in again.answer and "0800" not in again.answer, again.answer
    helpline = shipped_pipeline.run(
        "is there anyone in nz i can talk to about this stuff confidentially, like a helpline for drugs?"
    )
    assert helpline.status == "answered" and "0800 787 797" in helpline.citations[0].quote, helpline.answer
