"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from assistant.api.deps import MetricsDep, StateDep
from assistant.api.problems import problem_response, problem_responses
from assistant.api.schemas import Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Model loaded and index open (503 until then); `degraded` while the language model is failing",
    responses=problem_responses(
        503, descriptions={503: "Still loading, or failed; the problem carries the readiness fields"}
    ),
)
def readyz(request: Request, state: StateDep) -> JSONResponse:
    pipeline = state.pipeline
    generator = pipeline.generator if pipeline else None
    breaker = generator.breaker.state if generator else None
    # Still 200 when degraded: every question is answered, from quotes instead of the model.
    status = "degraded" if breaker == "open" else "ready"
    body = Readiness(
        status=status if state.ready else ("failed" if state.error else "starting"),
        model_loaded=pipeline is not None,
        index_open=pipeline is not None,
        index_version=pipeline.index.version if pipeline else None,
        articles=len(state.articles),
        passages=len(pipeline.index.passages) if pipeline else 0,
        answerer="llm" if generator else "extractive",
        llm_breaker=breaker,
        error=state.error,
    ).model_dump()
    if state.ready:
        return JSONResponse(body)
    # A problem's `status` is the HTTP status, so the readiness status travels as `state`.
    readiness = {("state" if key == "status" else key): value for key, value in body.items()}
    return problem_response(
        503,
        state.error or "the model and index are still loading",
        request,
        headers={"Retry-After": "5"},
        extensions=readiness,
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics (summed over every worker process)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}}},
)
def metrics(state: StateDep, registry: MetricsDep) -> Response:
    if state.pipeline is not None:
        generator = state.pipeline.generator
        registry.model_breaker_open.set(1 if generator and generator.breaker.state == "open" else 0)
        registry.index_passages.set(len(state.pipeline.index.passages))
        registry.index_articles.set(len(state.articles))
    return Response(registry.exposition(), media_type=CONTENT_TYPE_LATEST)
