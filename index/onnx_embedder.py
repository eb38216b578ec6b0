"""The serving path's embedder without torch: the transformer exported once to ONNX, run by onnxruntime.

`export_onnx` (build time; it imports torch) writes a folder with `model.onnx` (fp32, dynamic batch
and sequence axes), the model's `tokenizer.json` and `export.json`: the sha256 of the weights it was
made from, the sequence limit and the largest difference from sentence-transformers' vectors seen on
check sentences. `OnnxEmbedder` (serving; imports only onnxruntime, tokenizers and numpy) tokenises
with the `tokenizers` library, runs the graph and mean-pools and L2-normalises as
sentence-transformers does for all-MiniLM-L6-v2, so its vectors match the torch embedder's and an
index built with one is queried with the other.

An export may also hold `model.int8.onnx`, a dynamically quantised copy of the fp32 graph (int8
weights, activations quantised at run time): several times faster per question on this CPU, with
vectors that differ slightly from torch's. Which one serves, and how far onnxruntime optimises the
graph when it opens it, are settings (`onnx_precision`, `onnx_optimization`); the measurements
that chose the defaults are in bench/results/serving_path.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

Precision = Literal["fp32", "int8"]
Optimization = Literal["disabled", "basic", "extended", "all"]
PRECISIONS: tuple[Precision, ...] = ("fp32", "int8")
OPTIMIZATIONS: tuple[Optimization, ...] = ("disabled", "basic", "extended", "all")
EXPORT_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
CHECK_VECTORS_FILE = "check-vectors.npy"
# Below this least cosine to fp32 on the check sentences, int8 is not served (see `agreement_with_fp32`).
MIN_INT8_AGREEMENT = 0.98
DIGESTS_FILE = ".weights-digests.json"
METADATA_FILE = "export.json"
TOKENIZER_FILE = "tokenizer.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
BATCH_SIZE = 64
# Exports whose vectors differ from sentence-transformers' by more than this are refused.
MAX_DIFFERENCE = 1e-4
_CHECK_SENTENCES = (
    "Ketamine is a dissociative anaesthetic.",
    "how long do i have to stay at the clinic after the nasal spray",
    "a",
    "Esketamine is given under supervision because it can cause sedation, dissociation and a rise in "
    "blood pressure, so patients are watched for at least two hours after each session.",
)


def weights_digest(model_dir: Path, cache_dir: Path | None = None) -> str:
    """The sha256 of the weights an export was made from (first 16 hex digits).

    With `cache_dir`, digests are also remembered there by path, time and size, so a new process
    (every server start) names its exports without reading 135 MB of weights again.
    """
    files = [Path(model_dir) / name for name in ("model.safetensors", "pytorch_model.bin")]
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.exists())
    if cache_dir is None:
        return _digest(stamp)
    remembered = _remembered_digests(Path(cache_dir))
    key = json.dumps(stamp)
    if key not in remembered:
        remembered[key] = _digest(stamp)
        _remember_digests(Path(cache_dir), remembered)
    return remembered[key]


def _remembered_digests(cache_dir: Path) -> dict[str, str]:
    try:
        loaded = json.loads((cache_dir / DIGESTS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _remember_digests(cache_dir: Path, digests: dict[str, str]) -> None:
    # Written whole and renamed into place, so a concurrent reader sees the old file or the new one.
    # A read-only export folder (shared by instances) only loses the shortcut.
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = cache_dir / f"{DIGESTS_FILE}.{os.getpid()}.{threading.get_ident()}"
        staging.write_text(json.dumps(digests))
        os.replace(staging, cache_dir / DIGESTS_FILE)
    except OSError:
        pass


@lru_cache(maxsize=16)
def _digest(stamp: tuple[tuple[str, int, int], ...]) -> str:
    # Keyed by path, time and size: each start names its exports without reading 90 MB again.
    digest = hashlib.sha256()
    for name, _, _ in stamp:
        with open(name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def export_dir_for(root: Path, model_dir: Path) -> Path:
    """Where the export of the weights in `model_dir` lives under `root` (one folder per weights)."""
    return Path(root) / f"{Path(model_dir).name}-{weights_digest(model_dir, cache_dir=Path(root))}"


def model_file(precision: Precision) -> str:
    """The graph file of an export that holds `precision`."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    return EXPORT_FILE if precision == "fp32" else INT8_FILE


