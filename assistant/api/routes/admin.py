"""Administration: present only when an admin key is configured."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from assistant.api.deps import AdminDep, StateDep
from assistant.api.problems import problem_responses
from assistant.api.routes import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["admin"])


@router.post(
    "/admin/reindex",
    summary="Rebuild the index from the corpus and switch to it",
    responses=problem_responses(401, descriptions={401: "The admin key is missing or wrong"}),
)
async def reindex(state: StateDep, _admin: AdminDep) -> dict[str, Any]:
    return await run_in_threadpool(state.reindex)
