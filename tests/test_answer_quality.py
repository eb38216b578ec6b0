"""Answer quality on the blind user questions: the metric itself, and floors on the held-out half."""

from __future__ import annotations

import json
import re

import pytest

from assistant.pipeline import AnswerPipeline
from evaluation.answer_quality import (
    BLIND_SETS,
    JudgedTurn,
    accepted_by_judges,
    answer_quality_metrics,
    ask_turn_by_turn,
    quotes_gold,
    with_pooled_judgements,
)
from tests.conftest import REPO


def test_a_quote_counts_when_it_holds_a_gold_sentence() -> None:
    gold = ["Esketamine is given under supervision because it can cause sedation."]
    assert quotes_gold("Esketamine is given under supervision because it can cause sedation.", gold)
    assert quotes_gold(
        "It is a spray. Esketamine is given under supervision because it can cause sedation.", gold
    )
    assert quotes_gold("**Esketamine** is given under supervision because it can cause sedation", gold)
    assert not quotes_gold("Esketamine is a nasal spray made by Janssen.", gold)


def test_metrics_count_first_any_precision_and_abstention() -> None:
    gold = ("The answer.",)
    turns = [
        JudgedTurn("a", "patient", "answer", "answered", ("The answer.", "Other."), gold),
        JudgedTurn("b", "patient", "answer", "answered", ("Other.", "The answer."), gold),
        JudgedTurn("c", "parent", "answer", "abstained", (), gold),
        JudgedTurn("d", "parent", "abstain", "abstained", (), ()),
        JudgedTurn("e", "parent", "abstain", "answered", ("Other.",), ()),
    ]
    values = {m.name: m.value for m in answer_quality_metrics(turns)}
    assert values["answers.first_sentence_answers"] == pytest.approx(1 / 3)
    assert values["answers.any_sentence_answers"] == pytest.approx(2 / 3)
    assert values["answers.precision"] == pytest.approx(2 / 4)
    assert values["answers.correct_abstention"] == pytest.approx(1 / 2)
    assert values["answers.wrong_abstention"] == pytest.approx(1 / 3)
    assert values["answers.first_sentence_answers.patient"] == pytest.approx(1 / 2)


def test_pooled_judgements_add_what_a_majority_of_judges_accepted() -> None:
    cases = [
        {"id": "a", "persona": "patient", "expect": "answer", "gold": ["The answer."]},
        {"id": "b", "persona": "patient", "expect": "abstain", "gold": []},
        {"id": "c", "persona": "parent", "expect": "abstain", "gold": []},
    ]
    judgements = [
        {"set": "mine.jsonl", "id": "a", "sentence": "Also an answer.", "votes": ["yes", "partly", "yes"]},
        {"set": "mine.jsonl", "id": "a", "sentence": "Not one.", "votes": ["yes", "no", "partly"]},
        {"set": "mine.jsonl", "id": "b", "sentence": "Answers b.", "votes": ["yes", "yes", "no"]},
        {"set": "other.jsonl", "id": "c", "sentence": "Elsewhere.", "votes": ["yes", "yes", "yes"]},
    ]
    pooled = {c["id"]: c for c in with_pooled_judgements(cases, judgements, "mine.jsonl")}
    assert pooled["a"]["gold"] == ["The answer.", "Also an answer."]
    assert (pooled["b"]["expect"], pooled["b"]["gold"]) == ("answer", ["Answers b."])
    assert pooled["c"] == cases[2]
    assert cases[1]["expect"] == "abstain", "the labelled cases are left as they were"
    assert accepted_by_judges(["yes", "yes", "no"]) and not accepted_by_judges(["yes", "partly", "no"])
    refused = [{"id": "d", "persona": "user", "expect": "refuse"}]
    with pytest.raises(ValueError, match="labelled refuse"):
        with_pooled_judgements(refused, [{**judgements[0], "id": "d"}], "mine.jsonl")


