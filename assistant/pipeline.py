"""The answer pipeline: input rail → retrieval → extractive answer with citations → output rail."""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.cache import AnswerCache
from assistant.conversation import (
    Dialogue,
    EarlierQuotes,
    about_an_earlier_drug,
    read_dialogue,
    readings,
)
from assistant.extractive import AnswerSentence, ExtractiveAnswerer
from assistant.results import (
    Answerer,
    AnswerResult,
    Citation,
    GuardrailInfo,
    RelatedArticle,
    Verification,
    new_answer_id,
)
from corpus.aspects import NON_MEDICAL_TOPICS, body_parts_of_conversation, only_ketamine_as_treatment
from corpus.figures import Figure, figures_asked
from corpus.places import places_followed
from guardrails.decisions import InputGuard, OutputGuard
from guardrails.messages import english_only, written_in
from guardrails.rules import mentions_substance
from index.embedder import Embedder
from index.passages import PassageIndex
from index.retrieval import HybridRetriever, RetrievedPassage, Retriever

if TYPE_CHECKING:
    from assistant.generative import GenerativeAnswerer
    from assistant.selection import AnswerSelector

NO_SOURCE = "I don't have a vetted source that answers this, so I won't guess."
CLINICIAN_CAN_HELP = "A clinician or pharmacist can help with questions outside the articles I can quote."
# Who asks, said in any turn of the conversation: a pharmacist, nurse or doctor asking for their work is
# not sent to "a clinician or pharmacist" (a tenth new-user trial, session 36: "Customer asked me today
# about ordering ketamine …"; an eleventh, session 37: an emergency registrar's follow-ups), nor a
# teacher to one ("am I obliged to tell his parents or is that a safeguarding call?").
WHO_ASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:(?:i'?m|i\s+am)\s+(?:an?|the)|as\s+an?)\s+(?:\w+\s+){0,3}?(?:pharmacist|nurse|doctor|gp|paramedic|clinician|"
            r"psychiatrist|midwife|anaesthetist|anesthesiologist|prescriber|physician|registrar|consultant)\b|"
            r"\b(?:pharmacist|nurse|gp|paramedic|clinician|midwife|doctor|psychiatrist|registrar)\s+here\b|"
            r"(?:^|\n)\W*(?:pharmacist|gp|nurse|paramedic|clinician|midwife|psychiatrist)\b\s*[:,\-–]|"
            r"\b(?:my|our)\s+(?:patients?|pts?|ward|pharmacy|practice)\b|\b(?:a\s+)?(?:patient|customer|pt)\s+(?:asked|asks|is\s+asking)\b",
            re.IGNORECASE,
        ),
        "The product information, local guidelines or a specialist colleague can help with questions outside "
        "the articles I can quote.",
    ),
    (
        re.compile(
            r"\b(?:(?:i'?m|i\s+am)\s+(?:an?|the|their|his|her)|as\s+an?)\s+(?:\w+\s+){0,2}?(?:teacher|headteacher|head\s+of\s+year|"
            r"teaching\s+assistant|school\s+nurse|youth\s+worker|safeguarding\s+lead)\b|\bhead\s+of\s+year\b|"
            r"\b(?:my|our)\s+(?:pupils?|class|school)\b|\b(?:a|my|our)\s+year\s+(?:[7-9]|1[0-3])\s+(?:class|group|form)\b",
            re.IGNORECASE,
        ),
        "The school's designated safeguarding lead, local safeguarding guidance or a young people's drug service "
        "can help with questions outside the articles I can quote.",
    ),
)
# What the question is about: the law or work is not a question for a pharmacist ("will my employer
# find out", "what happens if hes caught with it").
WHO_CAN_HELP: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:laws?|legal|illegal|lawful|unlawful|legally|police|cops?|arrest\w*|caught|court|charged|"
            r"criminal\s+record|solicitors?|lawyers?|prosecut\w*|fined)\b",
            re.IGNORECASE,
        ),
        "A lawyer or a free legal advice service can help with questions about the law outside the articles I can quote.",
    ),
    (
        re.compile(
            r"\b(?:employers?|employees?|employment|workplace|at\s+work|my\s+job|(?-i:HR)|occupational\s+health|"
            r"dismiss\w*|sack(?:ed|ing)?|fired|disciplinary)\b",
            re.IGNORECASE,
        ),
        "An occupational health service or an employment adviser can help with questions about work outside "
        "the articles I can quote.",
    ),
)
ABSTAIN_MESSAGE = f"{NO_SOURCE} {CLINICIAN_CAN_HELP}"
# A question no article comes near and that names no drug (the weather, a painting) is not one for a
# pharmacist either.
OFF_TOPIC_MESSAGE = (
    "I don't have a vetted source that answers this, so I won't guess. "
    "I answer questions about ketamine and related medicines, only from the vetted articles I can quote."
)

