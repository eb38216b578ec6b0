"""The HTTP API: `create_app()` builds the FastAPI application from `Settings`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api import problems, schemas
from assistant.api.middleware import RequestContext
from assistant.api.ratelimit import build_rate_limiter
from assistant.api.routes import admin, articles, chat, health, widget
from assistant.api.routes import feedback as feedback_routes
from assistant.api.state import ServerState
from assistant.api.telemetry import Metrics, configure_request_log
from assistant.config import Settings
from assistant.feedback import AnswerWriter, FeedbackStore

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application; the pipeline loads in the background and /readyz says when it is ready."""
    settings = settings or Settings()
    server = ServerState(settings)
    metrics = Metrics()
    # Built now so a malformed feedback database URL stops the server before it serves.
    answer_writer = AnswerWriter(FeedbackStore.from_settings(settings))
    configure_request_log()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server.start()
        answer_writer.start()
        yield
        answer_writer.close()

    app = FastAPI(
        title="Vetted drug-information assistant",
        version="0.1.0",
        summary="Answers questions about drugs and medicines only from vetted articles, with exact citations.",
        lifespan=lifespan,
        # Every route, whatever its body model: text that is not Unicode is a 422, never a 500.
        dependencies=[Depends(problems.reject_invalid_unicode)],
    )
    app.openapi = partial(schemas.openapi_document, app, settings)  # type: ignore[method-assign]
    app.state.server = server
    app.state.metrics = metrics
    app.state.answer_writer = answer_writer
    app.state.feedback_store = answer_writer.store
    app.state.rate_limiter = build_rate_limiter(settings, metrics.registry)
    app.add_exception_handler(problems.Problem, problems.on_problem)
    app.add_exception_handler(StarletteHTTPException, problems.on_http_error)
    app.add_exception_handler(RequestValidationError, problems.on_validation_error)
    app.add_exception_handler(Exception, problems.on_unexpected)
    for router in (chat.router, articles.router, health.router, widget.router):
        app.include_router(router)
    app.include_router(feedback_routes.router)
    if settings.admin_key:
        app.include_router(admin.router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization", "Accept", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
        max_age=600,
    )
    # Outermost, so that even errors raised by other middleware carry a request id and a problem body.
    app.add_middleware(
        RequestContext, metrics=metrics, max_body_bytes=settings.max_body_bytes, audit=settings.audit_log
    )
    return app
