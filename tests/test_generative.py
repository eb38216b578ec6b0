from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.config import Settings
from assistant.generative import (
    CircuitBreaker,
    CitationNumbering,
    Generation,
    GenerativeAnswerer,
    SupportRule,
    compose_generated,
    split_sentences,
)
from assistant.pipeline import STREAM_WORDS, AnswerPipeline
from corpus import load_corpus
from guardrails import OutputRail
from index import ChromaStore, IndexBuilder, PassageIndex
from index.retrieval import RetrievedPassage
from tests.helpers import smollm2_gguf, write_article

REPO = Path(__file__).resolve().parent.parent

ESKETAMINE = """\
## Esketamine

Esketamine is a nasal spray approved for treatment-resistant depression.
Patients stay at the clinic for at least two hours after each session because of dissociation and raised blood pressure.
In one trial, 85 % of patients who continued treatment avoided relapse.
"""
BLADDER = """\
## Bladder damage

Regular heavy ketamine use can damage the bladder, causing pain and frequent urination.
Stopping ketamine early often lets the bladder recover.
"""
# Dose text that slipped past vetting (the index is built without it), to prove the rail still runs.
CLINICS = """\
## Clinics

Ketamine clinics monitor blood pressure during every session. Clinics give 0.5 mg/kg to adults over forty minutes.
"""

FAITHFUL = (
    "Esketamine is a nasal spray approved for treatment-resistant depression [1]. "
    "Patients stay at the clinic for at least two hours after each session because of dissociation "
    "and raised blood pressure [1]."
)


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> PassageIndex:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("generative")
    folder = root / "articles"
    write_article(folder, "esketamine", ESKETAMINE)
    write_article(folder, "bladder", BLADDER)
    write_article(folder, "clinics", CLINICS)
    store = ChromaStore.persistent(root / "db")
    IndexBuilder(store, embedder, root / "art").build(load_corpus(folder))
    return PassageIndex.open(store, embedder, root / "art")


@pytest.fixture(scope="module")
def hits(fixture_index: PassageIndex) -> list[RetrievedPassage]:
    """[1] esketamine, [2] bladder, [3] clinics: a fixed order so the canned replies can cite them."""
    by_article = {p.article_id: p for p in fixture_index.passages.values()}
    return [
        RetrievedPassage(by_article[a], 1.0, None, None, None, None)
        for a in ("esketamine", "bladder", "clinics")
    ]


def answerer(index: PassageIndex, embedder: Any, model: Any, **kwargs: Any) -> GenerativeAnswerer:
    return GenerativeAnswerer(model, index, embedder, output_rail=OutputRail(), **kwargs)


def fake(*replies: str) -> FakeListChatModel:
    return FakeListChatModel(responses=list(replies))