# A follow-up whose likeliest answers were all quoted in earlier replies: a bare "I don't have a vetted source"
# would read as contradicting the answer the person has just read, and "what I already told you"
# read as a false claim to people whose question the earlier reply had missed (session 33's trial).
SAID_BEFORE = "I don't have a vetted source that answers this beyond what I quoted above, so I won't repeat it or guess."
SAID_BEFORE_MESSAGE = f"{SAID_BEFORE} {CLINICIAN_CAN_HELP}"


def who_can_help(question: str, turns: Sequence[str] = ()) -> str:
    """The sentence of an abstention that says who can help with `question` instead: by who asks, said
    in any of the conversation's `turns` (or the question), else by what the question is about."""
    said = "\n".join([*turns, question])
    return next(
        (line for pattern, line in WHO_ASKS if pattern.search(said)),
        next((line for pattern, line in WHO_CAN_HELP if pattern.search(question)), CLINICIAN_CAN_HELP),
    )


Conversation = str | Sequence[Mapping[str, Any] | Any]


class AnswerPipeline:
    """Question (or message list) in, `AnswerResult` out; every answer sentence is a verbatim quote."""

    def __init__(
        self,
        index: PassageIndex,
        embedder: Embedder,
        retriever: Retriever | None = None,
        answerer: ExtractiveAnswerer | None = None,
        input_guard: InputGuard | None = None,
        output_rail: OutputGuard | None = None,
        k: int = 6,
        max_related: int = 3,
        cache_size: int = 256,
        generator: GenerativeAnswerer | None = None,
        spare_workers: SpareWorkers | None = None,
    ) -> None:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.cache = AnswerCache(cache_size) if cache_size > 0 else None
        self.index = index
        self.embedder = embedder
        self.retriever = retriever or HybridRetriever(index, embedder, k=k)
        self.answerer = answerer or ExtractiveAnswerer(index)
        self.input_guard = input_guard
        self.output_rail = output_rail
        self.k = k
        self.max_related = max_related
        # Optional language model; its answer is used only when enough of it survives verification.
        self.generator = generator
        # The asking interface's language, for the guard's replies (None: the question's language).
        self.reply_language: str | None = None
        # Where a question's other model passes (the selector's encoder, a follow-up's second reading)
        # run while the guard embeds it: each pass takes one core, and they are most of an answer's time.
        self.spare_workers = spare_workers

    def in_language(self, language: str | None) -> AnswerPipeline:
        """This pipeline with the guard replying in `language` (the asking interface's); it shares
        everything else, the answer cache included."""
        if not language:
            return self
        localized = copy.copy(self)
        localized.reply_language = language
        return localized

    def warm_up(self) -> None:
        """Pay the first-call costs (importing and loading the model, opening the vector index) now."""
        question = "What is ketamine?"
        vector = self.embedder.embed([question])[0]
        # Answering once also loads the answer selector's question encoder.
        self.answerer.run(question, vector, self.retriever.run(question, k=self.k, query_vector=vector))

    def run(self, conversation: Conversation) -> AnswerResult:
        """Answer the last user turn of `conversation`, or refuse, escalate or abstain."""
        started = time.perf_counter()
        dialogue = read_dialogue(conversation)
        cached = self._cached(dialogue, started)
        return cached if cached is not None else self._answer(dialogue, started)

    def _answer(self, dialogue: Dialogue, started: float) -> AnswerResult:
        """The whole answer, computed (the cache has missed) and remembered."""
        clock = _Clock(started)
        prepared = self._prepare(dialogue, clock)
        if isinstance(prepared, AnswerResult):
            return self._remember(dialogue, prepared)
        verification: Verification | None = None
        # The model is asked only when the calibrated extractive check would answer, so abstention
        # behaves the same with or without a model.
        if self.generator is not None and prepared.sentences:
            from assistant.generative import compose_generated

            generation = self.generator.generate(prepared.query, prepared.hits)
            clock.lap("generate")
            verification = generation.summary()
            if self.generator.useful(generation):
                answer, citations = compose_generated(generation.sentences)
                return self._remember(dialogue, self._generated(answer, citations, verification, clock))
        return self._remember(dialogue, self._extractive(prepared, clock, verification))

    def stream(
        self, conversation: Conversation, answer_id: str | None = None
    ) -> Iterator[str | AnswerResult]:
        """Yield the answer's text as it becomes ready, then the whole `AnswerResult`.

        The strings concatenate to the result's `answer`; refusals and escalations yield no text,
        only the result. With a model, each generated sentence is yielded once it is verified, so
        nothing unverified is ever sent; if none survives, the extractive answer follows instead.
        """
        started = time.perf_counter()
        dialogue = read_dialogue(conversation)
        result = self._cached(dialogue, started)
        streamed = False
        if result is None and self.generator is not None:
            clock = _Clock(started)
            prepared = self._prepare(dialogue, clock)
            if isinstance(prepared, AnswerResult):
                result = self._remember(dialogue, prepared)
            elif not prepared.sentences:
                result = self._remember(dialogue, self._extractive(prepared, clock, None))
            else:
                result = yield from self._stream_generated(dialogue, prepared, clock)
                streamed = result.answerer == "llm"
        if result is None:
            result = self._answer(dialogue, started)
        result = result.model_copy(update={"id": answer_id or new_answer_id()})
        if not streamed:
            yield from answer_pieces(result)
        yield result

    def _stream_generated(
        self, dialogue: Dialogue, prepared: _Prepared, clock: _Clock
    ) -> Generator[str, None, AnswerResult]:
        """Stream verified model sentences; the result is the model's answer or, if none passed, the extractive one."""
        from assistant.generative import CitationNumbering, Generation

        assert self.generator is not None
        generation = Generation()
        numbering = CitationNumbering()
        texts: list[str] = []
        for text in self.generator.stream(prepared.query, prepared.hits, numbering, generation):
            yield text if not texts else " " + text
            texts.append(text)
        clock.lap("generate")
        verification = generation.summary()
        if texts:
            result = self._generated(" ".join(texts), numbering.citations, verification, clock)
        else:
            result = self._extractive(prepared, clock, verification)
        return self._remember(dialogue, result)

    def _cached(self, dialogue: Dialogue, started: float) -> AnswerResult | None:
        if self.cache is None:
            return None
        cached = self.cache.get(self._cache_key(dialogue))
        if cached is None:
            return None
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        return cached.model_copy(
            update={"id": new_answer_id(), "timings_ms": {"cache_hit": 1.0, "total": elapsed}}
        )

    def _remember(self, dialogue: Dialogue, result: AnswerResult) -> AnswerResult:
        # A fallback caused by a failing model is not cached: the model's answer is wanted once it is back.
        failed = result.verification is not None and result.verification.error is not None
        if self.cache is not None and not failed:
            self.cache.put(self._cache_key(dialogue), result)
        return result

    def _cache_key(self, dialogue: Dialogue) -> tuple[str, str, tuple[tuple[str, ...], tuple[str, ...]]]:
        # The reply language is part of the key: a refusal is worded in it.
        return (self.index.version, self.reply_language or "", dialogue.key())

    def _prepare(self, dialogue: Dialogue, clock: _Clock) -> AnswerResult | _Prepared:
        """Guard, retrieve and extract: a final result (refused, escalated) or what answering needs."""
        vectors = _Vectors(self.embedder, self.answerer.selector, self.spare_workers)
        queries = readings(dialogue.turns)
        asked = dialogue.question
        # What the readings will need starts on spare cores now; the guard embeds `asked` meanwhile.
        vectors.start(queries, asked)
        if self.input_guard is not None:
            decision = self.input_guard.run(
                dialogue.turns, lambda: vectors.base(asked), language=self.reply_language
            )
            clock.lap("guard")
            if decision.action != "allow":
                vectors.cancel()
                return AnswerResult(
                    status="refused" if decision.action == "refuse" else "escalated",
                    answer=decision.message,
                    guardrail=GuardrailInfo(**decision.as_info()),
                    index_version=self.index.version,
                    timings_ms=clock.done(),
                )
        prepared = self._read(
            queries,
            vectors,
            clock,
            dialogue.earlier,
            places_followed(dialogue.turns),
            figures_asked(dialogue.question),
            body_parts_of_conversation(dialogue.turns),
        )
        return replace(
            prepared,
            about_a_drug=about_an_earlier_drug(dialogue.turns),
            written_in=written_in(dialogue.question),
            turns=tuple(dialogue.turns),
        )

    def _read(
        self,
        queries: list[str],
        vectors: _Vectors,
        clock: _Clock,
        earlier: EarlierQuotes | None = None,
        where: frozenset[str] = frozenset(),
        figures: tuple[Figure, ...] = (),
        body_parts: frozenset[str] = frozenset(),
    ) -> _Prepared:
        """Retrieve and extract for each reading of the last turn; keep the one likeliest to answer it."""
        best: _Prepared | None = None
        said_before = False
        for query in queries:
            query_vector = vectors.base(query)
            clock.lap("embed")
            hits = self.retriever.run(query, k=self.k, query_vector=query_vector)
            clock.lap("retrieve")
            extraction = self.answerer.run(
                query, query_vector, hits, vectors.answer(query), earlier, where, figures, body_parts
            )
            clock.lap("answer")
            found = _Prepared(
                query, hits, extraction.sentences, extraction.closest_article, extraction.said_before
            )
            said_before = said_before or found.said_before
            if best is None or found.strength > best.strength:
                best = found
        assert best is not None  # readings() always holds the question itself
        # Abstaining, whichever reading found that the answer was already given says so.
        return best if best.sentences else replace(best, said_before=said_before)

    def retrieve(self, turns: Sequence[str], k: int | None = None) -> list[RetrievedPassage]:
        """The top `k` passages (default: as many as answering uses) for the reading of the last turn
        that answering keeps; no guard. For retrieval metrics."""
        vectors = _Vectors(self.embedder)
        kept = self._read(readings(turns), vectors, _Clock())
        if k is None or k == self.k:
            return kept.hits
        return self.retriever.run(kept.query, k=k, query_vector=vectors.base(kept.query))

    def _extractive(
        self, prepared: _Prepared, clock: _Clock, verification: Verification | None
    ) -> AnswerResult:
        """The answer of verbatim quotes (after the output rail), or an abstention when none is left."""
        sentences = prepared.sentences
        path: Answerer = "extractive" if self.generator is None else "llm+fallback"
        scrubbed: GuardrailInfo | None = None
        if self.output_rail is not None and sentences:
            verdicts = self.output_rail.run([s.quote for s in sentences])
            flagged = [v for v in verdicts if not v.allowed]
            if flagged:
                scrubbed = GuardrailInfo(
                    category=flagged[0].category,
                    action="allow",
                    rule=flagged[0].rule,
                    message=f"{len(flagged)} sentence(s) removed by the output rail",
                    matched=flagged[0].matched,
                )
            sentences = [s for s, v in zip(sentences, verdicts, strict=True) if v.allowed]
            clock.lap("output_rail")
        if not sentences:
            helper = who_can_help(prepared.query, prepared.turns)
            closest = self.index.articles().get(prepared.closest_article or "")
            if (
                closest
                and NON_MEDICAL_TOPICS.intersection(closest.get("topics", ()))
                and only_ketamine_as_treatment(prepared.turns or (prepared.query,))
            ):
                closest = None
            related = [RelatedArticle(id=prepared.closest_article, title=closest["title"])] if closest else []
            return AnswerResult(
                status="abstained",
                answer=(
                    english_only(prepared.written_in)
                    if prepared.written_in
                    else f"{SAID_BEFORE} {helper}"
                    if prepared.said_before
                    else f"{NO_SOURCE} {helper}"
                    + f' The nearest vetted article, "{closest["title"]}", covers the topic but not this question.'
                    if closest
                    else f"{NO_SOURCE} {helper}"
                    if mentions_substance(prepared.query) or prepared.about_a_drug
                    else OFF_TOPIC_MESSAGE
                ),
                related_articles=related,
                guardrail=scrubbed,
                index_version=self.index.version,
                timings_ms=clock.done(),
                answerer=path,
                verification=verification,
            )
        answer, citations = compose(sentences)
        return AnswerResult(
            status="answered",
            answer=answer,
            citations=citations,
            guardrail=scrubbed,
            index_version=self.index.version,
            timings_ms=clock.done(),
            related_articles=self._related([c.article_id for c in citations]),
            answerer=path,
            verification=verification,
        )

    def _generated(
        self, answer: str, citations: list[Citation], verification: Verification, clock: _Clock
    ) -> AnswerResult:
        return AnswerResult(
            status="answered",
            answer=answer,
            citations=citations,
            index_version=self.index.version,
            timings_ms=clock.done(),
            related_articles=self._related([c.article_id for c in citations]),
            answerer="llm",
            verification=verification,
        )

    def _related(self, cited: list[str]) -> list[RelatedArticle]:
        articles = self.index.articles()
        related: list[RelatedArticle] = []
        for article_id in dict.fromkeys(cited):
            for other in articles.get(article_id, {}).get("see", []):
                if other in articles and other not in cited and all(r.id != other for r in related):
                    related.append(RelatedArticle(id=other, title=articles[other]["title"]))
        return related[: self.max_related]

    def as_runnable(self) -> Any:
        """The pipeline as a LangChain `Runnable`: a question or message list in, an `AnswerResult` out."""
        from langchain_core.runnables import RunnableLambda

        return RunnableLambda(self.run, name="VettedAnswerPipeline")