def test_every_pooled_judgement_names_a_labelled_turn_and_three_votes() -> None:
    """The judgements file stays in step with the blind sets: a renamed case or a sentence of an
    article that no longer holds it would otherwise be dropped without a word."""
    cases = {
        (name, json.loads(line)["id"])
        for name in BLIND_SETS
        for line in (REPO / "evals" / name).open(encoding="utf-8")
    }
    bodies = " ".join(
        " ".join(path.read_text(encoding="utf-8").split()) for path in (REPO / "corpus/articles").glob("*.md")
    )
    rows = [json.loads(line) for line in (REPO / "evals/pooled_judgements.jsonl").open(encoding="utf-8")]
    assert rows
    for row in rows:
        assert (row["set"], row["id"]) in cases, row
        assert len(row["votes"]) == 3 and set(row["votes"]) <= {"yes", "partly", "no"}, row
        assert " ".join(row["sentence"].split()) in bodies, row["sentence"]


def test_a_turn_relabelled_by_the_guard_audit_has_the_judges_majority_behind_it() -> None:
    """evals/guard_label_audit.jsonl holds the votes of three judges who applied guardrails/POLICY.md
    to turns whose label the guard disagreed with (and to controls); a relabelled turn must match them."""
    audit = {
        (row["set"], row["id"]): row
        for row in map(json.loads, (REPO / "evals/guard_label_audit.jsonl").open(encoding="utf-8"))
    }
    relabelled = [
        (name, case)
        for name in BLIND_SETS
        for case in map(json.loads, (REPO / "evals" / name).open(encoding="utf-8"))
        if "label_audit" in case
    ]
    assert relabelled
    for name, case in relabelled:
        votes = audit[(name, case["id"])]["votes"]
        assert votes.count(case["expect"]) >= 2, (name, case["id"], votes)
        assert case["label_audit"].startswith(f"labelled {audit[(name, case['id'])]['label']};")


# Just under what the held-out half measured on 2026-12-05 (session 17: the selector retrained on
# 6,333 questions, threshold 0.12): first sentence 0.746, some sentence 0.784, precision 0.792,
# correct abstention 0.508, wrong abstention 0.097, with a few cases of slack for other CPUs
# (docs/abstention.md). Its failures are not read; raise these when the answers improve.
# Session 24 (retrained on 6,677 questions, 89 corpus sentences reworded to stand alone): first
# sentence 0.773, some sentence 0.805, precision 0.784, correct abstention 0.508, wrong 0.103.
# Session 26 (a new article, and no sentence without the price, share, age, phone number or
# threshold a question asks for): 0.773, 0.805, 0.787, 0.508, wrong 0.108 (20 of 185).
# Session 27 (two new articles; two turns labelled abstain were labelled again against them, so 187
# answerable and 57 unanswerable turns): 0.765, 0.797, 0.777, 0.491 (28 of 57), wrong 0.107 (20 of
# 187); the correct-abstention floor keeps two cases of slack.
# Session 29, on another CPU (AVX-512 VNNI), the same code measured 0.727, 0.775, 0.774, 0.474 (27 of
# 57), 0.107: seven first sentences fewer than on session 28's machine. Then the selector threshold
# 0.12 → 0.14: 0.722 (135 of 187), 0.770, 0.779, 0.509 (29 of 57), 0.123 (23 of 187). Each bound
# keeps three or four cases of slack under what this CPU measures.
# Session 31 (AVX2; a question nearest a training question no article answered needs a surer answer):
# 0.758 → 0.753 (140 of 186), 0.790 → 0.785, 0.779 → 0.781, correct abstention 0.509 → 0.561 (32 of
# 57; 33 with the session's guard changes), wrong abstention 0.118 → 0.129 (24 of 186). Those two
# bounds keep three cases of slack.
HELD_OUT_FLOORS = {
    "answers.first_sentence_answers": 0.70,
    "answers.any_sentence_answers": 0.75,
    "answers.precision": 0.76,
    "answers.correct_abstention": 0.50,
}
HELD_OUT_CEILINGS = {"answers.wrong_abstention": 0.15}


