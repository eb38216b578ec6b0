"""Hardening of the HTTP API (issue 16, item 5): each test pins a defect that was seen.

Invalid Unicode in a body, bytes that are not UTF-8 in a header, an oversized chunked body, cache
hits told to clients, per-worker metrics, missing security headers, and an OpenAPI document that
disagreed with what the server does.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.config import Settings
from tests.servers import api_server, assistant_serve

QUESTION = "Why is esketamine given under supervision?"


def _settings(data_dir: Path, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "rate_limit_per_minute": 10_000,
        "rate_limit_db": tmp_path / "ratelimit.sqlite3",
        "feedback_database_url": f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
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


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return dict(body)


def _raw_json(text: str) -> dict[str, Any]:
    """Headers and body for JSON written by hand, so it can hold escapes no encoder would write."""
    return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}


class RequestLog:
    """The JSON request-log lines written while it is active."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def __enter__(self) -> RequestLog:
        self.handler = logging.Handler()
        self.handler.emit = lambda record: self.lines.append(json.loads(record.getMessage()))  # type: ignore[method-assign]
        logging.getLogger("assistant.requests").addHandler(self.handler)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("assistant.requests").removeHandler(self.handler)


# ---------- a lone surrogate anywhere in a body is a 422, never a 500 ----------


@pytest.mark.parametrize(
    ("path", "body", "location"),
    [
        (
            "/v1/chat",
            r'{"messages": [{"role": "user", "content": "what is \ud800 ketamine?"}]}',
            "messages.0.content",
        ),
        (
            "/v1/chat",
            r'{"messages": [{"role": "user", "content": "\udfff"}], "stream": true}',
            "messages.0.content",
        ),
        ("/v1/chat", r'{"messages": [{"role": "\ud800", "content": "hi"}]}', "messages.0.role"),
        (
            "/v1/chat",
            r'{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "ok"}], "x\udc00": 1}',
            "(name)",
        ),
        (
            "/v1/chat/completions",
            r'{"model": "\ud83d", "messages": [{"role": "user", "content": "hi"}]}',
            "model",
        ),
        (
            "/v1/chat/completions",
            r'{"messages": [{"role": "user", "content": [{"type": "text", "text": "\ud800"}]}]}',
            "messages.0.content.0.text",
        ),
        (
            "/v1/chat/completions",
            r'{"messages": [{"role": "system", "content": "\ud800"}, {"role": "user", "content": "hi"}]}',
            "messages.0.content",
        ),
        (
            "/v1/chat/completions",
            r'{"messages": [{"role": "user", "content": "hi"}], "user": "\udbff"}',
            "user",
        ),
        ("/v1/feedback", r'{"answer_id": "ans_\ud800", "rating": "up"}', "answer_id"),
    ],
)
def test_lone_surrogates_are_invalid_unicode(client: TestClient, path: str, body: str, location: str) -> None:
    problem = _problem(client.post(path, **_raw_json(body)), 422)
    assert "not valid Unicode" in problem["detail"]
    assert any(".".join(e["location"][1:]).endswith(location) for e in problem["errors"]), problem


def test_surrogate_pairs_are_ordinary_text(client: TestClient) -> None:
    # The escapes of one astral character (an emoji) are a valid pair, not lone surrogates.
    body = r'{"messages": [{"role": "user", "content": "\ud83d\ude00 Why is esketamine given under supervision?"}]}'
    response = client.post("/v1/chat", **_raw_json(body))
    assert response.status_code == 200 and response.json()["status"] == "answered"


# ---------- header bytes that are not UTF-8 ----------


def _asgi_get(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[bytes, bytes]]:
    """Call the app as a server does, with header bytes exactly as given (test clients re-encode them)."""
    sent: list[dict[str, Any]] = []

    async def call() -> None:
        requests = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive() -> dict[str, Any]:
            return requests.pop(0) if requests else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), *headers],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        await app(scope, receive, send)

    asyncio.run(call())
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"])


