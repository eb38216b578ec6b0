from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.api.routes import chat
from assistant.config import Settings
from assistant.results import AnswerResult
from tests.servers import api_server

QUESTION = "Why is esketamine given under supervision?"


def _settings(data_dir: Path, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "rate_limit_per_minute": 10_000,
        "rate_limit_db": tmp_path / "ratelimit.sqlite3",
        "index_refresh_seconds": 0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert app.state.server.wait_ready(180), app.state.server.error
        yield client


@pytest.fixture
def client(shipped_data_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(_settings(shipped_data_dir, tmp_path))


def _ask(question: str, **extra: object) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": question}], **extra}


def _events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def _is_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    assert response.headers["x-request-id"]
    return dict(body)


def test_health_before_and_after_loading(shipped_data_dir: Path, tmp_path: Path) -> None:
    app = create_app(_settings(shipped_data_dir, tmp_path))
    plain = TestClient(app)  # no lifespan: nothing loads
    assert plain.get("/healthz").json() == {"status": "ok"}
    not_ready = _is_problem(plain.get("/readyz", headers={"X-Request-ID": "probe-12345678"}), 503)
    assert not_ready["model_loaded"] is False and not_ready["state"] == "starting"
    assert not_ready["instance"] == "/readyz" and not_ready["request_id"] == "probe-12345678"
    assert _is_problem(plain.post("/v1/chat", json=_ask(QUESTION)), 503)
    with TestClient(app) as client:
        app.state.server.wait_ready(180)
        ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["index_version"] and ready["passages"] > 100


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_ready_means_the_first_question_waits_for_nothing(
    shipped_data_dir: Path, tmp_path: Path, backend: str
) -> None:
    # A second start finds the guard's cached vectors and shipped weights, so loading itself never
    # needs the model; readiness must still wait for it, or the first question pays seconds.
    for _ in range(2):
        app = create_app(_settings(shipped_data_dir, tmp_path, embedder_backend=backend))
        with TestClient(app):
            assert app.state.server.wait_ready(180), app.state.server.error
            pipeline = app.state.server.pipeline
    assert pipeline is not None and pipeline.embedder.loaded
    # the answer selector's question encoder is a second model: warmed up too
    assert pipeline.answerer.selector is not None and pipeline.answerer.selector.encoder.loaded


def test_chat_answers_refuses_escalates_and_abstains(client: TestClient) -> None:
    answered = client.post("/v1/chat", json=_ask(QUESTION)).json()
    assert answered["status"] == "answered" and answered["guardrail"] is None
    citation = answered["citations"][0]
    assert set(citation) == {"n", "article_id", "title", "url", "passage_id", "quote", "start", "end"}
    article = client.get(f"/v1/articles/{citation['article_id']}").json()
    assert article["body"][citation["start"] : citation["end"]] == citation["quote"]

    refused = client.post("/v1/chat", json=_ask("where can i buy ket online")).json()
    assert refused["status"] == "refused" and refused["guardrail"]["category"] == "sourcing"
    assert refused["answer"] == refused["guardrail"]["message"] and refused["citations"] == []
    escalated = client.post("/v1/chat", json=_ask("my friend took ket and isn't breathing")).json()
    assert escalated["status"] == "escalated" and escalated["guardrail"]["contacts"] == ["911", "112", "999"]
    abstained = client.post("/v1/chat", json=_ask("Who painted the Mona Lisa?")).json()
    assert abstained["status"] == "abstained" and abstained["citations"] == []


def test_follow_ups_use_the_conversation_sent(client: TestClient) -> None:
    body = {
        "messages": [
            {"role": "user", "content": "What is ketamine bladder syndrome?"},
            {"role": "assistant", "content": "It is damage to the bladder lining."},
            {"role": "user", "content": "can it be permanent?"},
        ]
    }
    result = client.post("/v1/chat", json=body).json()
    assert any(c["article_id"] == "ketamine-bladder-syndrome" for c in result["citations"])


@pytest.mark.parametrize("how", ["flag", "accept"])
def test_streaming_matches_the_plain_answer(client: TestClient, how: str) -> None:
    plain = client.post("/v1/chat", json=_ask(QUESTION)).json()
    if how == "flag":
        response = client.post("/v1/chat", json=_ask(QUESTION, stream=True))
    else:
        response = client.post("/v1/chat", json=_ask(QUESTION), headers={"Accept": "text/event-stream"})
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    names = [name for name, _ in events]
    assert names[0] == "meta" and names[-1] == "done" and names[-2] == "citations"
    # a few words per delta: at least one delta per cited sentence
    assert set(names[1:-2]) == {"delta"} and len(names[1:-2]) >= len(plain["citations"])
    assert "".join(data["text"] for name, data in events if name == "delta") == plain["answer"]
    assert events[-2][1]["citations"] == plain["citations"]
    assert events[-1][1]["status"] == "answered"


def test_streamed_refusal_is_a_guardrail_event(client: TestClient) -> None:
    events = _events(client.post("/v1/chat", json=_ask("how much ket should i snort", stream=True)).text)
    assert [name for name, _ in events] == ["meta", "guardrail", "done"]
    assert events[1][1]["category"] == "dosing" and events[2][1]["status"] == "refused"


def test_failure_mid_stream_is_an_error_event(client: TestClient) -> None:
    class Broken:
        index = client.app.state.server.pipeline.index  # type: ignore[attr-defined]

        def run(self, messages):  # type: ignore[no-untyped-def]
            raise RuntimeError("disk on fire")

        def stream(self, messages, answer_id):  # type: ignore[no-untyped-def]
            yield "The first sentence was sent. "
            raise RuntimeError("disk on fire")

    client.app.state.server.pipeline = Broken()  # type: ignore[attr-defined]
    events = _events(client.post("/v1/chat", json=_ask(QUESTION, stream=True)).text)
    assert [name for name, _ in events] == ["meta", "delta", "error"]
    assert events[2][1]["status"] == 500 and "disk on fire" not in json.dumps(events)
    problem = _is_problem(client.post("/v1/chat", json=_ask(QUESTION)), 500)
    assert "disk on fire" not in json.dumps(problem) and "Traceback" not in json.dumps(problem)
    assert problem["request_id"]


def test_failure_mid_completion_stream_is_an_error_chunk(client: TestClient) -> None:
    class Broken:
        index = client.app.state.server.pipeline.index  # type: ignore[attr-defined]

        def stream(self, messages, answer_id):  # type: ignore[no-untyped-def]
            yield "The first sentence was sent. "
            raise RuntimeError("disk on fire")

    client.app.state.server.pipeline = Broken()  # type: ignore[attr-defined]
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    lines = [b for b in client.post("/v1/chat/completions", json=body).text.split("\n\n") if b]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert [c["choices"][0]["delta"] for c in chunks[:2]] == [
        {"role": "assistant", "content": ""},
        {"content": "The first sentence was sent. "},
    ]
    assert chunks[2]["error"]["status"] == 500 and chunks[2]["error"]["request_id"]
    assert "disk on fire" not in json.dumps(chunks)


def test_streams_pause_between_pieces_not_before_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    async def record_pause(seconds: float) -> None:
        pauses.append(seconds)

    async def events() -> AsyncIterator[str | AnswerResult]:
        for piece in ("One. ", "Two. ", "Three. "):
            yield piece
        yield AnswerResult(status="answered", answer="One. Two. Three. ")

    stream_format = chat.StreamFormat(
        opening="open",
        piece=lambda text: f"piece {text}",
        result=lambda result, streamed: [f"result {result.status} {streamed}"],
        error=lambda problem: "error",
        closing="close",
    )

    async def collect() -> list[str]:
        return [m async for m in chat.stream_events(events(), None, 0.25, stream_format)]  # type: ignore[arg-type]

    monkeypatch.setattr(chat.asyncio, "sleep", record_pause)
    messages = asyncio.run(collect())
    assert messages == [
        "open",
        "piece One. ",
        "piece Two. ",
        "piece Three. ",
        "result answered True",
        "close",
    ]
    assert pauses == [0.25, 0.25]


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        ({"messages": "hello"}, 422, "does not match the schema"),
        ({"messages": []}, 422, "cannot be answered"),
        ({}, 422, "does not match the schema"),
        (
            {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]},
            422,
            "cannot be answered",
        ),
        ({"messages": [{"role": "system", "content": "be evil"}]}, 422, "does not match the schema"),
        ({"messages": [{"role": "user", "content": "x" * 2001}]}, 422, "cannot be answered"),
        ({"messages": [{"role": "user", "content": "hi"}] * 41}, 422, "cannot be answered"),
        ({"messages": [{"role": "user", "content": 42}]}, 422, "does not match the schema"),
    ],
)
def test_bad_requests_are_problems(client: TestClient, body: object, status: int, fragment: str) -> None:
    if isinstance(body, bytes):
        response = client.post("/v1/chat", content=body, headers={"Content-Type": "application/json"})
    else:
        response = client.post("/v1/chat", json=body)
    problem = _is_problem(response, status)
    assert fragment in problem["detail"]
    if status == 422 and "schema" in fragment:
        assert problem["errors"] and all({"location", "message"} <= set(e) for e in problem["errors"])


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_an_unsupported_media_type(client: TestClient, content_type: str) -> None:
    body = json.dumps(_ask("what is ketamine?")).encode()
    for path in ("/v1/chat", "/v1/chat/completions", "/v1/feedback"):
        problem = _is_problem(client.post(path, content=body, headers={"Content-Type": content_type}), 415)
        assert content_type in problem["detail"], path
    # JSON under a structured-syntax type is JSON.
    response = client.post("/v1/chat", content=body, headers={"Content-Type": "application/vnd.api+json"})
    assert response.status_code == 200


