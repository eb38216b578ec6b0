"""The answer result shape shared by the CLI, the API, the widget and the evaluation harness."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["answered", "abstained", "refused", "escalated"]
Answerer = Literal["extractive", "llm", "llm+fallback"]


def new_answer_id() -> str:
    return f"ans_{uuid.uuid4().hex[:16]}"


class Citation(BaseModel):
    """One cited sentence: `article.body[start:end] == quote` (code-point offsets, end exclusive)."""

    n: int
    article_id: str
    title: str
    url: str | None
    passage_id: str
    quote: str
    start: int
    end: int


class GuardrailInfo(BaseModel):
    """Why the guardrails refused, escalated or scrubbed."""

    category: str
    action: Literal["allow", "refuse", "escalate"]
    rule: str
    message: str
    score: float | None = None
    matched: str | None = None
    language: str | None = None
    contacts: list[str] = Field(default_factory=list, description="Numbers an escalation offers, e.g. 911.")


class RelatedArticle(BaseModel):
    id: str
    title: str


class CheckedSentence(BaseModel):
    """What verification found for one sentence a model wrote; a dropped sentence's words are never sent."""

    id: str = Field(
        description="A hash of the sentence, so dropped sentences can be counted without their text."
    )
    text: str | None = Field(None, description="The sentence, only when it was kept.")
    kept: bool
    reason: str | None = Field(None, description="Why it was dropped: unsupported, no citation, blocked…")
    cited: list[int] = Field(default_factory=list)
    similarity: float | None = None
    overlap: float | None = None


class Verification(BaseModel):
    """What became of a language model's answer: sentences generated, kept and dropped by reason."""

    generated: int
    kept: int
    dropped: dict[str, int] = Field(default_factory=dict)
    error: str | None = Field(None, description="The model call's failure, when it failed.")
    sentences: list[CheckedSentence] = Field(default_factory=list)


class AnswerResult(BaseModel):
    """What the pipeline returns for one question."""

    id: str = Field(default_factory=new_answer_id)
    status: Status
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    guardrail: GuardrailInfo | None = None
    index_version: str | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)
    related_articles: list[RelatedArticle] = Field(default_factory=list)
    answerer: Answerer = Field(
        "extractive",
        description="Which path produced the answer: llm+fallback means the model's was not used.",
    )
    verification: Verification | None = Field(
        None, description="When a model answered: sentences generated, kept, and dropped by reason."
    )
