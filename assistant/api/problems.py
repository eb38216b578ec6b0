"""RFC 9457 problem details: every error the API returns is `application/problem+json`."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
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
    return JSONResponse(
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
    invalid_json = any(e["type"] == "json_invalid" for e in errors)
    detail = "the body is not valid JSON" if invalid_json else "the request does not match the schema"
    return problem_response(422 if not invalid_json else 400, detail, request, errors=errors)


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The trace goes to the log with the request id, never to the client.
    import logging

    logging.getLogger("assistant.api").exception(
        "unexpected failure", extra={"request_id": getattr(request.state, "request_id", None)}
    )
    return problem_response(
        500, "an unexpected error occurred; quote the request id when reporting it", request
    )
