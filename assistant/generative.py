"""Optional generative answers through a LangChain chat model, shown only after every sentence is verified.

The model sees numbered passages and must cite `[n]` after each sentence. A generated sentence is
kept only when it states something (not an echoed question or a list lead-in), cites passages that
exist, and the best-matching sentence of each cited passage (its quote) backs it: every number in
it is in a quote, it agrees with the best quote on negation, it is similar enough to it, most of
its content words are in the quotes and at most two are not (`SupportRule`). It and its quotes must
also pass the output rail. Each kept sentence's citation is that quote, with offsets into the
article body, exactly as extractive citations are."""

from __future__ import annotations

import difflib
import hashlib
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from assistant.extractive import AnswerSentence
from assistant.results import CheckedSentence, Citation, Verification
from guardrails.output_rail import OutputRail
from index.embedder import Embedder
from index.lexical import tokenize
from index.passages import PassageIndex
from index.retrieval import RetrievedPassage

# Calibration (docs/generative.md; bench/calibrate_verification.py prints the trade-off).
# Similarity (cosine between a sentence and its best quote) kept 94% of partial restatements of a
# source sentence but also 54% of sentences cited to another article's passage: the corpus is all
# about ketamine, so it is only a topical gate. Word overlap does the separating, measured against
# the quotes shown, not the whole cited passages: real model output (SmolLM2-135M) showed that a
# topical sentence shares words with some part of any passage on the subject. On 80 of its
# sentences labelled by hand (evals/generated_sentences.jsonl), overlap ≥ 0.7 with at most two
# content words the quote lacks keeps 34 of 41 supported and 4 of 39 unsupported sentences; without
# the word limit, 35 and 10. The labels were made while choosing, so this is optimistic.
DEFAULT_SIMILARITY_THRESHOLD = 0.5
DEFAULT_OVERLAP_THRESHOLD = 0.7
DEFAULT_MAX_NOVEL_WORDS = 2
# A sentence this close in wording to its best quote is a copy of it, and a copy may not swap words
# ("Ketamine is one of the two mirror-image forms…" copied from "Esketamine is one of…").
COPY_RATIO = 0.7
# A kept sentence backed only by quotes an earlier one was shown with, or this similar to it, says
# the same thing again.
REPEAT_SIMILARITY = 0.95
# An uncited sentence is traced to a quote only when it all but copies it.
UNCITED_SIMILARITY_THRESHOLD = 0.8
UNCITED_OVERLAP_THRESHOLD = 0.9
UNCITED_MAX_NOVEL_WORDS = 1
# Below this share of kept generated sentences the model's answer is judged unreliable as a whole.
DEFAULT_MIN_KEPT_SHARE = 0.4

