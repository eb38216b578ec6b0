"""Prometheus metrics, one registry per app, and the JSON request log."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

request_log = logging.getLogger("assistant.requests")


class Metrics:
    """Counters and histograms the API exposes at /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
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
        self.model_breaker_open = Gauge(
            "assistant_model_breaker_open",
            "1 while the language-model circuit breaker is open (answers are extractive).",
            registry=self.registry,
        )
        self.index_passages = Gauge(
            "assistant_index_passages", "Passages in the live index.", registry=self.registry
        )
        self.index_articles = Gauge(
            "assistant_index_articles", "Articles in the live index.", registry=self.registry
        )


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
