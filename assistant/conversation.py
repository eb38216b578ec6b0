"""Conversation helpers: validate messages and read follow-up questions with the earlier turns."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from corpus.errors import AssistantError
from corpus.places import places_asked, without_places, without_places_set_aside
from guardrails.rules import mentions_substance
from index.lexical import content_words, tokenize

_POINTS_BACK = re.compile(
    r"\b(?:it|its|it's|itself|this|that|these|those|they|them|their|he|she|him|her|the\s+(?:drug|medicine|"
    r"medication|treatment|spray|substance|condition|same))\b|^\W*(?:and|also|what\s+about|how\s+about|why|so|but)\b",
    re.IGNORECASE,
)
_NEW_TOPIC = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|also|and|so|btw|oh)\W+)?(?:(?:a|one|totally|completely|slightly)\s+)?"
    r"(?:different|separate|unrelated|another|other|new)\s+(?:q|qs|question|questions|thing|topic|subject|note)\b|"
    r"^\W*(?:(?:ok(?:ay)?|also|and|so|btw|oh)\W+)?(?:unrelated|off[- ]topic|changing\s+(?:the\s+)?subject)\b|"
    r"\bon\s+(?:a|another)\s+(?:different|separate|unrelated)?\s*note\b",
    re.IGNORECASE,
)

# The articles name other drugs by their standard names, and medicines by their class; people use
# street and brand names. The question encoder learned ketamine's own street names from its training
# questions (adding "ketamine" to "ket" cost correct abstentions on the blind questions' development
# half), so only the other drugs' names are added. Ambiguous ones are left out: "pills", "speed" (of
# onset), "MD" (a doctor), "G" (grams), "joint" (pain).
_STANDARD_NAMES = {
    "alcohol": r"booze|drinks?|drinking|drunk|pints?|beers?|wine|vodka",
    "cocaine": r"coke",
    "MDMA": r"molly|mandy|ecstasy",
    "benzodiazepines": r"benzos?|xanax|xannies|valium|alprazolam|diazepam|clonazepam|klonopin|lorazepam|ativan",
    "opioids": r"heroin|fentanyl|morphine|oxycodone|oxycontin|codeine|tramadol|methadone|buprenorphine|subutex",
    "SSRI antidepressants": r"ssris?|sertraline|zoloft|fluoxetine|prozac|citalopram|escitalopram|lexapro|cipralex|"
    r"paroxetine|seroxat|paxil",
    "MAOI antidepressants": r"maois?|phenelzine|nardil|tranylcypromine|parnate|moclobemide|selegiline",
    "blood pressure medicines": r"amlodipine|ramipril|lisinopril|losartan|bisoprolol|atenolol|propranolol",
    "cannabis": r"weed|spliffs?",
    "stimulants": r"adderall|elvanse|vyvanse|ritalin",
    "nitrous oxide": r"nitrous|balloons",
    "GHB": r"ghb|gbl",
    "psilocybin": r"shrooms|magic mushrooms",
}
_STREET_NAMES = {
    standard: re.compile(rf"(?i)(?<!\w)(?:{names})(?!\w)") for standard, names in _STANDARD_NAMES.items()
}


# A turn that points back with at most this many content words of its own ("is that permanent?",
# "will they tell the police?") has no subject to be read alone with: read alone, it is answered
# about whatever the training questions most often asked in those words (the bladder, for
# "permanent", after a question about memory). Chosen on the development halves of the blind questions: two gained abstentions and
# answering sentences and lost nothing, three lost first sentences.
MOST_WORDS_OF_A_BARE_FOLLOW_UP = 2


class ConversationError(AssistantError):
    """The messages do not form a conversation the pipeline can answer."""


def user_turns(conversation: str | Sequence[Mapping[str, Any] | Any]) -> list[str]:
    """The user's turns, oldest first; the last one is the question to answer."""
    if isinstance(conversation, str):
        turns = [conversation]
    else:
        if not conversation:
            raise ConversationError("the conversation has no messages")
        turns = []
        for message in conversation:
            role, content = _role_and_content(message)
            if role not in ("user", "assistant"):
                raise ConversationError(f"unknown message role {role!r}; use 'user' or 'assistant'")
            if not isinstance(content, str):
                raise ConversationError("every message needs text content")
            if role == "user":
                turns.append(content)
        if _role_and_content(conversation[-1])[0] != "user":
            raise ConversationError("the last message must be the user's question")
    if not turns[-1].strip():
        raise ConversationError("the question is empty")
    return turns


