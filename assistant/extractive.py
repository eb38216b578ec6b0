"""The default answerer: picks the retrieved sentences that best answer the question; no language model."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.config import (
    DEFAULT_ABSTAIN_THRESHOLD,
    DEFAULT_ANSWER_FLOOR_WAIVED_AT,
    DEFAULT_ANSWER_SIMILARITY_FLOOR,
    DEFAULT_ANSWER_THRESHOLD_NEAR_UNANSWERED,
)
from assistant.conversation import EarlierQuotes
from assistant.results import Citation
from assistant.selection import GLOSSARY, AnswerSelector, Candidate, leans_on_previous, vectors_of_sentences
from corpus.aspects import (
    about_depression_only,
    about_young_people,
    adult_asking_for_themselves,
    for_pain_only,
    help_with_drug_use_for_pain,
    names_another_organ,
    older_age_asked,
    organs,
    says_nothing_of_age,
)
from corpus.figures import Figure, gives_a_figure, names_service, service_of_number
from corpus.places import names_only_other_places, places, places_asked
from guardrails.lexicon import KETAMINE_SHORT_NAMES, alternation
from guardrails.rules import mentions_a_prescribed_session, relapse_into_use
from index.lexical import tokenize
from index.passages import IndexedPassage, PassageIndex
from index.retrieval import RetrievedPassage

# A sentence's score adds this much for each share of the question's words it contains.
LEXICAL_WEIGHT = 0.2
# Each sentence of an answer needs at least this share of the abstention threshold as its own
# similarity to the question. The score that ranks sentences includes word overlap, so without this
# floor a sentence that merely repeats the question's words could ride along with a real answer; it
# sits a little below 1 because the best sentence has already shown that the question is covered.
# Unlike the threshold itself it was not calibrated (docs/abstention.md covers the threshold only).
SUPPORTING_RELEVANCE_SHARE = 0.85
# Sentences about the article itself ("This article explains ...") or that only restate a question
# ("People often wonder whether ...", "Researchers have studied whether ...") share many words with a
# question yet state no fact; they still count as evidence for answering, but are never the answer.
_SIGNPOST = re.compile(
    r"^\s*(?:this|the present) (?:article|page|section|guide)\b|^\s*the\s+sections?\s+below\b|"
    r"\bis covered (?:separately|elsewhere)\b|\b(?:often|commonly|may) (?:wonder|ask) (?:whether|if)\b|"
    r"^\s*researchers have (?:studied|asked|looked at) whether\b[^,;]*$",
    re.IGNORECASE,
)


# First aid for an overdose answers an emergency, not "what should i watch for the evening after her
# esketamine session": a question about a prescribed session that tells no emergency is not answered
# from the articles whose topics include emergencies ("Do not give them anything to eat or drink, as
# they may choke" was quoted to a friend asking what to bring on treatment days).
_EMERGENCY_TOLD = re.compile(
    r"\b(?:overdos\w*|emergenc\w*|unconscious|unresponsive|ambulance|999|911|112|a\s*&\s*e|collaps\w*|"
    r"recovery\s+position|first\s+aid|chok\w*|breathing|passed\s+out|wake)\b",
    re.IGNORECASE,
)
EMERGENCY_TOPIC = "emergency"
# "Relapse" in the articles is depression coming back after treatment; someone in recovery who asks
# whether they will relapse (`guardrails.rules.relapse_into_use`) means going back to the drug, which
# those sentences do not answer ("does everyone relapse?" was answered with an NHS service's
# depression relapses).
_RELAPSE = re.compile(r"\brelaps\w*", re.IGNORECASE)
_DEPRESSION_RETURNING = re.compile(
    r"\b(?:remission|respon\w+|depress\w*|antidepressants?|placebo|maintenance|ECT)\b", re.IGNORECASE
)


# First aid told without the call for help: "if someone collapses at a party after doing ket what do u
# do??" was told the recovery position, and never to ring 999 (a twelfth new-user trial, session 38).
# The call comes right after the lead (which answers what was asked: "should you put someone in the
# recovery position"), with the numbers when the next sentence gives them.
# First aid, and not leaving someone unresponsive to "sleep it off" (a fourteenth new-user trial: "if
# someone at a party takes ket and wont wake up properly or is being sick what should i do" got only that).
_FIRST_AID = re.compile(
    r"\brecovery position\b|\bcardiopulmonary\b|\bCPR\b|\bchest compressions\b|\bsleep it off\b",
    re.IGNORECASE,
)
_CALL_FOR_HELP = re.compile(r"\bcall\s+(?:emergency\s+services|an\s+ambulance|999|911|112)\b", re.IGNORECASE)
_CALLS_FOR_HELP = re.compile(rf"{_CALL_FOR_HELP.pattern}|\bemergency\s+help\b", re.IGNORECASE)
_GIVES_NUMBERS = re.compile(r"\b(?:999|911|112)\b")


# A sentence that goes on from the one before without pointing back at it: "Other danger signs include
# …", "Another …", "Needing more … is therefore one of the clearest early warnings …".
_CONTINUES = re.compile(r"^\W*(?:other|another)\b|^(?:\S+\s+){0,12}?therefore\b", re.IGNORECASE)


# Least probability at which a sentence naming the service whose number is asked, and giving a number,
# answers (`corpus.figures.service_of_number`): the selector rates the service's description far above
# its number ("what's the phone number for FRANK").
NAMED_NUMBER_FLOOR = 0.05

_KETAMINE_BY_STREET_NAME = re.compile(
    rf"(?<![\w'])(?:k|{alternation(*KETAMINE_SHORT_NAMES)})(?![\w'])", re.IGNORECASE
)


@dataclass(frozen=True)
class AnswerSentence:
    """A sentence chosen for the answer: exact offsets into its article's body."""

    passage: IndexedPassage
    start: int
    end: int
    relevance: float
    score: float

    @property
    def quote(self) -> str:
        return self.passage.text[self.start - self.passage.start : self.end - self.passage.start]

    def citation(self, n: int) -> Citation:
        """This sentence as citation number `n`."""
        return Citation(
            n=n,
            article_id=self.passage.article_id,
            title=self.passage.title,
            url=self.passage.url,
            passage_id=self.passage.id,
            quote=self.quote,
            start=self.start,
            end=self.end,
        )


