"""Index build: full build throughput against the raw model, and an incremental rebuild after one edit.

In one run, for the shipped corpus: the embedding throughput of a full build (passages embedded per
second of embedding work, and per second of the whole build), the raw `model.encode` throughput on
the same passage texts, their ratio, and the time to rebuild after editing one article.
Run: .venv/bin/python bench/index_build.py [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine

from assistant.config import Settings
from assistant.runtime import build_index, indexable_articles
from corpus.loader import PACKAGE_ARTICLES
from index.builder import embedding_text, passages_of
from index.embedder import SentenceTransformerEmbedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up"])
    articles, _ = indexable_articles(Settings())
    texts = [embedding_text(p) for a in articles for p in passages_of(a)]
    raw, full, embed_share, incremental = [], [], [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        embedder.model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        raw.append(len(texts) / (time.perf_counter() - started))

        workdir = Path(tempfile.mkdtemp())
        corpus = workdir / "articles"
        shutil.copytree(PACKAGE_ARTICLES, corpus)
        settings = Settings(data_dir=workdir / "data", corpus_dir=corpus)
        report = build_index(settings)
        full.append(report.passages / report.seconds)
        # passages/s counting only the passage-embedding part, measured by the builder's progress callback
        marks: list[float] = []

        def mark(done: int, total: int, marks: list[float] = marks) -> None:
            marks.append(time.perf_counter())

        build_index(Settings(data_dir=workdir / "data2", corpus_dir=corpus), progress=mark)
        embed_share.append(len(texts) / (marks[-1] - marks[0]) if len(marks) > 1 else float("nan"))

        target = corpus / "esketamine.md"
        target.write_text(target.read_text() + "\nEsketamine was reviewed again for this benchmark.\n")
        started = time.perf_counter()
        rebuilt = build_index(settings)
        incremental.append(time.perf_counter() - started)
        assert rebuilt.updated == ["esketamine"], rebuilt.updated
        shutil.rmtree(workdir, ignore_errors=True)

    med = statistics.median
    print(f"# Index build — {machine()}")
    print(f"{len(texts)} passages from {len(articles)} articles; medians of {args.runs} runs\n")
    print("| measure | value |\n|---|---|")
    print(f"| raw `model.encode` throughput | {med(raw):.1f} passages/s |")
    print(
        f"| build, passage-embedding phase | {med(embed_share):.1f} passages/s ({med(embed_share) / med(raw):.0%} of raw) |"
    )
    print(
        f"| build, whole (chunking, embedding passages and sentences, chroma, BM25, manifest) | {med(full):.1f} passages/s |"
    )
    print(f"| incremental rebuild after editing one article | {med(incremental):.2f} s |")


if __name__ == "__main__":
    main()
