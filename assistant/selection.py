"""Learned answer selection: the probability that a retrieved sentence answers the question.

Topic similarity alone picks sentences that share the question's subject but not its point
("how long does ketamine stay in your system" → how long the antidepressant effect lasts). Three
parts fix that, all built from questions written for training, each with the sentences
that answer it copied from the articles, or none (docs/selector-training-data.md says how they were
written; the ones written blind, from personas alone, are what taught it most):

- a **question encoder**: all-MiniLM-L6-v2 fine-tuned so that a question lands next to the
  sentences that answer it, against the sentence vectors the index already holds (only the
  question side moves, so the index is unchanged and a question costs one more embedding);
- a **question memory**: the training questions themselves, placed by that encoder, each with the
  sentences that answer it or none. A candidate that answers the training questions nearest to the
  new one is likely to answer it too, and a new question whose nearest neighbours no article
  answers is likely unanswerable as well;
- a **logistic model** over cheap features of each candidate (both similarities, how much of the
  question's wording the sentence and its section cover, where its passage ranked, whether it can
  stand alone, what the memory says and whether it knows the candidate's article, and the sentence,
  at all), trained on similarities from encoders, and neighbours from memories, that had not seen
  those questions; each memory also forgets a random fifth of the articles, so a sentence of an
  article added after training is judged by the other features instead of counting as one no
  question was answered with (the weights record the corpus's sentences at training time, so a
  sentence added to a known article later is judged the same way).

The encoder ships in `data/question-encoder/` (fp16), the logistic weights and the memory in
`data/answer-selector.npz`, each with the key of the training data; `python -m assistant.selection`
retrains all three after the data changes (about twenty minutes for 5,889 questions on a machine where
torch used both cores, an hour for 6,333 on one where it used one).

Questions labelled after training join the memory without retraining: `data/memory-additions.jsonl`
holds new questions with their answers, and rows that revise what answers a training question (an
article added later answers it now). `python -m assistant.selection --memory` places them with the
shipped encoder in a few minutes (`data/memory-additions.npz`, keyed by the file and the encoder).
An article the revisions answer from is then known to the memory, as if it had been there at training
time (`place_additions` says why); the encoder and the logistic weights are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus.text import leans_on_previous
from index.embedder import Embedder, SentenceTransformerEmbedder, bundled_model_path
from index.lexical import tokenize
from index.passages import IndexedPassage, PassageIndex
from index.retrieval import RetrievedPassage

if TYPE_CHECKING:
    from assistant.pipeline import AnswerPipeline

DATA = Path(__file__).resolve().parent / "data"
TRAINING_FILE = DATA / "selector-training.jsonl"
SHIPPED_WEIGHTS = DATA / "answer-selector.npz"
MEMORY_ADDITIONS = DATA / "memory-additions.jsonl"
QUESTION_ENCODER = DATA / "question-encoder"
ENCODER_KEY_FILE = "training-key.txt"
# Fine-tuning of the question encoder; chosen on the development half of the blind user questions.
EPOCHS = 3
LEARNING_RATE = 5e-5
BATCH = 16
TEMPERATURE = 0.05
SEED = 20261203
FOLDS = 2

GLOSSARY = "glossary"
BASE_FEATURES = (
    "similarity",
    "similarity_gap_to_best",
    "answer_similarity",
    "answer_similarity_squared",
    "answer_gap_to_best",
    "answer_similarity_rank",
    "question_words_in_sentence",
    "question_words_in_heading",
    "question_words_in_passage",
    "passage_rank",
    "first_in_passage",
    "glossary",
    "leans_on_previous",
    "log_words",
    "answer_similarity_times_words",
)
MEMORY_FEATURES = (
    "memory_answer_similarity",
    "memory_answer_gap_to_nearest",
    "memory_answer_vote",
    "memory_unanswerable_margin",
    "memory_article_unknown",
)
FEATURES = BASE_FEATURES + MEMORY_FEATURES
FEATURE_VERSION = 5
# The memory's vote: a softmax over the nearest training questions' similarities. Chosen on the
# development half of the blind user questions (a softer 0.1 and a vote for the article rather
# than the sentence did no better).
MEMORY_NEIGHBOURS = 10
MEMORY_TEMPERATURE = 0.05
# The memory says a question is like one no article answered when the nearest such training question
# is nearer than the nearest answered one by at least this cosine margin (config's
# DEFAULT_ANSWER_THRESHOLD_NEAR_UNANSWERED says what follows). A lead from an article or a sentence
# added since training is exempt, unless the memory additions taught it: no training question could
# have been answered from it.
UNANSWERED_NEIGHBOUR_MARGIN = 0.02
# Retrieval misses the answering sentence of about one answerable question in seven; the sentences
# that answered the nearest training questions often hold it, so their passages become candidates.
MEMORY_PASSAGES_FROM = 3
# An article added after training answered no training question, so its sentences get no support
# from the memory. Training hides one of this many random groups of articles from the memory that
# scores each question, so the model learns to judge an article the memory does not know by the
# other features (`memory_article_unknown` tells it which those are).
ARTICLE_DROPOUT_GROUPS = 5


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, with its features and article-body offsets."""

    passage: IndexedPassage
    start: int
    end: int
    row: int
    similarity: float
    features: np.ndarray