def _role_and_content(message: Mapping[str, Any] | Any) -> tuple[Any, Any]:
    if isinstance(message, Mapping):
        return message.get("role"), message.get("content")
    return getattr(message, "role", None), getattr(message, "content", None)


# Words are compared by their first five letters: the light stemmer keeps "addicted" and
# "addictive" apart, and "how addictive is it compared to other drugs" after "can you get addicted
# to ketamine" brings no new word about addiction.
_FAMILY_LETTERS = 5
_CORRECTS_A_REPLY = re.compile(
    r"^\W*(?:no|nope|nah)\b(?! (?:one|way|longer|more|idea)\b)"
    r"|\b(?:i|im|i'm|i am) (?:asked|was asking|am asking|meant|mean|said)\b"
    r"|\bnot what i (?:asked|meant|mean|said)\b"
    r"|\b(?:that|it)(?:'s| is|s) not (?:what|about|my question|an answer)\b"
    r"|\bisn'?t an? (?:answer|exact)\b"
    r"|\byou (?:already )?(?:said|told me) that\b"
    # "you keep saying a family member should drive, I've told you I havent got anyone", "aye i know
    # its common, that wasnt my question" (a tenth new-user trial, session 36)
    r"|\byou keep (?:saying|telling me|giving me)\b"
    r"|\b(?:i'?ve|i have|ive) (?:already )?(?:told|said to) you\b"
    r"|\b(?:that|it|this) (?:wasn'?t|was not|wasnt|isn'?t|isnt) (?:what i (?:asked|meant)|my question|an answer)\b"
    r"|\b(?:same|that) (?:answer|sentence|thing) again\b"
    # "ok but not approved doesnt tell me if it works", "that didnt answer it" (an eleventh new-user
    # trial, session 37: the same sentence came back word for word)
    r"|\b(?:does|did)(?:n'?t| not) (?:tell me|answer)\b|\byou (?:didn'?t|did not|never) answer\b"
    # "you missed my second question", "you didnt say anything about the peeing", "Useful on CQC, but I
    # specifically need the clinical side" (a twelfth new-user trial, session 38)
    r"|\byou (?:missed|skipped|ignored)\b|\byou (?:didn'?t|didnt|did not|never) (?:say|mention|cover)\b"
    r"|\bbut i (?:specifically |really |actually )?(?:need|wanted|want to know|asked)\b",
    re.IGNORECASE,
)


def word_families(text: str) -> frozenset[str]:
    """The stemmed words of `text`, each cut to its first letters, so one word's forms meet."""
    return frozenset(word[:_FAMILY_LETTERS] for word in tokenize(text))


# Words of time, degree and talk that bring no subject: "tell the pain doc about my oxy before the
# infusion" met "on the evening before" in a sentence two replies back, which came again (a twelfth
# new-user trial, session 38).
_SAY_NOTHING_NEW = word_families(
    "before after later again still kinda ok okay just really actually though tho anyway maybe even "
    "also basically literally like yeah yes lol"
)

# The marker after each quote of an answer ("<quote> [1] <quote> [2]").
_CITATION_MARK = re.compile(r"\s\[\d+\]\s*")


