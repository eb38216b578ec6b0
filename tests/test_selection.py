"""Learned answer selection: shipped weights match their data, answers lead with an answer, quotes stand alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.config import DEFAULT_ANSWER_THRESHOLD, DEFAULT_ANSWER_THRESHOLD_NEAR_UNANSWERED, Settings
from assistant.extractive import ExtractiveAnswerer
from assistant.pipeline import AnswerPipeline
from assistant.results import AnswerResult
from assistant.runtime import build_index, load_pipeline
from assistant.selection import (
    ENCODER_KEY_FILE,
    MEMORY_ADDITIONS,
    MEMORY_FEATURES,
    QUESTION_ENCODER,
    TRAINING_FILE,
    AnswerSelector,
    Candidate,
    QuestionMemory,
    _normal,
    _passage_of_sentence,
    additions_key,
    place_additions,
    sentence_key,
    training_key,
    vectors_of_additions,
    vectors_of_sentences,
    with_remembered_passages,
)
from corpus.text import leans_on_previous
from tests.helpers import write_article


def test_shipped_weights_were_trained_on_the_shipped_data() -> None:
    assert AnswerSelector().key == training_key(), (
        "selector weights are stale: run python -m assistant.selection"
    )


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_the_memory_votes_for_what_the_nearest_training_questions_were_answered_with() -> None:
    memory = QuestionMemory(
        np.stack([_unit(1, 0, 0), _unit(0, 1, 0), _unit(0, 0, 1)]),
        [["Ketamine is a Class B drug."], ["Effects fade within two hours."], []],
    )
    texts = ["Effects fade within two hours", "ketamine is a class b drug.", "An unrelated sentence here."]
    near_the_law = memory.features(_unit(1, 0.2, 0), texts, [False, False, True])
    similarity, gap, vote, unanswerable, unknown = (near_the_law[:, i] for i in range(len(MEMORY_FEATURES)))
    # Matched by text, whatever its case or final full stop.
    assert vote[1] > 0.5 > vote[0] and vote[2] == 0.0 and similarity[2] == 0.0
    assert gap[1] == pytest.approx(0.0) and gap[0] < 0.0
    assert unanswerable[0] < 0.0
    assert list(unknown) == [0.0, 0.0, 1.0]
    near_nothing_answered = memory.features(_unit(0, 0.1, 1), texts, [False] * 3)
    assert near_nothing_answered[0, 3] > 0.0
    assert memory.unanswerable_margin(_unit(0, 0.1, 1)) == pytest.approx(float(near_nothing_answered[0, 3]))
    assert memory.unanswerable_margin(_unit(1, 0.2, 0)) == pytest.approx(float(unanswerable[0]))


def test_the_memory_finds_its_nearest_questions_in_order_however_many_are_asked_for() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(200, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    answers = [[f"Sentence number {i}."] if i % 4 else [] for i in range(200)]
    memory = QuestionMemory(vectors, answers)
    question = _unit(*rng.normal(size=8))
    answered = [i for i in range(200) if i % 4]
    by_similarity = sorted(answered, key=lambda i: -float(vectors[i] @ question))
    for count in (1, 3, 150, 400):
        assert memory.nearest_answers(question, count) == [
            f"sentence number {i}" for i in by_similarity[:count]
        ]
    # Remembered for the features of the same question; a new question is computed afresh.
    assert memory.similarities(question) is memory.similarities(question.copy())
    other = _unit(*rng.normal(size=8))
    assert np.allclose(memory.similarities(other), vectors @ other)


def test_a_memory_forgets_the_questions_an_article_answered(isolated_settings: Settings) -> None:
    write_article(
        isolated_settings.corpus_dir, "law", "## Law\n\nKetamine is a Class B drug in the United Kingdom."
    )
    write_article(
        isolated_settings.corpus_dir,
        "effects",
        "## Effects\n\nThe effects of ketamine fade within two hours.",
    )
    build_index(isolated_settings)
    index = load_pipeline(isolated_settings).index
    memory = QuestionMemory(
        np.stack([_unit(1, 0, 0), _unit(0, 1, 0), _unit(0, 0, 1)]),
        [
            ["Ketamine is a Class B drug in the United Kingdom."],
            ["The effects of ketamine fade within two hours."],
            [],
        ],
    )
    assert memory.known_articles(index) == {"law", "effects"}
    forgetful = memory.without_articles(index, frozenset({"law"}))
    assert len(forgetful) == 2 and forgetful.known_articles(index) == {"effects"}
    assert forgetful.nearest_answers(_unit(1, 0, 0), 1) == ["the effects of ketamine fade within two hours"]


def test_an_article_added_after_training_is_answered_from(isolated_settings: Settings) -> None:
    """No training question was answered from these articles: the other features must carry them."""
    write_article(
        isolated_settings.corpus_dir,
        "spray",
        "## Spray\n\nEsketamine is a nasal spray given under supervision because it can cause dissociation and sedation.",
    )
    write_article(
        isolated_settings.corpus_dir,
        "bladder",
        "## Bladder\n\nKetamine bladder syndrome is an ulcerative cystitis that can become permanent in frequent users.",
    )
    build_index(isolated_settings)
    pipeline = load_pipeline(isolated_settings)
    answerer = pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer) and answerer.selector is not None
    assert not answerer.selector.memory.known_articles(pipeline.index)
    result = pipeline.run("Can ketamine damage the bladder permanently?")
    assert result.status == "answered" and result.citations[0].article_id == "bladder", result.answer


def test_a_sentence_added_to_a_known_article_since_training_is_judged_as_new() -> None:
    known = "Ketamine can damage the bladder."
    answers = [[known], []]
    vectors = np.eye(2, dtype=np.float32)
    remembering = QuestionMemory(vectors, answers, np.array([sentence_key(_normal(known))], dtype=np.uint64))
    assert remembering.knows_sentence("Ketamine can damage the bladder.")
    assert not remembering.knows_sentence("Paramedics are there to treat the person.")
    # Without a record of the training corpus, every sentence counts as known, as before.
    assert QuestionMemory(vectors, answers).knows_sentence("Paramedics are there to treat the person.")
    shipped = AnswerSelector().memory
    assert shipped.trained_on is not None and shipped.knows_sentence(
        "The most important action in a ketamine emergency is to call emergency services immediately."
    )


def test_a_memory_needs_a_vector_per_question_and_both_kinds_of_question() -> None:
    with pytest.raises(ValueError, match="one vector per question"):
        QuestionMemory(np.zeros((2, 3), dtype=np.float32), [["A sentence."]])
    with pytest.raises(ValueError, match="both answered and unanswerable"):
        QuestionMemory(np.zeros((1, 3), dtype=np.float32), [["A sentence."]])


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_shipped_memory_holds_every_training_question_and_every_addition() -> None:
    selector = AnswerSelector()
    added = [row for row in _jsonl(MEMORY_ADDITIONS) if not row.get("revises")]
    assert len(selector.memory) == len(_jsonl(TRAINING_FILE)) + len(added)
    assert len(AnswerSelector(additions=None).memory) == len(_jsonl(TRAINING_FILE))
    assert selector.memory.vectors.shape[1] == selector.embed("is ketamine legal").shape[0]


def test_the_shipped_memory_additions_were_placed_by_the_shipped_encoder() -> None:
    encoder_key = (QUESTION_ENCODER / ENCODER_KEY_FILE).read_text().strip()
    with np.load(vectors_of_additions(MEMORY_ADDITIONS)) as saved:
        assert str(saved["key"]) == additions_key(MEMORY_ADDITIONS, encoder_key), (
            "memory additions are stale: run python -m assistant.selection --memory"
        )


def test_the_shipped_memory_additions_quote_the_articles_and_revise_training_questions(
    shipped_pipeline: AnswerPipeline,
) -> None:
    sentences = _passage_of_sentence(shipped_pipeline.index)
    training = {row["question"]: row for row in _jsonl(TRAINING_FILE)}
    revised = 0
    for row in _jsonl(MEMORY_ADDITIONS):
        answers = row["answers"]
        assert isinstance(answers, list)
        assert all(_normal(a) in sentences for a in answers), row
        if row.get("revises"):
            revised += 1
            before = training[str(row["question"])]["answers"]
            assert isinstance(before, list) and answers != before, row
        else:
            assert row["question"] not in training, row
    assert revised


def test_memory_additions_teach_the_memory_an_article_without_retraining(
    isolated_settings: Settings, tmp_path: Path
) -> None:
    sentence = "Ketamine crosses the placenta from the mother's bloodstream to the baby."
    write_article(isolated_settings.corpus_dir, "pregnancy", f"## Pregnancy\n\n{sentence}")
    build_index(isolated_settings)
    index = load_pipeline(isolated_settings).index
    trained = AnswerSelector(additions=None)
    assert not trained.memory.known_articles(index)
    unanswered = next(row for row in _jsonl(TRAINING_FILE) if not row["answers"])
    additions = tmp_path / "additions.jsonl"
    rows = [
        {
            "article_id": "pregnancy",
            "question": "does ket reach the baby if im pregnant",
            "answers": [sentence],
        },
        {
            "article_id": "pregnancy",
            "question": unanswered["question"],
            "answers": [sentence],
            "revises": True,
        },
    ]
    additions.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="--memory"):
        AnswerSelector(additions=additions)
    assert place_additions(index, additions) == 1
    taught = AnswerSelector(additions=additions)
    assert len(taught.memory) == len(trained.memory) + 1
    assert taught.memory.known_articles(index) == {"pregnancy"}
    assert taught.memory.knows_sentence(sentence) and not trained.memory.knows_sentence(sentence)
    # The new question is placed where the encoder places it, and votes for its answer.
    vector = taught.embed("does ket reach the baby if im pregnant")
    assert taught.memory.nearest_answers(vector, 1) == [_normal(sentence)]
    # A new question alone does not teach its article: only training questions read again against it do.
    asked_only = tmp_path / "asked-only.jsonl"
    asked_only.write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    place_additions(index, asked_only)
    assert not AnswerSelector(additions=asked_only).memory.knows_sentence(sentence)
    # An edit after placing, or a revision of a question nobody trained on, is refused by name.
    additions.write_text(
        additions.read_text(encoding="utf-8")
        + json.dumps(rows[0] | {"question": "and if breastfeeding"})
        + "\n"
    )
    with pytest.raises(ValueError, match="stale"):
        AnswerSelector(additions=additions)
    additions.write_text(json.dumps(rows[1] | {"question": "a question nobody trained on"}) + "\n")
    with pytest.raises(ValueError, match="not a training question"):
        place_additions(index, additions)
    additions.write_text(json.dumps(rows[0] | {"answers": ["A sentence no article holds."]}) + "\n")
    with pytest.raises(ValueError, match="no article holds"):
        place_additions(index, additions)


def test_passages_that_answered_the_nearest_training_questions_join_the_candidates(
    shipped_pipeline: AnswerPipeline,
) -> None:
    answerer = shipped_pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer) and answerer.selector is not None
    selector = answerer.selector
    row = json.loads(TRAINING_FILE.read_text(encoding="utf-8").splitlines()[1])
    joined = with_remembered_passages(
        shipped_pipeline.index, selector.memory, selector.embed(row["question"]), []
    )
    quoted = [hit.passage.text for hit in joined]
    assert joined and all(hit.score == 0.0 for hit in joined)
    assert any(row["answers"][0] in text for text in quoted), quoted
    retrieved = shipped_pipeline.retriever.run(row["question"], k=2)
    again = with_remembered_passages(
        shipped_pipeline.index, selector.memory, selector.embed(row["question"]), retrieved
    )
    assert again[:2] == retrieved
    assert len({hit.passage.id for hit in again}) == len(again)


def test_a_quoted_sentence_is_found_again_among_the_index_vectors(shipped_pipeline: AnswerPipeline) -> None:
    index = shipped_pipeline.index
    passage = next(iter(index.passages.values()))
    rows = index.sentences(passage.id)[:2]
    texts = [passage.text[row.start - passage.start : row.end - passage.start] for row in rows]
    found = vectors_of_sentences(
        index, [texts[1], "Not a sentence of any article.", f"  {texts[0].upper()} "]
    )
    assert found.shape == (2, index.sentence_vectors.shape[1])
    assert np.array_equal(found, index.sentence_vectors[[rows[1].row, rows[0].row]])
    assert vectors_of_sentences(index, []).shape == (0, index.sentence_vectors.shape[1])


def test_dependent_openings_are_recognised() -> None:
    assert leans_on_previous("These risks rise with heavy use.")
    assert leans_on_previous("Because of this, patients are watched for two hours.")
    # "such a product" and "these bodies" are the ones the sentence before named.
    assert leans_on_previous("Taking such a product can mean a condition goes untreated.")
    assert leans_on_previous("All of these bodies give the same core message.")
    assert not leans_on_previous("All clinics must be registered.")
    assert not leans_on_previous("Thessaloniki hosts a clinic.")
    assert not leans_on_previous("Esketamine is given under supervision.")


def test_the_first_sentence_answers_what_was_asked(shipped_pipeline: AnswerPipeline) -> None:
    result = shipped_pipeline.run("Can I drive home after my esketamine session?")
    assert result.status == "answered"
    assert "driv" in result.citations[0].quote.lower()
    # A new user's question that led with bladder damage until training questions asked it blind.
    overdose = shipped_pipeline.run("what are the signs of a ketamine overdose")
    assert overdose.status == "answered" and "bladder" not in overdose.citations[0].quote, overdose.answer
    assert overdose.citations[0].article_id in {"overdose-what-happens", "recognising-an-emergency"}


def _pipeline_of_one_article(
    settings: Settings, article_id: str, body: str
) -> tuple[AnswerPipeline, ExtractiveAnswerer]:
    write_article(settings.corpus_dir, article_id, body)
    build_index(settings)
    pipeline = load_pipeline(settings)
    assert isinstance(pipeline.answerer, ExtractiveAnswerer)
    return pipeline, pipeline.answerer


def test_a_sentence_that_leans_on_the_previous_is_quoted_with_it(isolated_settings: Settings) -> None:
    body = (
        "## Bladder harm\n\n"
        "Heavy ketamine use over months can inflame and scar the lining of the bladder. "
        "These changes make the bladder smaller and cause pain, urgency and frequent urination. "
        "Stopping ketamine early gives the best chance that the bladder recovers.\n"
    )
    pipeline, answerer = _pipeline_of_one_article(isolated_settings, "bladder", body)
    passage = next(iter(pipeline.index.passages.values()))
    rows = pipeline.index.sentences(passage.id)
    leaning = next(r for r in rows if passage.text[r.start - passage.start :].startswith("These changes"))
    before = rows[rows.index(leaning) - 1]
    sentence = answerer._standalone(
        Candidate(passage, leaning.start, leaning.end, leaning.row, 0.5, np.zeros(1)), 0.9
    )
    assert sentence is not None and sentence.start == before.start and sentence.end == leaning.end
    assert sentence.quote.startswith("Heavy ketamine use") and sentence.quote.endswith("frequent urination.")
    assert sentence.quote == passage.text[before.start - passage.start : leaning.end - passage.start]


def test_a_sentence_that_goes_on_from_the_one_before_comes_with_it(isolated_settings: Settings) -> None:
    body = (
        "## Warning signs\n\n"
        "Needing more ketamine for the same effect is a sign that use is becoming a problem. "
        "Other signs are strong cravings and letting work slip.\n\n"
        "## Overdose\n\n"
        "Other danger signs include chest pain and a seizure. "
        "Slow breathing after ketamine is therefore an emergency.\n"
    )
    pipeline, answerer = _pipeline_of_one_article(isolated_settings, "signs", body)

    def quoted(opening: str) -> str | None:
        for passage in pipeline.index.passages.values():
            for row in pipeline.index.sentences(passage.id):
                if passage.text[row.start - passage.start :].startswith(opening):
                    candidate = Candidate(passage, row.start, row.end, row.row, 0.5, np.zeros(1))
                    sentence = answerer._standalone(candidate, 0.9)
                    return None if sentence is None else sentence.quote
        raise AssertionError(opening)

    assert quoted("Other signs") == (
        "Needing more ketamine for the same effect is a sign that use is becoming a problem. "
        "Other signs are strong cravings and letting work slip."
    )
    # With nothing before it in its section, it is quoted alone rather than dropped.
    assert quoted("Other danger signs") == "Other danger signs include chest pain and a seizure."
    assert quoted("Slow breathing") == (
        "Other danger signs include chest pain and a seizure. Slow breathing after ketamine is therefore an emergency."
    )


def test_answers_show_no_markdown(shipped_pipeline: AnswerPipeline) -> None:
    for question in ("What does Class B mean?", "What is an anaesthetic?", "What is a K-hole?"):
        result = shipped_pipeline.run(question)
        assert "**" not in result.answer and all("**" not in c.quote for c in result.citations)


def test_earlier_turns_shape_the_answer_only_when_the_question_leans_on_them(
    shipped_pipeline: AnswerPipeline,
) -> None:
    def first_quote(*turns: str) -> tuple[str, str]:
        result = shipped_pipeline.run([{"role": "user", "content": t} for t in turns])
        assert result.status == "answered", (turns, result.answer)
        return result.citations[0].article_id, result.citations[0].quote

    article, _ = first_quote("What is a K-hole?", "What are the risks of ketamine?")
    assert article != "dissociation-and-k-hole"
    article, quote = first_quote("does ket damage your bladder", "is that permanent?")
    assert article == "ketamine-bladder-syndrome" and "permanent" in quote
    article, _ = first_quote("Can ketamine be detected in a drug test?", "how many days after?")
    assert article == "ketamine-in-drug-tests"


def test_an_abstention_on_a_covered_topic_names_the_nearest_article(shipped_pipeline: AnswerPipeline) -> None:
    answerer = shipped_pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    strict = ExtractiveAnswerer(shipped_pipeline.index, selector=answerer.selector, answer_threshold=0.999)
    pipeline = AnswerPipeline(
        shipped_pipeline.index, shipped_pipeline.embedder, answerer=strict, cache_size=0
    )
    result = pipeline.run("How long are patients watched after an esketamine session?")
    assert result.status == "abstained" and result.related_articles
    assert result.related_articles[0].title in result.answer
    off_topic = pipeline.run("Who painted the Mona Lisa?")
    assert off_topic.status == "abstained" and not off_topic.related_articles


def test_an_abstention_points_to_an_article_that_could_be_quoted_for_the_question(
    shipped_pipeline: AnswerPipeline,
) -> None:
    answerer = shipped_pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    strict = ExtractiveAnswerer(shipped_pipeline.index, selector=answerer.selector, answer_threshold=0.999)
    pipeline = AnswerPipeline(
        shipped_pipeline.index, shipped_pipeline.embedder, answerer=strict, cache_size=0
    )
    # A tenth new-user trial (session 36): a pain clinic in Ireland was pointed to the veterinary
    # article, for its sentence on UK law; "am I too old" to the emergency article.
    irish = pipeline.run(
        "Is ketamine infusion for pain available in Ireland? Im in Galway. Would it be on the public system / HSE "
        "or would I have to go private, and is there a long wait?"
    )
    assert irish.related_articles and irish.related_articles[0].id != "veterinary-use"
    older = pipeline.run(
        [
            {"role": "user", "content": "Am I too old for spravato? I'm 74. Does it work for older people"},
            {
                "role": "user",
                "content": "so is that a no then? my psychiatrist seemed to think it was worth trying",
            },
        ]
    )
    assert older.related_articles and older.related_articles[0].id != "recognising-an-emergency"


def test_the_similarity_floor_gates_the_selector_not_the_similarity_threshold(
    shipped_pipeline: AnswerPipeline,
) -> None:
    answerer = shipped_pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer)

    def status(**gates: float) -> str:
        gated = ExtractiveAnswerer(
            shipped_pipeline.index,
            selector=answerer.selector,
            answer_threshold=answerer.answer_threshold,
            keep_floor=answerer.keep_floor,
            **gates,
        )
        pipeline = AnswerPipeline(
            shipped_pipeline.index, shipped_pipeline.embedder, answerer=gated, cache_size=0
        )
        return pipeline.run("How long are patients watched after an esketamine session?").status

    assert status() == "answered"
    assert status(abstain_threshold=0.99) == "answered"  # the similarity ranking's gate, unused here
    assert status(similarity_floor=0.99) == "abstained"
    with pytest.raises(ValueError, match="similarity_floor must lie in"):
        ExtractiveAnswerer(shipped_pipeline.index, similarity_floor=1.5)


def test_a_question_like_one_no_article_answered_needs_a_surer_answer(
    shipped_pipeline: AnswerPipeline,
) -> None:
    answerer = shipped_pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer)

    def reply(question: str, threshold_near_unanswered: float) -> AnswerResult:
        gated = ExtractiveAnswerer(
            shipped_pipeline.index,
            selector=answerer.selector,
            answer_threshold=answerer.answer_threshold,
            keep_floor=answerer.keep_floor,
            threshold_near_unanswered=threshold_near_unanswered,
        )
        pipeline = AnswerPipeline(
            shipped_pipeline.index, shipped_pipeline.embedder, answerer=gated, cache_size=0
        )
        return pipeline.run(question)

    # The nearest training question had no answer, and the sentence about hair *testing* reads like one.
    hair_loss = "can ketamine make your hair fall out"
    assert answerer.selector is not None
    assert answerer.selector.memory.unanswerable_margin(answerer.selector.embed(hair_loss)) > 0.1
    assert reply(hair_loss, answerer.answer_threshold).status == "answered"
    held_back = reply(hair_loss, DEFAULT_ANSWER_THRESHOLD_NEAR_UNANSWERED)
    assert held_back.status == "abstained" and held_back.related_articles, held_back.answer
    # A question whose nearest training question was answered is not held to the higher bar.
    assert reply("Will ketamine show up on a hair test?", 0.99).status == "answered"
    with pytest.raises(ValueError, match="threshold_near_unanswered must lie in"):
        ExtractiveAnswerer(shipped_pipeline.index, threshold_near_unanswered=1.0)


@pytest.mark.parametrize(
    "question",
    ["does ketamine show up in a workplace drug screen", "could my esketamine treatment fail a drug test"],
)
def test_a_sentence_that_only_restates_the_question_never_answers_it(
    shipped_pipeline: AnswerPipeline, question: str
) -> None:
    result = shipped_pipeline.run(question)
    quotes = [c.quote for c in result.citations]
    assert result.status == "answered" and quotes, result.answer
    assert not any("often wonder whether" in q for q in quotes), quotes


def test_further_sentences_must_read_as_answers_themselves(shipped_data_dir: Path) -> None:
    # The keep floor never sits below the answer threshold, so "loose" is just above it.
    loose_floor = round(DEFAULT_ANSWER_THRESHOLD + 0.01, 2)
    loose = load_pipeline(
        Settings(data_dir=shipped_data_dir, answer_keep_floor=loose_floor, answer_cache_size=0)
    )
    strict = load_pipeline(Settings(data_dir=shipped_data_dir, answer_keep_floor=0.9, answer_cache_size=0))
    assert (loose.answerer.keep_floor, strict.answerer.keep_floor) == (loose_floor, 0.9)
    questions = ["what is ketamine bladder syndrome", "how is esketamine given", "is ketamine addictive"]
    lengths = [(len(loose.run(q).citations), len(strict.run(q).citations)) for q in questions]
    assert all(s <= 1 for _, s in lengths) and any(n > 1 for n, _ in lengths), lengths
