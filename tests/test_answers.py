from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.conversation import (
    ConversationError,
    earlier_quotes,
    read_dialogue,
    readings,
    with_standard_names,
    without_what_is_set_aside,
    word_families,
)
from assistant.pipeline import (
    ABSTAIN_MESSAGE,
    NO_SOURCE,
    OFF_TOPIC_MESSAGE,
    SAID_BEFORE,
    AnswerPipeline,
    who_can_help,
)
from assistant.results import AnswerResult
from corpus import Vetter, load_corpus, vetted_for_index
from corpus.places import places
from guardrails.messages import english_only, written_in
from tests.helpers import write_article

REPO = Path(__file__).resolve().parent.parent


def _cases(name: str) -> list[dict]:
    return [json.loads(line) for line in (REPO / "evals" / name).read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def bodies() -> dict[str, str]:
    articles, _ = vetted_for_index(load_corpus(), Vetter())
    return {a.id: a.body for a in articles}


def _assert_quotes_exact(result: AnswerResult, bodies: dict[str, str]) -> None:
    for citation in result.citations:
        assert bodies[citation.article_id][citation.start : citation.end] == citation.quote
        assert f"{citation.quote} [{citation.n}]" in result.answer
        assert citation.passage_id.startswith(citation.article_id + "#")
    assert [c.n for c in result.citations] == list(range(1, len(result.citations) + 1))


def test_supervision_question_is_answered_with_exact_citations(
    shipped_pipeline: AnswerPipeline, bodies: dict[str, str]
) -> None:
    result = shipped_pipeline.run("Why is esketamine given under supervision?")
    assert result.status == "answered"
    assert result.citations and result.citations[0].article_id == "esketamine"
    assert "supervision" in result.answer
    _assert_quotes_exact(result, bodies)
    assert result.index_version == shipped_pipeline.index.version
    assert result.timings_ms["total"] > 0


def test_unrelated_question_abstains(shipped_pipeline: AnswerPipeline) -> None:
    result = shipped_pipeline.run("Who painted the Mona Lisa?")
    assert result.status == "abstained"
    # Not a question for a clinician or pharmacist either: the reply says what it does answer.
    assert result.answer == OFF_TOPIC_MESSAGE and "ketamine" in result.answer
    # A question about a drug that no article comes near is one for them.
    drug = shipped_pipeline.run("Does tramadol interact with grapefruit juice?")
    assert drug.status == "abstained" and drug.answer.startswith(ABSTAIN_MESSAGE), drug.answer
    assert result.citations == []
    # A follow-up that points back at a drug named before is about that drug; one that does not
    # point back is not ("who painted the Mona Lisa then" after a question about esketamine).
    caught = shipped_pipeline.run(
        _user_only("is ketamine illegal in ireland", "what happens if hes caught with it")
    )
    assert caught.status == "abstained" and caught.answer.startswith(NO_SOURCE), caught.answer
    # A question about the law is pointed to legal advice, one about work to occupational health.
    assert "legal advice" in caught.answer and "pharmacist" not in caught.answer, caught.answer

    painting = shipped_pipeline.run(_user_only("what is esketamine", "who painted the mona lisa then"))
    assert painting.answer == OFF_TOPIC_MESSAGE
    # Asking where to find help after a question about a drug is about that drug's help (session 33).
    local = shipped_pipeline.run(
        _user_only(
            "can i self refer for ketamine addiction in the uk", "how do i find my local one? im in leeds"
        )
    )
    assert local.answer != OFF_TOPIC_MESSAGE, local.answer


def test_an_abstention_says_who_can_help_with_that_kind_of_question() -> None:
    assert "legal advice" in who_can_help("if i get caught with ket will my uni find out")
    assert "occupational health" in who_can_help("can my employer sack me for failing a drug test")
    assert who_can_help("does esketamine affect the contraceptive pill") in ABSTAIN_MESSAGE
    # Professionals asking for their work, even about the law, are pointed to their own sources.
    for professional in (
        "Customer asked me today about ordering ketamine for depression from an online telehealth company",
        "pharmacist - pt on tramadol asking about ketamine infusions, serotonergic risk?",
        "I'm a mental health nurse, what should we tell families about esketamine",
        "What schedule is ketamine under the CDSA? Need it for our pharmacy records",
    ):
        assert "local guidelines" in who_can_help(professional), professional
    assert "local guidelines" not in who_can_help("my nurse told me to ask about ketamine, is it safe")
    # "Work" as in whether a treatment works is not a question about a job.
    assert who_can_help("how long does it take for spravato to work") in ABSTAIN_MESSAGE
    # Who asks may be said in an earlier turn (an eleventh new-user trial, session 37), and a teacher
    # is pointed to safeguarding, even about the law.
    registrar = ["quick one - I'm an ED registrar, ketamine sedation in a kid with a URTI?"]
    assert "local guidelines" in who_can_help("what are the contraindications then", registrar)
    assert "local guidelines" in who_can_help("I am the doctor. anything on analgesia?")
    teacher = ["I'm head of year at a secondary in Kent. Two Year 11s were found with ketamine."]
    assert "safeguarding" in who_can_help("do the police have to be told by the school?", teacher)
    assert "safeguarding" in who_can_help("as a teacher, am I obliged to tell his parents?")
    assert "safeguarding" in who_can_help(
        "yes but why?", ["I need to talk to a Year 11 class about ketamine"]
    )
    assert who_can_help("as the doctor said, is it safe with sertraline") in ABSTAIN_MESSAGE
    assert "legal advice" in who_can_help("will the police come", ["my teacher said ket is class b"])


def test_a_question_in_another_language_that_finds_no_answer_says_why(
    shipped_pipeline: AnswerPipeline,
) -> None:
    assert (
        written_in("oye, después de esnifar keta me sangra la nariz casi siempre, es normal? qué hago")
        == "es"
    )
    assert written_in("Kann ich am Sonntag noch Auto fahren, wenn ich am Samstag Keta genommen habe?") == "de"
    # A word borrowed from another language does not make an English question foreign.
    assert written_in("is ketamina the same as ketamine") is None
    assert written_in("what is a k-hole") is None
    # Before: "I don't have a vetted source that answers this", in English, though the articles cover it.
    result = shipped_pipeline.run(
        "oye, después de esnifar keta me sangra la nariz casi siempre, es normal? qué hago"
    )
    assert result.status == "abstained" and result.answer.startswith(
        "Mis artículos verificados están en inglés"
    )
    assert result.answer == english_only("es")


def test_a_question_calling_ketamine_k_is_answered_though_the_base_model_cannot_read_it(
    shipped_pipeline: AnswerPipeline,
) -> None:
    question = "im going to a festival and doing k, how do i stay safe?"
    answered = shipped_pipeline.run(question)
    assert answered.status == "answered" and "harm-reduction" in answered.citations[0].quote, answered.answer
    # Without the waiver the similarity floor turns it away: "k" means nothing to the base model.
    answerer = shipped_pipeline.answerer
    waived_at, answerer.floor_waived_at = answerer.floor_waived_at, 1.0
    cache, shipped_pipeline.cache = shipped_pipeline.cache, None  # the answer above is remembered
    try:
        assert shipped_pipeline.run(question).status == "abstained"
    finally:
        answerer.floor_waived_at, shipped_pipeline.cache = waived_at, cache


def test_every_answer_quotes_verbatim_at_its_offsets(
    shipped_pipeline: AnswerPipeline, bodies: dict[str, str]
) -> None:
    answered = 0
    for case in _cases("questions.jsonl"):
        result = shipped_pipeline.run(
            (case.get("turns") and [{"role": "user", "content": t} for t in case["turns"]])
            or case["question"]
        )
        _assert_quotes_exact(result, bodies)
        answered += result.status == "answered"
        assert len(result.citations) <= 5
    # The learned selector abstains when no sentence reads as an answer; on these questions (written
    # from the articles) it answers 268 of 281 (2026-12-03).
    assert answered >= 0.93 * len(_cases("questions.jsonl"))


def test_answers_state_facts_not_what_the_article_covers(shipped_pipeline: AnswerPipeline) -> None:
    # "This article explains ..." shares many words with a question but answers nothing
    questions = [
        "How does ketamine work in the brain?",
        "What is the difference between esketamine and arketamine?",
        "can you die from a ketamine overdose",
    ]
    for question in questions:
        result = shipped_pipeline.run(question)
        assert result.status == "answered", question
        assert not any(c.quote.lower().startswith("this article") for c in result.citations), question


def test_retrieval_finds_the_expected_article(shipped_pipeline: AnswerPipeline) -> None:
    cases = [c for c in _cases("questions.jsonl") if "question" in c and c.get("expected_articles")]
    found = 0
    misses = []
    for case in cases:
        hits = shipped_pipeline.retriever.run(case["question"], k=5)
        if {h.passage.article_id for h in hits} & set(case["expected_articles"]):
            found += 1
        else:
            misses.append(case["id"])
    recall = found / len(cases)
    assert recall >= 0.9, f"recall@5 {recall:.3f}; misses: {misses}"


def test_off_topic_questions_abstain(shipped_pipeline: AnswerPipeline) -> None:
    cases = _cases("offtopic.jsonl")
    abstained = sum(shipped_pipeline.run(c["question"]).status == "abstained" for c in cases)
    assert abstained / len(cases) >= 0.9


def test_follow_up_is_resolved_against_the_earlier_turn(shipped_pipeline: AnswerPipeline) -> None:
    conversation = [
        {"role": "user", "content": "What is esketamine?"},
        {"role": "assistant", "content": "Esketamine is a nasal spray."},
        {"role": "user", "content": "What are its side effects?"},
    ]
    result = shipped_pipeline.run(conversation)
    assert result.status == "answered"
    assert result.citations[0].article_id == "esketamine", result.answer

    other = shipped_pipeline.run(
        [
            {"role": "user", "content": "What is ketamine bladder syndrome?"},
            {"role": "assistant", "content": "..."},
            {"role": "user", "content": "can it be permanent?"},
        ]
    )
    assert any(c.article_id == "ketamine-bladder-syndrome" for c in other.citations)


def test_drugs_called_by_street_or_brand_names_are_read_with_their_standard_names() -> None:
    assert with_standard_names("and with coke?") == "and with coke? (cocaine)"
    assert (
        with_standard_names("k and weed after a few pints")
        == "k and weed after a few pints (alcohol, cannabis)"
    )
    assert with_standard_names("is ket ok with Xanax") == "is ket ok with Xanax (benzodiazepines)"
    assert with_standard_names("I take lexapro and amlodipine") == (
        "I take lexapro and amlodipine (SSRI antidepressants, blood pressure medicines)"
    )
    # Named already, ketamine's own street names, and words that mean something else are left alone.
    for question in ("ketamine and cocaine together", "is ket addictive", "MD here: speed of onset?", "5 g"):
        assert with_standard_names(question) == question


def test_a_drug_called_by_its_street_name_is_answered_about_that_drug(
    shipped_pipeline: AnswerPipeline,
) -> None:
    weed = shipped_pipeline.run("k and weed together, anything to worry about")
    assert weed.status == "answered" and "cannabis" in weed.citations[0].quote, weed.answer
    alcohol = shipped_pipeline.run("is it ok to mix ket with alcohol")
    coke = shipped_pipeline.run(_chat("is it ok to mix ket with alcohol", alcohol.answer, "and with coke?"))
    assert "cocaine" in coke.citations[0].quote, coke.answer


def test_a_follow_up_is_read_alone_and_with_the_subject_of_the_turns_before() -> None:
    assert readings(["What is esketamine?"]) == ["What is esketamine?"]
    assert readings(["What is esketamine?", "What are the side effects of it for teenagers?"]) == [
        "What are the side effects of it for teenagers?",
        "What are the side effects of it for teenagers? esketamine",
    ]
    # A turn that points back with hardly a word of its own has nothing to be read alone with.
    assert readings(["What is esketamine?", "What are its risks?"]) == ["What are its risks? esketamine"]
    assert readings(["Does long-term ketamine use damage memory?", "Is that permanent?"]) == [
        "Is that permanent? long term ketamine use damage memory"
    ]
    # No pronoun, but nothing to stand on alone either.
    assert readings(["Can ketamine be detected in a drug test?", "how many days after?"])[1] == (
        "how many days after? ketamine detected drug test"
    )
    # The two turns before, nearest first; a turn that changed the subject is where the subject starts.
    assert readings(["is ket addictive", "what about for teenagers", "how would I know"])[1] == (
        "how would I know teenagers ket addictive"
    )
    # A turn that names its own place leaves the earlier turns' places behind.
    assert readings(["is ket addictive", "Different question: is it legal in France", "and in Spain?"]) == [
        "and in Spain? legal"
    ]
    assert readings(["is it legal in France", "what is the penalty"])[1] == "what is the penalty legal france"
    # A place an earlier turn set aside is no part of the subject (a fourteenth new-user trial: "…not
    # Scotland" brought Scotland's family charity back to a mother in Ohio).
    with_subject = readings(
        [
            "I said I'm in Ohio, USA. not Scotland. is there anything in the US for families?",
            "will insurance cover it",
        ]
    )[-1].casefold()
    assert "ohio" in with_subject and "scotland" not in with_subject, with_subject


@pytest.mark.parametrize(
    "question",
    [
        "What are the risks of ketamine?",
        "unrelated but how is spravato given",
        "Different question: who makes the nasal spray?",
        "ok, totally different thing - is there a helpline",
    ],
)
def test_a_turn_that_names_its_own_subject_or_leaves_the_old_one_is_read_alone(question: str) -> None:
    assert readings(["What is a K-hole?", question]) == [question]


def test_an_abstention_points_to_an_article_about_the_place_asked(shipped_pipeline: AnswerPipeline) -> None:
    # The likeliest sentence is about private clinics in England, which answers another question.
    result = shipped_pipeline.run("how do i find a legit ketamine clinic in the us")
    assert result.status == "abstained" and "England" not in result.answer
    bodies = {article.id: article.body for article in load_corpus()}
    pointed = [bodies[related.id] for related in result.related_articles]
    assert len(pointed) == 1 and "united states" in places(pointed[0]), result.related_articles
    assert result.related_articles[0].id != "access-to-treatment-uk"


def _chat(*messages: str) -> list[dict[str, str]]:
    return [{"role": ("user", "assistant")[i % 2], "content": m} for i, m in enumerate(messages)]


def _user_only(*turns: str) -> list[dict[str, str]]:
    """A conversation as a client that does not send the assistant's replies back."""
    return [{"role": "user", "content": turn} for turn in turns]


def test_earlier_replies_quotes_are_read_from_the_answers_sent_back() -> None:
    mixing = "Mixing ketamine with alcohol, opioids, benzodiazepines or other sedating drugs is dangerous."
    company = "Being with someone who is not using is safer."
    leads = earlier_quotes(
        _chat("is it ok to mix ket with alcohol", f"{mixing} [1] {company} [2]", "and with coke?")
    )
    # Every quote counts, not only the lead: "can our GP help with this" was answered with the
    # withdrawal sentence the reply before had given second.
    assert leads is not None and leads.quotes == (mixing, company)
    assert leads.repeated_by(mixing) and leads.repeated_by(company)
    # A restatement of a quote in other words counts when the caller says so.
    assert leads.repeated_by("Company that is sober makes it safer.", restates_one=True)
    assert not leads.repeated_by("Another one.")
    # The new turn's own words (and its drugs' standard names) in the old lead make it an answer again.
    xanax = earlier_quotes(_chat("is it ok to mix ket with alcohol", f"{mixing} [1]", "and with xanax?"))
    assert xanax is not None and not xanax.repeated_by(mixing)
    # A refusal, an abstention or a lone question has no lead.
    assert earlier_quotes(_chat("how much ket should i take", "I can't help with doses.", "why not?")) is None
    assert earlier_quotes("is ket addictive") is None
    assert earlier_quotes(_chat("is ket addictive")) is None


def test_every_earlier_lead_counts_and_a_word_s_forms_are_one_word() -> None:
    acts = "Ketamine acts on the brain in several ways."
    leads = earlier_quotes(
        _chat(
            "how does ketamine work",
            f"{acts} [1]",
            "what is an nmda antagonist",
            "I don't have a source.",
            "and why would that help depression",
        )
    )
    assert leads is not None and leads.repeated_by(acts)
    addictive = "Ketamine can be addictive, and dependence is mainly psychological."
    compared = earlier_quotes(
        _chat(
            "can you get addicted to ketamine",
            f"{addictive} [1]",
            "how addictive is it compared to other drugs",
        )
    )
    assert compared is not None and compared.repeated_by(addictive)
    assert word_families("addicted addictive") == {"addic"}


def test_words_taken_from_the_last_lead_do_not_make_it_an_answer_again() -> None:
    penalty = "For Class B drugs, the maximum penalty for possession is up to five years in prison."
    stay = "After each session, people stay at the clinic for at least two hours."
    echoed = earlier_quotes(
        _chat(
            "what happens if u get caught with ket",
            f"{penalty} [1] {stay} [2]",
            "prison?? for someone my age tho",
        )
    )
    # "prison" is the lead's own word, typed back at it: not a new question the lead answers.
    assert echoed is not None and echoed.repeated_by(penalty)
    # A point further down may answer the next question, in the words it shares with it.
    told = earlier_quotes(
        _chat("what happens at a session", f"{penalty} [1] {stay} [2]", "how long do i stay after")
    )
    assert told is not None and not told.repeated_by(stay)
    # A word of time or talk ("before", "again", "kinda") brings no subject to meet an old quote.
    service = "One service asks patients not to drink alcohol on the evening before treatment."
    later = earlier_quotes(
        _chat(
            "is it ok with my oxycodone",
            f"{service} [1]",
            "i asked about opioids",
            f"{stay} [1]",
            "so should I tell the pain doc about my oxy before the infusion?",
        )
    )
    assert later is not None and later.repeated_by(service)
    # A word the lead holds that the person did not type is still theirs when it is a standard name.
    mixing = "Mixing ketamine with benzodiazepines is dangerous."
    xanax = earlier_quotes(_chat("is it ok to mix ket with alcohol", f"{mixing} [1]", "and with xanax?"))
    assert xanax is not None and not xanax.repeated_by(mixing)


@pytest.mark.parametrize(
    "correction",
    [
        "You missed my second question - is it offered on the NHS?",
        "you didnt say anything about the peeing. is that a bladder thing?",
        "Useful on CQC, but I specifically need the clinical side",
    ],
)
def test_a_turn_that_says_the_reply_missed_counts_as_a_correction(correction: str) -> None:
    said = "Private clinics in England are regulated by the Care Quality Commission (CQC)."
    found = earlier_quotes(_chat("what should i warn patients about", f"{said} [1]", correction))
    assert found is not None and found.corrects and found.repeated_by(said)


def test_a_follow_up_whose_answer_was_already_given_says_so_instead_of_no_source(
    shipped_pipeline: AnswerPipeline,
) -> None:
    first = shipped_pipeline.run("is ketamine legal in australia")
    assert first.status == "answered"
    follow_up = shipped_pipeline.run(
        _chat("is ketamine legal in australia", first.answer, "is it even legal there")
    )
    # A question about the law: the reply says so, and points to legal advice.
    assert follow_up.answer == f"{SAID_BEFORE} {who_can_help('is it even legal there')}", follow_up.answer
    assert follow_up.status == "abstained" and "legal advice" in follow_up.answer
    # Without the earlier reply sent back, the same sentence answers again.
    alone = shipped_pipeline.run(_user_only("is ketamine legal in australia", "is it even legal there"))
    assert alone.status == "answered" and alone.citations[0].quote == first.citations[0].quote


def test_a_turn_that_says_the_last_reply_missed_does_not_get_that_reply_again() -> None:
    approved = "The FDA approved Spravato in March 2019 for adults with treatment-resistant depression."
    corrected = earlier_quotes(
        _chat(
            "when did the fda approve spravato",
            f"{approved} [1]",
            "march 2019 isn't an exact date. which day?",
        )
    )
    # "march" and "2019" are the reply's own words echoed back, not new ones that it answers.
    assert corrected is not None and corrected.corrects and corrected.repeated_by(approved)
    for correction in (
        "no i mean the spravato treatment, not using drugs",
        "I asked about Matthew Perry, not McClain",
        "thats not what i asked",
        "you keep saying a family member should drive, I've told you I havent got anyone",
        "aye i know its common, that wasnt my question. what are the actual signs",
        "ok but not approved doesnt tell me if it works. does the research show it helps or not?",
        "that didnt answer it. does a recent cold raise the risk, yes or no?",
    ):
        assert earlier_quotes(_chat("q", f"{approved} [1]", correction)).corrects, correction  # type: ignore[union-attr]
    # Asking more about what the reply said is not a correction, and "no" opening a question is not either.
    for follow_up in (
        "and in march 2019 was that in the us only",
        "no one told me that, is it true?",
        "my doctor keeps saying it is safe, is that true",
        "i told my gp about it, will that go on my record",
        "does it tell me anything about older people",
        "did the trial answer whether it works for ptsd",
    ):
        leads = earlier_quotes(_chat("q", f"{approved} [1]", follow_up))
        assert leads is not None and not leads.corrects, follow_up


def test_after_a_correction_the_reply_says_it_has_nothing_further_instead_of_the_next_guess(
    shipped_pipeline: AnswerPipeline,
) -> None:
    first = shipped_pipeline.run("when did the FDA approve Spravato")
    assert first.status == "answered" and "2019" in first.citations[0].quote
    corrected = shipped_pipeline.run(
        _chat("when did the FDA approve Spravato", first.answer, "March 2019 isn't an exact date. which day?")
    )
    assert corrected.status == "abstained" and corrected.answer.startswith(SAID_BEFORE), corrected.answer
    # Without the correction, the lead's own words typed back at it ("march 2019") ask for more
    # than it said, so it does not come back as the answer either.
    asked_again = shipped_pipeline.run(
        _chat("when did the FDA approve Spravato", first.answer, "which day in march 2019?")
    )
    assert not asked_again.citations or asked_again.citations[0].quote != first.citations[0].quote


def test_two_dialogues_are_the_same_answer_only_with_the_same_earlier_quotes() -> None:
    asked = read_dialogue(_chat("Is ket addictive?", "It can be. [1]", "  and  with COKE? "))
    assert asked.question == "and  with COKE?" and asked.turns[0] == "Is ket addictive?"
    assert asked.key() == read_dialogue(_chat("is KET addictive?", "It can be. [1]", "and with coke?")).key()
    assert asked.key() != read_dialogue(_chat("Is ket addictive?", "Yes. [1]", "and with coke?")).key()
    assert asked.key() != read_dialogue(_chat("Is ket addictive?", "No source.", "and with coke?")).key()


def test_a_follow_up_does_not_lead_with_what_the_reply_before_led_with(
    shipped_pipeline: AnswerPipeline,
) -> None:
    first = shipped_pipeline.run("is it ok to mix ket with alcohol")
    lead = first.citations[0].quote
    assert "alcohol" in lead
    # Sent without the earlier reply, the follow-up leads with the same sentence again.
    assert (
        shipped_pipeline.run(_user_only("is it ok to mix ket with alcohol", "and with coke?"))
        .citations[0]
        .quote
        == lead
    )
    follow_up = shipped_pipeline.run(
        _chat("is it ok to mix ket with alcohol", first.answer, "and with coke?")
    )
    assert follow_up.status == "answered" and "cocaine" in follow_up.citations[0].quote
    assert lead not in follow_up.answer
    # The same sentence answers a follow-up whose new words it meets ("xanax": benzodiazepines).
    xanax = shipped_pipeline.run(_chat("is it ok to mix ket with alcohol", first.answer, "and with xanax?"))
    assert xanax.citations[0].quote == lead


def test_what_a_turn_sets_aside_is_not_part_of_the_question(shipped_pipeline: AnswerPipeline) -> None:
    assert without_what_is_set_aside(
        "Forget Canada-specific then. What are the risks of telehealth ketamine?"
    ) == ("What are the risks of telehealth ketamine?")
    assert without_what_is_set_aside("ok forget that. is ketamine addictive") == "is ketamine addictive"
    # "forget" inside a sentence, or with nothing after it, sets nothing aside.
    assert without_what_is_set_aside("i forget what people said, is this permanent") == (
        "i forget what people said, is this permanent"
    )
    assert without_what_is_set_aside("forget it") == "forget it"
    # A tenth new-user trial: the Leeds services nobody could name decided the reply, and it abstained.
    conversation = [
        "is there somewhere in leeds i can go thats not my gp? like a drugs service for students or something",
        "not leeds specifically then, can you refer yourself to a drug service in the uk without going thru a gp?",
    ]
    reply = shipped_pipeline.run(_user_only(*conversation))
    assert reply.status == "answered" and "self-referral" in reply.citations[0].quote, reply.answer


def test_a_follow_up_does_not_lead_with_what_an_earlier_reply_quoted_second(
    shipped_pipeline: AnswerPipeline,
) -> None:
    first = shipped_pipeline.run("can i drive after a spravato session?")
    quoted = [citation.quote for citation in first.citations]
    assert len(quoted) >= 2, first.answer
    # Without the earlier reply the follow-up is answered from the same two sentences.
    alone = shipped_pipeline.run(_user_only("can i drive after a spravato session?", "is that dangerous?"))
    assert alone.citations and alone.citations[0].quote in quoted, alone.answer
    follow_up = shipped_pipeline.run(
        _chat("can i drive after a spravato session?", first.answer, "is that dangerous?")
    )
    assert not {citation.quote for citation in follow_up.citations} & set(quoted), follow_up.answer
    if follow_up.status == "abstained":
        assert follow_up.answer.startswith(SAID_BEFORE), follow_up.answer


@pytest.mark.parametrize(
    ("conversation", "message"),
    [
        ([], "no messages"),
        ([{"role": "system", "content": "x"}], "unknown message role"),
        (
            [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
            "last message must be the user's",
        ),
        ([{"role": "user", "content": "   "}], "question is empty"),
    ],
)
def test_bad_conversations_are_refused_clearly(
    shipped_pipeline: AnswerPipeline, conversation: list, message: str
) -> None:
    with pytest.raises(ConversationError, match=message):
        shipped_pipeline.run(conversation)


def test_pipeline_is_a_langchain_runnable(shipped_pipeline: AnswerPipeline) -> None:
    from langchain_core.runnables import Runnable, RunnableLambda

    runnable = shipped_pipeline.as_runnable()
    assert isinstance(runnable, Runnable)
    chain = runnable | RunnableLambda(lambda result: result.status)
    assert chain.batch(["What is a K-hole?", "Who won the 1966 World Cup?"]) == ["answered", "abstained"]


def test_answers_offer_related_articles(shipped_pipeline: AnswerPipeline) -> None:
    result = shipped_pipeline.run("What is ketamine bladder syndrome?")
    cited = {c.article_id for c in result.citations}
    assert result.related_articles
    assert all(r.id not in cited for r in result.related_articles)


def test_a_prescribed_session_is_not_answered_with_overdose_first_aid(
    shipped_pipeline: AnswerPipeline,
) -> None:
    emergency_articles = {
        article_id
        for article_id, article in shipped_pipeline.index.articles().items()
        if "emergency" in article.get("topics", ())
    }
    assert {"recognising-an-emergency", "overdose-what-happens"} <= emergency_articles
    # Before this rule the first of these led with "Do not leave a person who is very drowsy or
    # unresponsive alone", from the first-aid article.
    for question in (
        "Is it safe to leave my wife on her own the evening after her esketamine session?",
        "hey, supporting my best friend through esketamine treatment. anything i should bring or do on treatment days?",
    ):
        result = shipped_pipeline.run(question)
        # Nor is an abstention pointed to them.
        pointed = {a.id for a in result.related_articles} if result.status == "abstained" else set()
        assert not ({c.article_id for c in result.citations} | pointed) & emergency_articles, result.answer
    # An emergency told, or first aid asked about without a session, is still answered from them.
    result = shipped_pipeline.run(
        "should you put someone in the recovery position if theyre too far gone on ket"
    )
    assert result.status == "answered" and result.citations[0].article_id in emergency_articles, result.answer


def test_relapse_into_drug_use_is_not_answered_with_depression_coming_back(
    shipped_pipeline: AnswerPipeline,
) -> None:
    # Before this rule: "One NHS ketamine service reports that most people who respond relapse at some point".
    result = shipped_pipeline.run(
        "relapsed again after 6 weeks off k. feel like such a failure. does everyone relapse?"
    )
    depression_returning = re.compile(r"remission|respon|depress|placebo|maintenance")
    assert not any("relaps" in c.quote and depression_returning.search(c.quote) for c in result.citations), (
        result.answer
    )
    # Depression's relapse asked about is still answered with it.
    result = shipped_pipeline.run("do people relapse after stopping ketamine infusions for depression")
    assert result.status == "answered" and "relaps" in result.citations[0].quote, result.answer


def test_cli_ask_json_on_a_small_corpus(isolated_settings, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    write_article(
        isolated_settings.corpus_dir,
        "spray",
        "## Spray\n\nEsketamine is given under supervision because it can cause sedation and dissociation.",
    )
    assert main(["ask", "Why is esketamine given under supervision?", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["status"] == "answered"
    assert payload["citations"][0]["quote"].startswith("Esketamine is given under supervision")
    assert main(["ask", "Who painted the Mona Lisa?"]) == 0
    assert "I don't have a vetted source" in capsys.readouterr().out


def test_cli_takes_no_longer_question_than_the_api(
    isolated_settings, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    assert main(["ask", "is ketamine safe? " * 200]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "at most 2000" in error and "3600 characters" in error


def test_cli_errors_are_one_line(isolated_settings, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    (isolated_settings.corpus_dir / "broken.md").write_text("---\nid: broken\n")
    assert main(["index", "build"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "broken.md:1" in err and "\n" not in err


def test_cli_index_status_reports_staleness(isolated_settings, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    write_article(
        isolated_settings.corpus_dir, "one", "## One\n\nKetamine is an anaesthetic used in hospitals."
    )
    assert main(["index", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["index_version"] is None
    assert main(["index", "build"]) == 0
    capsys.readouterr()
    assert main(["index", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["articles"] == 1 and status["passages"] == 1 and status["stale"] is False
    write_article(isolated_settings.corpus_dir, "two", "## Two\n\nEsketamine is a nasal spray.")
    assert main(["index", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["missing"] == ["two"]


@pytest.mark.parametrize(
    ("question", "numbers"),
    [
        # A twelfth new-user trial: told the recovery position, never to ring 999.
        (
            "if someone collapses at a party after doing ket what do u do?? im scared itll happen n no one will know",
            True,
        ),
        # A fourteenth new-user trial: told not to leave them to sleep it off, never to ring 999.
        (
            "one more. if someone at a party takes ket and wont wake up properly or is being sick what should i do",
            True,
        ),
        # The lead still answers what was asked; the call comes next, here from a sentence without numbers.
        ("should you put someone in the recovery position if theyre too far gone on ket", False),
    ],
)
def test_first_aid_comes_with_the_call_for_help(
    shipped_pipeline: AnswerPipeline, bodies: dict[str, str], question: str, numbers: bool
) -> None:
    result = shipped_pipeline.run(question)
    first_aid = ("recovery position", "sleep it off")
    assert result.status == "answered" and any(words in result.citations[0].quote for words in first_aid)
    assert "call emergency services" in result.citations[1].quote, result.answer
    assert ("999" in result.citations[1].quote) is numbers
    _assert_quotes_exact(result, bodies)
