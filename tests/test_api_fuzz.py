"""Property-based fuzzing of the OpenAPI schema: no input makes the server fail, every error is a problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis

# schemathesis is a pytest plugin, so pytest rewrites its modules (ast.parse) when they are first
# imported. It imports these lazily, after earlier tests have run, and CPython 3.11.7's AST parser can
# then fail with "AST constructor recursion depth mismatch" in a fresh environment; importing them
# here does it during collection, before any test.
import schemathesis.specs.openapi.schemas
from hypothesis import HealthCheck, given, settings

from assistant.api import create_app
from assistant.config import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_schema(shipped_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    app = create_app(
        Settings(
            data_dir=shipped_data_dir,
            rate_limit_per_minute=1_000_000,
            rate_limit_db=tmp_path_factory.mktemp("fuzz") / "rl.sqlite3",
            index_refresh_seconds=0,
        )
    )
    app.state.server.start()
    assert app.state.server.wait_ready(180), app.state.server.error
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _check(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    if response.status_code >= 400:
        content_type = response.headers["content-type"]
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), content_type
        body = response.json()
        assert body["status"] == response.status_code and body["title"] and "detail" in body
    assert response.headers.get("x-request-id")


def test_no_input_breaks_the_api(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "POST /v1/chat",
        "POST /v1/chat/completions",
        "GET /v1/articles/{article_id}",
    }
    for operation in operations:
        # schemathesis's pytest plugin does not load under this pytest; Hypothesis drives its strategies directly
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            _check(case)

        run()
