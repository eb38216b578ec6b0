"""A simulated chat model that writes from its passages and makes known mistakes, to measure verification.

No language model runs here, so evaluating the generative path needs a stand-in whose every
sentence has a known label. `SimulatedChatModel` reads the numbered passages of the prompt and
writes two or three sentences: light, meaning-preserving rewrites of passage sentences, each
citing its passage ("faithful"). With probability `fault_rate` an answer also gets one faulty
sentence of a kind the verifier must catch. `labels` maps each sentence it wrote to its label,
so the harness can report how many faults got through and how many faithful sentences were lost.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

FAITHFUL = "faithful"
FAULT_KINDS = (
    "invented-fact",
    "changed-number",
    "wrong-citation",
    "unknown-citation",
    "dose",
    "no-citation",
)
# False statements on the corpus's subject: none of the vetted articles supports them.
INVENTED = (
    "Ketamine was first approved as a migraine treatment in the 1950s",
    "Bladder damage from ketamine is always permanent, even after stopping",
    "Ketamine has no effect on blood pressure or heart rate",
    "Most people who try ketamine once become dependent within a week",
    "Esketamine is approved for children under twelve",
    "Ketamine is mainly used today as a treatment for high cholesterol",
)
DOSE = "Adults are usually given 50 mg of ketamine every four hours"
# Word swaps that keep a sentence's meaning; the verifier must accept these.
SYNONYMS = {
    "can": "may",
    "often": "frequently",
    "usually": "typically",
    "people": "individuals",
    "because": "since",
    "also": "additionally",
    "about": "around",
    "shows": "indicates",
    "serious": "severe",
    "common": "frequent",
    "help": "assist",
    "rapid": "fast",
}
_PASSAGE = re.compile(r"^\[(\d+)\] ([^:\n]+): (.+?)(?=\n\n\[\d+\] |\n\nQuestion: |\Z)", re.M | re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_NUMBER = re.compile(r"\b\d+\b")


@dataclass(frozen=True)
class Passage:
    """A numbered passage of the prompt, cut into sentences."""

    n: int
    title: str
    sentences: list[str]


class SimulatedChatModel(BaseChatModel):
    """Answers from the prompt's passages: faithful rewrites, plus one labelled fault in `fault_rate` of answers."""

    fault_rate: float = Field(0.5, ge=0.0, le=1.0)
    seed: int = 0
    labels: dict[str, str] = Field(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "simulated"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = str(messages[-1].content)
        reply = self.write(prompt)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])

    def write(self, prompt: str) -> str:
        """The reply to one prompt; the same prompt always gets the same reply."""
        digest = hashlib.sha256(f"{self.seed}:{prompt}".encode()).digest()
        rng = random.Random(int.from_bytes(digest[:8], "big"))
        passages = [Passage(int(n), title, _sentences(text)) for n, title, text in _PASSAGE.findall(prompt)]
        passages = [p for p in passages if p.sentences]
        if not passages:
            return "The passages do not answer this question."
        question = set(_words(prompt.rsplit("Question:", 1)[-1]))
        sentences: list[tuple[str, str]] = []
        for passage in passages[: rng.choice((2, 3))]:
            # Like a model answering the question: the sentence sharing most words with it.
            best = max(passage.sentences, key=lambda s: (len(question & set(_words(s))), rng.random()))
            sentences.append((f"{_rewrite(best, rng)} [{passage.n}].", FAITHFUL))
        if rng.random() < self.fault_rate:
            kind = rng.choice(FAULT_KINDS)
            fault, kind = _fault(kind, passages, rng)
            sentences.insert(rng.randrange(len(sentences) + 1), (fault, kind))
        for text, label in sentences:
            self.labels[text] = label
        return " ".join(text for text, _ in sentences)


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3]


def _sentences(passage: str) -> list[str]:
    body = " ".join(line for line in passage.splitlines() if line.strip() and not line.startswith("#"))
    return [s.rstrip(".!? ") for s in _SENTENCE_END.split(body.strip()) if len(s.split()) >= 5]


def _rewrite(sentence: str, rng: random.Random) -> str:
    """Swap up to two words for synonyms, keeping everything else (numbers included)."""
    words = sentence.split(" ")
    swappable = [i for i, w in enumerate(words) if w.lower() in SYNONYMS]
    for i in rng.sample(swappable, min(2, len(swappable))):
        replacement = SYNONYMS[words[i].lower()]
        words[i] = replacement.capitalize() if words[i][0].isupper() else replacement
    return " ".join(words)


def _fault(kind: str, passages: list[Passage], rng: random.Random) -> tuple[str, str]:
    """One faulty sentence of `kind` (or an invented fact when the passages cannot make that kind)."""
    source = rng.choice(passages)
    sentence = rng.choice(source.sentences)
    if kind == "changed-number":
        with_numbers = [(p.n, s) for p in passages for s in p.sentences if _NUMBER.search(s)]
        if with_numbers:
            n, numbered = rng.choice(with_numbers)
            changed = _NUMBER.sub(lambda x: str(int(x.group()) + 7), numbered, count=1)
            return f"{changed} [{n}].", kind
    elif kind == "wrong-citation":
        # Another article's passage: one of the same article might well support the sentence.
        others = [p.n for p in passages if p.title != source.title]
        if others:
            return f"{sentence} [{rng.choice(others)}].", kind
    elif kind == "unknown-citation":
        return f"{sentence} [{len(passages) + 4}].", kind
    elif kind == "dose":
        return f"{DOSE} [{source.n}].", kind
    elif kind == "no-citation":
        # Uncited and copying no passage sentence: an uncited copy would be traced to its quote.
        return f"{rng.choice(INVENTED)}.", kind
    return f"{rng.choice(INVENTED)} [{source.n}].", "invented-fact"
