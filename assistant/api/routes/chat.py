"""Chat endpoints: our own `/v1/chat` (JSON or server-sent events) and an OpenAI-compatible one."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant.api.deps import (
    CallerDep,
    MetricsDep,
    PipelineDep,
    RateLimitDep,
    SettingsDep,
    get_state,
)
from assistant.api.problems import Problem, problem_body, problem_responses
from assistant.api.routes import API_PREFIX
from assistant.api.routes.feedback import remember_answer
from assistant.api.schemas import (
    CHAT_EVENT,
    COMPLETION_EVENT,
    EXAMPLES,
    ChatCompletion,
    ChatRequest,
    OpenAIChatRequest,
)
from assistant.config import Settings
from assistant.conversation import ConversationError
from assistant.pipeline import AnswerPipeline
from assistant.results import AnswerResult, new_answer_id

router = APIRouter(prefix=API_PREFIX, tags=["chat"])
log = logging.getLogger("assistant.api")
CHAT_ERRORS = problem_responses(
    400, 401, 413, 415, 422, 429, 503, descriptions={422: "The conversation is malformed or over the limits"}
)


def check_conversation(messages: list[dict[str, str]], settings: Settings) -> None:
    """The limits and shape rules the schema alone cannot express, as one 422 problem listing them all."""
    errors = []
    if not messages:
        errors.append(
            {
                "location": ["body", "messages"],
                "message": "at least one message is required",
                "type": "too_short",
            }
        )
    if len(messages) > settings.max_messages:
        errors.append(
            {
                "location": ["body", "messages"],
                "message": f"at most {settings.max_messages} messages",
                "type": "too_long",
            }
        )
    for i, message in enumerate(messages):
        if len(message["content"]) > settings.max_message_chars:
            errors.append(
                {
                    "location": ["body", "messages", str(i), "content"],
                    "message": f"at most {settings.max_message_chars} characters",
                    "type": "too_long",
                }
            )
    if messages and messages[-1]["role"] != "user":
        errors.append(
            {
                "location": ["body", "messages", str(len(messages) - 1), "role"],
                "message": "the last message must be the user's question",
                "type": "value_error",
            }
        )
    if messages and not messages[-1]["content"].strip():
        errors.append(
            {
                "location": ["body", "messages", str(len(messages) - 1), "content"],
                "message": "the question is empty",
                "type": "value_error",
            }
        )
    if errors:
        raise Problem(422, "the conversation cannot be answered as sent", errors=errors)


async def answer(
    request: Request,
    pipeline: AnswerPipeline,
    messages: list[dict[str, str]],
    metrics: Any,
    settings: Settings,
) -> AnswerResult:
    """Run the pipeline off the event loop and record what happened; the caller has checked the messages."""
    if settings.audit_log:
        request.state.question = messages[-1]["content"]
    try:
        result: AnswerResult = await run_in_threadpool(get_state(request).run, pipeline, messages)
    except ConversationError as exc:
        raise Problem(422, str(exc)) from None
    record(request, result, metrics)
    remember_answer(request, result, messages[-1]["content"])
    return for_client(result)


async def answer_stream(
    request: Request,
    pipeline: AnswerPipeline,
    messages: list[dict[str, str]],
    metrics: Any,
    settings: Settings,
    answer_id: str,
) -> AsyncIterator[str | AnswerResult]:
    """The pipeline's stream (text pieces, then the result) off the event loop, recorded like `answer`."""
    if settings.audit_log:
        request.state.question = messages[-1]["content"]
    try:
        events = get_state(request).stream(pipeline, messages, answer_id)
        async for event in iterate_in_threadpool(events):
            if isinstance(event, AnswerResult):
                record(request, event, metrics)
                remember_answer(request, event, messages[-1]["content"])
                event = for_client(event)
            yield event
    except ConversationError as exc:
        raise Problem(422, str(exc)) from None


def record(request: Request, result: AnswerResult, metrics: Any) -> None:
    """Count the answer and tag the request log with its outcome."""
    metrics.answers.labels(result.status).inc()
    category = result.guardrail.category if result.guardrail else "allowed"
    metrics.guardrail.labels(category).inc()
    request.state.guardrail_category = category
    request.state.answer_status = result.status
    if result.verification is not None:
        for check in result.verification.sentences:
            metrics.generated_sentences.labels(check.reason or "kept").inc()
        if result.verification.error:
            metrics.model_errors.inc()
    request.state.answer_cache_hit = "cache_hit" in result.timings_ms
    if request.state.answer_cache_hit:
        metrics.answer_cache_hits.inc()


def for_client(result: AnswerResult) -> AnswerResult:
    """The result without the server's timings, which go to the request log and metrics instead.

    The answer cache is shared by every client, so a cached answer's timings (a `cache_hit` mark,
    stages missing, a near-zero total) would tell anyone that someone else had just asked the same.
    """
    return result.model_copy(update={"timings_ms": {}})


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@dataclass(frozen=True)
class StreamFormat:
    """How one endpoint writes each part of a streamed answer as server-sent events."""

    opening: str
    piece: Callable[[str], str]
    # Called with the result and whether any pieces were streamed before it.
    result: Callable[[AnswerResult, bool], list[str]]
    error: Callable[[dict[str, Any]], str]
    closing: str | None = None


async def stream_events(
    events: AsyncIterator[str | AnswerResult], request: Request, delay_s: float, stream_format: StreamFormat
) -> AsyncIterator[str]:
    """The opening, the pieces `delay_s` apart, the result, the closing; a failure becomes an error event."""
    yield stream_format.opening
    pieces = 0
    try:
        async for event in events:
            if isinstance(event, AnswerResult):
                for message in stream_format.result(event, pieces > 0):
                    yield message
                continue
            if delay_s and pieces:
                await asyncio.sleep(delay_s)
            pieces += 1
            yield stream_format.piece(event)
    except Problem as problem:
        yield stream_format.error(
            problem_body(problem.status, problem.detail, request, type_=problem.type, errors=problem.errors)
        )
    except Exception:
        log.exception("the streamed answer failed")
        yield stream_format.error(
            problem_body(500, "the answer failed; quote the request id when reporting it", request)
        )
    if stream_format.closing is not None:
        yield stream_format.closing