def compose(sentences: list[AnswerSentence]) -> tuple[str, list[Citation]]:
    """The answer text, each sentence followed by its `[n]`, and the matching citations."""
    citations = [s.citation(n) for n, s in enumerate(sentences, start=1)]
    return " ".join(f"{c.quote} [{c.n}]" for c in citations), citations


# Words per streamed piece: answers are a sentence or two, so sentence-sized pieces would arrive
# all at once; a few words at a time shows the answer coming.
STREAM_WORDS = 8


def answer_pieces(result: AnswerResult) -> list[str]:
    """An answer cut every few words, for streaming; the pieces concatenate to exactly `result.answer`."""
    if result.status in ("refused", "escalated"):
        return []
    words = re.findall(r"\S+\s*", result.answer)
    pieces = ["".join(words[i : i + STREAM_WORDS]) for i in range(0, len(words), STREAM_WORDS)]
    return pieces if "".join(pieces) == result.answer else [result.answer]


@dataclass(frozen=True)
class _Prepared:
    """What answering an allowed question needs: the retrieval query, its passages, the extracted quotes."""

    query: str
    hits: list[RetrievedPassage]
    sentences: list[AnswerSentence]
    closest_article: str | None = None
    said_before: bool = False
    # The turn points back at a drug an earlier turn named ("what happens if hes caught with it").
    about_a_drug: bool = False
    # The supported language other than English the question is clearly written in.
    written_in: str | None = None
    # The conversation's user turns: who asks may be said in any of them.
    turns: tuple[str, ...] = ()

    @property
    def strength(self) -> tuple[bool, float]:
        """An answer beats an abstention; between answers, the likelier lead sentence wins."""
        return (bool(self.sentences), self.sentences[0].score if self.sentences else 0.0)