def _normal(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .")


class QuestionMemory:
    """Training questions as the question encoder places them, each with the sentences that answer it.

    `answers[i]` lists the sentences that answer question `i` (empty when no article does); a
    candidate is matched to them by its text, so the memory outlives any one index build.
    """

    def __init__(
        self,
        vectors: np.ndarray,
        answers: Sequence[Sequence[str]],
        trained_on: Iterable[int] | None = None,
    ) -> None:
        """`trained_on` holds `sentence_keys` of the corpus the memory was trained on, when known: a
        sentence added to an article since then answered no training question, like an article added
        since, and is judged as one."""
        if vectors.ndim != 2 or len(vectors) != len(answers):
            raise ValueError(
                f"a question memory needs one vector per question: got {vectors.shape} vectors "
                f"for {len(answers)} questions"
            )
        unanswerable = np.array([not a for a in answers], dtype=bool)
        if unanswerable.all() or not unanswerable.any():
            raise ValueError("a question memory needs both answered and unanswerable training questions")
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.answers = [[_normal(a) for a in sentences] for sentences in answers]
        self.trained_on = None if trained_on is None else frozenset(int(k) for k in trained_on)
        self._answering: dict[str, list[int]] = {}
        for question, sentences in enumerate(self.answers):
            for sentence in sentences:
                self._answering.setdefault(sentence, []).append(question)
        self._known_articles: weakref.WeakKeyDictionary[PassageIndex, frozenset[str]] = (
            weakref.WeakKeyDictionary()
        )
        self._answered_rows = np.flatnonzero(~unanswerable)
        self._unanswerable_rows = np.flatnonzero(unanswerable)
        # The last question's similarities: choosing the remembered passages and then the features
        # both need them, and the product over every training question is the memory's main cost.
        self._last: tuple[bytes, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.vectors)

    def known_articles(self, index: PassageIndex) -> frozenset[str]:
        """The articles of `index` with a sentence that answered some training question."""
        if index not in self._known_articles:
            where = _passage_of_sentence(index)
            self._known_articles[index] = frozenset(
                index.passages[where[sentence]].article_id
                for sentence in self._answering
                if sentence in where
            )
        return self._known_articles[index]

    def without_articles(self, index: PassageIndex, articles: frozenset[str]) -> QuestionMemory:
        """This memory as if `articles` had been added after training: their questions forgotten."""
        where = _passage_of_sentence(index)
        keep = [
            i
            for i, sentences in enumerate(self.answers)
            if not any(s in where and index.passages[where[s]].article_id in articles for s in sentences)
        ]
        return QuestionMemory(self.vectors[keep], [self.answers[i] for i in keep], self.trained_on)

    def knows_sentence(self, text: str) -> bool:
        """Whether the sentence was in the corpus at training time (always, when that is not recorded)."""
        return self.trained_on is None or _key_of_text(text) in self.trained_on

    def similarities(self, answer_vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of the question at `answer_vector` to every training question."""
        key = answer_vector.tobytes()
        last = self._last  # one read: another thread may replace it meanwhile
        if last is not None and last[0] == key:
            return last[1]
        found = self.vectors @ answer_vector
        self._last = (key, found)
        return found

    def nearest_answers(self, answer_vector: np.ndarray, count: int) -> list[str]:
        """The sentences that answered the `count` answered training questions nearest to this one."""
        similarities = self.similarities(answer_vector)[self._answered_rows]
        nearest = self._answered_rows[_top(similarities, count)]
        return [sentence for i in nearest for sentence in self.answers[int(i)]]

    def unanswerable_margin(self, answer_vector: np.ndarray) -> float:
        """How much nearer the closest training question no article answered is than the closest one
        an article did answer (negative when an answered one is nearer)."""
        similarities = self.similarities(answer_vector)
        return float(similarities[self._unanswerable_rows].max()) - float(
            similarities[self._answered_rows].max()
        )

    def features(
        self, answer_vector: np.ndarray, texts: Sequence[str], unknown_article: Sequence[bool]
    ) -> np.ndarray:
        """One row of MEMORY_FEATURES per candidate sentence, for the question at `answer_vector`.

        `unknown_article[i]` says whether candidate `i` comes from an article no training question
        was answered from, or is a sentence added since training.
        """
        similarities = self.similarities(answer_vector)
        nearest_answered = float(similarities[self._answered_rows].max())
        unanswerable_margin = self.unanswerable_margin(answer_vector)
        neighbours = _top(similarities, MEMORY_NEIGHBOURS)
        weights = np.exp((similarities[neighbours] - similarities[neighbours[0]]) / MEMORY_TEMPERATURE)
        vote = dict(zip(neighbours.tolist(), (weights / weights.sum()).tolist(), strict=True))
        rows = np.zeros((len(texts), len(MEMORY_FEATURES)), dtype=np.float32)
        for i, text in enumerate(texts):
            answered = self._answering.get(_normal(text), [])
            closest = float(similarities[answered].max()) if answered else 0.0
            rows[i] = (
                closest,
                closest - nearest_answered,
                sum(vote.get(question, 0.0) for question in answered),
                unanswerable_margin,
                float(unknown_article[i]),
            )
        return rows


def _top(values: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` largest values, largest first (a partial sort: the memory is large)."""
    if count >= len(values):
        return np.argsort(-values)
    chosen = np.argpartition(-values, count - 1)[:count]
    return chosen[np.argsort(-values[chosen])]


def sentence_key(normal_text: str) -> int:
    """A 64-bit digest of a normalised sentence, to record which sentences a corpus held."""
    return int.from_bytes(hashlib.blake2b(normal_text.encode("utf-8"), digest_size=8).digest(), "little")


@lru_cache(maxsize=32768)
def _key_of_text(text: str) -> int:
    # Every answer asks this of each candidate, and the same sentences come back question after question.
    return sentence_key(_normal(text))


def sentence_keys(index: PassageIndex) -> np.ndarray:
    """`sentence_key` of every sentence `index` holds, sorted."""
    return np.array(sorted({sentence_key(text) for text in _passage_of_sentence(index)}), dtype=np.uint64)


_SENTENCE_PASSAGES: weakref.WeakKeyDictionary[PassageIndex, dict[str, str]] = weakref.WeakKeyDictionary()


def _passage_of_sentence(index: PassageIndex) -> dict[str, str]:
    """Normalised sentence text → the id of the first passage that holds it, once per index."""
    if index not in _SENTENCE_PASSAGES:
        found: dict[str, str] = {}
        for passage in index.passages.values():
            for row in index.sentences(passage.id):
                text = passage.text[row.start - passage.start : row.end - passage.start]
                found.setdefault(_normal(text), passage.id)
        _SENTENCE_PASSAGES[index] = found
    return _SENTENCE_PASSAGES[index]


def vectors_of_sentences(index: PassageIndex, texts: Iterable[str]) -> np.ndarray:
    """The index's vectors of those `texts` that are sentences of it, one row each (none: no rows)."""
    where = _passage_of_sentence(index)
    rows = []
    for text in map(_normal, texts):
        passage_id = where.get(text)
        if passage_id is None:
            continue
        passage = index.passages[passage_id]
        rows += [
            row.row
            for row in index.sentences(passage_id)
            if _normal(passage.text[row.start - passage.start : row.end - passage.start]) == text
        ][:1]
    return index.sentence_vectors[np.array(rows, dtype=np.int64)]


def with_remembered_passages(
    index: PassageIndex, memory: QuestionMemory, answer_vector: np.ndarray, hits: Sequence[RetrievedPassage]
) -> list[RetrievedPassage]:
    """The retrieved passages, then those holding what answered the nearest training questions."""
    out = list(hits)
    have = {hit.passage.id for hit in hits}
    where = _passage_of_sentence(index)
    for sentence in memory.nearest_answers(answer_vector, MEMORY_PASSAGES_FROM):
        passage_id = where.get(sentence)
        if passage_id is not None and passage_id not in have:
            have.add(passage_id)
            out.append(RetrievedPassage(index.passages[passage_id], 0.0, None, None, None, None))
    return out


@lru_cache(maxsize=32768)
def _words(text: str) -> frozenset[str]:
    # The same sentences and passages come back question after question: tokenising them again
    # was about a millisecond of every answer.
    return frozenset(tokenize(text))


def candidates(
    index: PassageIndex,
    question: str,
    query_vector: np.ndarray,
    hits: Sequence[RetrievedPassage],
    answer_vector: np.ndarray | None = None,
    min_words: int = 5,
    memory: QuestionMemory | None = None,
) -> list[Candidate]:
    """Every quotable sentence of the retrieved passages with its feature vector.

    `query_vector` is the question's base embedding (the one retrieval used); `answer_vector` its
    embedding by the question encoder (the base one when there is none). Without a `memory` the
    vector holds BASE_FEATURES only.
    """
    answer_vector = query_vector if answer_vector is None else answer_vector
    asked = set(tokenize(question))
    raw: list[tuple[IndexedPassage, int, int, int, float, float, str, int, int]] = []
    for rank, hit in enumerate(hits, start=1):
        for position, row in enumerate(index.sentences(hit.passage.id)):
            text = hit.passage.text[row.start - hit.passage.start : row.end - hit.passage.start]
            if len(text.split()) < min_words or text.rstrip().endswith(("?", ":")):
                continue
            vector = index.sentence_vectors[row.row]
            similarity = float(np.dot(vector, query_vector))
            answer_similarity = float(np.dot(vector, answer_vector))
            raw.append(
                (
                    hit.passage,
                    row.start,
                    row.end,
                    row.row,
                    similarity,
                    answer_similarity,
                    text,
                    rank,
                    position,
                )
            )
    if not raw:
        return []
    best = max(r[4] for r in raw)
    best_answer = max(r[5] for r in raw)
    order = {id(r): i for i, r in enumerate(sorted(raw, key=lambda r: -r[5]), start=1)}
    share = (lambda words: len(asked & words) / len(asked)) if asked else (lambda words: 0.0)
    # Per passage, not per sentence: a passage's words and heading are the same for all its sentences.
    heading_share = {h.passage.id: share(_words(f"{h.passage.title} {h.passage.section}")) for h in hits}
    passage_share = {h.passage.id: share(_words(h.passage.text)) for h in hits}
    remembered = None
    if memory is not None:
        known = memory.known_articles(index)
        remembered = memory.features(
            answer_vector,
            [r[6] for r in raw],
            [r[0].article_id not in known or not memory.knows_sentence(r[6]) for r in raw],
        )
    out = []
    for i, item in enumerate(raw):
        passage, start, end, vector_row, similarity, answer_similarity, text, rank, position = item
        words = len(text.split())
        covered = share(_words(text))
        features = np.array(
            [
                similarity,
                similarity - best,
                answer_similarity,
                answer_similarity * answer_similarity,
                answer_similarity - best_answer,
                1.0 / order[id(item)],
                covered,
                heading_share[passage.id],
                passage_share[passage.id],
                1.0 / rank,
                float(position == 0),
                float(passage.article_id == GLOSSARY),
                float(leans_on_previous(text)),
                math.log(words),
                answer_similarity * covered,
            ],
            dtype=np.float32,
        )
        if remembered is not None:
            features = np.concatenate([features, remembered[i]])
        out.append(Candidate(passage, start, end, vector_row, similarity, features))
    return out


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def additions_key(path: Path, encoder_key: str) -> str:
    """The key of a memory-additions file placed by the encoder trained under `encoder_key`."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(f"encoder={encoder_key}".encode())
    return digest.hexdigest()[:16]


def vectors_of_additions(path: Path) -> Path:
    return path.with_suffix(".npz")


def with_additions(
    memory_vectors: np.ndarray,
    memory_answers: list[list[str]],
    trained_on: np.ndarray | None,
    encoder_key: str,
    path: Path,
) -> tuple[np.ndarray, list[list[str]], np.ndarray | None]:
    """The training memory with the questions of `path` added and the revised answers applied.

    A row with `"revises": true` replaces the answers of the training question it repeats word for
    word; any other row is a new question. `--memory` stored beside the file which training rows each
    revision replaces, the new questions' vectors and the sentences the revisions taught
    (`place_additions`), so loading reads neither the training file nor the index.
    """
    stored = vectors_of_additions(path)
    if not stored.exists():
        raise FileNotFoundError(
            f"{path} has not been placed in the memory: run python -m assistant.selection --memory"
        )
    with np.load(stored) as saved:
        key, vectors = str(saved["key"]), saved["vectors"]
        taught, revised_rows, revisions = saved["taught_sentences"], saved["revised_rows"], saved["revisions"]
    if key != additions_key(path, encoder_key):
        raise ValueError(f"{stored} is stale for {path}: run python -m assistant.selection --memory")
    rows = _rows(path)
    revising = [row["answers"] for row in rows if row.get("revises")]
    added = [row["answers"] for row in rows if not row.get("revises")]
    if len(added) != len(vectors) or (len(revised_rows) and revised_rows.max() >= len(memory_answers)):
        raise ValueError(
            f"{stored} does not match {path} and the memory: run python -m assistant.selection --memory"
        )
    answers = [list(a) for a in memory_answers]
    for training_row, revision in zip(revised_rows.tolist(), revisions.tolist(), strict=True):
        answers[training_row] = list(revising[revision])
    known = None if trained_on is None else np.union1d(trained_on, taught)
    if added:
        memory_vectors = np.concatenate([memory_vectors, vectors.astype(np.float32)])
    return memory_vectors, answers + [list(a) for a in added], known


class AnswerSelector:
    """P(sentence answers the question): the question encoder, its memory and the logistic weights."""

    def __init__(
        self,
        weights_file: Path = SHIPPED_WEIGHTS,
        encoder_path: Path = QUESTION_ENCODER,
        threads: int = 1,
        encoder: Embedder | None = None,
        additions: Path | None = MEMORY_ADDITIONS,
    ) -> None:
        """`additions` is a memory-additions file to apply, when it exists (None: the memory as trained)."""
        if not weights_file.exists() or not (encoder_path / ENCODER_KEY_FILE).exists():
            raise FileNotFoundError(
                f"no answer selector at {weights_file} and {encoder_path}: run python -m assistant.selection"
            )
        with np.load(weights_file) as saved:
            names = tuple(str(saved["features"]).split("\n"))
            if names != FEATURES:
                raise ValueError(
                    f"{weights_file} was trained on other features; run python -m assistant.selection"
                )
            self.key = str(saved["key"])
            self.mean, self.scale = saved["mean"], saved["scale"]
            self.weights, self.bias = saved["weights"], float(saved["bias"])
            memory_vectors = saved["memory_vectors"]
            memory_answers = json.loads(str(saved["memory_answers"]))
            trained_on = saved["corpus_sentences"] if "corpus_sentences" in saved.files else None
        self.encoder_key = (encoder_path / ENCODER_KEY_FILE).read_text().strip()
        self.additions = additions if additions is not None and additions.exists() else None
        if self.additions is not None:
            memory_vectors, memory_answers, trained_on = with_additions(
                memory_vectors, memory_answers, trained_on, self.encoder_key, self.additions
            )
        self.memory = QuestionMemory(memory_vectors, memory_answers, trained_on)
        if self.encoder_key != self.key:
            raise ValueError(
                f"the question encoder ({self.encoder_key}) and the logistic weights ({self.key}) come from "
                "different training runs; run python -m assistant.selection"
            )
        # The serving path passes the encoder's ONNX export; training and tests may use torch.
        self.encoder = encoder or SentenceTransformerEmbedder(model_path=encoder_path, threads=threads)

    def embed(self, question: str) -> np.ndarray:
        """The question as the encoder places it among the sentences that answer it."""
        return self.encoder.embed([question])[0]

    def candidates(
        self,
        index: PassageIndex,
        question: str,
        query_vector: np.ndarray,
        hits: Sequence[RetrievedPassage],
        min_words: int = 5,
        answer_vector: np.ndarray | None = None,
    ) -> list[Candidate]:
        """The retrieved passages' sentences with every feature the logistic weights expect;
        `answer_vector` is `embed(question)` when the caller has already computed it."""
        if answer_vector is None:
            answer_vector = self.embed(question)
        hits = with_remembered_passages(index, self.memory, answer_vector, hits)
        return candidates(index, question, query_vector, hits, answer_vector, min_words, self.memory)

    def near_unanswered(self, answer_vector: np.ndarray, lead: Candidate) -> bool:
        """Whether the training question nearest to this one had no answer, for a `lead` (a candidate
        with every feature) whose sentence the memory knows."""
        unknown = bool(lead.features[FEATURES.index("memory_article_unknown")])
        return not unknown and self.memory.unanswerable_margin(answer_vector) >= UNANSWERED_NEIGHBOUR_MARGIN

    def probabilities(self, found: Sequence[Candidate]) -> np.ndarray:
        if not found:
            return np.zeros(0, dtype=np.float32)
        matrix = (np.stack([c.features for c in found]) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(matrix @ self.weights + self.bias)))


def training_key(path: Path = TRAINING_FILE) -> str:
    digest = hashlib.sha256(path.read_bytes())
    settings = f"features={FEATURE_VERSION}:{','.join(FEATURES)};epochs={EPOCHS};lr={LEARNING_RATE};"
    memory = (
        f"memory={MEMORY_NEIGHBOURS}:{MEMORY_TEMPERATURE}:{MEMORY_PASSAGES_FROM}:{ARTICLE_DROPOUT_GROUPS};"
    )
    digest.update(f"{settings}{memory}batch={BATCH};t={TEMPERATURE};seed={SEED};folds={FOLDS}".encode())
    return digest.hexdigest()[:16]


@dataclass
class _TrainingQuestion:
    question: str
    vector: np.ndarray
    hits: list[RetrievedPassage]
    gold: set[str]
    answers: list[str]


def _training_questions(pipeline: AnswerPipeline, path: Path) -> list[_TrainingQuestion]:
    rows = _rows(path)
    vectors = pipeline.embedder.embed([r["question"] for r in rows])
    return [
        _TrainingQuestion(
            row["question"],
            vector,
            pipeline.retriever.run(row["question"], k=pipeline.k, query_vector=vector),
            {_normal(a) for a in row["answers"]},
            row["answers"],
        )
        for row, vector in zip(rows, vectors, strict=True)
    ]


def _labelled(
    index: PassageIndex,
    item: _TrainingQuestion,
    answer_vector: np.ndarray,
    memory: QuestionMemory | None = None,
) -> tuple[list[Candidate], list[bool]]:
    hits = item.hits if memory is None else with_remembered_passages(index, memory, answer_vector, item.hits)
    found = candidates(index, item.question, item.vector, hits, answer_vector, memory=memory)
    labels = [
        _normal(c.passage.text[c.start - c.passage.start : c.end - c.passage.start]) in item.gold
        for c in found
    ]
    return found, labels


def _article_groups(index: PassageIndex, fold: int) -> list[frozenset[str]]:
    """The articles in ARTICLE_DROPOUT_GROUPS random groups, drawn afresh for each fold."""
    articles = sorted({passage.article_id for passage in index.passages.values()})
    order = np.random.default_rng(SEED + fold).permutation(len(articles))
    return [
        frozenset(articles[int(i)] for i in order[g::ARTICLE_DROPOUT_GROUPS])
        for g in range(ARTICLE_DROPOUT_GROUPS)
    ]


def fine_tune(index: PassageIndex, items: Sequence[_TrainingQuestion]) -> Any:
    """A copy of the base model trained so questions rank their answering sentences first.

    Each question's candidates (the sentences of its retrieved passages, with the index's frozen
    vectors) are the hard negatives of a softmax over them; the gold sentences are its positives.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    # Loading the index's embedder sets torch to one thread (steady query latency when serving);
    # training wants every core this process may use: twice as fast on two cores.
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    torch.manual_seed(SEED)
    model = SentenceTransformer(str(bundled_model_path()), device="cpu")
    sentences = torch.tensor(index.sentence_vectors)
    examples = []
    for item in items:
        found, labels = _labelled(index, item, item.vector)
        if any(labels):
            examples.append((item.question, [c.row for c in found], torch.tensor(labels)))
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    order_rng = np.random.default_rng(SEED)
    model.train()
    for _ in range(EPOCHS):
        order = order_rng.permutation(len(examples))
        for first in range(0, len(order), BATCH):
            batch = [examples[i] for i in order[first : first + BATCH]]
            features = model.tokenize([question for question, _, _ in batch])
            encoded = torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)
            loss = torch.zeros(())
            for vector, (_, rows, labels) in zip(encoded, batch, strict=True):
                logits = sentences[rows] @ vector / TEMPERATURE
                loss = loss + torch.logsumexp(logits, 0) - torch.logsumexp(logits[labels], 0)
            optimiser.zero_grad()
            (loss / len(batch)).backward()
            optimiser.step()
    model.eval()
    return model


