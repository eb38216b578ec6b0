"""Shared fixtures: the real embedder once per session, temporary corpora and data folders."""

from __future__ import annotations

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
def shipped_pipeline(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real pipeline over the shipped corpus, built once into a temporary data folder."""
    from assistant.runtime import build_index, load_pipeline

    settings = Settings(data_dir=tmp_path_factory.mktemp("shipped-data"))
    build_index(settings)
    return load_pipeline(settings)


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
