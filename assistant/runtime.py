"""Wiring: build the store, the index and the pipeline from `Settings`."""

from __future__ import annotations

import threading
from collections.abc import Callable

from assistant.config import Settings
from assistant.extractive import ExtractiveAnswerer
from assistant.pipeline import AnswerPipeline
from corpus.loader import load_corpus
from corpus.models import Article
from corpus.vetting import Vetter, VettingReport, vetted_for_index
from guardrails import EmergencyNumber, ExemplarClassifier, InputRail, OutputRail
from index.builder import BuildReport, IndexBuilder
from index.embedder import Embedder, SentenceTransformerEmbedder
from index.passages import PassageIndex
from index.store import ChromaStore

_build_lock = threading.Lock()


def open_store(settings: Settings) -> ChromaStore:
    if settings.store == "http":
        return ChromaStore.http(settings.chroma_host, settings.chroma_port)
    return ChromaStore.persistent(settings.chroma_path)


def vetter(settings: Settings) -> Vetter:
    return Vetter(allowed_domains=settings.allowed_domains, actions=settings.vetting_actions)


def indexable_articles(settings: Settings) -> tuple[list[Article], list[VettingReport]]:
    """Approved articles of the corpus that pass vetting (cleaned), and every vetting report."""
    return vetted_for_index(load_corpus(settings.corpus_dir), vetter(settings))


def build_index(
    settings: Settings, store: ChromaStore | None = None, progress: Callable[[int, int], None] | None = None
) -> BuildReport:
    """Bring the index up to date with the corpus (incrementally)."""
    with _build_lock:
        articles, _ = indexable_articles(settings)
        builder = IndexBuilder(
            store or open_store(settings),
            SentenceTransformerEmbedder(threads=settings.torch_threads),
            settings.artifacts_path,
        )
        return builder.build(articles, progress=progress)


def load_pipeline(settings: Settings, store: ChromaStore | None = None) -> AnswerPipeline:
    """The full pipeline over the live index."""
    embedder = SentenceTransformerEmbedder(threads=settings.torch_threads)
    index = PassageIndex.open(store or open_store(settings), embedder, settings.artifacts_path)
    answerer = ExtractiveAnswerer(
        index, max_sentences=settings.max_answer_sentences, abstain_threshold=settings.abstain_threshold
    )
    return AnswerPipeline(
        index,
        embedder,
        answerer=answerer,
        input_guard=input_rail(settings, embedder),
        output_rail=OutputRail(settings.allowed_domains),
        k=settings.retrieval_k,
        cache_size=settings.answer_cache_size,
    )


def input_rail(settings: Settings, embedder: Embedder) -> InputRail:
    """The input rail configured from settings: emergency numbers, crisis lines, semantic layer."""
    semantic = (
        ExemplarClassifier(embedder, threshold=settings.guard_semantic_threshold)
        if settings.guard_semantic
        else None
    )
    numbers = [EmergencyNumber(n.region, n.number) for n in settings.emergency_numbers]
    return InputRail(semantic=semantic, emergency_numbers=numbers, crisis_lines=settings.crisis_lines)
