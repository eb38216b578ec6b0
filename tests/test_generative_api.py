"""Generative answers end to end: our API, langchain-openai, and a real OpenAI-compatible server on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.generative import sentence_id
from tests.fake_openai import INVENTED, FakeOpenAIServer
from tests.test_api import _ask, _client, _events, _settings

pytest.importorskip("langchain_openai", reason="langchain-openai (the `llm` extra) is not installed")

QUESTION = "Why is esketamine given under supervision?"
INVENTED_TEXT = INVENTED.split(" [")[0]


@pytest.fixture
def model_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def client(shipped_data_dir: Path, tmp_path: Path, model_server: FakeOpenAIServer) -> Iterator[TestClient]:
    settings = _settings(
        shipped_data_dir,
        tmp_path,
        answerer="llm",
        llm_base_url=model_server.url,
        llm_model="fake",
        llm_max_retries=0,
        llm_breaker_failures=2,
        llm_breaker_reset_seconds=1.0,
        answer_cache_size=0,
    )
    yield from _client(settings)


def _article_bodies(client: TestClient) -> dict[str, str]:
    ids = [a["id"] for a in client.get("/v1/articles").json()]
    return {i: client.get(f"/v1/articles/{i}").json()["body"] for i in ids}


def test_the_model_answer_keeps_verified_sentences_with_exact_quotes(client: TestClient) -> None:
    response = client.post("/v1/chat", json=_ask(QUESTION))
    result = response.json()
    assert result["status"] == "answered" and result["answerer"] == "llm"
    assert INVENTED_TEXT not in response.text  # not in the answer, nor anywhere else in the reply
    verification = result["verification"]
    assert verification["generated"] == 3 and verification["kept"] == 2
    dropped = [s for s in verification["sentences"] if not s["kept"]]
    assert [(s["id"], s["text"]) for s in dropped] == [(sentence_id(INVENTED), None)]
    bodies = _article_bodies(client)
    for citation in result["citations"]:
        body = bodies[citation["article_id"]]
        assert body[citation["start"] : citation["end"]] == citation["quote"]
        assert f"[{citation['n']}]" in result["answer"]


def test_streaming_sends_only_verified_sentences(client: TestClient) -> None:
    events = _events(client.post("/v1/chat", json=_ask(QUESTION, stream=True)).text)
    names = [name for name, _ in events]
    assert names[0] == "meta" and names[-2:] == ["citations", "done"]
    deltas = [data["text"] for name, data in events if name == "delta"]
    assert len(deltas) == 2 and not any(INVENTED_TEXT in d for d in deltas)
    assert events[-1][1]["answerer"] == "llm"
    plain = client.post("/v1/chat", json=_ask(QUESTION)).json()
    assert "".join(deltas) == plain["answer"]
    assert events[-2][1]["citations"] == plain["citations"]


def test_openai_compatible_stream_carries_the_verified_answer(client: TestClient) -> None:
    body = {"model": "vetted", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    lines = [
        line.removeprefix("data: ")
        for line in client.post("/v1/chat/completions", json=body).text.split("\n\n")
    ]
    chunks = [json.loads(line) for line in lines if line and line != "[DONE]"]
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert chunks[-1]["answerer"] == "llm" and chunks[-1]["status"] == "answered"
    assert content and INVENTED_TEXT not in content
    assert all(f"[{c['n']}]" in content for c in chunks[-1]["citations"])


def test_a_failing_endpoint_degrades_to_extractive_and_recovers(
    client: TestClient, model_server: FakeOpenAIServer
) -> None:
    assert client.get("/readyz").json()["llm_breaker"] == "closed"
    model_server.mode = "fail"
    for question in (QUESTION, "What is ketamine used for?"):
        result = client.post("/v1/chat", json=_ask(question)).json()
        assert result["status"] == "answered" and result["answerer"] == "llm+fallback"
        assert "Error code: 500" in result["verification"]["error"]
    readiness = client.get("/readyz")
    assert readiness.status_code == 200  # still serving, from quotes
    assert readiness.json()["status"] == "degraded" and readiness.json()["llm_breaker"] == "open"
    assert "assistant_model_breaker_open 1.0" in client.get("/metrics").text

    calls = model_server.requests
    streamed = _events(
        client.post("/v1/chat", json=_ask("Can ketamine damage the bladder?", stream=True)).text
    )
    assert streamed[-1][1]["answerer"] == "llm+fallback" and model_server.requests == calls  # failed fast

    model_server.mode = "paraphrase"
    time.sleep(1.1)  # the breaker's reset period
    assert client.get("/readyz").json()["llm_breaker"] == "half-open"
    assert client.post("/v1/chat", json=_ask(QUESTION)).json()["answerer"] == "llm"
    readiness = client.get("/readyz")
    assert readiness.json()["status"] == "ready" and readiness.json()["llm_breaker"] == "closed"
