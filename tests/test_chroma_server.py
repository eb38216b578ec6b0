"""The scale-out path for real: a `chroma run` server shared by builders and API instances."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from assistant.runtime import build_index, load_pipeline
from index.passages import LIVENESS_INTERVAL_SECONDS
from index.store import ChromaStore
from tests.helpers import write_article
from tests.servers import api_server, chroma_server, redis_server, wait_for

pytestmark = pytest.mark.server

ARTICLES = {
    "spray": "## Spray\n\nEsketamine is a nasal spray given under supervision because it can cause dissociation and sedation.",
    "bladder": "## Bladder\n\nKetamine bladder syndrome is an ulcerative cystitis that can become permanent in frequent users.",
}


def test_index_and_answer_through_a_chroma_server(tmp_path: Path) -> None:
    corpus = tmp_path / "articles"
    for article_id, body in ARTICLES.items():
        write_article(corpus, article_id, body)
    with chroma_server(tmp_path / "chroma") as (host, port):
        builder = Settings(
            store="http", chroma_host=host, chroma_port=port, corpus_dir=corpus, data_dir=tmp_path / "builder"
        )
        report = build_index(builder)
        assert report.passages == 2 and report.embedded_passages == 2

        # Another instance with an empty data folder: lexical index and sentence vectors come from the server.
        instance = Settings(
            store="http",
            chroma_host=host,
            chroma_port=port,
            corpus_dir=corpus,
            data_dir=tmp_path / "instance",
        )
        pipeline = load_pipeline(instance)
        assert pipeline.index.version == report.version
        assert next(pid for pid, _ in pipeline.index.lexical.search("ulcerative cystitis", 2)) == "bladder#1"
        result = pipeline.run("Why is esketamine given under supervision?")
        assert result.status == "answered" and result.citations[0].article_id == "spray"

        # An incremental rebuild through the server is seen by the running instance's next load.
        write_article(
            corpus, "bladder", "## Bladder\n\nKetamine uropathy can shrink the bladder in heavy users."
        )
        assert build_index(builder).updated == ["bladder"]
        assert "shrink" in load_pipeline(instance).index.passages["bladder#1"].text


# Requests reach the instances through a "proxy" on loopback that names a new client each time,
# so only the limit phase below, which names one client, counts against a single limit.
_CLIENTS = itertools.count(1)
LIMIT = 6


def _chat(base: str, question: str, client: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/chat",
        json={"messages": [{"role": "user", "content": question}]},
        headers={"X-Forwarded-For": client or f"198.51.100.{next(_CLIENTS) % 250 + 1}"},
        timeout=60,
    )


def _ready_version(base: str) -> str | None:
    return httpx.get(f"{base}/readyz", timeout=10).json().get("index_version")


def _wait_for_version(base: str, version: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _chat(base, "Is ketamine bladder damage permanent?")  # a request is what makes an instance look
        if _ready_version(base) == version:
            return
        time.sleep(0.5)
    raise AssertionError(f"{base} still serves {_ready_version(base)}, not {version}")


def test_instances_on_one_chroma_server_serve_one_truth(tmp_path: Path) -> None:
    """Two API instances with empty data folders and their own (different) corpus copies, one writer."""
    current, stale = tmp_path / "articles", tmp_path / "stale-copy"
    for article_id, body in ARTICLES.items():
        write_article(current, article_id, body)
    write_article(stale, "bladder", "## Bladder\n\nAn outdated paragraph that no index version holds.")
    with chroma_server(tmp_path / "chroma") as (host, port), redis_server() as redis_url:
        shared = {
            "ASSISTANT_REDIS_URL": redis_url,
            "ASSISTANT_RATE_LIMIT_PER_MINUTE": str(LIMIT),
            "ASSISTANT_FORWARDED_ALLOW_IPS": "127.0.0.1",
            "ASSISTANT_STORE": "http",
            "ASSISTANT_CHROMA_HOST": host,
            "ASSISTANT_CHROMA_PORT": str(port),
            "ASSISTANT_INDEX_REFRESH_SECONDS": "1",
            # Versions are deleted as soon as they are retired, so an idle instance must recover.
            "ASSISTANT_INDEX_RETIRE_GRACE_SECONDS": "0",
            "ASSISTANT_ADMIN_KEY": "admin-secret",
        }
        builder = Settings(
            store="http",
            chroma_host=host,
            chroma_port=port,
            corpus_dir=current,
            data_dir=tmp_path / "builder",
            index_retire_grace_seconds=0,
        )
        one_env = {
            **shared,
            "ASSISTANT_CORPUS_DIR": str(current),
            "ASSISTANT_DATA_DIR": str(tmp_path / "one"),
        }
        two_env = {**shared, "ASSISTANT_CORPUS_DIR": str(stale), "ASSISTANT_DATA_DIR": str(tmp_path / "two")}
        store = ChromaStore.http(host, port)
        with (
            api_server(one_env, wait_ready=False) as (one, _),
            api_server(two_env, wait_ready=False) as (two, _),
        ):
            # Started before any build: an instance waits for the writer instead of building.
            assert httpx.get(f"{one}/readyz", timeout=10).status_code == 503
            assert store.read_pointer() is None
            first = build_index(builder)
            for base in (one, two):
                wait_for(f"{base}/readyz", 60)
            assert _ready_version(one) == _ready_version(two) == first.version
            assert store.read_pointer()["version"] == first.version  # type: ignore[index]

            # Articles and offsets come from the served version, not the instance's own (stale) copy.
            for base in (one, two):
                reply = _chat(base, "Can ketamine damage the bladder permanently?").json()
                citation = reply["citations"][0]
                article = httpx.get(f"{base}/v1/articles/{citation['article_id']}", timeout=10).json()
                assert article["body"][citation["start"] : citation["end"]] == citation["quote"]
                assert "outdated" not in article["body"]
            assert len(httpx.get(f"{two}/v1/articles", timeout=10).json()) == len(ARTICLES)

            # A build through one instance is served by both.
            write_article(
                current, "bladder", "## Bladder\n\nKetamine uropathy can shrink the bladder in heavy users."
            )
            rebuilt = httpx.post(
                f"{one}/v1/admin/reindex", headers={"Authorization": "Bearer admin-secret"}, timeout=120
            ).json()
            assert rebuilt["updated"] == ["bladder"] and rebuilt["embedded_passages"] == 1
            _wait_for_version(one, rebuilt["version"])
            _wait_for_version(two, rebuilt["version"])

            # Instance two sits idle through two more builds; the version it holds is deleted meanwhile.
            for text in ("Ketamine cystitis is bladder inflammation.", "Ketamine can scar the bladder wall."):
                write_article(current, "bladder", f"## Bladder\n\n{text}")
                latest = build_index(builder)
            assert f"passages_{rebuilt['version']}" not in store.collection_names()
            # Searching in memory, an instance asks whether its version lives at most once a liveness
            # interval; an idle one has long passed it when the next question comes.
            time.sleep(LIVENESS_INTERVAL_SECONDS + 0.2)
            reply = _chat(two, "Can ketamine scar the bladder?")
            assert reply.status_code == 200, reply.text
            assert reply.json()["index_version"] == latest.version
            assert "scar the bladder wall" in reply.json()["citations"][0]["quote"]

            # One client's limit holds across both instances (shared in Redis), whichever it reaches.
            statuses = [
                _chat((one, two)[i % 2], "What is ketamine?", client="203.0.113.7").status_code
                for i in range(LIMIT + 2)
            ]
            assert statuses == [200] * LIMIT + [429, 429]

            # No instance start ever moved the pointer.
            with api_server({**two_env, "ASSISTANT_DATA_DIR": str(tmp_path / "three")}) as (three, _):
                assert _ready_version(three) == latest.version
            assert store.read_pointer()["version"] == latest.version  # type: ignore[index]
