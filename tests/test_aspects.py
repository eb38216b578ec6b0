"""Aspects: a question about one part of the body, about ketamine for pain or about an older person is
not answered with a sentence about another organ, about depression's treatment alone, or naming no
age."""

from __future__ import annotations

import pytest

from assistant.pipeline import AnswerPipeline
from corpus.aspects import (
    about_depression_only,
    about_young_people,
    adult_asking_for_themselves,
    body_parts_of_conversation,
    for_pain_only,
    help_with_drug_use_for_pain,
    names_another_organ,
    older_age_asked,
    only_ketamine_as_treatment,
    organs,
    says_nothing_of_age,
)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("my memory is shot, is this permanent??", {"memory"}),
        ("could it be my kidneys??", {"kidneys"}),
        ("keeps going to the toilet and his nose is always running", {"bladder", "nose"}),
        ("ok so if i stop will the cramps go away or is my stomach damaged for good", {"abdomen"}),
        # A medicine's name is not the body part.
        ("is the esketamine nasal spray safe", set()),
        ("I'm having my gallbladder out", {"abdomen"}),
    ],
)
def test_the_parts_of_the_body_a_text_names(text: str, named: set[str]) -> None:
    assert organs(text) == named


def test_a_sentence_about_another_organ_does_not_answer() -> None:
    bladder = "Stopping ketamine is the most important step for bladder health."
    assert names_another_organ("my memory is shot. is this permanent??", bladder)
    assert not names_another_organ("will my bladder heal if i stop", bladder)
    # A sentence naming the asked organ among others still answers; a question naming none is open.
    assert not names_another_organ(
        "could it be my kidneys", "Urine backs up from the bladder to the kidneys."
    )
    assert not names_another_organ("will it heal if i stop", bladder)
    assert not names_another_organ("my memory is shot", "Some effects may improve after a person stops.")


def test_ketamine_for_pain_is_not_depressions_treatment() -> None:
    assert for_pain_only("how long do ketamine infusions for pain last")
    assert not for_pain_only("how long do ketamine infusions for depression last")
    assert not for_pain_only("does my spravato help with pain too")
    assert about_depression_only(
        "The antidepressant effect of a single ketamine infusion often fades within days."
    )
    assert not about_depression_only(
        "For CRPS ketamine infusions can reduce pain for up to about three months."
    )
    # Either medicine, named together, is not depression's alone.
    assert not about_depression_only(
        "Private ketamine or esketamine treatment in the UK is paid for by the patient or by insurance."
    )
    assert about_depression_only("Esketamine is given together with an SSRI or SNRI antidepressant.")


def test_ketamine_for_pain_is_not_asked_of_a_drugs_helpline() -> None:
    helpline = (
        "In Ireland, the HSE Drugs and Alcohol Helpline is a free and confidential service for people with "
        "concerns about their own or someone else's drug or alcohol use."
    )
    assert help_with_drug_use_for_pain(
        "I live in Ireland, do any hospitals here do ketamine for nerve pain?", helpline
    )
    # Asking about addiction, or not about pain at all, the helpline may answer.
    assert not help_with_drug_use_for_pain(
        "im on ketamine for pain and worried im getting addicted, is there a helpline", helpline
    )
    assert not help_with_drug_use_for_pain("is there a drugs helpline in ireland", helpline)
    assert not help_with_drug_use_for_pain(
        "do any hospitals here do ketamine for nerve pain?", "Ketamine is used in hospitals for pain."
    )


def test_a_question_about_older_age_wants_a_sentence_that_names_an_age() -> None:
    assert older_age_asked(
        "my mum is 78 and her psychiatrist wants to try esketamine. is it safe at her age?"
    )
    assert older_age_asked("I'm 67, am I too old for spravato?")
    assert older_age_asked("what adverse effects matter most in the over 80s")
    # An age told as context is not the question.
    assert not older_age_asked("my mum is 78 and had ketamine for her hip, is the confusion normal?")
    assert not older_age_asked("im 17, can i get spravato at my age?")
    assert says_nothing_of_age("Esketamine is approved for adults only, and blood pressure is checked first.")
    assert not says_nothing_of_age("Emergence reactions are less common in children and older people.")


def test_an_older_persons_question_is_not_answered_with_the_adult_licence(
    shipped_pipeline: AnswerPipeline,
) -> None:
    older = shipped_pipeline.run("I'm 70, am I too old for esketamine?")
    assert all("adults only" not in c.quote for c in older.citations), older.answer
    # A question about a younger age is still answered with it.
    who = shipped_pipeline.run("can teenagers get spravato")
    assert any("adults only" in c.quote for c in who.citations), who.answer


def test_the_answer_leaves_out_other_organs_and_purposes(shipped_pipeline: AnswerPipeline) -> None:
    memory = shipped_pipeline.run(
        "my memory is shot. i forget what people said 5 mins ago, been using k for 3 years nearly every day. is this permanent??"
    )
    assert memory.status == "answered" and "bladder" not in memory.citations[0].quote, memory.answer
    pain = shipped_pipeline.run(
        "how long do ketamine infusions for pain last, like does the relief wear off after a few weeks?"
    )
    assert all("antidepressant" not in c.quote for c in pain.citations), pain.answer
    # Asked about depression, the same sentence answers.
    depression = shipped_pipeline.run("how long do ketamine infusions for depression last, does it wear off?")
    assert any("antidepressant effect" in c.quote for c in depression.citations), depression.answer


