"""The built index as readers see it: passages, their sentence vectors, dense and lexical search."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corpus.text import sentence_spans
from index.embedder import Embedder
from index.errors import IndexNotBuiltError, IndexStoreError, IndexVersionGoneError
from index.lexical import LexicalIndex
from index.store import StoredRecord, VectorStore

ARTICLES_FILE = "articles.json"
# Up to this many passages the dense search runs in memory, exactly: a matrix product over a few
# thousand vectors takes microseconds, while a query through the vector store took about a
# millisecond of every answer. Larger indexes (31 MB of vectors at the limit) stay in the store.
EXACT_SEARCH_MAX_PASSAGES = 20_000
# An in-memory search no longer asks the store, so whether the version still exists is asked at
# most this often; within the window a deleted version keeps answering from the same memory.
LIVENESS_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class IndexedPassage:
    """A passage with the article metadata a citation needs."""

    id: str
    article_id: str
    n: int
    section: str
    text: str
    start: int
    end: int
    title: str
    url: str | None
    reviewed_on: str | None

    @classmethod
    def from_record(cls, record: StoredRecord) -> IndexedPassage:
        meta = record.metadata
        return cls(
            id=record.id,
            article_id=str(meta["article_id"]),
            n=int(meta["n"]),
            section=str(meta.get("section", "")),
            text=record.document,
            start=int(meta["start"]),
            end=int(meta["end"]),
            title=str(meta["title"]),
            url=meta.get("url") or None,
            reviewed_on=meta.get("reviewed_on") or None,
        )


@dataclass(frozen=True)
class SentenceRow:
    """A sentence of a passage: offsets into the article body and its row in the vector table."""

    passage_id: str
    start: int
    end: int
    row: int


def passage_sentence_spans(passage: IndexedPassage) -> list[tuple[int, int]]:
    """Sentence offsets of a passage, in article-body coordinates."""
    return [(passage.start + s.start, passage.start + s.end) for s in sentence_spans(passage.text)]


def build_artifacts(
    folder: Path,
    passages: list[IndexedPassage],
    sentence_vectors: Callable[[list[tuple[IndexedPassage, list[tuple[int, int]]]]], np.ndarray],
    articles: list[dict[str, Any]] | None = None,
) -> None:
    """Write the lexical index, the sentence table and the articles as served into `folder`, atomically."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        LexicalIndex.build(
            [p.id for p in passages], [f"{p.title} {p.section} {p.text}" for p in passages]
        ).save(staging)
        spans = [(p, passage_sentence_spans(p)) for p in passages]
        vectors = sentence_vectors(spans)
        rows = [[p.id, start, end] for p, sentence_list in spans for start, end in sentence_list]
        np.save(staging / "sentences.npy", vectors.astype(np.float32))
        (staging / "sentences.json").write_text(json.dumps(rows))
        if articles is not None:
            (staging / ARTICLES_FILE).write_text(json.dumps(articles))
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


class PassageIndex:
    """A read-only view of one index version."""

    def __init__(
        self,
        store: VectorStore,
        manifest: dict[str, Any],
        passages: list[IndexedPassage],
        lexical: LexicalIndex,
        sentence_rows: list[SentenceRow],
        sentence_vectors: np.ndarray,
        served_articles: list[dict[str, Any]] | None = None,
        passage_vectors: np.ndarray | None = None,
    ) -> None:
        """`passage_vectors` (one normalised row per passage, in `passages` order) searches in memory."""
        if passage_vectors is not None and len(passage_vectors) != len(passages):
            raise ValueError(f"{len(passage_vectors)} passage vectors for {len(passages)} passages")
        self.store = store
        self._passage_ids = [p.id for p in passages]
        self._passage_vectors = passage_vectors
        self.liveness_interval = LIVENESS_INTERVAL_SECONDS
        self._alive_at = time.monotonic()
        self.manifest = manifest
        # The articles exactly as this version quotes them (None for versions built without them).
        self.served_articles = served_articles
        self.passages = {p.id: p for p in passages}
        self.lexical = lexical
        self.sentence_vectors = sentence_vectors
        self._sentences: dict[str, list[SentenceRow]] = {}
        for row in sentence_rows:
            self._sentences.setdefault(row.passage_id, []).append(row)

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def collection(self) -> str:
        return str(self.manifest["collection"])

    @classmethod
    def open(cls, store: VectorStore, embedder: Embedder, artifacts_root: Path) -> PassageIndex:
        """Open the live version named by the store's pointer, rebuilding local artifacts if missing."""
        manifest = store.read_pointer()
        if not manifest:
            raise IndexNotBuiltError()
        if manifest.get("model") != embedder.model_id:
            raise IndexStoreError(
                f"the index was built with {manifest.get('model')!r} but the embedder is {embedder.model_id!r}; rebuild it"
            )
        in_memory = store.count(manifest["collection"]) <= EXACT_SEARCH_MAX_PASSAGES
        records = sorted(
            store.records(manifest["collection"], with_embeddings=in_memory),
            key=lambda r: (str(r.metadata.get("article_id")), int(r.metadata.get("n", 0))),
        )
        passages = [IndexedPassage.from_record(r) for r in records]
        passage_vectors = (
            np.stack([np.asarray(r.embedding, dtype=np.float32) for r in records])
            if in_memory and records and all(r.embedding is not None for r in records)
            else None
        )
        folder = artifacts_root / manifest["version"]
        if not (folder / "sentences.json").exists() and not store.get_files(
            manifest.get("files", ""), folder
        ):
            # A version built before artifacts were stored with it: derive them (embeds every sentence).
            build_artifacts(folder, passages, lambda spans: _embed_sentences(embedder, spans))
        rows = [
            SentenceRow(pid, start, end, i)
            for i, (pid, start, end) in enumerate(json.loads((folder / "sentences.json").read_text()))
        ]
        vectors = np.load(folder / "sentences.npy")
        served = folder / ARTICLES_FILE
        articles = json.loads(served.read_text()) if served.exists() else None
        return cls(
            store, manifest, passages, LexicalIndex.load(folder), rows, vectors, articles, passage_vectors
        )

    def dense(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The `k` passages nearest to `query_vector`, with their cosine similarity, best first."""
        if not self.passages:
            return []
        k = min(k, len(self.passages))
        if self._passage_vectors is None:
            return self.store.query(self.collection, query_vector, k)
        self._check_alive()
        scores = self._passage_vectors @ np.asarray(query_vector, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self._passage_ids[i], float(scores[i])) for i in top]

    def _check_alive(self) -> None:
        now = time.monotonic()
        if now - self._alive_at < self.liveness_interval:
            return
        try:
            names = self.store.collection_names()
        except Exception:
            # An unreachable store is asked again next time; the version in memory is whole and
            # consistent, so it keeps answering while the store is away.
            return
        if self.collection not in names:
            raise IndexVersionGoneError(self.collection)
        self._alive_at = now

    def sentences(self, passage_id: str) -> list[SentenceRow]:
        return self._sentences.get(passage_id, [])

    def articles(self) -> dict[str, dict[str, Any]]:
        return dict(self.manifest.get("articles", {}))


def _embed_sentences(
    embedder: Embedder, spans: list[tuple[IndexedPassage, list[tuple[int, int]]]]
) -> np.ndarray:
    texts = [
        p.text[start - p.start : end - p.start] for p, sentence_list in spans for start, end in sentence_list
    ]
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return embedder.embed(texts)
