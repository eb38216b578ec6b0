"""The answer result shape shared by the CLI, the API, the widget and the evaluation harness."""

from __future__ import annotations

import uuid
from typing import Any, Literal

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
    verification: dict[str, Any] | None = Field(
        None, description="When a model answered: sentences generated, kept, and dropped by reason."
    )
