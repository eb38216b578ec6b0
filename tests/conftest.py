"""Shared fixtures: the real embedder once per session, temporary corpora and data folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from index.embedder import SentenceTransformerEmbedder

REPO = Path(__file__).resolve().parent.parent
# `assistant serve` starts one worker per core by default; the servers tests start (and inherit this
# environment) run one each, so a many-core CI machine does not load dozens of model copies.
os.environ.setdefault("ASSISTANT_WORKERS", "1")


@pytest.fixture(scope="session", autouse=True)
def shared_onnx_exports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder of ONNX exports for every data folder of the session (they are named by their
    weights' hash): each model is exported once, not once per test's index build."""
    cached = os.environ.get("ASSISTANT_TEST_INDEX_CACHE")
    folder = Path(cached).resolve().parent / "onnx" if cached else tmp_path_factory.mktemp("onnx")
    previous = os.environ.get("ASSISTANT_ONNX_DIR")
    os.environ["ASSISTANT_ONNX_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("ASSISTANT_ONNX_DIR", None)
    else:
        os.environ["ASSISTANT_ONNX_DIR"] = previous


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
