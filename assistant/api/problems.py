"""RFC 9457 problem details: every error the API returns is `application/problem+json`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("assistant.api")
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(Exception):
    """An error to send as a problem object."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type_: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_ or f"https://httpstatuses.io/{status}"
        self.errors = errors
        self.headers = headers or {}


class ProblemError(BaseModel):
    location: list[str] = Field(description="Where in the request, e.g. body, messages, 0, content.")
    message: str
    type: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem object; some problems carry more members (a 503 from /readyz its readiness)."""

    type: str
    title: str
    status: int = Field(description="The HTTP status, repeated.")
    detail: str
    instance: str | None = Field(None, description="The path that was requested.")
    request_id: str | None = Field(
        None, description="Also in the X-Request-ID header; quote it when reporting."
    )
    errors: list[ProblemError] | None = Field(
        None, description="Each invalid part of the request, when known."
    )

    model_config = ConfigDict(extra="allow", title="Problem")


# Error statuses a route can declare with `problem_responses`; each says when the server sends it.
_WHEN = {
    400: "The body is not valid JSON",
    401: "An API key is configured and missing or wrong (`WWW-Authenticate: Bearer`)",
    404: "Not found",
    413: "The body is larger than the configured limit (ASSISTANT_MAX_BODY_BYTES)",
    415: "The body is not sent as `application/json`",
    422: "The request does not match the schema, or breaks a rule it cannot express",
    429: "Rate limited; retry after `Retry-After` seconds",
    503: "The model and index are still loading (or failed to); retry after `Retry-After` seconds",
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def problem_responses(
    *statuses: int, descriptions: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries documenting problem+json errors; `descriptions` replace the default wording."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": (descriptions or {}).get(status, _WHEN.get(status, "Error")),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status in (429, 503):
            response["headers"] = _RETRY_AFTER
        responses[status] = response
    return responses


def problem_body(
    status: int,
    detail: str,
    request: Request | None = None,
    type_: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The problem object; `extensions` are extra members (RFC 9457 §3.2) that never replace a standard one."""
    body: dict[str, Any] = {
        **(extensions or {}),
        "type": type_ or f"https://httpstatuses.io/{status}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    if errors:
        body["errors"] = errors
    return body


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        # An error must never fail to render: text echoed from a request could hold lone surrogates.
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def problem_response(
    status: int,
    detail: str,
    request: Request | None = None,
    *,
    type_: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    return ProblemResponse(
        problem_body(status, detail, request, type_, errors, extensions),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


async def on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        exc.status, exc.detail, request, type_=exc.type, errors=exc.errors, headers=exc.headers
    )


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.method} {request.url.path}"
    return problem_response(exc.status_code, detail, request, headers=getattr(exc, "headers", None))


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "location": [str(part) for part in error.get("loc", ())],
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors()
    ]
    sent_as = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if sent_as and not _is_json(sent_as) and any(e["location"] == ["body"] for e in errors):
        # FastAPI reads a body of another type as a string, and would call it the wrong shape.
        return problem_response(415, f"send the body as application/json, not {sent_as}", request)
    invalid_json = any(e["type"] == "json_invalid" for e in errors)
    detail = "the body is not valid JSON" if invalid_json else "the request does not match the schema"
    return problem_response(422 if not invalid_json else 400, detail, request, errors=errors)


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The trace goes to the log with the request id, never to the client.
    request_id = getattr(request.state, "request_id", None)
    log.error("unexpected failure (request %s)", request_id, exc_info=exc, extra={"request_id": request_id})
    return problem_response(
        500, "an unexpected error occurred; quote the request id when reporting it", request
    )


def invalid_unicode(value: Any) -> Iterator[dict[str, Any]]:
    """An error for every string (keys too) holding a lone surrogate, which JSON's `\\ud800` escapes can smuggle in.

    Such text is not Unicode: it cannot be encoded as UTF-8, so it would break tokenising, logging
    and the response itself if it got any further.
    """
    # A stack, not recursion: a body may nest as deep as the JSON parser allowed.
    pending: list[tuple[Any, tuple[str, ...]]] = [(value, ("body",))]
    while pending:
        item, location = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                yield {
                    "location": list(location),
                    "message": "the text holds a lone surrogate (an unpaired \\uD800-\\uDFFF escape), "
                    "which is not valid Unicode",
                    "type": "unicode_invalid",
                }
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                pending.append((child, (*location, key)))
                pending.append((key, (*location, "(name)")))
        elif isinstance(item, list):
            pending.extend(
                (child, (*location, str(index))) for index, child in reversed(list(enumerate(item)))
            )


async def reject_invalid_unicode(request: Request) -> None:
    """A dependency of every route: a JSON body with text that is not valid Unicode is a 422 problem."""
    if not await request.body():
        return
    try:
        # FastAPI has already parsed the body of a route that takes one; Starlette keeps the result.
        data = await request.json()
    except (ValueError, RecursionError):
        return  # not JSON: the route's own validation answers for it
    errors = list(invalid_unicode(data))
    if errors:
        raise Problem(422, "the body holds text that is not valid Unicode", errors=errors[:20])