def test_prompt_numbers_the_passages_and_asks_for_citations(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    system, example, worked, human = answerer(fixture_index, embedder, fake("x")).messages(
        "What is esketamine?", hits
    )
    assert "ONLY the numbered passages" in system.content and "[1]" in system.content
    assert "not enough" in system.content
    # The worked example shows the form: an answer first, and a citation after every sentence.
    assert (example.type, worked.type) == ("human", "ai") and example.content.startswith("Passages:")
    assert worked.content.startswith("Yes, ")
    assert all(re.search(r"\[\d\]\.?$", s) for s in split_sentences(worked.content)[0])
    assert "[1] Esketamine: " in human.content and "[3] Clinics: " in human.content
    assert human.content.rstrip().endswith("Question: What is esketamine?")


def test_yes_and_no_are_answer_particles(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    reply = (
        "Yes, esketamine is a nasal spray approved for treatment-resistant depression [1]. "
        "No, stopping ketamine early often lets the bladder recover [2]. Yes. [1] No! [2]"  # "Does it last?"
    )
    checks = answerer(fixture_index, embedder, fake(reply)).generate("Is it approved?", hits).checks
    assert [c.reason for c in checks] == [None, None, "not-a-claim", "not-a-claim"]


def test_a_copy_that_swaps_in_a_word_of_its_quote_is_dropped(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    """Seen with Qwen2.5-1.5B: a copied sentence whose subject became another word of the quote."""
    reply = (
        "Stopping the bladder early often lets ketamine recover [2]. "
        "Stopping ketamine early frequently lets the bladder recover [2]. "
        "Stopping ketamine early often lets the bladder recover [2]. "
        "Stopping ketamine early often lets the bladder recover, as the passage says [2]."
    )
    checks = answerer(fixture_index, embedder, fake(reply)).generate("q", hits).checks
    assert [c.reason for c in checks] == ["altered-copy", None, "repeated", "repeated"]


def test_abbreviations_do_not_end_a_generated_sentence() -> None:
    sentences, _ = split_sentences("A trial in U.S. veterans found little benefit [1]. J. Smith led it [2].")
    assert sentences == ["A trial in U.S. veterans found little benefit [1].", "J. Smith led it [2]."]


def test_a_faithful_answer_is_kept_whole_with_exact_quotes(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    generation = answerer(fixture_index, embedder, fake(FAITHFUL)).generate("What is esketamine?", hits)
    assert [c.reason for c in generation.checks] == [None, None]
    assert all(c.similarity is not None and c.similarity > 0.9 for c in generation.checks)
    assert all(c.overlap == 1.0 for c in generation.checks)
    answer, citations = compose_generated(generation.sentences)
    assert answer.count("[1]") == 1 and answer.count("[2]") == 1  # two sentences of passage 1, two quotes
    body = fixture_index.passages[hits[0].passage.id]
    for citation in citations:
        offset = citation.start - body.start
        assert body.text[offset : offset + len(citation.quote)] == citation.quote
        assert citation.passage_id == body.id
    assert citations[0].quote.startswith("Esketamine is a nasal spray")
    assert citations[1].quote.startswith("Patients stay at the clinic")


def test_citations_are_renumbered_in_order_of_use(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    reply = (
        "Regular heavy ketamine use can damage the bladder, causing pain and frequent urination [2]. "
        "Esketamine is a nasal spray approved for treatment-resistant depression [1]."
    )
    generation = answerer(fixture_index, embedder, fake(reply)).generate("q", hits)
    answer, citations = compose_generated(generation.sentences)
    assert answer.endswith(
        "urination [1]. Esketamine is a nasal spray approved for treatment-resistant depression [2]."
    )
    assert [c.article_id for c in citations] == ["bladder", "esketamine"]


def test_a_made_up_fact_is_dropped_and_the_rest_kept(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    reply = FAITHFUL + " Esketamine was discovered by astronauts on the Moon during a lunar mission [1]."
    generator = answerer(fixture_index, embedder, fake(reply))
    generation = generator.generate("What is esketamine?", hits)
    assert len(generation.sentences) == 2
    made_up = generation.checks[2]
    assert not made_up.kept and made_up.reason in ("low-similarity", "low-overlap")
    assert made_up.similarity is not None and made_up.overlap is not None  # both scores reported
    assert generator.useful(generation)
    assert generation.summary().dropped == {made_up.reason: 1}


def test_a_wrong_citation_number_is_dropped(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    reply = (
        "Esketamine is a nasal spray approved for treatment-resistant depression [7]. "
        "Esketamine is a nasal spray approved for treatment-resistant depression [2]."
    )
    checks = answerer(fixture_index, embedder, fake(reply)).generate("q", hits).checks
    assert [c.reason for c in checks] == ["unknown-citation", "low-similarity"]


def test_an_uncited_sentence_is_traced_only_when_it_copies_a_quote(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    reply = (
        "Esketamine is a nasal spray approved for treatment-resistant depression. "
        "Esketamine is a spray for depression that patients take at home. "
        "Regular heavy ketamine use can damage the bladder and the kidneys."
    )
    generation = answerer(fixture_index, embedder, fake(reply)).generate("q", hits)
    assert [c.reason for c in generation.checks] == [None, "no-citation", "no-citation"]
    answer, citations = compose_generated(generation.sentences)
    assert answer.endswith("depression [1].") and citations[0].passage_id == hits[0].passage.id


def test_a_changed_number_is_dropped(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    kept = "In one trial, 85 % of patients who continued treatment avoided relapse [1]."
    changed = "In one trial, 87 % of patients who continued treatment avoided relapse [1]."
    generation = answerer(fixture_index, embedder, fake(f"{kept} {changed}")).generate("q", hits)
    assert [c.reason for c in generation.checks] == [None, "unsupported-number"]
    assert generation.checks[1].detail == "['87']"


def test_a_number_must_be_in_the_quote_shown_not_elsewhere_in_the_passage(
    fixture_index, embedder, hits
) -> None:  # type: ignore[no-untyped-def]
    # 85 is in the passage, but in the relapse sentence, not the one this claim is quoted from.
    reply = "Patients stay at the clinic for at least 85 minutes after each session [1]."
    check = answerer(fixture_index, embedder, fake(reply)).generate("q", hits).checks[0]
    assert check.reason == "unsupported-number" and check.detail == "['85']"


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        (
            "Esketamine is a nasal spray approved for treatment-resistant depression in children under twelve [1].",
            "unsupported-number",
        ),
        (
            "Patients stay at the clinic for at least three hours after each session [1].",
            "unsupported-number",
        ),
        ("Patients stay at the clinic for at least 2 hours after each session [1].", None),
        (
            "Esketamine is not a nasal spray approved for treatment-resistant depression [1].",
            "negation-mismatch",
        ),
        ("Stopping ketamine early never lets the bladder recover [2].", "negation-mismatch"),
        # Enough overlap with the quote, but a clause of its own.
        (
            "Regular heavy ketamine use can damage the bladder, causing pain, frequent urination and lasting kidney failure [2].",
            "unsupported-words",
        ),
        ("Question: what is esketamine approved for? [1]", "not-a-claim"),
        ("Esketamine is approved for the following conditions: [1]", "not-a-claim"),
    ],
)
def test_spelled_numbers_and_flipped_polarity_are_checked(
    fixture_index, embedder, hits, claim: str, reason: str | None
) -> None:  # type: ignore[no-untyped-def]
    check = answerer(fixture_index, embedder, fake(claim)).generate("q", hits).checks[0]
    assert check.reason == reason, check


@pytest.mark.parametrize(
    ("source", "number", "found"),
    [
        ("(2R,6R)-HNK", "6", True),
        ("1,600 people", "600", False),
        ("2.6 mg", "6", False),
        ("in 1985", "85", False),
        ("85 % of patients", "85", True),
        ("85.5", "85", False),
        ("twelve weeks", "12", True),
        ("12 weeks", "twelve", True),
    ],
)
def test_numbers_match_whole(source: str, number: str, found: bool) -> None:
    from assistant.generative import _mentions_number

    assert _mentions_number(source, number) is found


def test_a_smuggled_dose_is_dropped_even_when_the_passage_has_it(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    reply = (
        "Ketamine clinics monitor blood pressure during every session [3]. "
        "Clinics give 0.5 mg/kg to adults over forty minutes [3]. "
        "Adults can take 200 mg of esketamine [1]."
    )
    generation = answerer(fixture_index, embedder, fake(reply)).generate("q", hits)
    assert [c.reason for c in generation.checks] == [None, "output-rail", "output-rail"]
    assert all("mg" not in c.quote for s in generation.sentences for c in compose_generated([s])[1])
    summary = generation.summary().model_dump_json()
    assert "mg" not in summary and "200" not in summary  # a dropped sentence's words are never sent


def test_a_quote_with_a_dose_is_never_cited(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    # The sentence itself is clean but its best match in passage 3 is the dose sentence.
    reply = "Clinics give it to adults over forty minutes [3]."
    check = answerer(fixture_index, embedder, fake(reply)).generate("q", hits).checks[0]
    assert check.reason == "output-rail"


@pytest.mark.parametrize("reply", ["", "   ", "asdf qwerty ]] [[ ## 🙃", "[1] [2] [3]"])
def test_empty_or_garbled_replies_keep_nothing(fixture_index, embedder, hits, reply: str) -> None:  # type: ignore[no-untyped-def]
    generator = answerer(fixture_index, embedder, fake(reply))
    generation = generator.generate("q", hits)
    assert generation.sentences == [] and not generator.useful(generation)


def test_the_model_saying_it_cannot_answer_falls_back(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    generator = answerer(fixture_index, embedder, fake("The passages are not enough to answer this."))
    generation = generator.generate("q", hits)
    assert [c.reason for c in generation.checks] == ["no-citation"] and not generator.useful(generation)


class RaisingModel(GenericFakeChatModel):
    """A chat model whose endpoint is down."""

    calls: int = 0

    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        raise ConnectionError("endpoint down")


def test_a_timeout_becomes_an_error_not_an_exception(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    slow = FakeListChatModel(responses=[FAITHFUL], sleep=3.0)
    generator = answerer(
        fixture_index, embedder, slow, timeout_seconds=0.2, max_retries=1, retry_backoff_seconds=0
    )
    started = time.perf_counter()
    generation = generator.generate("q", hits)
    # two attempts of 0.2 s; waiting for the model would take at least one full 3 s reply
    assert time.perf_counter() - started < 3.0
    assert generation.error is not None and generation.error.startswith("TimeoutError")
    assert not generator.useful(generation)


def test_retries_recover_from_one_failure(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    class Flaky(GenericFakeChatModel):
        failed: bool = False

        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            if not self.failed:
                self.failed = True
                raise ConnectionError("blip")
            return super()._generate(*args, **kwargs)

    model = Flaky(messages=iter([AIMessage(FAITHFUL)]))
    generator = answerer(fixture_index, embedder, model, max_retries=1, retry_backoff_seconds=0)
    assert len(generator.generate("q", hits).sentences) == 2
    assert generator.breaker.state == "closed"


def test_the_breaker_opens_after_n_failures_and_fails_fast(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    now = [0.0]
    breaker = CircuitBreaker(failures=2, reset_seconds=30, clock=lambda: now[0])
    model = RaisingModel(messages=iter([]))
    generator = answerer(
        fixture_index, embedder, model, max_retries=1, retry_backoff_seconds=0, breaker=breaker
    )
    for _ in range(2):
        assert generator.generate("q", hits).error == "ConnectionError: endpoint down"
    assert model.calls == 4 and breaker.state == "open"
    fast = generator.generate("q", hits)
    assert fast.error is not None and fast.error.startswith("CircuitOpenError") and model.calls == 4
    now[0] = 31.0  # half-open: one trial call; it fails, so the breaker opens again at once
    assert breaker.state == "half-open"
    generator.generate("q", hits)
    assert model.calls == 6 and breaker.state == "open"


def test_breaker_closes_after_a_successful_trial() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=1, reset_seconds=5, clock=lambda: now[0])
    breaker.record_failure()
    assert not breaker.allow()
    now[0] = 6.0
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"similarity_threshold": 1.5}, "similarity_threshold"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_novel_words": -1}, "max_novel_words"),
        ({"min_kept_share": 2}, "min_kept_share"),
    ],
)
def test_constructor_arguments_are_validated(fixture_index, embedder, kwargs, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        answerer(fixture_index, embedder, fake("x"), **kwargs)
    with pytest.raises(TypeError, match="BaseChatModel"):
        GenerativeAnswerer(object(), fixture_index, embedder)
    with pytest.raises(ValueError, match="failures"):
        CircuitBreaker(failures=0)


def test_sentences_split_with_their_markers() -> None:
    text = "One has 0.5 parts [1]. Two ends here. [2] Three [1][3]\nFour"
    assert split_sentences(text) == (
        ["One has 0.5 parts [1].", "Two ends here. [2]", "Three [1][3]", "Four"],
        "",
    )
    # Unfinished: a marker may still follow the last full stop.
    assert split_sentences("One [1]. Two.", final=False) == (["One [1]."], "Two.")


def test_streaming_yields_only_verified_sentences(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    reply = (
        FAITHFUL
        + " In one trial, 87 % of patients avoided relapse [1]. Stopping ketamine early often lets the bladder recover [2]."
    )
    model = GenericFakeChatModel(messages=iter([AIMessage(reply)]))
    numbering, record = CitationNumbering(), Generation()
    texts = list(answerer(fixture_index, embedder, model).stream("q", hits, numbering, record))
    assert len(texts) == 3 and not any("87" in t for t in texts)
    assert texts[2] == "Stopping ketamine early often lets the bladder recover [3]."
    assert [c.n for c in numbering.citations] == [1, 2, 3]
    assert [c.reason for c in record.checks] == [None, None, "unsupported-number", None]


def test_streaming_a_failing_model_yields_nothing(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    generator = answerer(fixture_index, embedder, RaisingModel(messages=iter([])))
    record = Generation()
    assert list(generator.stream("q", hits, record=record)) == []
    assert generator.breaker._consecutive == 1
    assert record.error == "ConnectionError: endpoint down"


def pipeline(index: PassageIndex, embedder: Any, model: Any, **kwargs: Any) -> AnswerPipeline:
    return AnswerPipeline(
        index,
        embedder,
        output_rail=OutputRail(),
        k=3,
        cache_size=0,
        generator=answerer(index, embedder, model, **kwargs),
    )


def test_pipeline_uses_the_verified_llm_answer(fixture_index, embedder) -> None:  # type: ignore[no-untyped-def]
    reply = "Esketamine is a nasal spray approved for treatment-resistant depression [{n}]."
    index_of = {}

    class Citing(GenericFakeChatModel):
        def _generate(self, messages: Any, *args: Any, **kwargs: Any) -> Any:
            # Cite whichever number the retriever gave the esketamine passage.
            prompt = messages[-1].content
            index_of["n"] = next(n for n in range(1, 4) if f"[{n}] Esketamine:" in prompt)
            self.messages = iter([AIMessage(reply.format(n=index_of["n"]))])
            return super()._generate(messages, *args, **kwargs)

    result = pipeline(fixture_index, embedder, Citing(messages=iter([]))).run(
        "What is esketamine approved for?"
    )
    assert result.status == "answered" and result.answerer == "llm"
    assert result.answer == reply.format(n=1)
    assert result.citations[0].article_id == "esketamine"
    assert result.verification is not None and result.verification.kept == 1


def test_pipeline_falls_back_when_too_little_is_verified(fixture_index, embedder) -> None:  # type: ignore[no-untyped-def]
    garbled = "Ketamine cures everything [9]. Ask your dealer [1]. It is made of cheese [2]."
    result = pipeline(fixture_index, embedder, fake(garbled)).run("What is esketamine approved for?")
    assert result.status == "answered" and result.answerer == "llm+fallback"
    assert result.verification is not None and result.verification.kept == 0
    assert result.verification.generated == 3
    assert "Esketamine is a nasal spray" in result.answer  # the extractive quote


def test_the_cli_says_which_path_answered(
    fixture_index, embedder, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    from assistant.cli import print_result

    template = "Esketamine is a nasal spray approved for treatment-resistant depression [{n}]."
    question = "What is esketamine approved for?"
    print_result(
        pipeline(fixture_index, embedder, Citing(messages=iter([]), template=template)).run(question)
    )
    assert "worded by the language model: 1 of 1 sentences verified" in capsys.readouterr().out
    print_result(pipeline(fixture_index, embedder, fake("It is made of cheese [2].")).run(question))
    assert "(0 of 1), so these are the quotes themselves" in capsys.readouterr().out
    print_result(
        pipeline(fixture_index, embedder, RaisingModel(messages=iter([])), max_retries=0).run(question)
    )
    assert "the language model failed" in capsys.readouterr().out


def test_pipeline_falls_back_on_timeout(fixture_index, embedder) -> None:  # type: ignore[no-untyped-def]
    slow = FakeListChatModel(responses=[FAITHFUL], sleep=2.0)
    result = pipeline(fixture_index, embedder, slow, timeout_seconds=0.2, max_retries=0).run(
        "What is esketamine approved for?"
    )
    assert result.status == "answered" and result.answerer == "llm+fallback"
    assert result.verification is not None and result.verification.error.startswith("TimeoutError")


def test_pipeline_abstains_without_asking_the_model(fixture_index, embedder) -> None:  # type: ignore[no-untyped-def]
    model = RaisingModel(messages=iter([]))
    result = pipeline(fixture_index, embedder, model).run("What is the capital of Australia?")
    assert result.status == "abstained" and model.calls == 0


class Citing(GenericFakeChatModel):
    """Replies with `template`, `{n}` being the number the prompt gave the esketamine passage."""

    template: str = ""

    def _generate(self, messages: Any, *args: Any, **kwargs: Any) -> Any:
        prompt = messages[-1].content
        n = next(n for n in range(1, 10) if f"[{n}] Esketamine:" in prompt)
        self.messages = iter([AIMessage(self.template.format(n=n))])
        return super()._generate(messages, *args, **kwargs)


def streamed(pipe: AnswerPipeline, question: str) -> tuple[list[str], Any]:
    events = list(pipe.stream(question, answer_id="ans_test"))
    texts, result = events[:-1], events[-1]
    assert all(isinstance(t, str) for t in texts) and result.id == "ans_test"
    return texts, result  # type: ignore[return-value]


def test_pipeline_streams_verified_sentences_that_make_up_the_answer(fixture_index, embedder) -> None:  # type: ignore[no-untyped-def]
    template = (
        "Esketamine is a nasal spray approved for treatment-resistant depression [{n}]. "
        "In one trial, 87 % of patients avoided relapse [{n}]. "
        "Patients stay at the clinic for at least two hours after each session [{n}]."
    )
    texts, result = streamed(
        pipeline(fixture_index, embedder, Citing(messages=iter([]), template=template)),
        "What is esketamine approved for?",
    )
    assert result.answerer == "llm" and "".join(texts) == result.answer
    assert len(texts) == 2 and not any("87" in t for t in texts)
    assert result.verification.generated == 3 and result.verification.dropped == {"unsupported-number": 1}
    assert [c.n for c in result.citations] == [1, 2]


def test_pipeline_streams_the_extractive_answer_when_nothing_is_verified(fixture_index, embedder) -> None:  # type: ignore[no-untyped-def]
    garbled = "Ketamine cures everything [9]. It is made of cheese [2]."
    texts, result = streamed(
        pipeline(fixture_index, embedder, fake(garbled)), "What is esketamine approved for?"
    )
    assert result.answerer == "llm+fallback" and "".join(texts) == result.answer
    assert texts[0].startswith("Esketamine is a nasal spray") and "cheese" not in result.answer


def test_streaming_without_a_model_matches_run(fixture_index, embedder) -> None:  # type: ignore[no-untyped-def]
    plain = AnswerPipeline(fixture_index, embedder, k=3, cache_size=0)
    texts, result = streamed(plain, "What is esketamine approved for?")
    assert "".join(texts) == result.answer == plain.run("What is esketamine approved for?").answer
    assert len(texts) >= len(result.citations) and result.answerer == "extractive"
    assert all(len(text.split()) <= STREAM_WORDS for text in texts)


def test_a_refusal_streams_no_text_and_never_asks_the_model(fixture_index, embedder) -> None:  # type: ignore[no-untyped-def]
    from guardrails import InputRail

    model = RaisingModel(messages=iter([]))
    pipe = pipeline(fixture_index, embedder, model)
    pipe.input_guard = InputRail()
    texts, result = streamed(pipe, "How much ketamine should I take to get high?")
    assert texts == [] and result.status == "refused" and model.calls == 0


def test_load_pipeline_builds_an_openai_chat_model(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("langchain_openai", reason="langchain-openai (the `llm` extra) is not installed")
    from assistant.runtime import chat_model

    model = chat_model(
        Settings(answerer="llm", llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_timeout_seconds=3)
    )
    assert type(model).__name__ == "ChatOpenAI"
    assert model.max_retries == 0 and model.model_name == "m"


def test_llamacpp_needs_a_gguf_path() -> None:
    from assistant.runtime import chat_model

    with pytest.raises(ValueError, match="GGUF"):
        chat_model(Settings(answerer="llm", llm_provider="llamacpp"))


def test_smollm2_gguf_smoke(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    from assistant.runtime import chat_model

    model = chat_model(
        Settings(llm_provider="llamacpp", llm_gguf_path=smollm2_gguf(), llm_timeout_seconds=120)
    )
    try:
        generator = answerer(fixture_index, embedder, model, timeout_seconds=120)
        generation = generator.generate("What is esketamine?", hits)
        assert generation.error is None, generation.error
        for sentence in generation.sentences:  # whatever a tiny model writes, only verified sentences remain
            assert sentence.similarity >= generator.rule.similarity_threshold
    finally:
        model.close()


def test_a_real_local_model_survives_many_timeouts_in_a_row(fixture_index, embedder, hits) -> None:  # type: ignore[no-untyped-def]
    """The crash of issue #20: timeouts shorter than any answer, one retry, question after question."""
    from assistant.local_model import LocalChatModel

    model = LocalChatModel(model_path=smollm2_gguf(), timeout_seconds=0.25, max_tokens=400)
    generator = GenerativeAnswerer(
        model, fixture_index, embedder, timeout_seconds=0.25, max_retries=1, breaker=CircuitBreaker(50)
    )
    question = "Write a long, detailed account of everything the passages say about esketamine."
    try:
        for killed in range(1, 7):
            model.loaded_with()  # wait for the reload, so the deadline passes mid-answer
            with pytest.raises(TimeoutError):
                model.invoke(generator.messages(question, hits))
            assert model.process.restarts == killed
        for _ in range(4):  # the configuration that crashed: the answerer's timeout and its retry
            model.loaded_with()
            generation = generator.generate(question, hits)
            assert generation.error is not None and "Timeout" in generation.error
        model.timeout_seconds = generator.timeout_seconds = 300
        model.loaded_with()
        assert model.invoke("Say hello.").content.strip()  # the same model object still serves
        assert generator.generate("What is esketamine?", hits).error is None
    finally:
        model.close()


def test_the_support_rule_on_hand_labelled_model_sentences(embedder) -> None:  # type: ignore[no-untyped-def]
    """80 sentences SmolLM2-135M wrote, each beside its best quote, labelled by hand (docs/generative.md)."""
    rows = [json.loads(line) for line in (REPO / "evals/generated_sentences.jsonl").read_text().splitlines()]
    claims = embedder.embed([r["sentence"] for r in rows])
    quotes = embedder.embed([r["quote"] for r in rows])
    rule = SupportRule()
    kept = [
        r["supported"]
        for r, c, q in zip(rows, claims, quotes, strict=True)
        if rule.judge(r["sentence"], [r["quote"]], r["quote"], float(np.dot(c, q))) is None
    ]
    supported = sum(r["supported"] for r in rows)
    # Measured when the rule was chosen on these labels: 34 of 41 supported kept, 4 unsupported kept.
    assert sum(kept) >= 32 and len(kept) - sum(kept) <= 5, (sum(kept), supported, len(kept))