@dataclass(frozen=True)
class EarlierQuotes:
    """The sentences the assistant's earlier replies quoted, the newest reply first, and the words the
    newest turn brings to the conversation (its own and its drugs' standard names, as word families)."""

    quotes: tuple[str, ...]
    new_words: frozenset[str]
    # The newest turn says an earlier reply missed ("march 2019 isn't an exact date", "no i mean the
    # spravato treatment"): the words it echoes from that reply are no reason to say it again.
    corrects: bool = False
    # The reply just before led with `lead`; `echoed` holds the words the newest turn typed that it
    # also used ("5 years?? would that happen to someone my age", "'most conditions' - which ones?").
    # Those are the reply's words, not new ones: leading with it again does not answer them (a
    # twelfth new-user trial got four leads back word for word). A point further down an earlier
    # reply may still answer the next question ("what if my GP just says no").
    lead: str | None = None
    echoed: frozenset[str] = frozenset()

    def repeated_by(self, quote: str, restates_one: bool = False) -> bool:
        """Whether an earlier reply quoted `quote` and it meets none of the new words: a point the
        person has already read, not an answer to what they asked next ("how long do i have to stay
        there" answered with the food rule again; "and why would that help depression" answered with
        how ketamine acts, two replies back; "can our GP help with this" answered with the withdrawal
        sentence the reply before gave second). `restates_one` says the caller found `quote` to say
        the same as one of them in other words ("Although ketamine does not usually cause a classic
        physical withdrawal syndrome …" beside "Ketamine does not usually cause a classic physical
        withdrawal syndrome like …"). After a correction, any quote an earlier reply gave."""
        if quote not in self.quotes and not restates_one:
            return False
        new_words = self.new_words - self.echoed if quote == self.lead else self.new_words
        return self.corrects or not new_words.intersection(word_families(quote))


def earlier_quotes(conversation: str | Sequence[Mapping[str, Any] | Any]) -> EarlierQuotes | None:
    """What the assistant's earlier replies quoted, when they are answers with citations
    ("<quote> [1] <quote> [2] ..."), as the widget, the CLI and the harness send them back."""
    if isinstance(conversation, str) or len(conversation) < 2:
        return None
    messages = list(map(_role_and_content, conversation))
    quotes = tuple(
        quote.strip()
        for role, reply in reversed(messages[:-1])
        if role == "assistant" and isinstance(reply, str) and " [1]" in reply
        for quote in _CITATION_MARK.split(reply[: reply.rindex("]") + 1])
        if quote.strip()
    )
    if not quotes:
        return None
    user = [content for role, content in messages if role == "user"]
    earlier = frozenset().union(*(word_families(with_standard_names(turn)) for turn in user[:-1]))
    last_reply = next(reply for role, reply in reversed(messages[:-1]) if role == "assistant")
    return EarlierQuotes(
        quotes,
        word_families(with_standard_names(user[-1])) - earlier - _SAY_NOTHING_NEW,
        bool(_CORRECTS_A_REPLY.search(user[-1])),
        _lead_quote(last_reply),
        word_families(user[-1]) & word_families(last_reply) if isinstance(last_reply, str) else frozenset(),
    )


def _lead_quote(reply: object) -> str | None:
    """The first quote of a reply that is an answer with citations."""
    if not isinstance(reply, str) or " [1]" not in reply:
        return None
    return _CITATION_MARK.split(reply, maxsplit=1)[0].strip() or None


