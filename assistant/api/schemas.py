"""Request and response bodies of the API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.results import AnswerResult


class Message(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class ChatRequest(BaseModel):
    """The conversation so far; the last message is the user's question. The server keeps no state."""

    messages: list[Message] = Field(..., description="Oldest first; the last one must come from the user.")
    stream: bool = Field(False, description="Answer as server-sent events.")

    model_config = {
        "json_schema_extra": {
            "examples": [{"messages": [{"role": "user", "content": "What is esketamine?"}]}]
        }
    }


class OpenAIMessage(BaseModel):
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[dict[str, Any]] | None = None


class OpenAIChatRequest(BaseModel):
    """The subset of OpenAI's chat-completions request this server honours; other fields are accepted and ignored."""

    model: str = "vetted-extractive"
    messages: list[OpenAIMessage]
    stream: bool = False

    model_config = {"extra": "allow"}


class ArticleSummary(BaseModel):
    id: str
    title: str
    url: str | None
    reviewed_on: str | None
    topics: list[str]


class PassageOut(BaseModel):
    id: str
    n: int
    section: str
    start: int
    end: int
    text: str


class ArticleDetail(ArticleSummary):
    summary: str | None
    sources: list[dict[str, str]]
    license: str | None
    see: list[str]
    body: str
    passages: list[PassageOut]


class Readiness(BaseModel):
    status: Literal["ready", "degraded", "starting", "failed"] = Field(
        description="degraded: serving, but the language model is failing, so answers are extractive."
    )
    model_loaded: bool
    index_open: bool
    index_version: str | None
    articles: int
    passages: int
    answerer: Literal["extractive", "llm"] = "extractive"
    llm_breaker: Literal["closed", "open", "half-open"] | None = Field(
        None, description="State of the language-model circuit breaker; null without a model."
    )
    error: str | None = None


EXAMPLES: dict[str, Any] = {
    "answered": AnswerResult(
        id="ans_3f2a9c0d1e4b5a67",
        status="answered",
        answer="Esketamine is given under supervision because it can cause sedation, dissociation and a rise in blood pressure. [1]",
        citations=[
            {
                "n": 1,
                "article_id": "esketamine",
                "title": "Esketamine nasal spray (Spravato)",
                "url": "https://www.fda.gov/",
                "passage_id": "esketamine#3",
                "quote": "Esketamine is given under supervision because it can cause sedation, dissociation and a rise in blood pressure.",
                "start": 1293,
                "end": 1397,
            }
        ],
        index_version="5c59aadbe22fe734",
        timings_ms={"total": 14.2},
    ).model_dump(),
    "abstained": AnswerResult(
        id="ans_0b1c2d3e4f5a6b7c",
        status="abstained",
        answer="I don't have a vetted source that answers this, so I won't guess.",
        index_version="5c59aadbe22fe734",
        timings_ms={"total": 11.0},
    ).model_dump(),
    "refused": AnswerResult(
        id="ans_9a8b7c6d5e4f3a2b",
        status="refused",
        answer="I can't help with doses or how much to take: …",
        guardrail={
            "category": "dosing",
            "action": "refuse",
            "rule": "dosing.quantity-of-substance",
            "message": "I can't help with doses or how much to take: …",
            "score": 1.0,
            "matched": "how much ketamine",
            "language": "en",
        },
        index_version="5c59aadbe22fe734",
        timings_ms={"total": 0.8},
    ).model_dump(),
    "escalated": AnswerResult(
        id="ans_1a2b3c4d5e6f7a8b",
        status="escalated",
        answer="This sounds like an emergency. Call emergency services now: 911 (US), 112 (EU), 999 (UK). …",
        guardrail={
            "category": "emergency",
            "action": "escalate",
            "rule": "emergency.person-in-danger",
            "message": "This sounds like an emergency. …",
            "score": 1.0,
            "matched": "not breathing",
            "language": "en",
        },
        index_version="5c59aadbe22fe734",
        timings_ms={"total": 0.9},
    ).model_dump(),
}