class SpareWorkers:
    """Threads that run work beside a request's own thread, but only while one of them is idle.

    A busy server already keeps every core working on requests; queueing a request's second model
    pass behind other requests' would make it wait, so `submit` declines instead (the caller runs
    the work itself) when all `workers` are taken.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(
                f"workers must be at least 1, got {workers}; pass no pool to run everything inline"
            )
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="spare-worker")
        self._idle = threading.BoundedSemaphore(workers)

    def submit(self, work: Callable[..., Any], *args: Any) -> Future[Any] | None:
        """`work(*args)` started on an idle worker, or None when every worker is busy."""
        if not self._idle.acquire(blocking=False):
            return None
        try:
            future = self._executor.submit(work, *args)
        except BaseException:
            self._idle.release()
            raise
        future.add_done_callback(lambda _: self._idle.release())
        return future

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class _Vectors:
    """One request's vectors: each text embedded once (the guard's semantic layer and the question's
    first reading share it), and, with spare workers, started before they are needed."""

    def __init__(
        self, embedder: Embedder, selector: AnswerSelector | None = None, workers: SpareWorkers | None = None
    ) -> None:
        self.embedder = embedder
        self.selector = selector
        self.workers = workers
        self._base: dict[str, np.ndarray] = {}
        self._base_started: dict[str, Future[np.ndarray]] = {}
        self._answer_started: dict[str, Future[np.ndarray]] = {}

    def start(self, queries: Sequence[str], asked: str) -> None:
        """Start on idle workers, in the order answering needs them, each reading's vectors: the base
        embedding (but not of `asked`, which the guard embeds in the request's thread) and the
        selector's encoding. What no worker takes is computed when it is needed."""
        if self.workers is None:
            return
        for query in queries:
            if query != asked and query not in self._base_started:
                self._start(self._base_started, query, self._embed)
            if self.selector is not None and query not in self._answer_started:
                self._start(self._answer_started, query, self.selector.embed)

    def _start(
        self, started: dict[str, Future[np.ndarray]], text: str, work: Callable[[str], np.ndarray]
    ) -> None:
        assert self.workers is not None
        future = self.workers.submit(work, text)
        if future is not None:
            started[text] = future

    def _embed(self, text: str) -> np.ndarray:
        return self.embedder.embed([text])[0]

    def base(self, text: str) -> np.ndarray:
        """`text` as the index embeds it."""
        if text not in self._base:
            started = self._base_started.pop(text, None)
            self._base[text] = started.result() if started is not None else self._embed(text)
        return self._base[text]

    def answer(self, text: str) -> np.ndarray | None:
        """`text` as the selector's question encoder places it, if a worker was started on it."""
        started = self._answer_started.get(text)
        return started.result() if started is not None else None

    def cancel(self) -> None:
        """Stop what has not started yet (the guard has refused; nothing will be read)."""
        for future in [*self._base_started.values(), *self._answer_started.values()]:
            future.cancel()


class _Clock:
    def __init__(self, started: float | None = None) -> None:
        self.started = self.last = started if started is not None else time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, name: str) -> None:
        """Time since the last lap, added to `name` (a step may run once per reading of the question)."""
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + (now - self.last) * 1000, 2)
        self.last = now

    def done(self) -> dict[str, float]:
        self.timings["total"] = round((time.perf_counter() - self.started) * 1000, 2)
        return self.timings
