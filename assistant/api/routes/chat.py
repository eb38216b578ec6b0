"""Chat endpoints: our own `/v1/chat` (JSON or server-sent events) and an OpenAI-compatible one."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from assistant.api.deps import CallerDep, MetricsDep, PipelineDep, RateLimitDep, SettingsDep
from assistant.api.problems import Problem, problem_body
from assistant.api.schemas import EXAMPLES, ChatRequest, OpenAIChatRequest
from assistant.config import Settings
from assistant.conversation import ConversationError
from assistant.pipeline import AnswerPipeline
from assistant.results import AnswerResult

router = APIRouter(tags=["chat"])


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
        result: AnswerResult = await run_in_threadpool(pipeline.run, messages)
    except ConversationError as exc:
        raise Problem(422, str(exc)) from None
    metrics.answers.labels(result.status).inc()
    category = result.guardrail.category if result.guardrail else "allowed"
    metrics.guardrail.labels(category).inc()
    request.state.guardrail_category = category
    request.state.answer_status = result.status
    return result


def answer_chunks(result: AnswerResult) -> list[str]:
    """The answer cut at its sentences; the pieces concatenate to exactly `result.answer`."""
    pieces = [f"{c.quote} [{c.n}]" for c in result.citations]
    chunks = [piece + (" " if i < len(pieces) - 1 else "") for i, piece in enumerate(pieces)]
    return chunks if "".join(chunks) == result.answer else [result.answer]


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def chat_events(result_task: Any, request: Request, delay_s: float) -> AsyncIterator[str]:
    try:
        result: AnswerResult = await result_task
    except Problem as problem:
        yield sse(
            "error",
            problem_body(problem.status, problem.detail, request, type_=problem.type, errors=problem.errors),
        )
        return
    except Exception:
        yield sse(
            "error", problem_body(500, "the answer failed; quote the request id when reporting it", request)
        )
        return
    yield sse("meta", {"id": result.id, "index_version": result.index_version})
    if result.status in ("refused", "escalated") and result.guardrail is not None:
        yield sse("guardrail", {**result.guardrail.model_dump(), "status": result.status})
    else:
        for i, chunk in enumerate(answer_chunks(result)):
            if delay_s and i:
                await asyncio.sleep(delay_s)
            yield sse("delta", {"text": chunk})
        yield sse(
            "citations",
            {
                "citations": [c.model_dump() for c in result.citations],
                "related_articles": [r.model_dump() for r in result.related_articles],
            },
        )
    yield sse("done", {"status": result.status, "timings_ms": result.timings_ms})


@router.post(
    "/v1/chat",
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
                "text/event-stream": {"schema": {"type": "string"}},
            },
        },
        422: {"description": "The conversation is malformed", "content": {"application/problem+json": {}}},
        429: {"description": "Rate limited; see Retry-After", "content": {"application/problem+json": {}}},
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
    wants_stream = body.stream or "text/event-stream" in request.headers.get("accept", "")
    if not wants_stream:
        return await answer(request, pipeline, messages, metrics, settings)
    task = asyncio.ensure_future(answer(request, pipeline, messages, metrics, settings))
    return StreamingResponse(
        chat_events(task, request, settings.stream_delay_ms / 1000),
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
        "citations": [c.model_dump() for c in result.citations],
        "guardrail": result.guardrail.model_dump() if result.guardrail else None,
        "index_version": result.index_version,
    }


@router.post(
    "/v1/chat/completions",
    summary="OpenAI-compatible chat completions (extra fields: status, citations, guardrail)",
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
    task = asyncio.ensure_future(answer(request, pipeline, messages, metrics, settings))

    async def chunks() -> AsyncIterator[str]:
        try:
            result: AnswerResult = await task
        except Problem as problem:
            yield f"data: {json.dumps({'error': problem_body(problem.status, problem.detail, request, errors=problem.errors)})}\n\n"
            yield "data: [DONE]\n\n"
            return
        base = {
            "id": "chatcmpl-" + result.id.removeprefix("ans_"),
            "object": "chat.completion.chunk",
            "created": created,
            "model": body.model,
        }
        first = {
            **base,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
        }
        yield f"data: {json.dumps(first)}\n\n"
        for i, piece in enumerate(answer_chunks(result)):
            if settings.stream_delay_ms and i:
                await asyncio.sleep(settings.stream_delay_ms / 1000)
            chunk = {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
        last = {
            **base,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            **_completion_extras(result),
        }
        yield f"data: {json.dumps(last, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(chunks(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