# The blind follow-up turns (evals/user_followups.jsonl, session 14): conversations written from
# personas alone, the last turn of each labelled by others. Held out before reading each turn with
# the earlier turns' subject: first sentence 0.384, precision 0.347, correct abstention 0.080, wrong
# abstention 0.093; after: 0.581, 0.610, 0.200, 0.047. Session 17 (retrained selector, on a CPU where
# the earlier selector also measured 3 of 25 correct abstentions): 0.605, 0.667, 0.120, 0.058.
# Session 21: a question calling ketamine "k" or "ket" may be answered below the similarity floor,
# and one held-out follow-up without an answer now is (2 of 25 correct abstentions; on development
# halves the change cost none): the floor keeps one case of slack under it.
# Session 22: turns are asked one at a time with each reply sent back, as the widget asks, and a
# reply does not lead with what the one before led with: 0.616, 0.689, 0.160 (4 of 25), 0.070
# (6 of 86); each bound keeps a case or more of slack.
# Session 23: no sentence any earlier reply led with is said again: precision 0.695, correct
# abstention 0.200 (5 of 25); that floor keeps two cases of slack.
# Session 24 (the retrained selector): first sentence 0.628, precision 0.667, correct abstention
# 0.280 (7 of 25), wrong abstention 0.070; the correct-abstention floor keeps two cases of slack.
# Session 27 (three turns labelled abstain were labelled again against the new articles): first
# sentence 0.629, precision 0.684, correct abstention 0.227 (5 of 22), wrong abstention 0.090 (8 of
# 89); the correct-abstention floor and the wrong-abstention ceiling each keep a case of slack.
# Session 29 (another CPU, then the selector threshold 0.12 → 0.14): 0.618 → 0.618, precision 0.653 →
# 0.653, correct abstention 0.273 → 0.318 (7 of 22), wrong abstention 0.056 → 0.056 (5 of 89).
# Session 31 (AVX2, before → after the surer answer near unanswered training questions): first
# sentence 0.629 → 0.629, precision 0.684 → 0.690, correct abstention 0.364 → 0.455 (10 of 22), wrong
# abstention 0.090 → 0.101 (9 of 89). Those two bounds keep three and two cases of slack.
# Session 35 (AVX2, memory additions: the memory learns questions on session 34's articles without
# retraining, and the three older articles it did not know): first sentence 0.611 → 0.633, precision
# 0.669 → 0.675, correct abstention 0.429 → 0.429, wrong abstention 0.100 → 0.111 (10 of 90); the
# ceiling keeps three cases of slack.
# Session 36 (AVX-512 VNNI, whose int8 vectors measure 0.611 / 0.664 / 0.429 / 0.089 for session 35's
# code; then no sentence any earlier reply quoted, or a restatement of one, is said again): first
# sentence 0.611 → 0.600 (54 of 90), precision 0.664 → 0.670, correct abstention 0.429 → 0.476 (10 of
# 21), wrong abstention 0.089 → 0.100 (9 of 90). The first-sentence floor moved from 0.58 to 0.56 to
# keep three cases of slack on this CPU; the other bounds keep three or more.
# Session 38 (AVX-512 VNNI; the last reply's lead is not said again for words typed back at it; the
# Irish sentences): first sentence 0.600 → 0.622 (56 of 90), precision 0.670 → 0.700, correct
# abstention 0.476 → 0.429 (9 of 21), wrong abstention 0.100 → 0.111 (10 of 90). Bounds unchanged.
FOLLOW_UP_FLOORS = {
    "answers.first_sentence_answers": 0.56,
    "answers.precision": 0.63,
    "answers.correct_abstention": 0.30,
}
FOLLOW_UP_CEILINGS = {"answers.wrong_abstention": 0.15}