SYSTEM_PROMPT = (
    "You answer questions about drugs and medicines using ONLY the numbered passages provided. "
    "Answer the question in your first sentence, then add what else the passages say about it. "
    "Write short, plain sentences, using the passages' own words. After every sentence, cite the "
    "passage numbers it comes from, like [1] or [2][3]. Do not add facts, numbers or advice that are "
    "not in the passages, and never give doses or say where to obtain drugs. If the passages are not "
    "enough to answer, say so in one sentence without a citation."
)
# A worked example shown before the real question, as one earlier exchange: small local models copy
# its form (an answer first, a citation after every sentence) far more reliably than they follow
# instructions alone. Its passages are invented for the form, about a substance outside the corpus.
EXAMPLE_PASSAGES = (
    "[1] Caffeine: Caffeine is a stimulant found in coffee, tea and many soft drinks. It blocks "
    "adenosine receptors, which makes people feel less tired.\n\n"
    "[2] Caffeine and sleep: Caffeine taken in the afternoon can delay sleep. Its effects can last "
    "several hours."
)
EXAMPLE_QUESTION = "Can coffee keep me awake at night?"
EXAMPLE_ANSWER = (
    "Yes, caffeine taken in the afternoon can delay sleep [2]. Caffeine is a stimulant found in "
    "coffee [1]. Its effects can last several hours [2]."
)

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_MARKERS = r"(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*"
# A sentence ends at . ! ? (and any citation markers right after); a line break always ends one.
# …but not after a lone capital: "U.S. veterans" and "J. Smith" go on.
_BOUNDARY = re.compile(r"(?<!\b[A-Z])[.!?…]+[\"'”’)]*" + _MARKERS + r"(?=\s+[A-Z0-9\"'“(]|\s*$)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_UNITS = "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty"
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
NUMBER_WORDS = {word: value for value, word in enumerate(_UNITS.split(), start=2)} | _TENS
NUMBER_WORDS |= {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
# "Yes, …" and "No, …" answer the question; the statement after them is what a quote must back.
_ANSWER_PARTICLE = re.compile(r"^\W*(?:yes|no)\b[,.;:!]?\s*", re.IGNORECASE)
_NOT_A_CLAIM = re.compile(r"^\W*(?:question|answer)\s*:|[?:]\W*$", re.IGNORECASE)
# A claim and its evidence must agree on polarity: "is approved" is not supported by "is not approved".
_NEGATION = re.compile(r"\b(?:not|no|never|cannot|without|neither|nor|none)\b|n't\b", re.IGNORECASE)

Reason = Literal[
    "not-a-claim",
    "no-citation",
    "unknown-citation",
    "output-rail",
    "unsupported-number",
    "negation-mismatch",
    "low-similarity",
    "low-overlap",
    "unsupported-words",
    "altered-copy",
    "repeated",
]


CIRCUIT_OPEN = "the model endpoint is failing; using extractive answers for now"


class CircuitOpenError(RuntimeError):
    """The model endpoint failed too often lately; calls fail fast until the breaker resets."""


class CircuitBreaker:
    """Opens after `failures` consecutive failures; while open, `allow()` is false for `reset_seconds`."""

    def __init__(
        self, failures: int = 3, reset_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if failures < 1:
            raise ValueError(f"failures must be at least 1, got {failures}")
        if reset_seconds <= 0:
            raise ValueError(f"reset_seconds must be positive, got {reset_seconds}")
        self.failures = failures
        self.reset_seconds = reset_seconds
        self.clock = clock
        self._consecutive = 0
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def state(self) -> Literal["closed", "open", "half-open"]:
        """closed: calls go through; open: they fail fast; half-open: one trial call may go through."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if self.clock() - self._opened_at < self.reset_seconds else "half-open"

    def allow(self) -> bool:
        return self.state != "open"

    def record_success(self) -> None:
        with self._lock:
            self._consecutive = 0
            self._opened_at = None

    def record_failure(self) -> None:
        with self._lock:
            self._consecutive += 1
            # A failed trial call while half-open re-opens at once, for another full period.
            if self._consecutive >= self.failures or self._opened_at is not None:
                self._opened_at = self.clock()


@dataclass(frozen=True)
class SentenceCheck:
    """One generated sentence and what verification found."""

    text: str
    kept: bool
    reason: Reason | None = None
    cited: tuple[int, ...] = ()
    similarity: float | None = None
    overlap: float | None = None
    detail: str | None = None

    def as_check(self) -> CheckedSentence:
        """The check as an answer shows it: a dropped sentence's words are never sent (it may hold a dose)."""
        return CheckedSentence(
            id=sentence_id(self.text),
            text=self.text if self.kept else None,
            kept=self.kept,
            reason=self.reason,
            cited=list(self.cited),
            similarity=None if self.similarity is None else round(self.similarity, 4),
            overlap=None if self.overlap is None else round(self.overlap, 4),
        )


def sentence_id(text: str) -> str:
    """A stable name for a generated sentence, so it can be matched without being shown."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class VerifiedSentence:
    """A kept generated sentence: its text and, per cited passage number, the best-matching quote."""

    text: str
    quotes: dict[int, AnswerSentence]
    similarity: float
    overlap: float
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass
class Generation:
    """What one model call produced: kept sentences, every check, and the error if the call failed."""

    sentences: list[VerifiedSentence] = field(default_factory=list)
    checks: list[SentenceCheck] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> Verification:
        dropped: dict[str, int] = {}
        for check in self.checks:
            if not check.kept and check.reason:
                dropped[check.reason] = dropped.get(check.reason, 0) + 1
        return Verification(
            generated=len(self.checks),
            kept=len(self.sentences),
            dropped=dropped,
            error=self.error,
            sentences=[c.as_check() for c in self.checks],
        )


class CitationNumbering:
    """Assigns final citation numbers in order of first use, so streamed and whole answers agree."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, int, int], int] = {}

    def render(self, sentence: VerifiedSentence) -> tuple[str, list[Citation]]:
        """The sentence with its `[n]` markers renumbered, and the citations it added."""
        added: list[Citation] = []
        final: dict[int, int] = {}
        for marker, quote in sentence.quotes.items():
            key = (quote.passage.id, quote.start, quote.end)
            if key not in self._numbers:
                citation = quote.citation(len(self.citations) + 1)
                self._numbers[key] = citation.n
                self.citations.append(citation)
                added.append(citation)
            final[marker] = self._numbers[key]

        def renumber(match: re.Match[str]) -> str:
            numbers = dict.fromkeys(final[int(n)] for n in re.findall(r"\d+", match.group(1)))
            return "".join(f"[{n}]" for n in numbers)

        return _MARKER.sub(renumber, sentence.text), added


def compose_generated(sentences: Sequence[VerifiedSentence]) -> tuple[str, list[Citation]]:
    """The answer text of kept generated sentences, markers renumbered, and the verified quotes as citations."""
    numbering = CitationNumbering()
    texts = [numbering.render(s)[0] for s in sentences]
    return " ".join(texts), numbering.citations


def split_sentences(text: str, final: bool = True) -> tuple[list[str], str]:
    """Complete sentences of `text` (with their trailing markers) and the unfinished rest."""
    sentences: list[str] = []
    lines = text.split("\n")
    # Without `final`, the last line may still grow, so only its finished sentences leave.
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        cursor = 0
        for match in _BOUNDARY.finditer(line):
            if not final and last and not line[match.end() :].strip():
                break  # a marker may still follow the full stop
            sentences.append(line[cursor : match.end()].strip())
            cursor = match.end()
        rest = line[cursor:].strip()
        if last and not final:
            return [s for s in sentences if s], line[cursor:].lstrip()
        if rest:
            sentences.append(rest)
    return [s for s in sentences if s], ""


@dataclass(frozen=True)
class SupportRule:
    """Whether the quotes shown for a sentence back it: numbers, polarity, similarity and word overlap."""

    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD
    overlap_threshold: float = DEFAULT_OVERLAP_THRESHOLD
    max_novel_words: int = DEFAULT_MAX_NOVEL_WORDS

    def __post_init__(self) -> None:
        for name in ("similarity_threshold", "overlap_threshold"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
        if self.max_novel_words < 0:
            raise ValueError(f"max_novel_words must be at least 0, got {self.max_novel_words}")

    def judge(
        self, claim: str, quotes: Sequence[str], best_quote: str, similarity: float
    ) -> tuple[Reason, str | None] | None:
        """None when `quotes` back `claim`; else the reason and what failed.

        `similarity` is the cosine between the claim and its best quote, `best_quote` that quote.
        """
        shown = " ".join(quotes)
        # Numbers must be visible in the quotes, not just somewhere in the passage: a passage about
        # two trials holds both years, and a sentence may swap them.
        missing = [n for n in _numbers(claim) if not _mentions_number(shown, n)]
        if missing:
            return "unsupported-number", str(missing)
        if _negated(claim) != _negated(best_quote):
            return "negation-mismatch", best_quote
        if similarity < self.similarity_threshold:
            return "low-similarity", None
        # Judged against the quotes shown, not the whole passages: a topical sentence shares words
        # with some part of any passage on the same subject.
        if word_overlap(claim, shown) < self.overlap_threshold:
            return "low-overlap", None
        novel = sorted(set(tokenize(claim)) - set(tokenize(shown)))
        if len(novel) > self.max_novel_words:
            # A long sentence can clear the overlap share and still add a clause of its own.
            return "unsupported-words", str(novel)
        swapped = swapped_words(claim, best_quote)
        if swapped:
            return "altered-copy", str(swapped)
        return None


UNCITED_RULE = SupportRule(UNCITED_SIMILARITY_THRESHOLD, UNCITED_OVERLAP_THRESHOLD, UNCITED_MAX_NOVEL_WORDS)


class GenerativeAnswerer:
    """Asks a LangChain chat model to answer from numbered passages and keeps only verified sentences."""

    def __init__(
        self,
        model: Any,
        index: PassageIndex,
        embedder: Embedder,
        output_rail: OutputRail | None = None,
        similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
        overlap_threshold: float = DEFAULT_OVERLAP_THRESHOLD,
        min_kept_share: float = DEFAULT_MIN_KEPT_SHARE,
        max_novel_words: int = DEFAULT_MAX_NOVEL_WORDS,
        timeout_seconds: float = 30.0,
        max_retries: int = 1,
        breaker: CircuitBreaker | None = None,
        retry_backoff_seconds: float = 0.2,
    ) -> None:
        from langchain_core.language_models import BaseChatModel

        if not isinstance(model, BaseChatModel):
            raise TypeError(f"model must be a LangChain BaseChatModel, got {type(model).__name__}")
        if not 0.0 <= min_kept_share <= 1.0:
            raise ValueError(f"min_kept_share must lie in [0, 1], got {min_kept_share}")
        self.rule = SupportRule(similarity_threshold, overlap_threshold, max_novel_words)
        if timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, got {timeout_seconds}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be at least 0, got {max_retries}")
        if retry_backoff_seconds < 0:
            raise ValueError(f"retry_backoff_seconds must be at least 0, got {retry_backoff_seconds}")
        self.model = model
        self.index = index
        self.embedder = embedder
        self.output_rail = output_rail or OutputRail()
        self.min_kept_share = min_kept_share
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.breaker = breaker or CircuitBreaker()
        self.retry_backoff_seconds = retry_backoff_seconds
        # Calls run on worker threads so a hung endpoint cannot hold a request past the timeout.
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")

    def messages(self, question: str, hits: Sequence[RetrievedPassage]) -> list[Any]:
        """The prompt: the instructions, then the numbered passages and the question."""
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        numbered = "\n\n".join(
            f"[{n}] {hit.passage.title}: {hit.passage.text}" for n, hit in enumerate(hits, start=1)
        )
        return [
            SystemMessage(SYSTEM_PROMPT),
            HumanMessage(_prompt(EXAMPLE_PASSAGES, EXAMPLE_QUESTION)),
            AIMessage(EXAMPLE_ANSWER),
            HumanMessage(_prompt(numbered, question)),
        ]

    def generate(self, question: str, hits: Sequence[RetrievedPassage]) -> Generation:
        """Call the model (timeout, retries, breaker) and verify its reply; errors become `Generation.error`."""
        if not hits:
            return Generation(error="no passages")
        try:
            reply = self._call(self.messages(question, hits))
        except Exception as error:  # any endpoint failure means falling back, never a failed answer
            return Generation(error=_describe(error))
        return self.verify(reply, hits)

    def useful(self, generation: Generation) -> bool:
        """Whether enough of the reply survived verification to show it instead of the extractive answer."""
        if not generation.sentences:
            return False
        return len(generation.sentences) / max(len(generation.checks), 1) >= self.min_kept_share

    def verify(self, reply: str, hits: Sequence[RetrievedPassage]) -> Generation:
        """Check each sentence of `reply` against the passages it cites; keep those that pass."""
        generation = Generation()
        sentences, _ = split_sentences(reply)
        vectors = self.embedder.embed([_strip_markers(s) for s in sentences]) if sentences else None
        for i, sentence in enumerate(sentences):
            assert vectors is not None
            check, kept = self.check(sentence, vectors[i], hits, generation.sentences)
            generation.checks.append(check)
            if kept is not None:
                generation.sentences.append(kept)
        return generation

    def check(
        self,
        sentence: str,
        vector: np.ndarray,
        hits: Sequence[RetrievedPassage],
        earlier: Sequence[VerifiedSentence] = (),
    ) -> tuple[SentenceCheck, VerifiedSentence | None]:
        """Verify one generated sentence; the check says why it was dropped, with both scores."""
        cited = _cited_numbers(sentence)
        claim = _ANSWER_PARTICLE.sub("", _strip_markers(sentence))
        if _NOT_A_CLAIM.search(claim) or not tokenize(claim):
            # Echoed questions, "Answer:" preambles and list lead-ins state nothing a quote could back.
            return SentenceCheck(sentence, False, "not-a-claim", cited), None
        if not cited:
            # Small local models copy passage sentences without the marker; a sentence that is all
            # but a copy of one quote is cited to it, under a stricter rule than a marked sentence.
            found = self._uncited_source(claim, vector, hits)
            if found is None:
                return SentenceCheck(sentence, False, "no-citation"), None
            cited = (found,)
            sentence = re.sub(r"\s*([.!?…]*)$", rf" [{found}]\1", sentence.rstrip(), count=1)
        unknown = [n for n in cited if not 1 <= n <= len(hits)]
        if unknown:
            # Any made-up number disqualifies: the model is pointing at text it was never given.
            return SentenceCheck(sentence, False, "unknown-citation", cited, detail=str(unknown)), None
        if any(not self.index.sentences(hits[n - 1].passage.id) for n in cited):
            # Nothing quotable in a cited passage (e.g. a heading-only chunk) means nothing supports it.
            return SentenceCheck(sentence, False, "low-similarity", cited, 0.0, 0.0), None
        quotes = {n: self._best_sentence(hits[n - 1], vector) for n in cited}
        similarity = max(
            float(np.dot(vector, self.index.sentence_vectors[row])) for _, row in quotes.values()
        )
        shown = [q.quote for q, _ in quotes.values()]
        best_quote = max(quotes.values(), key=lambda q: q[0].relevance)[0].quote
        overlap = word_overlap(claim, " ".join(shown))

        def dropped(reason: Reason, detail: str | None = None) -> tuple[SentenceCheck, None]:
            return SentenceCheck(sentence, False, reason, cited, similarity, overlap, detail), None

        for text in [claim, *shown]:
            verdict = self.output_rail.check(text)
            if not verdict.allowed:
                return dropped("output-rail", verdict.rule)
        failure = self.rule.judge(claim, shown, best_quote, similarity)
        if failure is not None:
            return dropped(*failure)
        verified = VerifiedSentence(
            sentence, {n: q for n, (q, _) in quotes.items()}, similarity, overlap, vector
        )
        if any(_repeats(verified, e) for e in earlier):
            return dropped("repeated")
        return SentenceCheck(sentence, True, None, cited, similarity, overlap), verified

    def stream(
        self,
        question: str,
        hits: Sequence[RetrievedPassage],
        numbering: CitationNumbering | None = None,
        record: Generation | None = None,
    ) -> Iterator[str]:
        """Yield each verified sentence, its `[n]` markers renumbered, as soon as it is complete.

        Nothing unverified is ever yielded; a failure mid-stream ends the stream quietly. `numbering`
        collects the citations of what was yielded, `record` every check and the error if any.
        Callers fall back to the extractive answer when nothing was yielded.
        """
        numbering = numbering if numbering is not None else CitationNumbering()
        record = record if record is not None else Generation()
        if not hits:
            record.error = "no passages"
            return
        if not self.breaker.allow():
            record.error = _describe(CircuitOpenError(CIRCUIT_OPEN))
            return
        buffer = ""
        try:
            for chunk in self._stream_chunks(self.messages(question, hits)):
                buffer += chunk
                complete, buffer = split_sentences(buffer, final=False)
                yield from self._verified(complete, hits, numbering, record)
            self.breaker.record_success()
        except Exception as error:  # a broken stream ends the answer; what was shown was verified
            self.breaker.record_failure()
            record.error = _describe(error)
            return
        complete, _ = split_sentences(buffer)
        yield from self._verified(complete, hits, numbering, record)

    def _verified(
        self,
        sentences: list[str],
        hits: Sequence[RetrievedPassage],
        numbering: CitationNumbering,
        record: Generation,
    ) -> Iterator[str]:
        if not sentences:
            return
        vectors = self.embedder.embed([_strip_markers(s) for s in sentences])
        for sentence, vector in zip(sentences, vectors, strict=True):
            check, kept = self.check(sentence, vector, hits, record.sentences)
            record.checks.append(check)
            if kept is not None:
                record.sentences.append(kept)
                yield numbering.render(kept)[0]

    def _uncited_source(self, claim: str, vector: np.ndarray, hits: Sequence[RetrievedPassage]) -> int | None:
        """The passage number whose best sentence an uncited claim all but copies, if any."""
        candidates = [
            (n, self._best_sentence(hit, vector))
            for n, hit in enumerate(hits, start=1)
            if self.index.sentences(hit.passage.id)
        ]
        if not candidates:
            return None
        n, (quote, _) = max(candidates, key=lambda c: c[1][0].relevance)
        if UNCITED_RULE.judge(claim, [quote.quote], quote.quote, quote.relevance) is not None:
            return None
        return n

    def _best_sentence(self, hit: RetrievedPassage, vector: np.ndarray) -> tuple[AnswerSentence, int]:
        rows = self.index.sentences(hit.passage.id)
        best = max(rows, key=lambda r: float(np.dot(vector, self.index.sentence_vectors[r.row])))
        relevance = float(np.dot(vector, self.index.sentence_vectors[best.row]))
        return AnswerSentence(hit.passage, best.start, best.end, relevance, relevance), best.row

    def _call(self, messages: list[Any]) -> str:
        if not self.breaker.allow():
            raise CircuitOpenError(CIRCUIT_OPEN)
        last: Exception | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(self.retry_backoff_seconds * 2 ** (attempt - 1))
            future = self._executor.submit(self.model.invoke, messages)
            try:
                reply = future.result(timeout=self.timeout_seconds)
            except FutureTimeout:
                future.cancel()
                last = TimeoutError(f"the model did not answer within {self.timeout_seconds}s")
                continue
            except Exception as error:
                last = error
                continue
            self.breaker.record_success()
            return _content_text(reply.content)
        # One failure per call (not per attempt): N failed questions open the breaker.
        self.breaker.record_failure()
        assert last is not None
        raise last

    def _stream_chunks(self, messages: list[Any]) -> Iterator[str]:
        """The model's streamed text, each chunk awaited at most `timeout_seconds`."""
        chunks: queue.Queue[tuple[str, Any]] = queue.Queue()

        def produce() -> None:
            try:
                for chunk in self.model.stream(messages):
                    chunks.put(("chunk", _content_text(chunk.content)))
                chunks.put(("end", None))
            except Exception as error:
                chunks.put(("error", error))

        self._executor.submit(produce)
        while True:
            try:
                kind, value = chunks.get(timeout=self.timeout_seconds)
            except queue.Empty as empty:
                raise TimeoutError(f"the model stalled for {self.timeout_seconds}s") from empty
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value


def _repeats(sentence: VerifiedSentence, earlier: VerifiedSentence) -> bool:
    """Whether `sentence` says again what `earlier` said: backed by the same quotes, or all but the same."""
    if {_quote_key(q) for q in sentence.quotes.values()} <= {_quote_key(q) for q in earlier.quotes.values()}:
        return True
    if sentence.vector is None or earlier.vector is None:
        return False
    return float(np.dot(sentence.vector, earlier.vector)) > REPEAT_SIMILARITY


def _quote_key(quote: AnswerSentence) -> tuple[str, int, int]:
    return quote.passage.id, quote.start, quote.end


def _prompt(passages: str, question: str) -> str:
    return f"Passages:\n\n{passages}\n\nQuestion: {question}"


def _cited_numbers(sentence: str) -> tuple[int, ...]:
    numbers = [int(n) for group in _MARKER.findall(sentence) for n in re.findall(r"\d+", group)]
    return tuple(dict.fromkeys(numbers))


def _strip_markers(sentence: str) -> str:
    return " ".join(_MARKER.sub(" ", sentence).split()).replace(" .", ".")


def swapped_words(claim: str, quote: str) -> list[str]:
    """Words of the quote that a near-copy of it moves into the place of others; empty for no copy.

    A sentence that follows its quote word for word but puts "Ketamine" where the quote says
    "Esketamine", or "esketamine because" where it says "committee found", says something the quote
    does not, with no word the quote lacks: the novel-word cap cannot see it. A synonym swapped in
    ("frequently" for "often") is a word the quote lacks, so it is left to that cap.
    """
    said, source = tokenize(claim), tokenize(quote)
    matcher = difflib.SequenceMatcher(a=said, b=source, autojunk=False)
    if matcher.ratio() < COPY_RATIO:
        return []
    swapped: list[str] = []
    for kind, i1, i2, j1, j2 in matcher.get_opcodes():
        if kind == "replace":
            swapped += [word for word in said[i1:i2] if word not in source[j1:j2] and word in source]
    return swapped


def word_overlap(claim: str, source: str) -> float:
    """Share of the claim's content words (stemmed) that occur in `source`."""
    words = set(tokenize(claim))
    return len(words & set(tokenize(source))) / len(words) if words else 0.0


def _numbers(claim: str) -> list[str]:
    """Digits and spelled-out numbers ("twelve"); "one" is left out, it is mostly a pronoun."""
    return _NUMBER.findall(claim) + [w.lower() for w in _NUMBER_WORD.findall(claim)]


def _mentions_number(source: str, number: str) -> bool:
    if number.isalpha():
        spelled = re.search(rf"\b{number}\b", source, re.IGNORECASE) is not None
        return spelled or (number in NUMBER_WORDS and _mentions_number(source, str(NUMBER_WORDS[number])))
    # Whole numbers only: "85" must not match inside "1985" or "85.5".
    variants = {number, number.replace(",", "."), number.replace(".", ",")}
    # "6" is whole in "(2R,6R)" but not in "1,600" or "2.6".
    if any(re.search(rf"(?<!\d)(?<!\d[.,]){re.escape(v)}(?![\d]|[.,]\d)", source) for v in variants):
        return True
    words = [w for w, value in NUMBER_WORDS.items() if str(value) == number]
    return any(re.search(rf"\b{w}\b", source, re.IGNORECASE) for w in words)


def _negated(text: str) -> bool:
    return _NEGATION.search(text) is not None


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks from some providers
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]
