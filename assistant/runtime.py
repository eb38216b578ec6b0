"""Wiring: build the store, the index and the pipeline from `Settings`."""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant import index_stamp
from assistant.config import Settings
from assistant.extractive import ExtractiveAnswerer
from assistant.pipeline import AnswerPipeline, SpareWorkers
from assistant.selection import QUESTION_ENCODER, AnswerSelector
from corpus.loader import load_corpus
from corpus.models import Article
from corpus.vetting import Vetter, VettingReport, vetted_for_index
from guardrails import (
    DistressHead,
    EmergencyNumber,
    ExemplarClassifier,
    InputRail,
    IntentClassifier,
    OutputRail,
    SemanticLayer,
)
from index.builder import BuildReport, IndexBuilder
from index.embedder import Embedder, RememberingEmbedder, SentenceTransformerEmbedder, bundled_model_path
from index.passages import PassageIndex
from index.store import ChromaStore

log = logging.getLogger(__name__)

_build_lock = threading.Lock()


def open_store(settings: Settings) -> ChromaStore:
    if settings.store == "http":
        return ChromaStore.http(settings.chroma_host, settings.chroma_port)
    return ChromaStore.persistent(settings.chroma_path)


def vetter(settings: Settings) -> Vetter:
    """One vetter per vetting configuration and process, so unchanged articles are scanned once."""
    return _vetter(tuple(settings.allowed_domains), tuple(sorted(settings.vetting_actions.items())))


@lru_cache(maxsize=8)
def _vetter(allowed_domains: tuple[str, ...], actions: tuple[tuple[str, str], ...]) -> Vetter:
    return Vetter(allowed_domains=allowed_domains, actions=dict(actions))


def indexable_articles(settings: Settings) -> tuple[list[Article], list[VettingReport]]:
    """Approved articles of the corpus that pass vetting (cleaned), and every vetting report."""
    return vetted_for_index(load_corpus(settings.corpus_dir), vetter(settings))


def build_index(
    settings: Settings, store: ChromaStore | None = None, progress: Callable[[int, int], None] | None = None
) -> BuildReport:
    """Bring the index up to date with the corpus (incrementally)."""
    with _build_lock:
        # Taken before the corpus is read: an article edited during the build leaves an older
        # stamp behind, so the next start checks again.
        stamp = index_stamp.fingerprint(settings) if store is None else None
        articles, _ = indexable_articles(settings)
        builder = IndexBuilder(
            store or open_store(settings),
            SentenceTransformerEmbedder(threads=settings.torch_threads),
            settings.artifacts_path,
            retire_grace_seconds=settings.index_retire_grace_seconds,
        )
        report = builder.build(articles, progress=progress)
        exports: list[Path] = []
        if settings.embedder_backend == "onnx":
            from index.onnx_embedder import model_file

            exports = [e / model_file(settings.onnx_precision) for e in export_serving_models(settings)]
        if stamp is not None and settings.store == "embedded":
            index_stamp.record(settings, stamp, report.version, exports)
        return report


def build_index_if_changed(
    settings: Settings, progress: Callable[[int, int], None] | None = None
) -> BuildReport | None:
    """`build_index`, unless the embedded index's last build read exactly what it would read now
    (then None: neither the corpus is vetted nor Chroma opened, see assistant/index_stamp.py)."""
    if index_stamp.is_current(settings):
        return None
    return build_index(settings, progress=progress)


def export_serving_models(settings: Settings) -> list[Path]:
    """The ONNX exports the serving path reads (build time: this imports torch); kept while current."""
    from index.onnx_embedder import export_onnx

    models = [bundled_model_path()]
    if settings.answer_selection == "learned":
        models.append(QUESTION_ENCODER)
    return [export_onnx(model, settings.onnx_path, settings.onnx_precision) for model in models]


def serving_embedder(settings: Settings, model_dir: Path | None = None) -> Embedder:
    """The embedder that answers questions: onnxruntime on the export of `model_dir` (the bundled
    MiniLM by default), or sentence-transformers when the settings ask for torch."""
    model_dir = model_dir or bundled_model_path()
    if settings.embedder_backend == "torch":
        return SentenceTransformerEmbedder(model_path=model_dir, threads=settings.torch_threads)
    from index.onnx_embedder import OnnxEmbedder, export_dir_for, export_ready

    export = export_dir_for(settings.onnx_path, model_dir)
    if not export_ready(export, settings.onnx_precision):
        log.warning(
            "no ONNX export of %s under %s: exporting it now (torch is imported once)",
            model_dir,
            settings.onnx_path,
        )
        export_serving_models(settings)
    embedder = OnnxEmbedder(
        export,
        model_id=SentenceTransformerEmbedder.model_id,
        threads=settings.torch_threads,
        precision=settings.onnx_precision,
        optimization=settings.onnx_optimization,
    )
    if settings.onnx_precision == "int8":
        from index.onnx_embedder import MIN_INT8_AGREEMENT, agreement_with_fp32

        agreement = agreement_with_fp32(embedder)
        if agreement < MIN_INT8_AGREEMENT:
            # The quality measurements of int8 do not hold on a CPU whose int8 kernels saturate.
            log.warning(
                "int8 vectors of %s agree with fp32 only to a cosine of %.3f on this CPU: serving fp32",
                model_dir,
                agreement,
            )
            return serving_embedder(settings.model_copy(update={"onnx_precision": "fp32"}), model_dir)
    return embedder


