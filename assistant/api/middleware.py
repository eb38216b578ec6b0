"""ASGI middleware: request ids, body-size limit, security headers, JSON request log, metrics, last-resort 500."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.problems import PROBLEM_JSON, problem_body
from assistant.api.telemetry import Metrics, log_request

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = logging.getLogger("assistant.api")

# On every response. A route may set its own (the demo page adds a Content-Security-Policy).
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


class RequestContext:
    """Wraps every HTTP request: assigns X-Request-ID, enforces the body limit, logs and measures it."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int, audit: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # Header bytes are whatever the client sent; latin-1 maps every byte to a character, so
        # reading them can never fail (an invalid request id is then simply replaced).
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status_holder: dict[str, Any] = {"status": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                sent = list(message.get("headers", []))
                names = {name.lower() for name, _ in sent}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in names]
                message["headers"] = [*sent, *extra, (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            body = await self._read_body(headers.get("content-length"), receive)
            if body is None:
                await self._problem(
                    send_with_id, scope, 413, f"the body is larger than {self.max_body_bytes} bytes"
                )
                return
            await self.app(scope, self._replay(body, receive), send_with_id)
        except Exception:
            log.exception("unexpected failure (request %s)", request_id)
            if not status_holder["started"]:
                await self._problem(
                    send_with_id,
                    scope,
                    500,
                    "an unexpected error occurred; quote the request id when reporting it",
                )
        finally:
            self._finish(scope, status_holder, started)

    async def _read_body(self, declared: str | None, receive: Receive) -> list[Message] | None:
        """The request's body messages, read before the app runs, or None when it is over the limit.

        Reading it here is what lets a body of any framing (Content-Length or chunked) get the
        same 413: a limit enforced while the app reads would surface inside the app's body
        parsing, which reports any failure there as a 400.
        """
        if declared and declared.strip().isdigit() and int(declared) > self.max_body_bytes:
            return None
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages  # the client went away; the app sees the disconnect
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                return messages

    @staticmethod
    def _replay(messages: list[Message], receive: Receive) -> Receive:
        """A `receive` that hands the app the body read already, then waits on the client as usual."""
        if messages and messages[-1]["type"] == "http.request":
            body = b"".join(m.get("body", b"") for m in messages)
            messages = [{"type": "http.request", "body": body, "more_body": False}]
        pending = list(messages)

        async def replay() -> Message:
            if pending:
                return pending.pop(0)
            return await receive()

        return replay

    async def _problem(self, send: Send, scope: Scope, status: int, detail: str) -> None:
        body = problem_body(status, detail)
        body["instance"] = scope.get("path", "")
        body["request_id"] = scope["state"]["request_id"]
        payload = json.dumps(body).encode()
        headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(payload)).encode())]
        if status == 413:
            # The rest of an oversized body is never read, so the connection cannot be reused.
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _finish(self, scope: Scope, status_holder: dict[str, Any], started: float) -> None:
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        route_path = getattr(route, "path", None) or "unmatched"
        status = int(status_holder["status"])
        self.metrics.requests.labels(route_path, scope.get("method", ""), str(status)).inc()
        self.metrics.latency.labels(route_path, str(status)).observe(elapsed)
        state = scope.get("state", {})
        record: dict[str, Any] = {
            "request_id": state.get("request_id"),
            "method": scope.get("method"),
            "route": route_path,
            "status": status,
            "latency_ms": round(elapsed * 1000, 2),
            "guardrail": state.get("guardrail_category"),
            "answer_status": state.get("answer_status"),
        }
        if state.get("answer_cache_hit") is not None:
            # Kept here and in the metrics only: a client must not learn what others asked.
            record["answer_cache_hit"] = state["answer_cache_hit"]
        if self.audit and state.get("question") is not None:
            record["question"] = state["question"]
        log_request(record)
