"""Dependencies shared by the routes."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from assistant.api.problems import Problem
from assistant.api.ratelimit import RateLimiter
from assistant.api.state import ServerState
from assistant.api.telemetry import Metrics
from assistant.config import Settings
from assistant.pipeline import AnswerPipeline


def get_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.server.settings
    return settings


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def get_pipeline(state: Annotated[ServerState, Depends(get_state)]) -> AnswerPipeline:
    if not state.ready or state.pipeline is None:
        raise Problem(
            503, state.error or "the index is still loading; retry shortly", headers={"Retry-After": "5"}
        )
    state.maybe_refresh()
    return state.pipeline


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _same_or_allowed_origin(request: Request, settings: Settings) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return False
    if origin in settings.allowed_origins:
        return True
    return urlsplit(origin).netloc == request.headers.get("host")


def client_key(request: Request, settings: Settings) -> str:
    """Who a request counts against: its API key if it has one, else its address."""
    token = _bearer(request)
    if token and token in settings.api_keys:
        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    if settings.trust_forwarded_for and (forwarded := request.headers.get("x-forwarded-for")):
        return "ip:" + forwarded.split(",")[0].strip()
    return "ip:" + (request.client.host if request.client else "unknown")


def require_caller(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> None:
    """With API keys configured, a caller needs one, unless it is a browser on an allowed origin (the widget)."""
    if not settings.api_keys:
        return
    token = _bearer(request)
    if token and any(hmac.compare_digest(token, key) for key in settings.api_keys):
        return
    if token is None and _same_or_allowed_origin(request, settings):
        return
    raise Problem(
        401,
        "a valid API key is required: send Authorization: Bearer <key>",
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_admin(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> None:
    token = _bearer(request)
    if not settings.admin_key or not token or not hmac.compare_digest(token, settings.admin_key):
        raise Problem(401, "the admin key is required", headers={"WWW-Authenticate": "Bearer"})


def rate_limit(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    verdict = limiter.hit(client_key(request, settings))
    request.state.rate_limit_remaining = verdict.remaining
    if not verdict.allowed:
        raise Problem(
            429,
            f"more than {settings.rate_limit_per_minute} requests a minute; retry in {verdict.retry_after} s",
            headers={"Retry-After": str(verdict.retry_after)},
        )


SettingsDep = Annotated[Settings, Depends(get_settings)]
StateDep = Annotated[ServerState, Depends(get_state)]
PipelineDep = Annotated[AnswerPipeline, Depends(get_pipeline)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
CallerDep = Annotated[None, Depends(require_caller)]
RateLimitDep = Annotated[None, Depends(rate_limit)]
AdminDep = Annotated[None, Depends(require_admin)]
