"""The serving path's embedder without torch: the transformer exported once to ONNX, run by onnxruntime.

`export_onnx` (build time; it imports torch) writes a folder with `model.onnx` (fp32, dynamic batch
and sequence axes), the model's `tokenizer.json` and `export.json`: the sha256 of the weights it was
made from, the sequence limit and the largest difference from sentence-transformers' vectors seen on
check sentences. `OnnxEmbedder` (serving; imports only onnxruntime, tokenizers and numpy) tokenises
with the `tokenizers` library, runs the graph and mean-pools and L2-normalises as
sentence-transformers does for all-MiniLM-L6-v2, so its vectors match the torch embedder's and an
index built with one is queried with the other.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

EXPORT_FILE = "model.onnx"
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


def weights_digest(model_dir: Path) -> str:
    """The sha256 of the weights an export was made from (first 16 hex digits)."""
    files = [Path(model_dir) / name for name in ("model.safetensors", "pytorch_model.bin")]
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.exists())
    return _digest(stamp)


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
    return Path(root) / f"{Path(model_dir).name}-{weights_digest(model_dir)}"


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


def export_onnx(model_dir: Path, root: Path) -> Path:
    """Export `model_dir` under `root` unless an export of the same weights is there; return its folder."""
    target = export_dir_for(root, model_dir)
    if (target / METADATA_FILE).exists():
        return target
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
        with _sessions_lock:  # the staging path goes away: its session must not stay in memory with it
            _sessions.pop((str(staging / EXPORT_FILE), 1), None)
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
    return target


_sessions: dict[tuple[str, int], Any] = {}
_sessions_lock = threading.Lock()


def _session(path: str, threads: int) -> Any:
    """One inference session per export and thread count in a process (a session is thread-safe and
    optimising the graph takes a few hundred milliseconds, paid again by every pipeline otherwise)."""
    with _sessions_lock:
        if (path, threads) not in _sessions:
            import onnxruntime as ort

            options = ort.SessionOptions()
            # One intra-op thread per worker: workers take the cores (bench/README.md has the measurements).
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            _sessions[path, threads] = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        return _sessions[path, threads]


class OnnxEmbedder:
    """A sentence-transformers MiniLM (mean pooling, normalised) served by onnxruntime."""

    def __init__(self, export_dir: Path | str, model_id: str, threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.export_dir = Path(export_dir)
        for name in (EXPORT_FILE, TOKENIZER_FILE, METADATA_FILE):
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
        self.session = _session(str(self.export_dir / EXPORT_FILE), threads)
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
