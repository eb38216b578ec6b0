"""The torch-free serving path: ONNX exports give the vectors torch gives, and serving never imports torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.selection import QUESTION_ENCODER, AnswerSelector
from index.embedder import SentenceTransformerEmbedder, bundled_model_path
from index.onnx_embedder import METADATA_FILE, OnnxEmbedder, export_onnx, weights_digest
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


def test_serving_never_imports_torch(shipped_data_dir: Path) -> None:
    script = f"""
import sys
from pathlib import Path
from assistant.config import Settings
from assistant.runtime import load_pipeline
pipeline = load_pipeline(Settings(data_dir=Path({str(shipped_data_dir)!r})))
pipeline.warm_up()
result = pipeline.run([{{"role": "user", "content": "Why is esketamine given under supervision?"}}])
print(result.status, "torch" in sys.modules, "sentence_transformers" in sys.modules)
"""
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    assert completed.stdout.split() == ["answered", "False", "False"], completed.stderr[-2000:]
