"""The scale-out path for real: a `chroma run` server shared by builders and API instances."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from assistant.runtime import build_index, load_pipeline
from tests.helpers import write_article
from tests.servers import api_server, chroma_server

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


def test_api_instance_serves_from_a_chroma_server(tmp_path: Path) -> None:
    corpus = tmp_path / "articles"
    for article_id, body in ARTICLES.items():
        write_article(corpus, article_id, body)
    with chroma_server(tmp_path / "chroma") as (host, port):
        env = {
            "ASSISTANT_STORE": "http",
            "ASSISTANT_CHROMA_HOST": host,
            "ASSISTANT_CHROMA_PORT": str(port),
            "ASSISTANT_CORPUS_DIR": str(corpus),
            "ASSISTANT_DATA_DIR": str(tmp_path / "api"),
        }
        with api_server(env) as (base, _process):  # builds into the server on first start
            reply = httpx.post(
                f"{base}/v1/chat",
                json={
                    "messages": [{"role": "user", "content": "Can ketamine damage the bladder permanently?"}]
                },
                timeout=60,
            ).json()
    assert reply["status"] == "answered" and reply["citations"][0]["article_id"] == "bladder"
