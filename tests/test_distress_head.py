"""The distress head: shipped weights, the same numbers as scikit-learn, its place first in the rail."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from guardrails import DistressHead, ExemplarClassifier, InputRail, IntentClassifier
from guardrails.distress import DISTRESS_FILES, SHIPPED_WEIGHTS, char_grams
from guardrails.semantic import load_labelled


@pytest.fixture(scope="module")
def head(embedder) -> DistressHead:  # type: ignore[no-untyped-def]
    return DistressHead(embedder)


def test_shipped_weights_were_trained_on_the_shipped_data(embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Editing the training data without `python -m guardrails.distress` makes every start retrain.
    DistressHead(embedder, cache_dir=tmp_path)
    assert not list(tmp_path.iterdir()), "shipped weights are stale: run python -m guardrails.distress"


def test_letter_grams_are_padded_words_of_the_normalised_text() -> None:
    grams = char_grams("Ya NO")
    assert grams[" y"] == 1 and grams["ya "] == 1 and grams[" no "] == 1
    assert " ya no" not in grams  # n-grams never cross a word boundary


@pytest.mark.slow
def test_its_probabilities_are_scikit_learns(head: DistressHead) -> None:
    """Serving computes the features by hand; they must be the ones the model was trained on."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, labels = load_labelled(DISTRESS_FILES)
    vectorizer = TfidfVectorizer(
        analyzer=lambda text: list(char_grams(text).elements()), sublinear_tf=True, min_df=2
    )
    model = LogisticRegression(C=head.regularisation, class_weight="balanced", max_iter=3000)
    model.fit(vectorizer.fit_transform(texts), np.array([label == "self_harm" for label in labels]))
    sample = texts[::40]
    expected = model.predict_proba(vectorizer.transform(sample))[:, 1]
    # Another CPU's LBFGS stops at a slightly different point; decisions must not move.
    assert [head.probability(t) for t in sample] == pytest.approx(expected, abs=0.03)


@pytest.mark.parametrize(
    "message",
    [
        "ya no quiero seguir aquí, no le veo sentido a nada",
        "je suis au fond du trou et j'ai plus envie de remonter",
        "ich will einfach nicht mehr aufwachen",
        "tô com pensamentos suicidas há semanas",
        "I don't see the point in waking up anymore",
    ],
)
def test_distress_in_any_language_escalates_through_the_rail(embedder, message: str) -> None:  # type: ignore[no-untyped-def]
    with_head = InputRail(
        semantic=[DistressHead(embedder), ExemplarClassifier(embedder), IntentClassifier(embedder)]
    )
    decision = with_head.run([message])
    assert (decision.action, decision.category) == ("escalate", "self_harm")


@pytest.mark.parametrize(
    "message",
    [
        "this traffic is going to kill me, every single morning",
        "me muero de ganas de ver la peli del sábado",
        "je suis morte de rire devant ce sketch",
        "ich sterbe vor Langeweile in diesem Meeting",
        "how do I help a friend who talks about suicide?",
    ],
)
def test_everyday_hyperbole_is_not_distress(head: DistressHead, message: str) -> None:
    assert head.run(np.zeros(1), message) is None, head.probability(message)


def test_it_reads_earlier_turns_too(embedder) -> None:  # type: ignore[no-untyped-def]
    rail = InputRail(semantic=[DistressHead(embedder), IntentClassifier(embedder)])
    decision = rail.run(
        ["l'alcol è un depressivo?", "vorrei solo sparire e che nessuno mi cercasse più", "e la cannabis?"]
    )
    assert decision.category == "self_harm"


def test_it_validates_its_settings_and_data(embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="threshold"):
        DistressHead(embedder, threshold=1.0)
    with pytest.raises(ValueError, match="regularisation"):
        DistressHead(embedder, regularisation=0)
    calm = tmp_path / "calm.jsonl"
    calm.write_text(json.dumps({"text": "what is ketamine", "category": "allowed"}) + "\n")
    with pytest.raises(ValueError, match="no self_harm"):
        DistressHead(embedder, training_files=[calm], weights_file=None)
    assert SHIPPED_WEIGHTS.exists()
