"""Helpers shared by the benchmarks: machine details and percentiles."""

from __future__ import annotations

import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def machine() -> str:
    return f"{platform.system()} {platform.machine()} ({_cpu()}), {os.cpu_count()} cores, Python {platform.python_version()}"


# The same code measures answer quality differently on CPUs with and without these (docs/abstention.md,
# session 29), so a result names which it was measured on.
_VECTOR_FLAGS = {"avx512_vnni": "AVX-512 VNNI", "avx512f": "AVX-512", "avx2": "AVX2"}


def _cpu() -> str:
    """The CPU's model and its widest vector instructions, where Linux tells them."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or platform.machine()
    fields: dict[str, str] = {}
    for line in info.splitlines():
        name, _, value = line.partition(":")
        fields.setdefault(name.strip(), value.strip())
    model = fields.get("model name") or platform.machine()
    flags = set(fields.get("flags", "").split())
    widest = next((name for flag, name in _VECTOR_FLAGS.items() if flag in flags), None)
    return f"{model}, {widest}" if widest else model


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(values_ms: list[float]) -> str:
    return (
        f"median {statistics.median(values_ms):.3f} ms, p95 {percentile(values_ms, 0.95):.3f} ms, "
        f"p99 {percentile(values_ms, 0.99):.3f} ms (n={len(values_ms)})"
    )


def shipped_questions() -> list[str]:
    """The single-turn questions of evals/questions.jsonl, in file order."""
    lines = (REPO / "evals/questions.jsonl").read_text().splitlines()
    return [json.loads(line)["question"] for line in lines if '"question"' in line]


def follow_up_conversations() -> list[list[str]]:
    """The user turns of each conversation in evals/user_followups.jsonl (the last turn is the follow-up)."""
    lines = (REPO / "evals/user_followups.jsonl").read_text().splitlines()
    return [json.loads(line)["turns"] for line in lines if line.strip()]


def built_settings() -> Any:
    """Settings over a fresh temporary data folder with the shipped corpus indexed; answer and
    embedding caches off."""
    import tempfile

    from assistant.config import Settings
    from assistant.runtime import build_index

    settings = Settings(data_dir=Path(tempfile.mkdtemp()), answer_cache_size=0, embedding_cache_size=0)
    build_index(settings)
    return settings
