"""Guard decisions and the protocols the pipeline depends on."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

Action = Literal["allow", "refuse", "escalate"]


@dataclass(frozen=True)
class Decision:
    """What the input rail decided and why: the rule or exemplar that fired, its score and the matched text."""

    category: str
    action: Action
    rule: str
    score: float
    matched: str | None
    message: str
    language: str
    contacts: tuple[str, ...] = ()  # phone numbers an escalation offers, for tappable links

    def as_info(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "action": self.action,
            "rule": self.rule,
            "message": self.message,
            "score": round(self.score, 4),
            "matched": self.matched,
            "language": self.language,
            "contacts": list(self.contacts),
        }


@dataclass(frozen=True)
class SentenceVerdict:
    """The output rail's judgement on one answer sentence."""

    allowed: bool
    category: str = "allowed"
    rule: str = ""
    matched: str | None = None


class InputGuard(Protocol):
    """Judges the newest user turn with the earlier ones as context."""

    def run(
        self,
        turns: Sequence[str],
        vector: np.ndarray | Callable[[], np.ndarray] | None = None,
        language: str | None = None,
    ) -> Decision: ...


class OutputGuard(Protocol):
    """Judges each sentence of an answer before it leaves."""

    def run(self, sentences: Sequence[str]) -> list[SentenceVerdict]: ...