@pytest.mark.parametrize(
    "header",
    [
        (b"user-agent", b"caf\xe9 \xff\xfe"),
        (b"x-request-id", b"\xff\xfe\xfd\xfc-12345678"),
        (b"x-\xff", b"1"),
    ],
)
def test_header_bytes_that_are_not_utf8(
    shipped_data_dir: Path, tmp_path: Path, header: tuple[bytes, bytes]
) -> None:
    app = create_app(_settings(shipped_data_dir, tmp_path))
    with RequestLog() as log:
        status, headers = _asgi_get(app, "/healthz", [header])
    assert status == 200
    request_id = headers[b"x-request-id"].decode()
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # an invalid incoming id is replaced
    assert log.lines[-1]["request_id"] == request_id and log.lines[-1]["status"] == 200


# ---------- the body limit, however the body is framed ----------


def _chunks(total: int, size: int = 4096) -> Iterator[bytes]:
    # A generator body makes the client send it chunked, without a Content-Length.
    yield b'{"messages": [{"role": "user", "content": "'
    sent = 0
    while sent < total:
        yield b"a" * min(size, total - sent)
        sent += size
    yield b'"}]}'


def test_oversized_bodies_are_413_chunked_or_not(client: TestClient) -> None:
    limit = 65_536
    chunked = client.post(
        "/v1/chat", content=_chunks(limit + 10), headers={"Content-Type": "application/json"}
    )
    assert chunked.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in chunked.request.headers
    assert str(limit) in _problem(chunked, 413)["detail"]
    declared = json.dumps({"messages": [{"role": "user", "content": "a" * (limit + 10)}]}).encode()
    _problem(client.post("/v1/chat", content=declared, headers={"Content-Type": "application/json"}), 413)
    # Under the limit, a chunked body is read as usual.
    small = json.dumps({"messages": [{"role": "user", "content": QUESTION}]}).encode()
    ok = client.post(
        "/v1/chat", content=iter([small[:10], small[10:]]), headers={"Content-Type": "application/json"}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "answered"


def test_body_limit_counts_bytes_exactly(shipped_data_dir: Path, tmp_path: Path) -> None:
    for client in _client(_settings(shipped_data_dir, tmp_path, max_body_bytes=2048)):
        question = json.dumps({"messages": [{"role": "user", "content": QUESTION}]}).encode()
        padded = question[:-1] + b" " * (2048 - len(question)) + b"}"
        assert len(padded) == 2048
        assert (
            client.post(
                "/v1/chat", content=iter([padded]), headers={"Content-Type": "application/json"}
            ).status_code
            == 200
        )
        over = padded[:-1] + b" }"
        _problem(
            client.post("/v1/chat", content=iter([over]), headers={"Content-Type": "application/json"}), 413
        )


# ---------- cache hits stay on the server ----------


def test_clients_cannot_tell_a_cached_answer(client: TestClient) -> None:
    ask = {
        "messages": [{"role": "user", "content": "What happens to the bladder with long-term ketamine use?"}]
    }
    with RequestLog() as log:
        first = client.post("/v1/chat", json=ask).json()
        again = client.post("/v1/chat", json=ask).json()
        streamed = client.post("/v1/chat", json={**ask, "stream": True}).text
        completion = client.post("/v1/chat/completions", json=ask).json()
    assert first["answer"] == again["answer"]
    assert first["timings_ms"] == again["timings_ms"] == {}
    assert set(first) == set(again)
    done = json.loads(streamed.split("event: done\ndata: ")[1].split("\n")[0])
    assert done["timings_ms"] == {} and "cache" not in streamed
    assert "cache" not in json.dumps(completion)
    # The server still knows: its log and its metrics say which answers came from the cache.
    assert [line.get("answer_cache_hit") for line in log.lines if line["route"].startswith("/v1/chat")] == [
        False,
        True,
        True,
        True,
    ]
    metrics = client.get("/metrics").text
    assert re.search(r"^assistant_answer_cache_hits_total 3\.0$", metrics, re.MULTILINE), metrics


# ---------- security headers ----------


def test_every_response_says_nosniff_and_no_referrer(client: TestClient) -> None:
    responses = [
        client.get("/healthz"),
        client.get("/widget.js"),
        client.get("/metrics"),
        client.get("/v1/articles/esketamine"),
        client.get("/v1/nothing-here"),
        client.post("/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}], "stream": True}),
        client.post("/v1/chat", content=b"x" * 70_000, headers={"Content-Type": "application/json"}),
        client.get("/"),
    ]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff", response.request.url
        assert response.headers["referrer-policy"] == "no-referrer", response.request.url


def test_demo_page_has_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/")
    policy = dict(
        [*directive.split(" ", 1), ""][:2]
        for directive in response.headers["content-security-policy"].split("; ")
    )
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert "unsafe" not in response.headers["content-security-policy"]
    # The page's one inline style block is allowed by its hash, so editing it keeps the page styled.
    style = re.search(r"<style>(.*?)</style>", response.text, re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert policy["style-src"] == f"'sha256-{digest}'"
    assert "content-security-policy" not in client.get("/docs").headers  # Swagger UI loads from a CDN


# ---------- the OpenAPI document says what the server does ----------


def test_openapi_errors_are_problems_and_every_status_is_declared(
    shipped_data_dir: Path, tmp_path: Path
) -> None:
    app = create_app(_settings(shipped_data_dir, tmp_path, admin_key="a" * 24))
    document = TestClient(app).get("/openapi.json").json()
    operations = {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    for name, operation in operations.items():
        for status, response in operation["responses"].items():
            assert "X-Request-ID" in response.get("headers", {}), (name, status)
            if status.startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"], (name, status)
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= set(operation["responses"]), name
    for name in ("POST /v1/chat", "POST /v1/chat/completions"):
        responses = operations[name]["responses"]
        assert {"400", "401", "413", "422", "429", "503"} <= set(responses), name
        assert "text/event-stream" in responses["200"]["content"], name
        assert "Retry-After" in responses["429"]["headers"] and "Retry-After" in responses["503"]["headers"]
    assert {"404", "422", "503"} <= set(operations["GET /v1/articles/{article_id}"]["responses"])
    assert "401" in operations["POST /v1/admin/reindex"]["responses"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])


def test_openapi_limits_are_the_ones_enforced(shipped_data_dir: Path, tmp_path: Path) -> None:
    limits = {"max_messages": 7, "max_message_chars": 300}
    for client in _client(_settings(shipped_data_dir, tmp_path, **limits)):
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
        assert schemas["ChatRequest"]["properties"]["messages"]["maxItems"] == 7
        assert schemas["ChatRequest"]["properties"]["messages"]["minItems"] == 1
        assert schemas["Message"]["properties"]["content"]["maxLength"] == 300
        assert schemas["OpenAIChatRequest"]["properties"]["messages"]["maxItems"] == 7
        assert schemas["OpenAIChatRequest"]["properties"]["model"]["maxLength"] == 200
        text = next(
            o
            for o in schemas["OpenAIConversationMessage"]["properties"]["content"]["anyOf"]
            if o.get("type") == "string"
        )
        assert text["maxLength"] == 300

        def turns(n: int, chars: int = 10) -> list[dict[str, str]]:
            return [{"role": "user", "content": "a" * chars}] * n

        assert (
            client.post(
                "/v1/chat", json={"messages": [*turns(6), {"role": "user", "content": QUESTION}]}
            ).status_code
            == 200
        )
        _problem(client.post("/v1/chat", json={"messages": turns(8)}), 422)
        _problem(client.post("/v1/chat", json={"messages": turns(1, 301)}), 422)
        assert client.post("/v1/chat", json={"messages": turns(1, 300)}).status_code == 200
        # A completion request's system messages count towards the number, as documented...
        system = [{"role": "system", "content": "be brief"}]
        _problem(client.post("/v1/chat/completions", json={"messages": [*system, *system, *turns(6)]}), 422)
        # ...but not towards the length: only the conversation's own text is limited.
        long_system = [{"role": "system", "content": "x" * 5000}, {"role": "user", "content": QUESTION}]
        assert client.post("/v1/chat/completions", json={"messages": long_system}).status_code == 200
        _problem(client.post("/v1/chat/completions", json={"model": "m" * 201, "messages": turns(1)}), 422)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat", {"messages": [{"role": "user", "content": QUESTION}], "stream": "yes"}),
        ("/v1/chat", {"messages": [{"role": "user", "content": QUESTION}], "stream": 1}),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": QUESTION}], "stream": 0}),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": QUESTION}], "model": 7}),
    ],
)
def test_request_bodies_are_not_coerced(client: TestClient, path: str, body: dict[str, Any]) -> None:
    # The schema says boolean and string; what it rejects the server must reject too.
    assert "does not match the schema" in _problem(client.post(path, json=body), 422)["detail"]