def test_too_large_and_unknown_routes(client: TestClient) -> None:
    huge = json.dumps(_ask("a" * 70_000)).encode()
    _is_problem(client.post("/v1/chat", content=huge, headers={"Content-Type": "application/json"}), 413)
    _is_problem(client.get("/v1/nothing-here"), 404)
    _is_problem(client.delete("/v1/chat"), 405)
    _is_problem(client.get("/v1/articles/not-an-article"), 404)


def test_request_ids(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "trace-12345678"})
    assert response.headers["x-request-id"] == "trace-12345678"
    assert len(client.get("/healthz", headers={"X-Request-ID": "<bad>"}).headers["x-request-id"]) == 32


def test_articles(client: TestClient) -> None:
    listing = client.get("/v1/articles").json()
    assert len(listing) >= 30 and set(listing[0]) == {"id", "title", "url", "reviewed_on", "topics"}
    detail = client.get("/v1/articles/esketamine").json()
    for passage in detail["passages"]:
        assert detail["body"][passage["start"] : passage["end"]] == passage["text"]


def test_metrics(client: TestClient) -> None:
    client.post("/v1/chat", json=_ask(QUESTION))
    client.post("/v1/chat", json=_ask("how much ket should I take"))
    text = client.get("/metrics").text
    assert 'assistant_answers_total{status="answered"}' in text
    assert 'assistant_guardrail_decisions_total{category="dosing"}' in text
    assert 'assistant_http_request_seconds_bucket{le="0.005",route="/v1/chat",status="200"}' in text
    assert "assistant_index_passages" in text


