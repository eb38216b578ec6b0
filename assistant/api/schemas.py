"""Request and response bodies of the API, and the OpenAPI document that describes them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from assistant.api.problems import PROBLEM_JSON, ProblemDetails, problem_responses
from assistant.results import Answerer, AnswerResult, Citation, GuardrailInfo, Status

if TYPE_CHECKING:
    from assistant.config import Settings

# Request bodies are strict: `"stream": "yes"` or `"content": 42` is a 422, not quietly converted.
# The limits that come from Settings (messages per request, characters per message) are enforced
# by the chat routes and written into the OpenAPI document by `openapi_document`.


class Message(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(description="At most ASSISTANT_MAX_MESSAGE_CHARS characters.")

    model_config = ConfigDict(strict=True)


class ChatRequest(BaseModel):
    """The conversation so far; the last message is the user's question. The server keeps no state."""

    messages: list[Message] = Field(
        ...,
        description="Oldest first; the last one must come from the user and not be blank. "
        "At most ASSISTANT_MAX_MESSAGES.",
    )
    stream: bool = Field(False, description="Answer as server-sent events.")
    language: str | None = Field(
        None,
        pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$",
        description="The asking interface's language (BCP 47, e.g. `es`): refusals and emergency replies "
        "come in it when it is one the guard writes (en, es, fr, de, pt, it); otherwise, or when "
        "absent, in the language the question is written in.",
    )

    model_config = ConfigDict(
        strict=True,
        json_schema_extra={"examples": [{"messages": [{"role": "user", "content": "What is esketamine?"}]}]},
    )


class OpenAIConversationMessage(BaseModel):
    """A turn of the conversation: its text (a string, or the `text` of its parts joined) is limited."""

    role: Literal["user", "assistant"]
    content: str | list[dict[str, Any]] | None = Field(
        None, description="At most ASSISTANT_MAX_MESSAGE_CHARS characters, parts' texts joined."
    )

    model_config = ConfigDict(strict=True)


class OpenAIInstructionMessage(BaseModel):
    """Accepted for compatibility and ignored: nothing a caller writes can change what the assistant may say."""

    role: Literal["system", "developer", "tool"]
    content: str | list[dict[str, Any]] | None = None

    model_config = ConfigDict(strict=True)


OpenAIMessage = Annotated[OpenAIConversationMessage | OpenAIInstructionMessage, Field(discriminator="role")]


class OpenAIChatRequest(BaseModel):
    """The subset of OpenAI's chat-completions request this server honours; other fields are accepted and ignored."""

    model: str = Field("vetted-extractive", max_length=200, description="Echoed back; any name works.")
    messages: list[OpenAIMessage] = Field(
        ...,
        description="At most ASSISTANT_MAX_MESSAGES in all; the last user or assistant one must be the user's.",
    )
    stream: bool = False

    model_config = ConfigDict(strict=True, extra="allow")


class CompletionMessage(BaseModel):
    role: Literal["assistant"]
    content: str


class CompletionChoice(BaseModel):
    index: int
    message: CompletionMessage
    finish_reason: Literal["stop"]


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """OpenAI's `chat.completion`, with the assistant's own fields alongside."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: CompletionUsage
    status: Status
    answerer: Answerer
    citations: list[Citation]
    guardrail: GuardrailInfo | None
    index_version: str | None


class FeedbackRequest(BaseModel):
    """A vote on one answer; voting again on the same answer replaces the earlier vote."""

    answer_id: str = Field(
        ..., pattern=r"^ans_[0-9a-f]{16}$", description="The answer's `id` (or the SSE `meta` event's)."
    )
    rating: Literal["up", "down"]
    reason: Literal["wrong", "not_what_i_asked", "unsupported", "other"] | None = Field(
        None, description="Why a down-vote; optional."
    )

    model_config = {
        "json_schema_extra": {
            "examples": [{"answer_id": "ans_3f2a9c0d1e4b5a67", "rating": "down", "reason": "wrong"}]
        }
    }


class FeedbackOut(BaseModel):
    id: int = Field(description="The vote's id; the same when a vote is replaced.")
    answer_id: str
    rating: Literal["up", "down"]
    reason: Literal["wrong", "not_what_i_asked", "unsupported", "other"] | None


class FeedbackPolicy(BaseModel):
    """What the feedback store keeps, for the widget's privacy line."""

    stores_question_text: bool
    retention_days: int


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
    ).model_dump(),
    "abstained": AnswerResult(
        id="ans_0b1c2d3e4f5a6b7c",
        status="abstained",
        answer="I don't have a vetted source that answers this, so I won't guess.",
        index_version="5c59aadbe22fe734",
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
    ).model_dump(),
}


# One server-sent event as clients parse it (`event` defaults to "message"); `data` is JSON.
CHAT_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"enum": ["meta", "delta", "guardrail", "citations", "done", "error"]},
        "data": {"type": "string", "contentMediaType": "application/json"},
    },
}
COMPLETION_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "event": {"const": "message"},
        "data": {
            "type": "string",
            "description": "A `chat.completion.chunk` as JSON, or `[DONE]` last.",
        },
    },
}


def openapi_document(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """FastAPI's OpenAPI document, corrected to say what this server does.

    Every error is a problem+json object (FastAPI would document its own JSON shape for 422);
    every route that takes a body can answer 400 (not JSON), 413 (too large) and 422; every
    response carries X-Request-ID; and the configured limits on messages are written in.
    """
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = FastAPI.openapi(app)  # caches it as app.openapi_schema, corrected here once
    _write_problem_schema(document)
    _write_limits(document, settings)
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            _document_common_responses(operation)
    _drop_unused_validation_schemas(document)
    return document


def _write_problem_schema(document: dict[str, Any]) -> None:
    schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(schema.pop("$defs", {}))
    components["Problem"] = schema


def _write_limits(document: dict[str, Any], settings: Settings) -> None:
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("ChatRequest", "OpenAIChatRequest"):
        messages = schemas.get(name, {}).get("properties", {}).get("messages")
        if messages is not None:
            messages.update(minItems=1, maxItems=settings.max_messages)
    content = schemas.get("Message", {}).get("properties", {}).get("content")
    if content is not None:
        content["maxLength"] = settings.max_message_chars
    openai_content = schemas.get("OpenAIConversationMessage", {}).get("properties", {}).get("content", {})
    for option in openai_content.get("anyOf", []):
        if option.get("type") == "string":
            option["maxLength"] = settings.max_message_chars


def _document_common_responses(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    if "422" in responses and "application/json" in responses["422"].get("content", {}):
        responses["422"]["content"] = problem  # FastAPI's default; the server sends a problem
    if "requestBody" in operation:
        for status, response in problem_responses(400, 413, 422).items():
            responses.setdefault(str(status), response)
    for response in responses.values():
        response.setdefault("headers", {})["X-Request-ID"] = {
            "description": "The request's id (the caller's own X-Request-ID when it is 8-64 of "
            "A-Z a-z 0-9 . _ -); every log line about the request carries it.",
            "required": True,
            "schema": {"type": "string"},
        }


def _drop_unused_validation_schemas(document: dict[str, Any]) -> None:
    import json

    schemas = document.get("components", {}).get("schemas", {})
    if "HTTPValidationError" in schemas and '"#/components/schemas/HTTPValidationError"' not in json.dumps(
        document.get("paths", {})
    ):
        schemas.pop("HTTPValidationError")
        schemas.pop("ValidationError", None)