def export_transformer(transformer: Any, tokenizer: Any, path: Path) -> None:
    """A Hugging Face transformer (token embeddings out) as one fp32 ONNX file with dynamic batch and
    sequence axes, through torch's exporter (build time only: this imports torch)."""
    import warnings

    import torch

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = tokenizer(
        ["a short one", "a longer sentence, so that the batch needs padding"],
        padding=True,
        return_tensors="pt",
    )
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence", max=512)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenEmbeddings(transformer),
            tuple(sample[name] for name in INPUT_NAMES),
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=["last_hidden_state"],
            dynamic_shapes={name: {0: batch, 1: sequence} for name in INPUT_NAMES},
            external_data=False,
            dynamo=True,
            verbose=False,
        )


def export_ready(export_dir: Path, precision: Precision) -> bool:
    """Whether `export_dir` holds everything serving `precision` reads."""
    needed = [model_file(precision), TOKENIZER_FILE, METADATA_FILE]
    if precision == "int8":
        needed.append(CHECK_VECTORS_FILE)
    return all((Path(export_dir) / name).exists() for name in needed)


def export_onnx(model_dir: Path, root: Path, precision: Precision = "fp32") -> Path:
    """Export `model_dir` under `root` unless an export of the same weights is there (and, for int8,
    its quantised copy); return its folder."""
    target = export_dir_for(root, model_dir)
    if not (target / METADATA_FILE).exists():
        _export_fp32(model_dir, root, target)
    if precision == "int8":
        quantize_int8(target)
    return target


def quantize_int8(export_dir: Path) -> Path:
    """The int8 copy of an export's fp32 graph, made once (no torch needed), with the fp32 vectors
    of the check sentences that `agreement_with_fp32` compares against where it is served.

    Dynamic quantisation as sentence-transformers' `export_dynamic_quantized_onnx_model(...,
    "avx512_vnni")` sets it up: symmetric per-channel int8 weights, activations quantised per call.
    """
    export_dir = Path(export_dir)
    target = export_dir / INT8_FILE
    if export_ready(export_dir, "int8"):
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Each file beside its final place and renamed into it, so a reader never opens half a file.
    suffix = f".{os.getpid()}.{threading.get_ident()}"
    staging = target.with_name(f".{INT8_FILE}{suffix}")
    vectors = export_dir / f".{CHECK_VECTORS_FILE}{suffix}"
    # onnxruntime writes a shape-inferred copy beside its input and deletes it when done: two
    # processes quantising the same export (instances starting on one data folder) would delete
    # each other's. Each quantises from a link of its own.
    source = export_dir / f".{EXPORT_FILE}{suffix}"
    try:
        try:
            os.link(export_dir / EXPORT_FILE, source)
        except OSError:
            shutil.copyfile(export_dir / EXPORT_FILE, source)
        fp32 = str(source)
        with open(vectors, "wb") as handle:
            np.save(handle, _embed_without_keeping(export_dir, "fp32"))
        # Quantised as exported, which is what was measured: onnxruntime's advice to pre-process
        # the graph first (shape inference, optimisation) would make a different model.
        advice = _WithoutLogMessage("pre-processing before quantization")
        logging.getLogger().addFilter(advice)
        try:
            quantize_dynamic(
                fp32,
                staging,
                per_channel=True,
                reduce_range=False,
                weight_type=QuantType.QInt8,
                extra_options={"WeightSymmetric": True, "ActivationSymmetric": False},
            )
        finally:
            logging.getLogger().removeFilter(advice)
        os.replace(vectors, export_dir / CHECK_VECTORS_FILE)
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
        vectors.unlink(missing_ok=True)
        source.unlink(missing_ok=True)
    return target


class _WithoutLogMessage(logging.Filter):
    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


def agreement_with_fp32(embedder: OnnxEmbedder) -> float:
    """The least cosine between `embedder`'s vectors of the check sentences and the fp32 export's,
    on this CPU.

    About 0.99 for int8 where the measurements were made (AVX-512 VNNI). On CPUs whose int8 kernels
    saturate (u8×s8 products summed in 16 bits, as on AVX2 without VNNI) it drops, and the serving
    path falls back to fp32 below `MIN_INT8_AGREEMENT`.
    """
    reference = np.load(embedder.export_dir / CHECK_VECTORS_FILE)
    return float(np.min(np.sum(_check_vectors(embedder) * reference, axis=1)))


def _check_vectors(embedder: OnnxEmbedder) -> np.ndarray:
    # One at a time, as questions are embedded (int8 scales its activations per call).
    return np.stack([embedder.embed([sentence])[0] for sentence in _CHECK_SENTENCES])


def _embed_without_keeping(export_dir: Path, precision: Precision) -> np.ndarray:
    """The check sentences through a session not kept unless the process already served from it."""
    path = export_dir / model_file(precision)
    with _sessions_lock:
        kept = any(key[0] == str(path) for key in _sessions)
    try:
        return _check_vectors(OnnxEmbedder(export_dir, model_id="check", precision=precision))
    finally:
        if not kept:
            _forget_sessions(path)