# The personas' set (evals/user_questions_personas.jsonl, session 28): questions in the eighth trial's
# personas' voices, whose gold sentences were completed by other helpers with every sentence that
# answers as directly (blind to the assistant's replies). Held out before that session's changes:
# first sentence 0.569 (41 of 72), some sentence 0.597, precision 0.703, correct abstention 0.389 (14
# of 36), wrong abstention 0.153 (11 of 72); after (a question about an older person wants a sentence
# naming an age): 0.569, 0.597, 0.708, 0.472 (17 of 36), 0.181 (13 of 72). Each bound keeps two or
# three cases of slack.
# Session 29 (another CPU, then the selector threshold 0.12 → 0.14): first sentence 0.542 → 0.542 (39
# of 72), some sentence 0.597 → 0.597, precision 0.719 → 0.719, correct abstention 0.472 → 0.556 (20
# of 36), wrong abstention 0.194 → 0.194 (14 of 72). Each bound keeps three cases of slack.
# Session 30: four held-out turns the guard escalated were relabelled escalate by three judges applying
# the policy (their labellers could not choose it; docs/evaluation.md), so 68 answerable turns. On an
# AVX2 machine: first sentence 0.588 (40 of 68), some sentence 0.618, precision 0.721, correct
# abstention 0.528, wrong abstention 0.176 (12 of 68). Each bound keeps three cases of slack under the
# lower of this machine and session 29's.
# Session 31 (AVX2, the surer answer near unanswered training questions): first sentence 0.588 →
# 0.588, precision 0.721 → 0.738, correct abstention 0.528 → 0.583 (21 of 36), wrong abstention 0.176
# → 0.206 (14 of 68). Those two bounds keep three cases of slack.
PERSONAS_FLOORS = {
    "answers.first_sentence_answers": 0.53,
    "answers.any_sentence_answers": 0.57,
    "answers.precision": 0.67,
    # Session 34's two articles answer three of its held-out questions labelled unanswerable (21 -> 18
    # of 36 correct abstentions); two cases of slack.
    "answers.correct_abstention": 0.44,
}
PERSONAS_CEILINGS = {"answers.wrong_abstention": 0.25}


# The first questions (evals/user_first_questions.jsonl, session 33): the opening message people type,
# written blind in two voices (short phone queries; careful full sentences, some from older people and
# people whose first language is not English) and labelled by four other helpers reading the articles.
# Held out on an AVX2 machine, as first measured: first sentence 0.847 (50 of 59), some sentence 0.881,
# precision 0.867 (78 of 90), correct abstention 0.833 (5 of 6), wrong abstention 0.085 (5 of 59). Each
# bound keeps about three cases of slack (two for correct abstention, which has six cases).
FIRST_QUESTIONS_FLOORS = {
    "answers.first_sentence_answers": 0.79,
    "answers.any_sentence_answers": 0.83,
    "answers.precision": 0.83,
    "answers.correct_abstention": 0.50,
}
FIRST_QUESTIONS_CEILINGS = {"answers.wrong_abstention": 0.14}

# The new subjects (evals/user_questions_new_subjects.jsonl, session 34): questions written blind about
# the subjects of that session's two articles (pregnancy, fertility, breastfeeding and contraception;
# who finds out: confidentiality, records, the police, employers, licences) and about K-cramps, each
# labelled by one helper reading all 56 articles. Held out on an AVX2 machine: first sentence 0.364
# (12 of 33; 0.182 before the articles), some sentence 0.485, precision 0.500 (18 of 36), correct
# abstention 0.333 (11 of 33), wrong abstention 0.273 (9 of 33).
# Session 35 (memory additions, no retraining): first sentence 0.545 (18 of 33), some sentence 0.697,
# precision 0.692, correct abstention 0.455 (15 of 33), wrong abstention 0.212 (7 of 33). About three
# cases of slack each.
NEW_SUBJECTS_FLOORS = {
    "answers.first_sentence_answers": 0.45,
    "answers.any_sentence_answers": 0.60,
    "answers.precision": 0.60,
    "answers.correct_abstention": 0.36,
}
NEW_SUBJECTS_CEILINGS = {"answers.wrong_abstention": 0.31}