# ---------- metrics across worker processes ----------


def _scrape(base: str, route: str) -> float:
    """What one scrape (answered by whichever worker gets the connection) counts for GET `route`."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{base}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            wanted = {"route": route, "method": "GET", "status": "200"}
            if sample.name == "assistant_http_requests_total" and sample.labels == wanted:
                return float(sample.value)
    return 0.0


def _served_per_worker(folder: Path, route: str) -> dict[int, float]:
    """Requests to `route` by the process that served them, read from each process's own file."""
    from prometheus_client.multiprocess import MultiProcessCollector

    served: dict[int, float] = {}
    for path in folder.glob("counter_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        for family in MultiProcessCollector.merge([str(path)], accumulate=False):
            for sample in family.samples:
                if sample.name == "assistant_http_requests_total" and sample.labels["route"] == route:
                    served[pid] = served.get(pid, 0.0) + sample.value
    return served


def _wait_for_workers(base: str, workers: int) -> None:
    # Each worker loads on its own; many fresh connections in a row must all find one ready.
    streak, deadline = 0, time.monotonic() + 240
    while streak < 10 * workers:
        assert time.monotonic() < deadline, "the workers did not all become ready"
        streak = streak + 1 if httpx.get(f"{base}/readyz", timeout=10).status_code == 200 else 0
        time.sleep(0.05)


@pytest.mark.server
def test_metrics_add_up_every_worker(shipped_data_dir: Path, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    env = {
        "ASSISTANT_DATA_DIR": str(shipped_data_dir),
        "ASSISTANT_RATE_LIMIT_DB": str(tmp_path / "rl.sqlite3"),
        "ASSISTANT_FEEDBACK_DATABASE_URL": f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    with api_server(env, workers=2) as (base, _process):
        _wait_for_workers(base, 2)
        sent = 0
        # A new connection each, until both workers have served some (or the test proves nothing).
        while sent < 30 or len(_served_per_worker(metrics_dir, "/healthz")) < 2:
            assert sent < 400, _served_per_worker(metrics_dir, "/healthz")
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
            sent += 1
        # A worker counts a request once it has finished it, which can be just after the client has
        # read the response: the last count may land a moment later.
        deadline = time.monotonic() + 10
        while (
            sum((served := _served_per_worker(metrics_dir, "/healthz")).values()) < sent
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert sum(served.values()) == sent and all(count < sent for count in served.values()), served
        scrapes = {_scrape(base, "/healthz") for _ in range(12)}
        assert scrapes == {float(sent)}, scrapes  # one worker's own count would differ from scrape to scrape
        # A worker killed outright is replaced; what it counted still counts, its live gauges go.
        victim = min(served)
        assert list(metrics_dir.glob(f"gauge_live*_{victim}.db"))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 120
        while not {int(p.stem.rsplit("_", 1)[1]) for p in metrics_dir.glob("gauge_live*.db")} - set(served):
            assert time.monotonic() < deadline, "the killed worker was not replaced"
            time.sleep(0.5)
        _wait_for_workers(base, 2)
        assert _scrape(base, "/healthz") == float(sent)
        assert not list(metrics_dir.glob(f"gauge_live*_{victim}.db"))


@pytest.mark.server
def test_assistant_serve_shares_metrics_between_its_workers(shipped_data_dir: Path, tmp_path: Path) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        pytest.skip("PROMETHEUS_MULTIPROC_DIR is set here, so serve would not set up its own")
    env = {
        "ASSISTANT_DATA_DIR": str(shipped_data_dir),
        "ASSISTANT_RATE_LIMIT_DB": str(tmp_path / "rl.sqlite3"),
        "ASSISTANT_FEEDBACK_DATABASE_URL": f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
    }
    with assistant_serve(env, workers=2) as base:
        _wait_for_workers(base, 2)
        for _ in range(30):
            httpx.get(f"{base}/healthz", timeout=10)
        assert {_scrape(base, "/healthz") for _ in range(12)} == {30.0}


def test_serve_sets_up_a_shared_metrics_folder_only_for_several_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    from assistant import cli

    seen: list[str | None] = []
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setattr(
        uvicorn, "run", lambda *a, **k: seen.append(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    )
    monkeypatch.setattr("assistant.runtime.build_index", lambda *a, **k: _NoBuild())
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    for workers in ("1", "3"):
        assert cli.main(["serve", "--workers", workers]) == 0
    assert seen[0] is None and seen[1] is not None
    assert not Path(seen[1]).exists()  # removed when the server stopped
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    configured = tmp_path / "operator-metrics"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(configured))
    assert cli.main(["serve", "--workers", "3"]) == 0
    assert seen[2] == str(configured) and configured.is_dir()  # the operator's folder, kept


class _NoBuild:
    version, passages, embedded_passages, changed = "v", 0, 0, False


def test_dead_workers_lose_their_live_gauges_but_keep_their_counts(tmp_path: Path) -> None:
    from assistant.api.telemetry import forget_dead_processes

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid, alive_pid = int(dead.stdout), os.getpid()
    for name in (
        f"gauge_livemostrecent_{dead_pid}.db",
        f"gauge_livemostrecent_{alive_pid}.db",
        f"counter_{dead_pid}.db",
        f"histogram_{dead_pid}.db",
    ):
        (tmp_path / name).write_bytes(b"")
    forget_dead_processes(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"gauge_livemostrecent_{alive_pid}.db", f"counter_{dead_pid}.db", f"histogram_{dead_pid}.db"]
    )


# ---------- a real server: raw bytes on the wire, and the demo page in a browser ----------


@pytest.fixture(scope="module")
def live_server(shipped_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    scratch = tmp_path_factory.mktemp("hardening-live")
    env = {
        "ASSISTANT_DATA_DIR": str(shipped_data_dir),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "10000",
        "ASSISTANT_RATE_LIMIT_DB": str(scratch / "rl.sqlite3"),
        "ASSISTANT_FEEDBACK_DATABASE_URL": f"sqlite:///{scratch / 'feedback.sqlite3'}",
    }
    with api_server(env) as (base, _process):
        yield base


def _raw_exchange(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.server
def test_raw_non_utf8_header_on_a_real_server(live_server: str) -> None:
    request = (
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: caf\xe9\xff\r\n"
        b"X-Request-ID: \xff\xfe-not-an-id\r\nConnection: close\r\n\r\n"
    )
    status, headers, _ = _raw_exchange(live_server, request)
    assert status == 200 and re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])


@pytest.mark.server
def test_raw_chunked_oversized_body_on_a_real_server(live_server: str) -> None:
    chunk = b"a" * 16_384
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5))  # 80 KiB in all
    request = (
        b"POST /v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks + b"0\r\n\r\n"
    )
    status, headers, body = _raw_exchange(live_server, request)
    assert status == 413 and headers["content-type"].startswith("application/problem+json")
    assert json.loads(body)["request_id"] == headers["x-request-id"]


@pytest.mark.server
@pytest.mark.browser
@pytest.mark.timeout(300)
def test_demo_page_works_under_its_policy(live_server: str) -> None:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        if os.environ.get("CI"):
            pytest.fail("Playwright is missing (CI is set, so the browser tests must run)")
        pytest.skip("Playwright for Python is not installed")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing at /usr/bin/chromium")
        pytest.skip("Chromium is missing at /usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.add_init_script(
                "window.__violations = []; document.addEventListener('securitypolicyviolation', "
                "e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
            )
            page.goto(live_server + "/")
            # The inline style is applied (allowed by its hash) and the widget loaded (script 'self').
            assert page.evaluate("getComputedStyle(document.body).fontSize") == "17px"
            page.get_by_role("button", name="Ask about medicines").click()
            textbox = page.get_by_role("textbox", name="Your question")
            textbox.fill(QUESTION)
            textbox.press("Enter")
            reply = page.locator("[data-status]").first
            expect(reply).to_have_attribute("data-status", "answered")
            assert page.evaluate("window.__violations") == [] and errors == []
        finally:
            browser.close()
