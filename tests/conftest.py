"""Shared fixtures: the real embedder once per session, temporary corpora and data folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from index.embedder import SentenceTransformerEmbedder

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def shipped_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the index of the shipped corpus, built once per test session."""
    from assistant.runtime import build_index

    # `make test-fast` keeps this build between runs: a build whose version (articles, model,
    # chunker) is already live is a no-op, so a stale cache cannot serve an old corpus.
    cached = os.environ.get("ASSISTANT_TEST_INDEX_CACHE")
    data_dir = Path(cached).resolve() if cached else tmp_path_factory.mktemp("shipped-data")
    build_index(Settings(data_dir=data_dir))
    return data_dir


@pytest.fixture(scope="session")
def shipped_pipeline(shipped_data_dir: Path):  # type: ignore[no-untyped-def]
    """The real pipeline (with guardrails) over the shipped corpus."""
    from assistant.runtime import load_pipeline

    return load_pipeline(Settings(data_dir=shipped_data_dir))


@pytest.fixture
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at a temporary corpus and data folder, also exported for CLI runs."""
    corpus_dir = tmp_path / "articles"
    corpus_dir.mkdir()
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.chdir(tmp_path)
    yield Settings()
