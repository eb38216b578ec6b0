"""Schemathesis runs over every operation of the OpenAPI document, with data that fits the schema and
data that does not, and every check it has must pass: no 500s, every status and content type
documented, responses (JSON and server-sent events) matching their schemas, schema-valid requests
accepted, schema-violating ones rejected, 405 with Allow for undocumented methods, and so on.

CI runs a campaign sized to stay within about a minute; ASSISTANT_FUZZ_EXAMPLES (examples per
operation and mode) and ASSISTANT_FUZZ_SEED run a longer or different one.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis

# schemathesis is a pytest plugin, so pytest rewrites its modules (ast.parse) when they are first
# imported. It imports these lazily, after earlier tests have run, and CPython 3.11.7's AST parser can
# then fail with "AST constructor recursion depth mismatch" in a fresh environment; importing them
# here does it during collection, before any test.
import schemathesis.specs.openapi.schemas
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from assistant.api import create_app
from assistant.config import Settings

# The engine imports most of its phases, generators and transports lazily, too.
for _package in (
    "schemathesis.engine",
    "schemathesis.generation",
    "schemathesis.specs.openapi",
    "schemathesis.transport",
):
    for _module in pkgutil.walk_packages(importlib.import_module(_package).__path__, _package + "."):
        importlib.import_module(_module.name)

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("ASSISTANT_FUZZ_EXAMPLES", "30"))
SEED = int(os.environ.get("ASSISTANT_FUZZ_SEED", "20261203"))
CHAT_OPERATIONS = ("/v1/chat", "/v1/chat/completions")
# What JSON Schema cannot say about a conversation, so schema-valid data may still break it: the
# last message must be the user's and not blank, and a completion request needs at least one user
# or assistant message (the others are ignored) within the limits, its parts' texts joined.
CONVERSATION_RULES = "the conversation cannot be answered as sent"
RULE_TYPES = {"value_error", "too_short", "too_long"}


@schemathesis.check
def conversation_rules_only(ctx: Any, response: Any, case: Any) -> None:
    """Schema-valid chat data may be refused for a conversation rule, never for its schema."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return
    problem = response.json()
    assert problem.get("detail") == CONVERSATION_RULES, f"schema-valid data refused: {problem}"
    broken = {error.get("type") for error in problem.get("errors") or []}
    assert broken <= RULE_TYPES, f"schema-valid data refused for {broken - RULE_TYPES}: {problem}"


@schemathesis.check
def errors_are_problems(ctx: Any, response: Any, case: Any) -> None:
    """Every error is an RFC 9457 problem naming its status and request id."""
    assert response.headers.get("x-request-id"), "no X-Request-ID"
    if response.status_code < 400:
        return
    problem = response.json()
    assert problem["status"] == response.status_code and problem["title"] and problem["detail"], problem
    assert problem["request_id"] == response.headers["x-request-id"][0], problem


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "continue-on-failure": True,
            "generation": {"mode": "all", "max-examples": EXAMPLES, "database": "none"},
            # No operation's response links to another's input, so there is nothing stateful to test.
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "negative_data_rejection": {
                    # 413 too: a body over the size limit is refused before anything reads it.
                    "expected-statuses": [
                        *("400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429")
                    ]
                }
            },
            "operations": [
                {
                    "include-path": list(CHAT_OPERATIONS),
                    "checks": {
                        "positive_data_acceptance": {
                            # 422 only as `conversation_rules_only` allows; 413 because the body
                            # limit counts bytes, which no string length in a schema bounds.
                            "expected-statuses": ["2xx", "401", "403", "404", "409", "413", "422", "429"]
                        }
                    },
                }
            ],
        }
    )


@pytest.fixture(scope="module")
def api_schema(shipped_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    scratch = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        Settings(
            data_dir=shipped_data_dir,
            rate_limit_per_minute=1_000_000,
            rate_limit_db=scratch / "rl.sqlite3",
            feedback_database_url=f"sqlite:///{scratch / 'feedback.sqlite3'}",
            index_refresh_seconds=0,
            admin_key="fuzz-admin-key-0123456789",  # so the admin route is in the document too
        )
    )
    app.state.server.start()
    assert app.state.server.wait_ready(180), app.state.server.error
    yield schemathesis.openapi.from_asgi("/openapi.json", app, config=_config())


def test_schemathesis_finds_nothing(api_schema: Any) -> None:
    operations = {
        f"{op.method.upper()} {op.path}" for op in (r.ok() for r in api_schema.get_all_operations())
    }
    assert operations >= {
        "POST /v1/chat",
        "POST /v1/chat/completions",
        "GET /v1/articles",
        "GET /v1/articles/{article_id}",
        "GET /readyz",
        "GET /metrics",
        "POST /v1/admin/reindex",
    }
    failures: list[str] = []
    tested: set[str] = set()
    for event in from_schema(api_schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            if recorder.cases:
                tested.add(recorder.label)
            for checks in recorder.checks.values():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    failures.append(
                        f"{recorder.label} [{event.phase.name}] {check.name}: {check.failure_info.failure.title}\n"
                        f"  {check.failure_info.failure.message[:400]}\n"
                        f"  {check.failure_info.code_sample[:600]}"
                    )
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"error: {event.value if hasattr(event, 'value') else event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            failures.extend(f"after the run: {failure.title}" for failure in event.failures)
    assert not failures, f"seed {SEED}: {len(failures)} failure(s)\n" + "\n".join(sorted(set(failures))[:30])
    assert tested >= operations, f"never tested: {operations - tested}"
