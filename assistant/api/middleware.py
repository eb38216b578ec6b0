"""ASGI middleware: request ids, body-size limit, JSON request log, metrics, and a last-resort 500."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.problems import PROBLEM_JSON, problem_body
from assistant.api.telemetry import Metrics, log_request

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class BodyTooLarge(Exception):
    pass


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
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._problem(
                send_with_id, scope, 413, f"the body is larger than {self.max_body_bytes} bytes"
            )
            self._finish(scope, status_holder, started)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send_with_id)
        except BodyTooLarge:
            if not status_holder["started"]:
                await self._problem(
                    send_with_id, scope, 413, f"the body is larger than {self.max_body_bytes} bytes"
                )
        except Exception:
            import logging

            logging.getLogger("assistant.api").exception("unexpected failure (request %s)", request_id)
            if not status_holder["started"]:
                await self._problem(
                    send_with_id,
                    scope,
                    500,
                    "an unexpected error occurred; quote the request id when reporting it",
                )
        finally:
            self._finish(scope, status_holder, started)

    async def _problem(self, send: Send, scope: Scope, status: int, detail: str) -> None:
        import json

        body = problem_body(status, detail)
        body["instance"] = scope.get("path", "")
        body["request_id"] = scope["state"]["request_id"]
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
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
        if self.audit and state.get("question") is not None:
            record["question"] = state["question"]
        log_request(record)