# People's situations (evals/user_questions_situations.jsonl, session 37): questions written blind by
# seven writers, each slanted to where the other sets sit far from every training question
# (professionals at work, the morning after, family and colleagues, life around sessions, reaching
# help, pregnancy, surgery and K-cramps, who finds out), each labelled by one helper reading all 56
# articles. Held out on an AVX-512 VNNI machine, as first measured: first sentence 0.380 (30 of 79),
# some sentence 0.443, precision 0.506 (41 of 81), correct abstention 0.551 (27 of 49), wrong
# abstention 0.278 (22 of 79). About three cases of slack each.
# Session 38: one held-out turn labelled unanswerable was relabelled answerable by two blind labellers
# (Ireland's HSE helpline): first sentence 0.388 (31 of 80), some sentence 0.450, precision 0.506,
# correct abstention 0.542 (26 of 48), wrong abstention 0.263 (21 of 80). Bounds unchanged.
SITUATIONS_FLOORS = {
    "answers.first_sentence_answers": 0.34,
    "answers.any_sentence_answers": 0.40,
    "answers.precision": 0.46,
    "answers.correct_abstention": 0.49,
}
SITUATIONS_CEILINGS = {"answers.wrong_abstention": 0.32}

# The same held-out replies judged against the labels completed by pooled judges (session 30;
# docs/evaluation.md): on an AVX2 machine, first sentence 0.754 → 0.766 (yardstick), 0.629 → 0.697
# (follow-ups), 0.556 → 0.583 (personas' set); precision 0.779 → 0.810, 0.684 → 0.763, 0.721 → 0.756.
# After the guard audit's relabelling: 0.770, 0.697 and 0.618 (42 of 68).
# The strict numbers are the yardstick; these floors keep a pooled sentence the assistant quotes from
# being lost unnoticed, with room for CPUs whose int8 kernels measure a few cases lower.
POOLED_FLOORS = {
    "evals/user_questions.jsonl": {"answers.first_sentence_answers": 0.71, "answers.precision": 0.77},
    "evals/user_followups.jsonl": {"answers.first_sentence_answers": 0.63, "answers.precision": 0.70},
    "evals/user_questions_personas.jsonl": {
        "answers.first_sentence_answers": 0.56,
        "answers.precision": 0.70,
    },
    # Pooled in session 33 (35 sentences, three judges each): held out 0.847 → 0.881, precision 0.867 → 0.922.
    "evals/user_first_questions.jsonl": {"answers.first_sentence_answers": 0.83, "answers.precision": 0.87},
    # Pooled in session 34 (123 sentences, three judges each): held out 0.364 → 0.412, precision 0.500 → 0.579;
    # with session 35's memory additions 0.618 and 0.756.
    "evals/user_questions_new_subjects.jsonl": {
        "answers.first_sentence_answers": 0.52,
        "answers.precision": 0.66,
    },
    # Pooled in session 37 (222 items, three judges each; they accepted 16 of 88 candidates on answerable
    # turns and 21 of 37 gold controls): held out 0.380 → 0.418 (33 of 79), precision 0.506 → 0.568.
    "evals/user_questions_situations.jsonl": {
        "answers.first_sentence_answers": 0.37,
        "answers.precision": 0.52,
    },
}