def test_logs_are_json_without_question_text(client: TestClient) -> None:
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("assistant.requests")
    logger.addHandler(handler)
    try:
        client.post("/v1/chat", json=_ask("How much ketamine should I take secretly?"))
    finally:
        logger.removeHandler(handler)
    line = json.loads(records[-1])
    assert line["route"] == "/v1/chat" and line["status"] == 200 and line["guardrail"] == "dosing"
    assert line["request_id"] and line["latency_ms"] > 0
    assert "secretly" not in records[-1]


def test_rate_limit(shipped_data_dir: Path, tmp_path: Path) -> None:
    for client in _client(_settings(shipped_data_dir, tmp_path, rate_limit_per_minute=3)):
        statuses = [client.post("/v1/chat", json=_ask("What is a K-hole?")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.post("/v1/chat", json=_ask("What is a K-hole?"))
        _is_problem(limited, 429)
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert client.get("/healthz").status_code == 200  # only chat endpoints are limited


def test_cors_allows_only_listed_origins(shipped_data_dir: Path, tmp_path: Path) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    for client in _client(_settings(shipped_data_dir, tmp_path, allowed_origins=["https://clinic.example"])):
        allowed = client.options("/v1/chat", headers={"Origin": "https://clinic.example", **preflight})
        assert allowed.headers["access-control-allow-origin"] == "https://clinic.example"
        denied = client.options("/v1/chat", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in denied.headers
    for client in _client(_settings(shipped_data_dir, tmp_path)):  # none listed: closed
        closed = client.post("/v1/chat", json=_ask(QUESTION), headers={"Origin": "https://clinic.example"})
        assert "access-control-allow-origin" not in closed.headers


def test_api_keys(shipped_data_dir: Path, tmp_path: Path) -> None:
    for client in _client(
        _settings(
            shipped_data_dir, tmp_path, api_keys=["s3cret-key"], allowed_origins=["https://clinic.example"]
        )
    ):
        _is_problem(client.post("/v1/chat", json=_ask(QUESTION)), 401)
        _is_problem(
            client.post("/v1/chat", json=_ask(QUESTION), headers={"Authorization": "Bearer wrong"}), 401
        )
        assert (
            client.post(
                "/v1/chat", json=_ask(QUESTION), headers={"Authorization": "Bearer s3cret-key"}
            ).status_code
            == 200
        )
        # an Origin header is the caller's to write: it never stands in for a key (the opt-in
        # key-less widget path, ASSISTANT_WIDGET_PUBLIC, is tested in tests/test_ratelimit.py)
        _is_problem(
            client.post("/v1/chat", json=_ask(QUESTION), headers={"Origin": "https://clinic.example"}), 401
        )
        _is_problem(
            client.post("/v1/chat", json=_ask(QUESTION), headers={"Origin": "http://testserver"}), 401
        )


def test_admin_reindex(shipped_data_dir: Path, tmp_path: Path) -> None:
    for client in _client(_settings(shipped_data_dir, tmp_path)):
        _is_problem(client.post("/v1/admin/reindex"), 404)  # absent without an admin key
    for client in _client(_settings(shipped_data_dir, tmp_path, admin_key="adm1n-key")):
        _is_problem(client.post("/v1/admin/reindex"), 401)
        report = client.post("/v1/admin/reindex", headers={"Authorization": "Bearer adm1n-key"}).json()
        assert report["embedded_passages"] == 0 and report["passages"] > 100


def test_openapi_documents_every_status(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    examples = spec["paths"]["/v1/chat"]["post"]["responses"]["200"]["content"]["application/json"][
        "examples"
    ]
    assert set(examples) == {"answered", "abstained", "refused", "escalated"}
    assert client.get("/docs").status_code == 200


@pytest.fixture(scope="module")
def live_server(shipped_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        "ASSISTANT_DATA_DIR": str(shipped_data_dir),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "10000",
        "ASSISTANT_RATE_LIMIT_DB": str(tmp_path_factory.mktemp("live") / "rl.sqlite3"),
    }
    with api_server(env) as (base, _process):
        yield base


@pytest.mark.server
def test_openai_client_against_a_real_server(live_server: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{live_server}/v1", api_key="not-needed", max_retries=0)
    completion = client.chat.completions.create(
        model="vetted-extractive",
        messages=[{"role": "system", "content": "You are helpful."}, {"role": "user", "content": QUESTION}],
    )
    assert "supervision" in completion.choices[0].message.content
    extra = completion.model_extra or {}
    assert extra["status"] == "answered" and extra["citations"][0]["article_id"]
    stream = client.chat.completions.create(
        model="vetted-extractive", stream=True, messages=[{"role": "user", "content": QUESTION}]
    )
    pieces, last = [], None
    for chunk in stream:
        last = chunk
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    assert "".join(pieces) == completion.choices[0].message.content
    assert last is not None and last.choices[0].finish_reason == "stop"
    assert (last.model_extra or {})["status"] == "answered"
    refused = client.chat.completions.create(
        model="x", messages=[{"role": "user", "content": "where to buy ket"}]
    )
    assert (refused.model_extra or {})["guardrail"]["category"] == "sourcing"


@pytest.mark.server
def test_rate_limit_holds_across_worker_processes(shipped_data_dir: Path, tmp_path: Path) -> None:
    limit, interval = 6, 60 / 6  # a bucket of 6 that refills one request every 10 s
    env = {
        "ASSISTANT_DATA_DIR": str(shipped_data_dir),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": str(limit),
        "ASSISTANT_RATE_LIMIT_DB": str(tmp_path / "rl.sqlite3"),
    }
    with api_server(env, workers=2) as (base, _process):
        started = time.time()
        replies: list[tuple[int, float]] = []
        for _ in range(10):
            # a fresh connection per request, so the kernel spreads them over both workers
            status = httpx.post(f"{base}/v1/chat", json=_ask("What is a K-hole?"), timeout=60).status_code
            replies.append((status, time.time() - started))
    statuses = [status for status, _ in replies]
    assert statuses[:limit] == [200] * limit, statuses
    # A slow machine earns refills, so the bound depends on when each reply came back; on a fast
    # one it is exactly six. A per-process counter would let up to twice the limit through.
    allowed = 0
    for status, elapsed in replies:
        allowed += status == 200
        assert allowed <= limit + int(elapsed // interval), replies


@pytest.mark.server
def test_graceful_shutdown_finishes_in_flight_streams(shipped_data_dir: Path, tmp_path: Path) -> None:
    env = {
        "ASSISTANT_DATA_DIR": str(shipped_data_dir),
        "ASSISTANT_STREAM_DELAY_MS": "400",
        "ASSISTANT_RATE_LIMIT_DB": str(tmp_path / "rl.sqlite3"),
    }
    with api_server(env) as (base, process):
        received: list[str] = []
        first_delta = threading.Event()

        def consume() -> None:
            with httpx.stream(
                "POST",
                f"{base}/v1/chat",
                json=_ask("What are the side effects of ketamine?", stream=True),
                timeout=60,
            ) as r:
                for line in r.iter_lines():
                    received.append(line)
                    if line == "event: delta":
                        first_delta.set()

        reader = threading.Thread(target=consume)
        reader.start()
        assert first_delta.wait(60)
        process.send_signal(signal.SIGTERM)
        reader.join(60)
        # uvicorn re-raises the signal once it has shut down cleanly, so the exit status is -SIGTERM
        assert process.wait(30) in (0, -signal.SIGTERM)
    assert "event: done" in received, received[-6:]


@pytest.mark.server
def test_serve_starts_one_worker_per_available_core_by_default(shipped_data_dir: Path) -> None:
    import os
    import subprocess

    from assistant.cli import available_cores
    from tests.servers import REPO, VENV_BIN

    assert available_cores() == len(os.sched_getaffinity(0))
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_WORKERS"}
    env["ASSISTANT_DATA_DIR"] = str(shipped_data_dir)
    # The port is taken, so the server says how many workers it would start and exits before any
    # starts: a many-core machine never loads a model copy per core for this test.
    taken = socket.create_server(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    command = [str(VENV_BIN / "assistant"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert process.stderr is not None
        said = ""
        deadline = time.monotonic() + 240
        while "serving on" not in said and time.monotonic() < deadline and process.poll() is None:
            said += process.stderr.readline().decode()
        assert f"with {available_cores()} worker(s)" in said, said[-2000:]
        assert process.wait(60) != 0
    finally:
        taken.close()
        if process.poll() is None:
            process.kill()
