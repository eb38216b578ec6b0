"""Incremental, crash-safe index builds.

A build writes a brand-new collection and artifact folder for the new version, copies the
vectors of unchanged articles from the live version, embeds only changed ones, stores the
artifacts (sentence vectors, lexical index, the articles as served) beside the passages, and then
switches the store's pointer in one write. Until that write, readers keep using the previous
version; a crash leaves at most an orphan collection that the next build removes.

Builds are the only writers of a store. A version the pointer left is kept for a grace period
(`retire_grace_seconds`, several of the servers' refresh intervals) before it is deleted, so an
instance that has not looked at the pointer yet keeps answering from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from corpus.chunking import CHUNKER_VERSION, ChunkingPolicy, chunk_article
from corpus.models import Article
from index.embedder import Embedder
from index.passages import IndexedPassage, build_artifacts
from index.store import StoredRecord, VectorStore

COLLECTION_PREFIX = "passages_"
FILES_PREFIX = "files_"
DEFAULT_RETIRE_GRACE_SECONDS = 600.0
ProgressCallback = Callable[[int, int], None]


@dataclass
class BuildReport:
    """What a build did."""

    version: str
    previous_version: str | None
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    passages: int = 0
    embedded_passages: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return self.version != self.previous_version

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "previous_version": self.previous_version,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": len(self.unchanged),
            "passages": self.passages,
            "embedded_passages": self.embedded_passages,
            "seconds": round(self.seconds, 3),
        }


def embedding_text(passage: IndexedPassage) -> str:
    """What gets embedded for a passage: its text with the article title and section for context."""
    heading = f"{passage.title}. {passage.section}." if passage.section else f"{passage.title}."
    return f"{heading} {passage.text}"


def index_version(hashes: dict[str, str], model_id: str, served: str = "") -> str:
    """`hashes` decide what is embedded; `served` (a hash of the articles as shown) what else a version holds."""
    payload = json.dumps(
        {"articles": hashes, "model": model_id, "chunker": CHUNKER_VERSION, "served": served}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def served_hash(articles: Iterable[Article]) -> str:
    records = sorted((a.served_record() for a in articles), key=lambda r: r["id"])
    return hashlib.sha256(json.dumps(records, sort_keys=True).encode()).hexdigest()


def passages_of(article: Article, policy: ChunkingPolicy | None = None) -> list[IndexedPassage]:
    """The article's passages with the metadata a citation needs, as the index stores them."""
    return [
        IndexedPassage(
            id=p.id,
            article_id=article.id,
            n=p.n,
            section=p.section,
            text=p.text,
            start=p.start,
            end=p.end,
            title=article.title,
            url=article.url,
            reviewed_on=article.reviewed_on.isoformat() if article.reviewed_on else None,
        )
        for p in chunk_article(article, policy or ChunkingPolicy())
    ]


def _record(passage: IndexedPassage, embedding: np.ndarray, content_hash: str) -> StoredRecord:
    metadata = {
        "article_id": passage.article_id,
        "n": passage.n,
        "section": passage.section,
        "start": passage.start,
        "end": passage.end,
        "title": passage.title,
        "url": passage.url or "",
        "reviewed_on": passage.reviewed_on or "",
        "article_hash": content_hash,
    }
    return StoredRecord(passage.id, passage.text, metadata, embedding)


