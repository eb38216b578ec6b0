"""A cheap stamp of what an index build read, so `assistant serve` can skip a build that would change nothing.

Making sure the embedded index is current means vetting every article and opening Chroma, about
half of a server's start, and nearly always to learn that nothing changed. A build therefore
records a fingerprint of its inputs: each article file's path, size and modification time, the
settings that vetting and the exports depend on, and the code and model weights that vet, chunk and
embed. A start that computes the same fingerprint, and still finds the index files and exports the
build left, skips the check; any difference (an article edited, added or removed, a setting
changed, the code upgraded) falls back to the full build, which works out what actually changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import corpus
import index
from assistant.config import Settings
from assistant.selection import QUESTION_ENCODER
from corpus.loader import article_paths
from index.embedder import bundled_model_path

STAMP_FILE = "index-stamp.json"
# Settings whose change can change what is indexed or what the server embeds with.
BUILD_SETTINGS = (
    "corpus_dir",
    "allowed_domains",
    "vetting_actions",
    "embedder_backend",
    "onnx_precision",
    "answer_selection",
    "onnx_dir",
)


def _stats(paths: Sequence[Path]) -> list[tuple[str, int, int]]:
    stats = []
    for path in paths:
        stat = path.stat()
        stats.append((str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    return stats


def _code_and_models() -> list[Path]:
    sources = [
        path
        for package in (corpus, index)
        for folder in package.__path__
        for path in sorted(Path(folder).resolve().glob("*.py"))
    ]
    sources.append(Path(__file__).resolve().parent / "runtime.py")
    models = [
        path
        for folder in (bundled_model_path(), QUESTION_ENCODER)
        for path in sorted(Path(folder).iterdir())
        if path.is_file()
    ]
    return sources + models


def fingerprint(settings: Settings) -> str | None:
    """What a build of `settings` would read, in a few dozen file stats; None when it cannot be told."""
    try:
        payload = {
            "articles": _stats(article_paths([settings.corpus_dir])),
            "code_and_models": _stats(_code_and_models()),
            "settings": settings.model_dump(mode="json", include=set(BUILD_SETTINGS)),
            "data_dir": str(settings.data_dir.resolve()),
        }
    except OSError:  # a missing corpus folder or model: the full build reports it properly
        return None
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def record(settings: Settings, stamp: str, version: str, exports: Sequence[Path]) -> None:
    """Remember that the index `version` and `exports` were built from inputs with fingerprint `stamp`."""
    path = settings.data_dir / STAMP_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{STAMP_FILE}.{os.getpid()}")
    staging.write_text(
        json.dumps({"fingerprint": stamp, "version": version, "exports": [str(e) for e in exports]})
    )
    os.replace(staging, path)  # whole or not at all: a half-written stamp would read as "changed"


def forget(settings: Settings) -> None:
    (settings.data_dir / STAMP_FILE).unlink(missing_ok=True)


def is_current(settings: Settings) -> bool:
    """Whether the last build's inputs are unchanged and what it left is still there."""
    if settings.store != "embedded":
        return False
    try:
        recorded = json.loads((settings.data_dir / STAMP_FILE).read_text())
    except (OSError, ValueError):
        return False
    stamp = fingerprint(settings)
    if stamp is None or not isinstance(recorded, dict) or recorded.get("fingerprint") != stamp:
        return False
    left = [
        settings.chroma_path,
        settings.artifacts_path / str(recorded.get("version")) / "sentences.json",
        *(Path(e) for e in recorded.get("exports", [])),
    ]
    return all(path.exists() for path in left)
