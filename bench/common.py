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
    cpu = platform.processor() or platform.machine()
    return f"{platform.system()} {platform.machine()} ({cpu}), {os.cpu_count()} cores, Python {platform.python_version()}"


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