@dataclass(frozen=True)
class Extraction:
    """The chosen sentences (empty when abstaining) and the evidence strength behind the decision."""

    sentences: list[AnswerSentence]
    best_relevance: float
    # When abstaining although the topic is covered: the article whose sentence came nearest to an answer.
    closest_article: str | None = None
    # When abstaining because every sentence that answers was quoted in an earlier reply: the person has read it.
    said_before: bool = False


class ExtractiveAnswerer:
    """Ranks sentences by similarity to the question plus word overlap, drops near-duplicates, keeps the best few."""

    def __init__(
        self,
        index: PassageIndex,
        max_sentences: int = 5,
        abstain_threshold: float = DEFAULT_ABSTAIN_THRESHOLD,
        keep_ratio: float = 0.5,
        duplicate_similarity: float = 0.88,
        min_words: int = 5,
        selector: AnswerSelector | None = None,
        answer_threshold: float = 0.5,
        keep_floor: float = 0.35,
        similarity_floor: float = DEFAULT_ANSWER_SIMILARITY_FLOOR,
        floor_waived_at: float = DEFAULT_ANSWER_FLOOR_WAIVED_AT,
        threshold_near_unanswered: float = DEFAULT_ANSWER_THRESHOLD_NEAR_UNANSWERED,
    ) -> None:
        """`abstain_threshold` gates the similarity ranking; `similarity_floor` gates the selector's answers,
        except to a question calling ketamine by a street name when the best probability reaches
        `floor_waived_at`; `threshold_near_unanswered` replaces `answer_threshold` when it is higher and
        the selector's memory holds that no article answered the training question nearest to this one."""
        if max_sentences < 1:
            raise ValueError(f"max_sentences must be at least 1, got {max_sentences}")
        if not 0.0 <= abstain_threshold <= 1.0:
            raise ValueError(f"abstain_threshold must lie in [0, 1], got {abstain_threshold}")
        if not 0.0 <= similarity_floor <= 1.0:
            raise ValueError(f"similarity_floor must lie in [0, 1], got {similarity_floor}")
        if not 0.0 < floor_waived_at <= 1.0:
            raise ValueError(f"floor_waived_at must lie in (0, 1], got {floor_waived_at}")
        if not 0.0 < keep_ratio <= 1.0:
            raise ValueError(f"keep_ratio must lie in (0, 1], got {keep_ratio}")
        self.index = index
        self.max_sentences = max_sentences
        self.abstain_threshold = abstain_threshold
        self.keep_ratio = keep_ratio
        self.duplicate_similarity = duplicate_similarity
        self.min_words = min_words
        if not 0.0 < answer_threshold < 1.0 or not 0.0 < keep_floor < 1.0:
            raise ValueError(
                f"answer_threshold and keep_floor must lie in (0, 1), got {answer_threshold} and {keep_floor}"
            )
        self.selector = selector
        self.answer_threshold = answer_threshold
        self.keep_floor = keep_floor
        self.similarity_floor = similarity_floor
        self.floor_waived_at = floor_waived_at
        if not 0.0 < threshold_near_unanswered < 1.0:
            raise ValueError(f"threshold_near_unanswered must lie in (0, 1), got {threshold_near_unanswered}")
        self.threshold_near_unanswered = threshold_near_unanswered
        self._emergency_articles_of: tuple[str | None, frozenset[str]] = (None, frozenset())

    def run(
        self,
        question: str,
        query_vector: np.ndarray,
        hits: list[RetrievedPassage],
        answer_vector: np.ndarray | None = None,
        earlier: EarlierQuotes | None = None,
        where: frozenset[str] = frozenset(),
        figures: tuple[Figure, ...] = (),
        body_parts: frozenset[str] = frozenset(),
    ) -> Extraction:
        """The sentences that answer `question` (none: abstain). `answer_vector` is the question as
        the selector's encoder places it, when the caller has computed it already; the learned
        selector does not say again a sentence an earlier reply quoted (see `EarlierQuotes`), nor
        quote another place's facts to a question that names no place when `where` holds the
        conversation's (`corpus.places.places_of_conversation`), nor a sentence that gives none of the
        `figures` the question asks for (`corpus.figures.figures_asked`), nor a sentence about another
        part of the body than the conversation's `body_parts` (`corpus.aspects.body_parts_of_conversation`)."""
        if self.selector is not None:
            return self._select(
                question,
                query_vector,
                hits,
                self.selector,
                answer_vector,
                earlier,
                where,
                figures,
                body_parts,
            )
        question_tokens = set(tokenize(question))
        candidates: list[tuple[AnswerSentence, np.ndarray]] = []
        for hit in hits:
            for row in self.index.sentences(hit.passage.id):
                text = hit.passage.text[row.start - hit.passage.start : row.end - hit.passage.start]
                if len(text.split()) < self.min_words or text.rstrip().endswith(("?", ":")):
                    continue
                vector = self.index.sentence_vectors[row.row]
                relevance = float(np.dot(vector, query_vector))
                overlap = (
                    len(question_tokens & set(tokenize(text))) / len(question_tokens)
                    if question_tokens
                    else 0.0
                )
                sentence = AnswerSentence(
                    hit.passage, row.start, row.end, relevance, relevance + LEXICAL_WEIGHT * overlap
                )
                candidates.append((sentence, vector))
        if not candidates:
            return Extraction([], 0.0)
        candidates.sort(key=lambda c: -c[0].score)
        best = max(c[0].relevance for c in candidates)
        if best < self.abstain_threshold:
            return Extraction([], best)
        chosen: list[tuple[AnswerSentence, np.ndarray]] = []
        answers = [c for c in candidates if not _SIGNPOST.search(c[0].quote)] or candidates
        floor = answers[0][0].score * self.keep_ratio
        for sentence, vector in answers:
            if len(chosen) >= self.max_sentences or sentence.score < floor:
                break
            if sentence.relevance < self.abstain_threshold * SUPPORTING_RELEVANCE_SHARE:
                continue
            if any(float(np.dot(vector, other)) > self.duplicate_similarity for _, other in chosen):
                continue
            chosen.append((sentence, vector))
        return Extraction(_reading_order([s for s, _ in chosen]), best)

    def _select(
        self,
        question: str,
        query_vector: np.ndarray,
        hits: list[RetrievedPassage],
        selector: AnswerSelector,
        answer_vector: np.ndarray | None,
        earlier: EarlierQuotes | None,
        where: frozenset[str] = frozenset(),
        figures: tuple[Figure, ...] = (),
        body_parts: frozenset[str] = frozenset(),
    ) -> Extraction:
        """Lead with the sentence most likely to answer; add only others that answer too; abstain when none does."""
        if answer_vector is None:
            answer_vector = selector.embed(question)
        found = selector.candidates(
            self.index, question, query_vector, hits, min_words=self.min_words, answer_vector=answer_vector
        )
        if not found:
            return Extraction([], 0.0)
        probabilities = selector.probabilities(found)
        best = float(probabilities.max())
        # Either signal can say no: nothing close enough in meaning, or nothing that reads as an answer.
        # The base model cannot read ketamine's street names ("doing k"), which the selector's encoder
        # learned: for such a question a sure enough answer outweighs the floor.
        if max(c.similarity for c in found) < self.similarity_floor and not (
            best >= self.floor_waived_at and _KETAMINE_BY_STREET_NAME.search(question)
        ):
            return Extraction([], best)
        asked = places_asked(question) or where
        other_sense = self._other_sense(question, body_parts)
        # The article to point to when abstaining: the likeliest one whose sentence could be quoted
        # for the question's place ("a clinic in the us" is not pointed to the United Kingdom's
        # article, nor a pain clinic in Ireland to the veterinary article for its sentence on UK law),
        # and not the emergency articles when no emergency is told ("am I too old for spravato"), nor
        # the glossary, which only restates the other articles in a line ("Glossary of ketamine terms"
        # was the article offered for New Zealand's law and for insurance of infusions, session 39).
        order = np.argsort(-probabilities, kind="stable")
        emergencies = frozenset() if _EMERGENCY_TOLD.search(question) else self._emergency_articles()
        nearest = next(
            (
                found[int(i)].passage.article_id
                for i in order
                if not _about_other_places(asked, found[int(i)])
                and not other_sense(found[int(i)].passage.article_id, _text(found[int(i)]))
                and found[int(i)].passage.article_id not in emergencies
                and found[int(i)].passage.article_id != GLOSSARY
            ),
            found[int(order[0])].passage.article_id,
        )
        threshold = self.answer_threshold
        if selector.near_unanswered(answer_vector, found[int(order[0])]):
            threshold = max(threshold, self.threshold_near_unanswered)
        if best < threshold:
            return Extraction([], best, nearest)
        # The lead is the most probable sentence that can be quoted; the others must come close to it.
        floor = threshold
        chosen: list[AnswerSentence] = []
        vectors: list[np.ndarray] = []
        said_before = False
        # What earlier replies quoted, as vectors: the same point in other words is not new either.
        said = vectors_of_sentences(self.index, earlier.quotes if earlier is not None else ())
        asks_a_number = any(figure.name == "phone number" for figure in figures)
        service = service_of_number(question, figures)
        if service is not None:
            # The number of the service asked for is given only by a sentence naming that service,
            # and such a sentence that gives a number answers even when the selector rates it low
            # beside the same service's description (session 39).
            order = np.array([i for i in order if names_service(service, _text(found[int(i)]))], dtype=int)
            probabilities = probabilities.copy()
            for i in order:
                if probabilities[i] >= NAMED_NUMBER_FLOOR and gives_a_figure(figures, _text(found[int(i)])):
                    probabilities[i] = max(probabilities[i], threshold)
            order = order[np.argsort(-probabilities[order], kind="stable")] if len(order) else order
        for i in order:
            if len(chosen) >= self.max_sentences or probabilities[i] < floor:
                break
            candidate = found[int(i)]
            text = _text(candidate)
            # A sentence about other places than the question's answers another question. The sentence's
            # own places decide ("Scotland introduced limits" under a UK heading is not England's law);
            # a sentence that names none is as regional as its section.
            if (
                _SIGNPOST.search(text)
                or _about_other_places(asked, candidate)
                or other_sense(candidate.passage.article_id, text)
            ):
                continue
            sentence = self._standalone(candidate, float(probabilities[i]))
            # "What's the phone number for FRANK" is not answered by what FRANK does.
            if sentence is None or not gives_a_figure(figures, sentence.quote):
                continue
            vector = self.index.sentence_vectors[found[int(i)].row]
            restates = len(said) > 0 and float((said @ vector).max()) > self.duplicate_similarity
            # A number asked for again ("what number do i call in new zealand if it happens again")
            # is given again: the person wants the number, not something new.
            number_again = asks_a_number and gives_a_figure(figures, sentence.quote)
            if earlier is not None and earlier.repeated_by(sentence.quote, restates) and not number_again:
                said_before = True
                # Told the likeliest answer missed, the next likeliest is no better a guess.
                if earlier.corrects and not chosen:
                    break
                continue
            if any(_overlaps(sentence, other) for other in chosen):
                continue
            if any(float(np.dot(vector, other)) > self.duplicate_similarity for other in vectors):
                continue
            if not chosen:
                floor = max(self.keep_floor, float(probabilities[i]) * self.keep_ratio)
            chosen.append(sentence)
            vectors.append(vector)
        first_aid = next((c for c in chosen if _FIRST_AID.search(c.quote)), None)
        if first_aid is not None and not any(_CALLS_FOR_HELP.search(c.quote) for c in chosen):
            call = self._call_for_help(found, probabilities, asked, first_aid.passage.article_id)
            if call is not None and not any(_overlaps(call, other) for other in chosen):
                chosen = [chosen[0], call, *chosen[1:]][: self.max_sentences]
        if chosen:
            return Extraction(chosen, best)
        return Extraction([], best, nearest, said_before)

    def _call_for_help(
        self, found: list[Candidate], probabilities: np.ndarray, asked: frozenset[str], article_id: str
    ) -> AnswerSentence | None:
        """The likeliest retrieved sentence that says to call emergency services, the first aid's own
        article's (`article_id`) first, with the next sentence of its passage when that one gives the
        numbers."""
        order = sorted(
            np.argsort(-probabilities, kind="stable"),
            key=lambda i: found[int(i)].passage.article_id != article_id,
        )
        for i in order:
            candidate = found[int(i)]
            if not _CALL_FOR_HELP.search(_text(candidate)) or _about_other_places(asked, candidate):
                continue
            sentence = self._standalone(candidate, float(probabilities[i]))
            if sentence is None:
                continue
            rows = self.index.sentences(candidate.passage.id)
            after = next((row for row in rows if row.start > candidate.start), None)
            passage = candidate.passage
            if after is not None:
                following = passage.text[after.start - passage.start : after.end - passage.start]
                if _GIVES_NUMBERS.search(following):
                    return AnswerSentence(
                        passage, sentence.start, after.end, sentence.relevance, sentence.score
                    )
            return sentence
        return None

    def _other_sense(
        self, question: str, body_parts: frozenset[str] = frozenset()
    ) -> Callable[[str, str], bool]:
        """Whether a sentence (its article and text) reads the question's words in another sense than
        the question does: first aid for a prescribed session, depression's relapse for a drug's,
        another part of the body (`corpus.aspects`), depression's treatment for pain's, a sentence
        that names no age for a question about an older person, and young people's matters for an adult
        asking for themselves."""
        emergencies = (
            self._emergency_articles()
            if mentions_a_prescribed_session(question) and not _EMERGENCY_TOLD.search(question)
            else frozenset()
        )
        relapsing_into_use = relapse_into_use(question)
        pain_only = for_pain_only(question)
        older_age = older_age_asked(question)
        adult = adult_asking_for_themselves(question)
        asked_parts = organs(question) or body_parts

        def other(article_id: str, text: str) -> bool:
            if article_id in emergencies or names_another_organ(asked_parts, text):
                return True
            if pain_only and (about_depression_only(text) or help_with_drug_use_for_pain(question, text)):
                return True
            if older_age and says_nothing_of_age(text):
                return True
            if adult and about_young_people(text):
                return True
            return relapsing_into_use and bool(_RELAPSE.search(text) and _DEPRESSION_RETURNING.search(text))

        return other

    def _emergency_articles(self) -> frozenset[str]:
        """The articles whose topics include emergencies (first aid, an overdose), per index version."""
        if self._emergency_articles_of[0] != self.index.version:
            self._emergency_articles_of = (
                self.index.version,
                frozenset(
                    article_id
                    for article_id, article in self.index.articles().items()
                    if EMERGENCY_TOPIC in article.get("topics", ())
                ),
            )
        return self._emergency_articles_of[1]

    def _standalone(self, candidate: Candidate, probability: float) -> AnswerSentence | None:
        """The candidate as a quote a reader can follow alone: with the sentence it leans on, or not at all."""
        passage = candidate.passage
        rows = self.index.sentences(passage.id)
        position = next(i for i, row in enumerate(rows) if row.start == candidate.start)
        start = candidate.start
        # At most two sentences back: a longer chain is a paragraph, not a quote.
        for back in range(1, 3):
            text = passage.text[start - passage.start : candidate.end - passage.start]
            if not leans_on_previous(text):
                # "Other signs are …" or "… is therefore …" can stand alone, but reads as cut short: it
                # comes with the sentence before when that one stands alone (a tenth new-user trial).
                before = position - back
                if back == 1 and before >= 0 and _CONTINUES.search(text):
                    row = rows[before]
                    if not leans_on_previous(
                        passage.text[row.start - passage.start : row.end - passage.start]
                    ):
                        start = row.start
                return AnswerSentence(passage, start, candidate.end, candidate.similarity, probability)
            if position - back < 0:
                return None
            start = rows[position - back].start
        return None


def _text(candidate: Candidate) -> str:
    passage = candidate.passage
    return passage.text[candidate.start - passage.start : candidate.end - passage.start]


def _about_other_places(asked: frozenset[str], candidate: Candidate) -> bool:
    """Whether the candidate speaks only of other places than `asked`: by the places its sentence
    names, or, when it names none, by its section's."""
    text = _text(candidate)
    return names_only_other_places(asked, text if places(text) else candidate.passage.section)


def _overlaps(a: AnswerSentence, b: AnswerSentence) -> bool:
    return a.passage.article_id == b.passage.article_id and a.start < b.end and b.start < a.end


def _reading_order(sentences: list[AnswerSentence]) -> list[AnswerSentence]:
    """Articles in order of their best sentence; within an article, sentences in the order written."""
    article_rank: dict[str, int] = {}
    for sentence in sentences:
        article_rank.setdefault(sentence.passage.article_id, len(article_rank))
    return sorted(sentences, key=lambda s: (article_rank[s.passage.article_id], s.start))
