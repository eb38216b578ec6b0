"""The torch-free serving path: ONNX exports give the vectors torch gives, and serving never imports torch."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.runtime import serving_embedder
from assistant.selection import QUESTION_ENCODER, AnswerSelector
from index import onnx_embedder
from index.embedder import SentenceTransformerEmbedder, bundled_model_path
from index.onnx_embedder import (
    CHECK_VECTORS_FILE,
    INT8_FILE,
    METADATA_FILE,
    MIN_INT8_AGREEMENT,
    OnnxEmbedder,
    agreement_with_fp32,
    export_onnx,
    quantize_int8,
    weights_digest,
)
from tests.conftest import REPO

SENTENCES = [
    "What is ketamine?",
    "how long do i have to stay at the clinic after the nasal spray",
    "Esketamine is given under supervision because it can cause sedation and dissociation.",
    "¿la ketamina es legal en España?",
    "k",
    "Ketamine can damage the bladder; " * 40,  # longer than the 256-token limit: truncated alike
]


@pytest.mark.parametrize(
    "model_dir", [bundled_model_path(), QUESTION_ENCODER], ids=["minilm", "question-encoder"]
)
def test_the_export_gives_the_vectors_torch_gives(model_dir: Path, shared_onnx_exports: Path) -> None:
    export = export_onnx(model_dir, shared_onnx_exports)
    metadata = json.loads((export / METADATA_FILE).read_text())
    assert metadata["weights_sha256"] == weights_digest(model_dir) and metadata["max_difference"] < 1e-4
    onnx = OnnxEmbedder(export, model_id="all-MiniLM-L6-v2").embed(SENTENCES)
    torch = SentenceTransformerEmbedder(model_path=model_dir).embed(SENTENCES)
    assert onnx.shape == torch.shape and np.abs(onnx - torch).max() < 1e-4
    assert export_onnx(model_dir, shared_onnx_exports) == export  # the same weights are not exported twice


def test_the_answer_selector_decides_the_same_on_either_backend(shared_onnx_exports: Path) -> None:
    export = export_onnx(QUESTION_ENCODER, shared_onnx_exports)
    on_onnx = AnswerSelector(encoder=OnnxEmbedder(export, model_id="question-encoder"))
    on_torch = AnswerSelector()
    for question in SENTENCES[:4]:
        assert np.abs(on_onnx.embed(question) - on_torch.embed(question)).max() < 1e-4


def test_a_missing_export_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="assistant index build"):
        OnnxEmbedder(tmp_path, model_id="x")


@pytest.mark.parametrize(
    "model_dir", [bundled_model_path(), QUESTION_ENCODER], ids=["minilm", "question-encoder"]
)
def test_int8_is_close_to_fp32_but_not_the_same(model_dir: Path, shared_onnx_exports: Path) -> None:
    export = export_onnx(model_dir, shared_onnx_exports, precision="int8")
    assert (export / INT8_FILE).stat().st_size < (export / "model.onnx").stat().st_size / 3
    fp32 = OnnxEmbedder(export, model_id="m").embed(SENTENCES)
    int8 = np.stack([OnnxEmbedder(export, model_id="m", precision="int8").embed([s])[0] for s in SENTENCES])
    cosines = np.sum(fp32 * int8, axis=1)
    # About 0.995 for sentences; a lone letter ("k") is the hardest case seen, at 0.978.
    assert np.median(cosines) > 0.99 and cosines.min() > 0.97 and np.abs(fp32 - int8).max() > 1e-4
    assert export_onnx(model_dir, shared_onnx_exports, precision="int8") == export


def test_instances_quantising_one_export_at_once_all_get_it(
    tmp_path: Path, shared_onnx_exports: Path
) -> None:
    """Instances starting together on one data folder each quantise the export nobody has yet."""
    fp32 = export_onnx(bundled_model_path(), shared_onnx_exports)
    export = tmp_path / fp32.name
    shutil.copytree(fp32, export, ignore=shutil.ignore_patterns(INT8_FILE, CHECK_VECTORS_FILE))
    with ThreadPoolExecutor(max_workers=3) as pool:
        made = list(pool.map(lambda _: quantize_int8(export), range(3)))
    assert made == [export / INT8_FILE] * 3 and (export / CHECK_VECTORS_FILE).exists()
    assert not [p.name for p in export.iterdir() if p.name.startswith(".")]  # no staging file left
    assert OnnxEmbedder(export, model_id="m", precision="int8").embed(SENTENCES[:1]).shape == (1, 384)


def test_int8_is_served_only_where_it_agrees_with_fp32(
    shipped_data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=shipped_data_dir, onnx_precision="int8")
    served = serving_embedder(settings)
    assert isinstance(served, OnnxEmbedder) and served.precision == "int8"
    assert agreement_with_fp32(served) > MIN_INT8_AGREEMENT
    # A CPU whose int8 kernels saturate gives vectors far from fp32's: that one serves fp32.
    monkeypatch.setattr(onnx_embedder, "MIN_INT8_AGREEMENT", 1.01)
    with caplog.at_level(logging.WARNING):
        fallback = serving_embedder(settings)
    assert isinstance(fallback, OnnxEmbedder) and fallback.precision == "fp32"
    assert "serving fp32" in caplog.text


@pytest.mark.parametrize("optimization", ["disabled", "basic", "extended"])
def test_every_optimisation_level_gives_the_same_vectors(
    optimization: str, shared_onnx_exports: Path
) -> None:
    export = export_onnx(bundled_model_path(), shared_onnx_exports)
    reference = OnnxEmbedder(export, model_id="m").embed(SENTENCES)
    optimised = OnnxEmbedder(export, model_id="m", optimization=optimization).embed(SENTENCES)  # type: ignore[arg-type]
    assert np.abs(optimised - reference).max() < 1e-5


def test_an_unknown_precision_or_level_is_refused(shared_onnx_exports: Path) -> None:
    export = export_onnx(bundled_model_path(), shared_onnx_exports)
    with pytest.raises(ValueError, match="precision"):
        OnnxEmbedder(export, model_id="m", precision="int4")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="optimization"):
        OnnxEmbedder(export, model_id="m", optimization="max")  # type: ignore[arg-type]


def test_weights_are_hashed_once_across_processes_until_they_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "model.safetensors").write_bytes(b"weights, version one")
    cache = tmp_path / "exports"
    first = weights_digest(model_dir, cache_dir=cache)
    # A new process has an empty in-memory cache: the digest comes from the file the first one left.
    monkeypatch.setattr(onnx_embedder, "_digest", lambda stamp: pytest.fail("hashed the weights again"))
    assert weights_digest(model_dir, cache_dir=cache) == first
    monkeypatch.undo()
    (model_dir / "model.safetensors").write_bytes(b"weights, version two, longer")
    assert weights_digest(model_dir, cache_dir=cache) != first


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_serving_never_imports_torch(
    precision: str, shipped_data_dir: Path, shared_onnx_exports: Path
) -> None:
    for model_dir in (bundled_model_path(), QUESTION_ENCODER):
        export_onnx(model_dir, shared_onnx_exports, precision=precision)  # type: ignore[arg-type]
    script = f"""
import sys
from pathlib import Path
from assistant.config import Settings
from assistant.runtime import load_pipeline
pipeline = load_pipeline(Settings(data_dir=Path({str(shipped_data_dir)!r}), onnx_precision={precision!r}))
pipeline.warm_up()
result = pipeline.run([{{"role": "user", "content": "Why is esketamine given under supervision?"}}])
print(result.status, "torch" in sys.modules, "sentence_transformers" in sys.modules)
"""
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    assert completed.stdout.split() == ["answered", "False", "False"], completed.stderr[-2000:]