def _held_out_values(
    pipeline: AnswerPipeline, dataset: str
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """The held-out half's metrics against its labels, and against them completed by pooled judges."""
    cases = [json.loads(line) for line in (REPO / dataset).open(encoding="utf-8")]
    cases = [c for c in cases if c["split"] == "heldout"]
    judgements = [
        json.loads(line) for line in (REPO / "evals/pooled_judgements.jsonl").open(encoding="utf-8")
    ]
    pooled_cases = with_pooled_judgements(cases, judgements, dataset.removeprefix("evals/"))
    strict, pooled = [], []
    for case, completed in zip(cases, pooled_cases, strict=True):
        result = ask_turn_by_turn(pipeline, case["turns"])
        quotes = [c.quote for c in result.citations]
        strict.append(JudgedTurn.of(case, result.status, quotes))
        pooled.append(JudgedTurn.of(completed, result.status, quotes))
    return (
        {m.name: m.value for m in answer_quality_metrics(strict)},
        {m.name: m.value for m in answer_quality_metrics(pooled)},
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dataset", "floors", "ceilings"),
    [
        ("evals/user_questions.jsonl", HELD_OUT_FLOORS, HELD_OUT_CEILINGS),
        ("evals/user_followups.jsonl", FOLLOW_UP_FLOORS, FOLLOW_UP_CEILINGS),
        ("evals/user_questions_personas.jsonl", PERSONAS_FLOORS, PERSONAS_CEILINGS),
        ("evals/user_first_questions.jsonl", FIRST_QUESTIONS_FLOORS, FIRST_QUESTIONS_CEILINGS),
        ("evals/user_questions_new_subjects.jsonl", NEW_SUBJECTS_FLOORS, NEW_SUBJECTS_CEILINGS),
        ("evals/user_questions_situations.jsonl", SITUATIONS_FLOORS, SITUATIONS_CEILINGS),
    ],
)
def test_held_out_blind_turns_meet_the_floors(
    shipped_pipeline: AnswerPipeline, dataset: str, floors: dict[str, float], ceilings: dict[str, float]
) -> None:
    values, pooled = _held_out_values(shipped_pipeline, dataset)
    for name, floor in floors.items():
        value = values[name]
        assert value is not None and value >= floor, (name, value)
    for name, ceiling in ceilings.items():
        value = values[name]
        assert value is not None and value <= ceiling, (name, value)
    for name, floor in POOLED_FLOORS.get(dataset, {}).items():
        value = pooled[name]
        assert value is not None and value >= floor, ("pooled", name, value)


def test_training_questions_stay_out_of_the_yardstick() -> None:
    """The selector never trains on a blind user question (the yardstick, the extra development set
    of session 25 or the personas' set of session 28), nor on one worded almost the same; nor does
    its memory hold one (any blind set)."""
    training = [
        json.loads(line)["question"]
        for line in (REPO / "assistant/data/selector-training.jsonl").open(encoding="utf-8")
    ]
    blind = [
        turn
        for name in ("user_questions.jsonl", "user_questions_more.jsonl", "user_questions_personas.jsonl")
        for line in (REPO / "evals" / name).open(encoding="utf-8")
        for turn in json.loads(line)["turns"]
    ]

    def words(text: str) -> frozenset[str]:
        return frozenset(re.findall(r"\w+", text.casefold()))

    blind_words = [words(turn) for turn in blind]
    close = [
        question
        for question in training
        if any(len(words(question) & b) / len(words(question) | b) >= 0.6 for b in blind_words)
    ]
    assert not close, close[:5]
    # The memory's additions came after every blind set, so they are kept away from all of them.
    every_blind = [
        words(turn)
        for path in sorted((REPO / "evals").glob("user_*.jsonl"))
        + sorted((REPO / "evals").glob("new_user_trial*.jsonl"))
        for line in path.open(encoding="utf-8")
        for turn in json.loads(line)["turns"]
    ]
    added = [
        json.loads(line)["question"]
        for line in (REPO / "assistant/data/memory-additions.jsonl").open(encoding="utf-8")
        if not json.loads(line).get("revises")
    ]
    close = [
        question
        for question in added
        if any(len(words(question) & b) / len(words(question) | b) >= 0.5 for b in every_blind)
    ]
    assert added and not close, close[:5]