def load_pipeline(
    settings: Settings, store: ChromaStore | None = None, model: Any | None = None
) -> AnswerPipeline:
    """The full pipeline over the live index; `model` (a LangChain chat model) overrides the settings' one."""
    _one_blas_thread()
    embedder: Embedder = serving_embedder(settings)
    if settings.embedding_cache_size:
        embedder = RememberingEmbedder(embedder, settings.embedding_cache_size)
    index = PassageIndex.open(store or open_store(settings), embedder, settings.artifacts_path)
    answerer = ExtractiveAnswerer(
        index,
        max_sentences=settings.max_answer_sentences,
        abstain_threshold=settings.abstain_threshold,
        selector=AnswerSelector(encoder=serving_embedder(settings, QUESTION_ENCODER))
        if settings.answer_selection == "learned"
        else None,
        answer_threshold=settings.answer_threshold,
        keep_floor=max(settings.answer_keep_floor, settings.answer_threshold),
        similarity_floor=settings.answer_similarity_floor,
        floor_waived_at=settings.answer_floor_waived_at,
        threshold_near_unanswered=settings.answer_threshold_near_unanswered,
    )
    output_rail = OutputRail(settings.allowed_domains)
    generator = None
    if settings.answerer == "llm" or model is not None:
        from assistant.generative import CircuitBreaker, GenerativeAnswerer

        generator = GenerativeAnswerer(
            model if model is not None else chat_model(settings),
            index,
            embedder,
            output_rail=output_rail,
            timeout_seconds=settings.llm_timeout_seconds,
            max_retries=settings.llm_max_retries,
            breaker=CircuitBreaker(settings.llm_breaker_failures, settings.llm_breaker_reset_seconds),
        )
    return AnswerPipeline(
        index,
        embedder,
        answerer=answerer,
        input_guard=input_rail(settings, embedder),
        output_rail=output_rail,
        k=settings.retrieval_k,
        cache_size=settings.answer_cache_size,
        generator=generator,
        spare_workers=SpareWorkers(settings.embedding_workers) if settings.embedding_workers else None,
    )


def _one_blas_thread() -> None:
    """Keep numpy's BLAS to one thread in this process.

    Answering multiplies a vector by a few thousand rows at most, too little for threads to help;
    OpenBLAS's extra threads spin while they wait and take the core a spare worker's model pass
    needs (measured on two cores: the guard's step took 32 ms instead of 17 ms beside one).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def chat_model(settings: Settings) -> Any:
    """The LangChain chat model the settings name; its extra (`.[llm]`) must be installed."""
    if settings.llm_provider == "llamacpp":
        if settings.llm_gguf_path is None:
            raise ValueError("ASSISTANT_LLM_GGUF_PATH must name a GGUF file when llm_provider=llamacpp")
        if importlib.util.find_spec("llama_cpp") is None:
            raise ImportError("llm_provider=llamacpp needs llama-cpp-python: pip install -e '.[llamacpp]'")
        from assistant.local_model import LocalChatModel

        return LocalChatModel(
            model_path=settings.llm_gguf_path,
            context_tokens=settings.llm_context_tokens,
            max_tokens=settings.llm_max_tokens,
            timeout_seconds=settings.llm_timeout_seconds,
            threads=settings.llm_threads,
            batch_tokens=settings.llm_batch_tokens,
            extra_buffers=settings.llm_extra_buffers,
        )
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as error:
        raise ImportError("answerer=llm needs langchain-openai: pip install '.[llm]'") from error
    # Retries are the answerer's (with the circuit breaker), so the client makes none of its own.
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        # Local servers (Ollama, vLLM, llama.cpp) ignore the key but the client insists on one.
        api_key=settings.llm_api_key or os.environ.get("OPENAI_API_KEY") or "not-needed",
        timeout=settings.llm_timeout_seconds,
        max_retries=0,
        temperature=0.0,
        max_tokens=settings.llm_max_tokens,
    )


def input_rail(settings: Settings, embedder: Embedder) -> InputRail:
    """The input rail configured from settings: emergency numbers, crisis lines, semantic layer."""
    semantic: list[SemanticLayer] = []
    if settings.guard_distress_head:
        # First: a crisis outranks whatever refusal a later layer would find.
        semantic.append(
            DistressHead(embedder, threshold=settings.guard_distress_threshold, cache_dir=settings.data_dir)
        )
    if settings.guard_semantic:
        semantic.append(
            ExemplarClassifier(
                embedder, threshold=settings.guard_semantic_threshold, cache_dir=settings.data_dir
            )
        )
    if settings.guard_classifier:
        semantic.append(
            IntentClassifier(
                embedder, threshold=settings.guard_classifier_threshold, cache_dir=settings.data_dir
            )
        )
    numbers = [EmergencyNumber(n.region, n.number) for n in settings.emergency_numbers]
    numbers_by_language = {
        language: [EmergencyNumber(n.region, n.number) for n in listed]
        for language, listed in settings.emergency_numbers_by_language.items()
    }
    return InputRail(
        semantic=semantic,
        emergency_numbers=numbers,
        crisis_lines=settings.crisis_lines,
        emergency_numbers_by_language=numbers_by_language,
        crisis_lines_by_language=settings.crisis_lines_by_language,
    )