def _encode(model: Any, texts: list[str]) -> np.ndarray:
    return np.asarray(model.encode(texts, normalize_embeddings=True, convert_to_numpy=True), dtype=np.float32)


def train(
    pipeline: AnswerPipeline,
    path: Path = TRAINING_FILE,
    weights_out: Path = SHIPPED_WEIGHTS,
    encoder_out: Path = QUESTION_ENCODER,
) -> dict[str, float]:
    """Fine-tune the encoder, fit the logistic weights; store them and the memory with their data key."""
    from sklearn.linear_model import LogisticRegression

    items = _training_questions(pipeline, path)
    questions = [item.question for item in items]
    # The logistic model must see what serving sees for a question nobody trained on: each fold's
    # features come from an encoder fine-tuned on the other folds, and a memory of those folds alone.
    features: list[np.ndarray] = []
    labels: list[bool] = []
    for fold in range(FOLDS):
        held = [i for i in range(len(items)) if i % FOLDS == fold]
        rest = [i for i in range(len(items)) if i % FOLDS != fold]
        model = fine_tune(pipeline.index, [items[i] for i in rest])
        vectors = _encode(model, questions)
        memory = QuestionMemory(vectors[rest], [items[i].answers for i in rest])
        forgetful = [
            memory.without_articles(pipeline.index, group) for group in _article_groups(pipeline.index, fold)
        ]
        for n, i in enumerate(held):
            remembering = forgetful[n % len(forgetful)]
            found, found_labels = _labelled(pipeline.index, items[i], vectors[i], remembering)
            features += [c.features for c in found]
            labels += found_labels
    matrix, targets = np.stack(features), np.array(labels)
    mean, scale = matrix.mean(axis=0), matrix.std(axis=0) + 1e-6
    logistic = LogisticRegression(C=1.0, max_iter=2000)
    logistic.fit((matrix - mean) / scale, targets)
    key = training_key(path)
    final = fine_tune(pipeline.index, items)
    memory_vectors = _encode(final, questions)
    final.half()
    final.save(str(encoder_out), create_model_card=False)
    (encoder_out / ENCODER_KEY_FILE).write_text(key + "\n")
    weights_out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        weights_out,
        key=np.array(key),
        features=np.array("\n".join(FEATURES)),
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        weights=logistic.coef_[0].astype(np.float32),
        bias=np.array(logistic.intercept_[0], dtype=np.float32),
        memory_vectors=memory_vectors.astype(np.float16),
        memory_answers=np.array(json.dumps([item.answers for item in items], ensure_ascii=False)),
        corpus_sentences=sentence_keys(pipeline.index),
    )
    return {
        "questions": float(len(items)),
        "candidates": float(len(targets)),
        "positives": float(targets.sum()),
    }


