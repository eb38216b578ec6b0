"""Scale: query latency and memory at 10k, 50k and 200k passages, from a synthetic corpus.

The generator builds passages from real corpus sentences (three per passage, sampled with a fixed
seed) and reuses their real embeddings (a passage's vector is the normalised mean of its
sentences' plus a little noise), so no model time is spent on data that only exists to be
searched. Each size gets its own embedded chroma store, BM25 index and sentence table, built
through the same `build_artifacts` and `PassageIndex` code the product uses. Queries are real
questions embedded with the real model; the answer cache is off.
Run: .venv/bin/python bench/scale.py [--sizes 10000 50000 200000] [--queries 200]
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, percentile, shipped_questions

from assistant.config import Settings
from assistant.pipeline import AnswerPipeline
from assistant.runtime import indexable_articles
from corpus.chunking import chunk_article
from corpus.text import sentence_spans
from index.embedder import SentenceTransformerEmbedder
from index.passages import IndexedPassage, PassageIndex, build_artifacts
from index.store import ChromaStore, StoredRecord

CACHE = Path(__file__).resolve().parent / "results" / "synthetic"
SENTENCES_PER_PASSAGE = 3


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sentence_pool(embedder: SentenceTransformerEmbedder) -> tuple[list[str], np.ndarray]:
    articles, _ = indexable_articles(Settings())
    texts = [
        p.text[s.start : s.end] for a in articles for p in chunk_article(a) for s in sentence_spans(p.text)
    ]
    texts = [t for t in texts if len(t.split()) >= 5]
    return texts, embedder.embed(texts)


def build_synthetic(
    folder: Path, size: int, texts: list[str], vectors: np.ndarray, model_id: str
) -> tuple[ChromaStore, float]:
    rng = np.random.default_rng(size)
    store = ChromaStore.persistent(folder / "chroma")
    collection = f"passages_synthetic{size}"
    store.create_collection(collection)
    started = time.perf_counter()
    passages: list[IndexedPassage] = []
    chosen_rows: list[np.ndarray] = []
    batch: list[StoredRecord] = []
    for i in range(size):
        rows = rng.choice(len(texts), SENTENCES_PER_PASSAGE, replace=False)
        text = " ".join(texts[r] for r in rows)
        vector = vectors[rows].mean(axis=0) + rng.normal(0, 0.01, vectors.shape[1])
        vector = (vector / np.linalg.norm(vector)).astype(np.float32)
        article_id, n = f"synthetic-{i // 8}", i % 8 + 1
        passage = IndexedPassage(
            f"{article_id}#{n}",
            article_id,
            n,
            "Section",
            text,
            0,
            len(text),
            f"Synthetic {i // 8}",
            None,
            None,
        )
        passages.append(passage)
        chosen_rows.append(rows)
        batch.append(
            StoredRecord(
                passage.id,
                text,
                {
                    "article_id": article_id,
                    "n": n,
                    "section": "Section",
                    "start": 0,
                    "end": len(text),
                    "title": passage.title,
                    "url": "",
                    "reviewed_on": "",
                },
                vector,
            )
        )
        if len(batch) == 2000:
            store.add(collection, batch)
            batch = []
    if batch:
        store.add(collection, batch)
    by_id = {p.id: rows for p, rows in zip(passages, chosen_rows, strict=True)}

    def sentence_vectors(spans: list[tuple[IndexedPassage, list[tuple[int, int]]]]) -> np.ndarray:
        # the sentence spans of a synthetic passage are its sampled sentences, in order
        return (
            np.concatenate([vectors[by_id[p.id][: len(s)]] for p, s in spans])
            if spans
            else np.zeros((0, vectors.shape[1]))
        )

    build_artifacts(folder / "artifacts" / collection, passages, sentence_vectors)
    store.write_pointer(
        {
            "version": collection,
            "collection": collection,
            "model": model_id,
            "chunker": "synthetic",
            "articles": {},
        }
    )
    return store, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    texts, vectors = sentence_pool(embedder)
    questions = shipped_questions()[: args.queries]
    rows = []
    for size in args.sizes:
        # Synthetic stores are kept between runs (git-ignored): only the first run pays for building them.
        folder = CACHE / f"{size}-seed{size}"
        if (folder / "complete").exists():
            store, build_seconds = ChromaStore.persistent(folder / "chroma"), float("nan")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            store, build_seconds = build_synthetic(folder, size, texts, vectors, embedder.model_id)
            (folder / "complete").touch()
        gc.collect()
        before = rss_mb()
        index = PassageIndex.open(store, embedder, folder / "artifacts")
        pipeline = AnswerPipeline(index, embedder, cache_size=0)
        loaded = rss_mb()
        for question in questions[:10]:
            pipeline.run(question)
        retrieval, total = [], []
        for question in questions:
            started = time.perf_counter()
            result = pipeline.run(question)
            total.append((time.perf_counter() - started) * 1000)
            retrieval.append(result.timings_ms.get("retrieve", 0.0))
        rows.append(
            (
                size,
                build_seconds,
                statistics.median(total),
                percentile(total, 0.95),
                statistics.median(retrieval),
                percentile(retrieval, 0.95),
                loaded - before,
                rss_mb(),
            )
        )
        del pipeline, index, store
        gc.collect()
    print(f"# Scale — {machine()}")
    print(
        f"{len(questions)} real questions per size; synthetic passages of {SENTENCES_PER_PASSAGE} real sentences\n"
    )
    print(
        "| passages | build s | answer p50 ms | answer p95 ms | retrieval p50 ms | retrieval p95 ms | index memory MB | process RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size, build, p50, p95, r50, r95, memory, rss in rows:
        print(
            f"| {size:,} | {build:.1f} | {p50:.1f} | {p95:.1f} | {r50:.1f} | {r95:.1f} | {memory:.0f} | {rss:.0f} |"
        )
    if len(rows) > 1:
        print(f"\np95 ratio largest/smallest: {rows[-1][3] / rows[0][3]:.2f}×")
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "scale.json").write_text(
        json.dumps(
            [
                {
                    "passages": r[0],
                    "answer_p50_ms": r[2],
                    "answer_p95_ms": r[3],
                    "retrieval_p50_ms": r[4],
                    "retrieval_p95_ms": r[5],
                    "index_memory_mb": r[6],
                }
                for r in rows
            ],
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