@dataclass(frozen=True)
class Dialogue:
    """A conversation as answering reads it: the user's turns, oldest first (the last is the
    question), and what the assistant's earlier replies quoted."""

    turns: tuple[str, ...]
    earlier: EarlierQuotes | None

    @property
    def question(self) -> str:
        return self.turns[-1].strip()

    def key(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What makes two dialogues the same for an answer cache: the turns up to case and spacing,
        and what the earlier replies quoted, which the answer does not say again."""
        turns = tuple(" ".join(turn.casefold().split()) for turn in self.turns)
        return turns, self.earlier.quotes if self.earlier else ()


def read_dialogue(conversation: str | Sequence[Mapping[str, Any] | Any]) -> Dialogue:
    """`conversation` validated (`ConversationError` if it is not one) and read for answering."""
    return Dialogue(tuple(user_turns(conversation)), earlier_quotes(conversation))


# Help asked for after a question about a drug ("how do i find my local one? im in leeds", "is there
# anyone i can talk to? were in manchester"): help with that drug's use (session 33's trial).
_HELP_ASKED = re.compile(
    r"\b(?:find|local|near(?:est|by)?|talk\s+to|speak\s+to|helplines?|services?|support\s+groups?|refer\w*|"
    r"who\s+(?:do|can|should)\s+(?:i|we)\s+(?:call|ring|contact|see)|where\s+(?:do|can|should)\s+(?:i|we)\s+go)\b",
    re.IGNORECASE,
)


def about_an_earlier_drug(turns: Sequence[str]) -> bool:
    """Whether the newest turn points back ("what happens if hes caught with it") or asks where to find
    help, in a conversation whose earlier turns name a drug: a question about that drug even when it
    names none."""
    newest = turns[-1]
    return bool(_POINTS_BACK.search(newest) or _HELP_ASKED.search(newest)) and any(
        mentions_substance(turn) for turn in turns[:-1]
    )


def announces_new_topic(question: str) -> bool:
    """A turn that says it leaves the conversation's subject ("Different question: ...", "unrelated but ...")."""
    return bool(_NEW_TOPIC.search(question))


def names_its_subject(question: str) -> bool:
    """A question that names the drug and points back at nothing ("What are the risks of ketamine?")."""
    return mentions_substance(question) and not _POINTS_BACK.search(question)


def with_standard_names(question: str) -> str:
    """The question with the standard names of the drugs it calls by a street or brand name added in
    brackets ("and with coke?" → "and with coke? (cocaine)"); its own words are kept for the encoder."""
    named = [
        standard
        for standard, pattern in _STREET_NAMES.items()
        if pattern.search(question) and standard.casefold() not in question.casefold()
    ]
    return f"{question} ({', '.join(named)})" if named else question


def readings(turns: Sequence[str]) -> list[str]:
    """The ways to read the last turn: on its own, then with the subject of the turns before.

    A turn that names the drug and points back at nothing ("What are the risks of ketamine?"), or
    says it changes the subject, is read alone. Otherwise the wording cannot settle it: people lean
    on earlier turns without a pronoun ("how many days after?", "what if I can't afford it"), and
    in a corpus about ketamine "it" usually means ketamine whatever came before ("when did it start
    being used as a party drug"). A turn that points back with almost no words of its own ("is that
    permanent?") is read only with the subject. Any other turn gets both readings, and the pipeline
    keeps the one whose lead sentence is likelier to answer (on the blind follow-ups this beat
    preferring the earlier subject for turns with a pronoun). The subject is the content words of the two turns
    before (fewer when one of them changed the subject), without the earlier questions' wording
    ("how", "does it cause"), which would pull the answer back to them, and without the places they
    name when the turn names its own ("and in Australia?" after a question about the UK). Drugs
    called by a street or brand name get their standard name too (`with_standard_names`).
    """
    return [with_standard_names(reading) for reading in _readings(turns)]


# A turn that sets something aside before it asks ("not leeds specifically then, can you refer yourself
# to a drug service in the uk…", "Forget Canada-specific then. What are…"): what it sets aside is not
# part of the question (a tenth new-user trial, session 36: the Leeds questions nobody answered
# decided the reply).
_SETS_ASIDE = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|fine|alright|right)\W+)?(?:forget\s+(?:about\s+)?[^.?!,;:]{1,40}?|"
    r"not\s+[^.?!,;:]{1,30}?\s+specifically(?:\s+then)?)(?:\s*[.,;:!?]+|\s+-+)\s*(?=\S)",
    re.IGNORECASE,
)


def without_what_is_set_aside(question: str) -> str:
    """`question` without an opening that sets something aside, when a question of its own follows."""
    found = _SETS_ASIDE.match(question)
    rest = question[found.end() :] if found else question
    return rest if len(rest.split()) >= 3 else question


def _readings(turns: Sequence[str]) -> list[str]:
    question = without_what_is_set_aside(turns[-1].strip())
    if len(turns) < 2 or announces_new_topic(question) or names_its_subject(question):
        return [question]
    subject = []
    names_a_place = bool(places_asked(question))
    for earlier in reversed(turns[-3:-1]):
        # A place an earlier turn set aside ("I'm in Ohio, USA. not Scotland") is no part of its subject.
        earlier_subject = without_places_set_aside(_NEW_TOPIC.sub(" ", earlier))
        subject.append(content_words(without_places(earlier_subject) if names_a_place else earlier_subject))
        if announces_new_topic(earlier):
            break
    with_subject = " ".join([question, *subject])
    if (
        _POINTS_BACK.search(question)
        and len(content_words(question).split()) <= MOST_WORDS_OF_A_BARE_FOLLOW_UP
    ):
        return [with_subject]
    return [question, with_subject]