def place_additions(
    index: PassageIndex, path: Path = MEMORY_ADDITIONS, encoder_path: Path = QUESTION_ENCODER
) -> int:
    """Embed the new questions of a memory-additions file with the shipped encoder and store them
    beside it, with the sentences the file teaches the memory.

    An article is taught when a revision answers a training question from it that its training
    answers did not cite: the training questions were read again against that article, so the memory
    has had its chance to learn every sentence of it, as if it had been there at training time.
    Other articles added since training stay unknown to the memory, however a new question cites them.
    """
    where = _passage_of_sentence(index)
    rows = _rows(path)
    for row in rows:
        missing = [a for a in row["answers"] if _normal(a) not in where]
        if missing:
            raise ValueError(
                f"{path}: {row['question']!r} is answered by a sentence no article holds: {missing[0]!r}"
            )
    training = _rows(TRAINING_FILE)
    positions: dict[str, list[int]] = {}
    for i, row in enumerate(training):
        positions.setdefault(row["question"], []).append(i)
    revised_rows: list[int] = []
    revisions: list[int] = []
    taught_articles: set[str] = set()
    for revision, row in enumerate(row for row in rows if row.get("revises")):
        if row["question"] not in positions:
            raise ValueError(
                f"{path} revises a question that is not a training question: {row['question']!r}"
            )
        for training_row in positions[row["question"]]:
            revised_rows.append(training_row)
            revisions.append(revision)
            cited = {_normal(a) for a in training[training_row]["answers"]}
            taught_articles |= {
                index.passages[where[_normal(a)]].article_id
                for a in row["answers"]
                if _normal(a) not in cited
            }
    taught = {
        sentence_key(text)
        for text, passage in where.items()
        if index.passages[passage].article_id in taught_articles
    }
    questions = [row["question"] for row in rows if not row.get("revises")]
    encoder = SentenceTransformerEmbedder(model_path=encoder_path)
    vectors = encoder.embed(questions) if questions else np.zeros((0, 1), dtype=np.float32)
    encoder_key = (encoder_path / ENCODER_KEY_FILE).read_text().strip()
    np.savez_compressed(
        vectors_of_additions(path),
        key=np.array(additions_key(path, encoder_key)),
        vectors=np.asarray(vectors, dtype=np.float16),
        taught_sentences=np.array(sorted(taught), dtype=np.uint64),
        revised_rows=np.array(revised_rows, dtype=np.int64),
        revisions=np.array(revisions, dtype=np.int64),
    )
    return len(questions)


def main() -> None:
    """Retrain on the shipped training questions over the shipped corpus and rewrite what ships;
    `--memory` only places the memory additions (minutes, not the twenty or more of training)."""
    import argparse
    import tempfile
    import time

    from assistant.config import Settings
    from assistant.runtime import build_index, load_pipeline

    parser = argparse.ArgumentParser(prog="python -m assistant.selection", description=main.__doc__)
    parser.add_argument("--memory", action="store_true", help="only place data/memory-additions.jsonl")
    memory_only = parser.parse_args().memory
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), answer_cache_size=0, answer_selection="similarity")
        build_index(settings)
        pipeline = load_pipeline(settings)
        if not memory_only:
            summary = train(pipeline)
            print(f"wrote {SHIPPED_WEIGHTS} and {QUESTION_ENCODER} (key {training_key()}): {summary}")
        if MEMORY_ADDITIONS.exists():
            try:
                placed = place_additions(pipeline.index)
            except ValueError as error:  # a row that quotes no article: one line, not a traceback
                raise SystemExit(f"error: {error}") from None
            print(f"placed {placed} new questions of {MEMORY_ADDITIONS} in the memory")
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