class IndexBuilder:
    """Builds the index for a set of (already vetted, approved) articles."""

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        artifacts_root: Path,
        chunking: ChunkingPolicy | None = None,
        retire_grace_seconds: float = DEFAULT_RETIRE_GRACE_SECONDS,
    ) -> None:
        if retire_grace_seconds < 0:
            raise ValueError(f"retire_grace_seconds must be 0 or more, not {retire_grace_seconds}")
        self.store = store
        self.embedder = embedder
        self.artifacts_root = Path(artifacts_root)
        self.chunking = chunking or ChunkingPolicy()
        self.retire_grace_seconds = retire_grace_seconds

    def plan(self, articles: list[Article]) -> tuple[str, dict[str, str], dict[str, Any] | None]:
        """The version these articles would build, their hashes and the live manifest."""
        hashes = {a.id: a.content_hash() for a in articles}
        version = index_version(hashes, self.embedder.model_id, served_hash(articles))
        return version, hashes, self.store.read_pointer()

    def build(self, articles: list[Article], progress: ProgressCallback | None = None) -> BuildReport:
        started = time.perf_counter()
        version, hashes, live = self.plan(articles)
        reusable = (
            live
            if live and live.get("model") == self.embedder.model_id and live.get("chunker") == CHUNKER_VERSION
            else None
        )
        old_hashes: dict[str, str] = {k: v["hash"] for k, v in (reusable or {}).get("articles", {}).items()}
        report = BuildReport(version=version, previous_version=live.get("version") if live else None)
        report.added = sorted(set(hashes) - set(old_hashes))
        report.removed = sorted(set(old_hashes) - set(hashes))
        report.updated = sorted(a for a in hashes if a in old_hashes and old_hashes[a] != hashes[a])
        report.unchanged = sorted(a for a in hashes if old_hashes.get(a) == hashes[a])
        if live and live.get("version") == version and self._version_files_stored(live):
            report.passages = sum(v["passages"] for v in live["articles"].values())
            report.seconds = time.perf_counter() - started
            return report

        collection = COLLECTION_PREFIX + version
        self.store.delete_collection(collection)  # an orphan of an interrupted build of this same version
        self.store.create_collection(collection)

        by_id = {a.id: a for a in articles}
        kept: list[IndexedPassage] = []
        if reusable and report.unchanged:
            copied = list(
                self.store.records(
                    reusable["collection"],
                    where={"article_id": {"$in": report.unchanged}},
                    with_embeddings=True,
                )
            )
            self.store.add(collection, copied)
            kept = [IndexedPassage.from_record(r) for r in copied]

        fresh = [
            p
            for article_id in report.added + report.updated
            for p in passages_of(by_id[article_id], self.chunking)
        ]
        total = len(fresh)
        if progress:
            progress(0, total)
        batch_size = 64
        for start in range(0, total, batch_size):
            batch = fresh[start : start + batch_size]
            vectors = self.embedder.embed([embedding_text(p) for p in batch])
            self.store.add(
                collection, [_record(p, v, hashes[p.article_id]) for p, v in zip(batch, vectors, strict=True)]
            )
            report.embedded_passages += len(batch)
            if progress:
                progress(report.embedded_passages, total)

        passages = sorted(kept + fresh, key=lambda p: (p.article_id, p.n))
        previous_sentences = self._previous_sentence_vectors(reusable, set(report.unchanged))
        folder = self.artifacts_root / version
        build_artifacts(
            folder,
            passages,
            lambda spans: self._sentence_vectors(spans, previous_sentences),
            articles=[a.served_record() for a in sorted(articles, key=lambda a: a.id)],
        )
        self.store.put_files(FILES_PREFIX + version, folder)

        counts: dict[str, int] = {}
        for p in passages:
            counts[p.article_id] = counts.get(p.article_id, 0) + 1
        manifest = {
            "version": version,
            "collection": collection,
            "model": self.embedder.model_id,
            "chunker": CHUNKER_VERSION,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files": FILES_PREFIX + version,
            "retired": self._retired_after(live, version),
            "articles": {
                a.id: {
                    "hash": hashes[a.id],
                    "passages": counts.get(a.id, 0),
                    "title": a.title,
                    "see": a.see,
                    "topics": a.topics,
                }
                for a in sorted(articles, key=lambda a: a.id)
            },
        }
        self.store.write_pointer(manifest)
        self._collect_garbage(manifest)
        report.passages = len(passages)
        report.seconds = time.perf_counter() - started
        return report

    def _previous_sentence_vectors(
        self, live: dict[str, Any] | None, unchanged: set[str]
    ) -> dict[tuple[str, int, int], np.ndarray]:
        if not live or not unchanged:
            return {}
        folder = self.artifacts_root / live["version"]
        if not (folder / "sentences.json").exists():
            return {}
        rows = json.loads((folder / "sentences.json").read_text())
        vectors = np.load(folder / "sentences.npy")
        return {
            (pid, start, end): vectors[i]
            for i, (pid, start, end) in enumerate(rows)
            if pid.split("#", 1)[0] in unchanged
        }

    def _sentence_vectors(
        self,
        spans: list[tuple[IndexedPassage, list[tuple[int, int]]]],
        previous: dict[tuple[str, int, int], np.ndarray],
    ) -> np.ndarray:
        keys = [(p, start, end) for p, sentence_list in spans for start, end in sentence_list]
        missing = [(p, s, e) for p, s, e in keys if (p.id, s, e) not in previous]
        vectors = dict(previous)
        if missing:
            fresh = self.embedder.embed([p.text[s - p.start : e - p.start] for p, s, e in missing])
            vectors.update({(p.id, s, e): fresh[i] for i, (p, s, e) in enumerate(missing)})
        if not keys:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([vectors[(p.id, s, e)] for p, s, e in keys])

    def _version_files_stored(self, live: dict[str, Any]) -> bool:
        """Whether the live version's artifacts are in the store (uploading them from here if only local)."""
        name = live.get("files") or FILES_PREFIX + live["version"]
        if name in self.store.collection_names():
            return True
        folder = self.artifacts_root / live["version"]
        if (folder / "sentences.json").exists() and (folder / "articles.json").exists():
            self.store.put_files(name, folder)
            return True
        return False

    @staticmethod
    def _retired_after(live: dict[str, Any] | None, version: str) -> dict[str, float]:
        """When each version the pointer has left was left (epoch seconds), including the one it leaves now."""
        retired: dict[str, float] = dict((live or {}).get("retired", {}))
        if live and live.get("version") != version:
            retired[str(live["version"])] = time.time()
        retired.pop(version, None)
        return retired

    def _collect_garbage(self, manifest: dict[str, Any]) -> None:
        """Drop versions retired longer ago than the grace period, and orphans of interrupted builds.

        An instance checks the pointer every refresh interval; until then it may still query the
        version it opened, so a retired version outlives its retirement by the grace period.
        """
        now = time.time()
        retired: dict[str, float] = manifest["retired"]
        expired = {v for v, when in retired.items() if now - when >= self.retire_grace_seconds}
        keep = {manifest["version"]} | (set(retired) - expired)
        for name in self.store.collection_names():
            for prefix in (COLLECTION_PREFIX, FILES_PREFIX):
                if name.startswith(prefix) and name.removeprefix(prefix) not in keep:
                    self.store.delete_collection(name)
        if expired:
            for version in expired:
                retired.pop(version, None)
            self.store.write_pointer(manifest)
        if self.artifacts_root.exists():
            for folder in self.artifacts_root.iterdir():
                if folder.is_dir() and not folder.name.startswith(".") and folder.name not in keep:
                    shutil.rmtree(folder, ignore_errors=True)


def staleness(
    articles: Iterable[Article], manifest: dict[str, Any] | None, model_id: str
) -> dict[str, list[str]]:
    """How the corpus differs from what the live index holds."""
    hashes = {a.id: a.content_hash() for a in articles}
    indexed = {k: v["hash"] for k, v in (manifest or {}).get("articles", {}).items()}
    return {
        "missing": sorted(set(hashes) - set(indexed)),
        "changed": sorted(a for a in hashes if a in indexed and indexed[a] != hashes[a]),
        "deleted": sorted(set(indexed) - set(hashes)),
    }
