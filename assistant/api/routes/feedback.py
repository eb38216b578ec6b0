"""Votes on answers (`POST /v1/feedback`) and what the feedback store keeps (`GET /v1/feedback/policy`)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from assistant.api.deps import CallerDep, RateLimitDep, SettingsDep
from assistant.api.problems import Problem, problem_responses
from assistant.api.routes import API_PREFIX
from assistant.api.schemas import FeedbackOut, FeedbackPolicy, FeedbackRequest
from assistant.feedback import (
    AnswerRecord,
    AnswerWriter,
    FeedbackStore,
    FeedbackStoreError,
    UnknownAnswerError,
)
from assistant.results import AnswerResult

router = APIRouter(prefix=API_PREFIX, tags=["feedback"])
log = logging.getLogger("assistant.api")


def get_feedback_store(request: Request) -> FeedbackStore:
    store: FeedbackStore = request.app.state.feedback_store
    return store


def get_answer_writer(request: Request) -> AnswerWriter:
    writer: AnswerWriter = request.app.state.answer_writer
    return writer


FeedbackStoreDep = Annotated[FeedbackStore, Depends(get_feedback_store)]
AnswerWriterDep = Annotated[AnswerWriter, Depends(get_answer_writer)]


def remember_answer(request: Request, result: AnswerResult, question: str) -> None:
    """Queue the answer for the feedback store (never blocks; the store drops the text unless it keeps text)."""
    writer: AnswerWriter | None = getattr(request.app.state, "answer_writer", None)
    if writer is None:
        return
    keep_text = writer.store.store_text
    writer.submit(AnswerRecord.from_result(result, question if keep_text else None))


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackOut,
    summary="Vote on an answer: up or down, with an optional reason",
    responses=problem_responses(
        400,
        401,
        404,
        413,
        415,
        422,
        429,
        503,
        descriptions={
            404: "No answer with this id is on record (unknown, or older than the retention)",
            422: "Not a vote: the answer id, rating or reason is invalid",
            503: "The feedback database is unavailable; retry after `Retry-After` seconds",
        },
    ),
)
def give_feedback(
    body: FeedbackRequest,
    store: FeedbackStoreDep,
    writer: AnswerWriterDep,
    _caller: CallerDep,
    _limit: RateLimitDep,
) -> FeedbackOut:
    # The answer may still be in the writer's queue if it was given a moment ago.
    writer.flush()
    try:
        vote = store.record_feedback(body.answer_id, body.rating, body.reason)
    except UnknownAnswerError as error:
        raise Problem(404, str(error)) from None
    except FeedbackStoreError as error:
        log.warning("feedback not stored: %s", error)
        raise Problem(
            503, "feedback cannot be stored right now; retry shortly", headers={"Retry-After": "30"}
        ) from None
    return FeedbackOut(id=vote.id, answer_id=vote.answer_id, rating=vote.rating, reason=vote.reason)


@router.get(
    "/feedback/policy",
    response_model=FeedbackPolicy,
    summary="Whether question text is kept with feedback, and for how many days anything is kept",
)
def feedback_policy(settings: SettingsDep) -> FeedbackPolicy:
    return FeedbackPolicy(
        stores_question_text=settings.feedback_store_text, retention_days=settings.feedback_retention_days
    )