def _forget_sessions(path: Path) -> None:
    with _sessions_lock:
        for key in [key for key in _sessions if key[0] == str(path)]:
            del _sessions[key]


def _export_fp32(model_dir: Path, root: Path, target: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(
        str(model_dir), device="cpu", local_files_only=True, model_kwargs={"dtype": torch.float32}
    )
    transformer: Any = model[0].auto_model
    transformer.eval()

    Path(root).mkdir(parents=True, exist_ok=True)
    # Staged beside its final place, so the rename below stays on one filesystem and is atomic.
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        export_transformer(transformer, model.tokenizer, staging / EXPORT_FILE)
        shutil.copy(Path(model_dir) / TOKENIZER_FILE, staging / TOKENIZER_FILE)
        max_length = int(model.max_seq_length or 256)
        (staging / METADATA_FILE).write_text(
            json.dumps(
                {
                    "weights_sha256": weights_digest(model_dir),
                    "max_length": max_length,
                    "source": str(model_dir),
                }
            )
        )
        expected = model.encode(list(_CHECK_SENTENCES), normalize_embeddings=True, convert_to_numpy=True)
        got = OnnxEmbedder(staging, model_id="check").embed(_CHECK_SENTENCES)
        _forget_sessions(staging / EXPORT_FILE)  # the staging path goes away, and its session with it
        difference = float(np.abs(got - expected).max())
        if difference > MAX_DIFFERENCE:
            raise RuntimeError(f"the ONNX export of {model_dir} differs from the model by {difference:.2e}")
        metadata = json.loads((staging / METADATA_FILE).read_text())
        (staging / METADATA_FILE).write_text(json.dumps({**metadata, "max_difference": difference}))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            staging.rename(target)  # atomic: a concurrent export of the same weights may have won
        except OSError:
            if not (target / METADATA_FILE).exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


_sessions: dict[tuple[str, int, Optimization], Any] = {}
_sessions_lock = threading.Lock()


def _session(path: str, threads: int, optimization: Optimization = "all") -> Any:
    """One inference session per graph, thread count and optimisation level in a process (a session
    is thread-safe, and loading and optimising a graph would be paid again by every pipeline)."""
    if optimization not in OPTIMIZATIONS:
        raise ValueError(f"optimization must be one of {', '.join(OPTIMIZATIONS)}, got {optimization!r}")
    key = (path, threads, optimization)
    with _sessions_lock:
        if key not in _sessions:
            import onnxruntime as ort

            levels = {
                "disabled": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
                "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
            }
            options = ort.SessionOptions()
            # One intra-op thread per worker: workers take the cores (bench/README.md has the measurements).
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = levels[optimization]
            _sessions[key] = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        return _sessions[key]


class OnnxEmbedder:
    """A sentence-transformers MiniLM (mean pooling, normalised) served by onnxruntime."""

    def __init__(
        self,
        export_dir: Path | str,
        model_id: str,
        threads: int = 1,
        precision: Precision = "fp32",
        optimization: Optimization = "all",
    ) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.export_dir = Path(export_dir)
        self.precision = precision
        for name in (model_file(precision), TOKENIZER_FILE, METADATA_FILE):
            if not (self.export_dir / name).exists():
                raise FileNotFoundError(
                    f"{self.export_dir / name} is missing: run `assistant index build` to export"
                )
        from tokenizers import Tokenizer

        self._model_id = model_id
        metadata = json.loads((self.export_dir / METADATA_FILE).read_text())
        self.tokenizer = Tokenizer.from_file(str(self.export_dir / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(max_length=int(metadata["max_length"]))
        self.tokenizer.no_padding()
        self.session = _session(str(self.export_dir / model_file(precision)), threads, optimization)
        self._dimension = int(self.session.get_outputs()[0].shape[-1] or 0) or self.embed(["a"]).shape[1]

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def loaded(self) -> bool:
        """Always: the session is created with the embedder."""
        return True

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 vectors, one row per text; batches sorted by length so they pad little."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        out: np.ndarray | None = None
        for start in range(0, len(texts), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            for row, i in enumerate(rows):
                encoding = encodings[i]
                n = len(encoding.ids)
                ids[row, :n], mask[row, :n], types[row, :n] = (
                    encoding.ids,
                    encoding.attention_mask,
                    encoding.type_ids,
                )
            hidden = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            if out is None:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[rows] = pooled
        assert out is not None
        return out