def test_a_follow_up_that_points_back_keeps_the_part_of_the_body_asked_about() -> None:
    nose = "my nose is constantly blocked and bleeds sometimes, i sniff k most weekends"
    assert body_parts_of_conversation(
        [nose, "so is there any evidence ket does it tho? will it heal if i stop"]
    ) == {"nose"}
    # A new question that points back at nothing, or names its own part of the body, is read alone.
    assert body_parts_of_conversation([nose, "is ketamine legal in spain"]) == frozenset()
    assert body_parts_of_conversation([nose, "and does it hurt the bladder too"]) == {"bladder"}
    # A thirteenth new-user trial (session 39): two turns on, "the blood" is still the bladder's.
    bladder = "still need to pee all the time and sometimes theres blood. will my bladder heal?"
    follow_ups = [
        "its been 3 months and still bleeding sometimes",
        "whats the chance it heals after 3 months off?",
    ]
    assert body_parts_of_conversation([bladder, *follow_ups, "is the blood dangerous? a&e or just gp"]) == {
        "bladder"
    }


def test_a_follow_up_about_the_nose_is_not_answered_with_the_bladder(
    shipped_pipeline: AnswerPipeline,
) -> None:
    nose = (
        "my nose is constantly blocked and bleeds sometimes, i sniff k most weekends. can it damage ur nose?"
    )
    first = shipped_pipeline.run(nose)
    follow_up = shipped_pipeline.run(
        [
            {"role": "user", "content": nose},
            {"role": "assistant", "content": first.answer},
            {
                "role": "user",
                "content": "so is there any actual evidence ket does it tho? will it heal if i stop",
            },
        ]
    )
    assert all("bladder" not in c.quote for c in follow_up.citations), follow_up.answer


def test_an_adult_asking_for_themselves_is_told_apart_from_a_question_about_someone_young() -> None:
    for question in (
        "im 29 not a kid. is drug treatment confidential in the uk or not",
        "forget young people. adult, daily user, wants help. what are my options",
        "im an adult, can i self refer",
    ):
        assert adult_asking_for_themselves(question), question
    for question in (
        "right but will they report me tho",
        "im 45 and my son is 16, will he get a record",
        "Prevalence trends of recreational ketamine use among young adults in England",
        "i took 25mg last night",
    ):
        assert not adult_asking_for_themselves(question), question
    assert about_young_people("Many areas of the UK have young people's drug and alcohol services.")
    assert not about_young_people(
        "Anyone worried about their own ketamine use can talk to a GP in confidence."
    )


def test_an_adult_asking_for_themselves_is_not_answered_with_young_peoples_services(
    shipped_pipeline: AnswerPipeline,
) -> None:
    """A ninth new-user trial (session 33): "im 29 not a kid" was answered with young people's services."""
    result = shipped_pipeline.run("forget young people. adult, daily user, wants help. what are my options")
    assert not any(about_young_people(c.quote) for c in result.citations), result.answer


def test_a_conversation_about_ketamine_as_a_treatment_alone() -> None:
    assert only_ketamine_as_treatment(
        ["my husband starts Spravato next month", "what should I watch for that evening?"]
    )
    assert only_ketamine_as_treatment(
        [
            "how do i start getting ketamine treatment",
            "no im not worried about using it, i want it for depression",
        ]
    )
    # Drug use spoken of anywhere: the articles about it may be the nearest.
    assert not only_ketamine_as_treatment(
        ["my son uses ket at parties", "can he get ketamine treatment to stop?"]
    )
    assert not only_ketamine_as_treatment(["what does a k-hole feel like"])


def test_an_abstention_about_spravato_does_not_point_to_signs_of_drug_use(
    shipped_pipeline: AnswerPipeline,
) -> None:
    first = (
        "Hello, my husband Graham is 61 and has depression that hasn't responded to several antidepressants. "
        "He's been referred to start Spravato at a clinic next month. I'll be driving him. What should I be "
        "watching for during and after the sessions?"
    )
    reply = (
        "After each session, a healthcare professional monitors the patient, including blood pressure and "
        "breathing, for at least two hours and until they judge that the person is stable and ready to leave. [1]"
    )
    then = (
        "Right, but what about once we're home? What side effects should I look out for in him that evening?"
    )
    conversation = [
        {"role": "user", "content": first},
        {"role": "assistant", "content": reply},
        {"role": "user", "content": then},
    ]
    result = shipped_pipeline.run(conversation)
    # A twelfth new-user trial: pointed to "Signs of ketamine use - a guide for families".
    assert result.status == "abstained", result.answer
    assert "Signs of ketamine use" not in result.answer
    assert all(r.id != "signs-of-ketamine-use-for-families" for r in result.related_articles)