def _chat_result_events(result: AnswerResult, _streamed: bool) -> list[str]:
    if result.status in ("refused", "escalated") and result.guardrail is not None:
        outcome = sse("guardrail", {**result.guardrail.model_dump(), "status": result.status})
    else:
        outcome = sse(
            "citations",
            {
                "citations": [c.model_dump() for c in result.citations],
                "related_articles": [r.model_dump() for r in result.related_articles],
            },
        )
    done = {"status": result.status, "answerer": result.answerer, "timings_ms": result.timings_ms}
    return [outcome, sse("done", done)]


@router.post(
    "/chat",
    response_model=AnswerResult,
    summary="Answer the last user message from vetted articles",
    responses={
        200: {
            "description": "The pipeline's result; a refusal or escalation is a normal result. With `stream: true` "
            "(or `Accept: text/event-stream`) the same content arrives as server-sent events "
            "`meta`, then `guardrail` or `delta`… `citations`, then `done`.",
            "content": {
                "application/json": {
                    "examples": {k: {"summary": k, "value": v} for k, v in EXAMPLES.items()}
                },
                "text/event-stream": {"itemSchema": CHAT_EVENT},
            },
        },
        **CHAT_ERRORS,
    },
)
async def chat(
    body: ChatRequest,
    request: Request,
    pipeline: PipelineDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    _caller: CallerDep,
    _limit: RateLimitDep,
) -> Any:
    messages = [m.model_dump() for m in body.messages]
    check_conversation(messages, settings)  # before any streaming: a malformed conversation is a plain 422
    if body.language:
        pipeline = pipeline.in_language(body.language)
    wants_stream = body.stream or "text/event-stream" in request.headers.get("accept", "")
    if not wants_stream:
        return await answer(request, pipeline, messages, metrics, settings)
    answer_id = new_answer_id()
    events = answer_stream(request, pipeline, messages, metrics, settings, answer_id)
    chat_format = StreamFormat(
        opening=sse("meta", {"id": answer_id, "index_version": pipeline.index.version}),
        piece=lambda text: sse("delta", {"text": text}),
        result=_chat_result_events,
        error=lambda problem: sse("error", problem),
    )
    return StreamingResponse(
        stream_events(events, request, settings.stream_delay_ms / 1000, chat_format),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _openai_messages(body: OpenAIChatRequest) -> list[dict[str, str]]:
    messages = []
    for message in body.messages:
        if message.role not in ("user", "assistant"):
            continue  # system and tool messages cannot change what the assistant may say
        content = message.content
        if isinstance(content, list):
            content = " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
        messages.append({"role": message.role, "content": content or ""})
    return messages


def _completion_extras(result: AnswerResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "answerer": result.answerer,
        "citations": [c.model_dump() for c in result.citations],
        "guardrail": result.guardrail.model_dump() if result.guardrail else None,
        "index_version": result.index_version,
    }


@router.post(
    "/chat/completions",
    summary="OpenAI-compatible chat completions (extra fields: status, citations, guardrail)",
    responses={
        200: {
            "model": ChatCompletion,
            "description": "A `chat.completion`; with `stream: true`, `chat.completion.chunk` events "
            "ending with `data: [DONE]`.",
            "content": {"text/event-stream": {"itemSchema": COMPLETION_EVENT}},
        },
        **CHAT_ERRORS,
    },
)
async def chat_completions(
    body: OpenAIChatRequest,
    request: Request,
    pipeline: PipelineDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    _caller: CallerDep,
    _limit: RateLimitDep,
) -> Any:
    if len(body.messages) > settings.max_messages:  # system messages count too, as the schema says
        raise Problem(
            422,
            "the conversation cannot be answered as sent",
            errors=[
                {
                    "location": ["body", "messages"],
                    "message": f"at most {settings.max_messages} messages",
                    "type": "too_long",
                }
            ],
        )
    messages = _openai_messages(body)
    check_conversation(messages, settings)
    created = int(time.time())
    if not body.stream:
        result = await answer(request, pipeline, messages, metrics, settings)
        return {
            "id": "chatcmpl-" + result.id.removeprefix("ans_"),
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": result.answer},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            **_completion_extras(result),
        }
    answer_id = new_answer_id()
    base = {
        "id": "chatcmpl-" + answer_id.removeprefix("ans_"),
        "object": "chat.completion.chunk",
        "created": created,
        "model": body.model,
    }

    def chunk(delta: dict[str, Any], finish_reason: str | None = None, **extras: Any) -> str:
        data = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}], **extras}
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    def result_chunks(result: AnswerResult, streamed: bool) -> list[str]:
        # A refusal has no pieces: its message is the content, as in the non-streamed reply.
        content = [] if streamed else [chunk({"content": result.answer})]
        return [*content, chunk({}, "stop", **_completion_extras(result))]

    completion_format = StreamFormat(
        opening=chunk({"role": "assistant", "content": ""}),
        piece=lambda text: chunk({"content": text}),
        result=result_chunks,
        error=lambda problem: f"data: {json.dumps({'error': problem})}\n\n",
        closing="data: [DONE]\n\n",
    )
    events = answer_stream(request, pipeline, messages, metrics, settings, answer_id)
    return StreamingResponse(
        stream_events(events, request, settings.stream_delay_ms / 1000, completion_format),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )
