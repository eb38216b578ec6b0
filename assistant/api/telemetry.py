"""Prometheus metrics, one registry per app (merged across worker processes), and the JSON request log.

With several worker processes each holds its own counters, and a scrape reaches whichever worker
the kernel hands the connection to: totals would jump back and forth. So when
PROMETHEUS_MULTIPROC_DIR is set (`assistant serve --workers N` sets it up itself), prometheus_client
keeps every value in memory-mapped files there and a scrape adds up the files of every worker,
including the counts of workers that have since exited.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client import multiprocess as prometheus_multiprocess

request_log = logging.getLogger("assistant.requests")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The files of one process's gauges that count only while it lives ("live…" modes), named by its pid.
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live[a-z]+_(\d+)\.db$")


def multiprocess_dir() -> Path | None:
    """The folder worker processes share their metrics through, if this process writes there.

    prometheus_client decides at import whether values go to files, so the variable counts only if
    it was set before that: a process that set it later still keeps its metrics in memory.
    """
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder or not getattr(values.ValueClass, "_multiprocess", False):
        return None
    return Path(folder)


class Metrics:
    """Counters and histograms the API exposes at /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess_dir = multiprocess_dir()
        if self.multiprocess_dir is not None:
            self.multiprocess_dir.mkdir(parents=True, exist_ok=True)
            forget_dead_processes(self.multiprocess_dir)
            atexit.register(
                prometheus_multiprocess.mark_process_dead, os.getpid(), str(self.multiprocess_dir)
            )
        self.requests = Counter(
            "assistant_http_requests_total",
            "HTTP requests.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "assistant_http_request_seconds",
            "HTTP request latency.",
            ["route", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        self.answers = Counter(
            "assistant_answers_total", "Answers by status.", ["status"], registry=self.registry
        )
        self.answer_cache_hits = Counter(
            "assistant_answer_cache_hits_total",
            "Answers served from the answer cache (clients are not told which).",
            registry=self.registry,
        )
        self.guardrail = Counter(
            "assistant_guardrail_decisions_total",
            "Guardrail decisions by category.",
            ["category"],
            registry=self.registry,
        )
        self.generated_sentences = Counter(
            "assistant_generated_sentences_total",
            "Sentences the language model wrote, by verification outcome (kept or the reason dropped).",
            ["outcome"],
            registry=self.registry,
        )
        self.model_errors = Counter(
            "assistant_model_errors_total",
            "Answers whose language-model call failed (timeout, error, open breaker) and fell back.",
            registry=self.registry,
        )
        # Gauges are set by the worker answering the scrape, just before it collects: across
        # workers the most recent value of a live one is that worker's view, as with one process.
        self.model_breaker_open = Gauge(
            "assistant_model_breaker_open",
            "1 while the language-model circuit breaker is open (answers are extractive).",
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        self.index_passages = Gauge(
            "assistant_index_passages",
            "Passages in the live index.",
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        self.index_articles = Gauge(
            "assistant_index_articles",
            "Articles in the live index.",
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )

    def exposition(self) -> bytes:
        """The text a scrape gets: every worker's values added up, or this process's alone."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(merged, str(self.multiprocess_dir))
        return generate_latest(merged)


def forget_dead_processes(folder: Path) -> None:
    """Drop the live-only gauges of workers that died without exiting cleanly (a crash, SIGKILL).

    A worker that exits normally does this itself at exit; its counters stay, so totals keep
    counting what it served.
    """
    for path in folder.glob("gauge_live*.db"):
        match = _LIVE_GAUGE_FILE.match(path.name)
        if match and not _alive(int(match.group(1))):
            prometheus_multiprocess.mark_process_dead(int(match.group(1)), str(folder))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


@contextmanager
def shared_worker_metrics(workers: int) -> Iterator[Path | None]:
    """For the lifetime of a server with `workers` processes: the folder they share metrics through.

    An operator's PROMETHEUS_MULTIPROC_DIR is used as it is (emptying it between runs is theirs to
    do). Without one, several workers get a fresh temporary folder, removed when the server stops;
    the variable is set here, before any worker process starts and imports prometheus_client.
    """
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        Path(configured).mkdir(parents=True, exist_ok=True)
        yield Path(configured)
        return
    if workers <= 1:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="assistant-metrics-"))
    os.environ[MULTIPROC_ENV] = str(folder)
    try:
        yield folder
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


def configure_request_log() -> None:
    """One JSON object per line on stderr."""
    if not request_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)
        request_log.propagate = False


def log_request(record: dict[str, Any]) -> None:
    request_log.info(json.dumps(record, ensure_ascii=False))
