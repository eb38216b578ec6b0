"""The systems an evaluation can run against: the pipeline in this process, or any server over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx
from pydantic import ValidationError

from assistant.pipeline import AnswerPipeline
from assistant.results import AnswerResult
from corpus.errors import AssistantError

Messages = Sequence[Mapping[str, str]]


class EvalSystemError(AssistantError):
    """The system under test could not be reached or gave an unusable reply."""


class SystemUnderTest(Protocol):
    """Answers a conversation (user and assistant messages, the last from the user) with an `AnswerResult`."""

    name: str
    # Whether `run` may be called from several threads at once.
    concurrent: bool

    def run(self, messages: Messages) -> AnswerResult: ...

    def ranked_articles(self, conversations: Sequence[Sequence[str]], k: int) -> list[list[str]] | None:
        """Per conversation (its user turns), the article of each of the top `k` passages retrieved for
        its last turn, best first; None when the system does not expose retrieval."""
        ...

    def describe(self) -> dict[str, Any]: ...


class InProcessSystem:
    """The full pipeline (guardrails, retrieval, extractive answer) called directly."""

    concurrent = False  # the pipeline shares one embedder and index; keep calls in one thread

    def __init__(
        self, pipeline: AnswerPipeline, name: str = "ours", details: Mapping[str, Any] | None = None
    ) -> None:
        self.pipeline = pipeline
        self.name = name
        self.details = dict(details or {})

    def run(self, messages: Messages) -> AnswerResult:
        return self.pipeline.run(list(messages))

    def ranked_articles(self, conversations: Sequence[Sequence[str]], k: int) -> list[list[str]] | None:
        # The passages the pipeline answers from: a follow-up's reading is chosen by its answer.
        return [
            [hit.passage.article_id for hit in self.pipeline.retrieve(turns, k)] for turns in conversations
        ]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mode": "in-process",
            "index_version": self.pipeline.index.version,
            "retrieval_k": self.pipeline.k,
            **self.details,
        }


class HttpSystem:
    """Any server speaking `POST /v1/chat`; waits out 429 and 503 replies as their Retry-After asks."""

    concurrent = True

    def __init__(
        self,
        base_url: str,
        timeout: float = 60.0,
        retries: int = 8,
        api_key: str | None = None,
        name: str = "ours",
        client: httpx.Client | None = None,
        max_wait: float = 60.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"the server URL must start with http:// or https://, got {base_url!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        if retries < 0:
            raise ValueError(f"retries cannot be negative, got {retries}")
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.retries = retries
        self.max_wait = max_wait
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = client or httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)
        self.index_version: str | None = None
        self.throttled = 0  # requests answered 429/503 and retried; their waits count in the latency
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Block until `GET /readyz` answers 200; servers without that route count as ready."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = self.client.get("/readyz")
            except httpx.HTTPError as exc:
                raise EvalSystemError(f"cannot reach {self.base_url}: {exc}") from None
            if response.status_code == 200:
                self.index_version = _json(response).get("index_version")
                return
            if response.status_code == 404:
                return
            if response.status_code != 503 or time.monotonic() > deadline:
                raise EvalSystemError(
                    f"{self.base_url} is not ready (HTTP {response.status_code}): {_detail(response)}"
                )
            time.sleep(min(_retry_after(response), 2.0))

    def run(self, messages: Messages) -> AnswerResult:
        body = {"messages": [dict(m) for m in messages], "stream": False}
        for attempt in range(self.retries + 1):
            try:
                response = self.client.post("/v1/chat", json=body)
            except httpx.HTTPError as exc:
                raise EvalSystemError(f"POST /v1/chat failed: {type(exc).__name__}: {exc}") from None
            if response.status_code in (429, 503) and attempt < self.retries:
                with self._lock:
                    self.throttled += 1
                time.sleep(min(_retry_after(response), self.max_wait))
                continue
            if response.status_code != 200:
                raise EvalSystemError(
                    f"POST /v1/chat answered HTTP {response.status_code}: {_detail(response)}"
                )
            try:
                return AnswerResult.model_validate(response.json())
            except (ValueError, ValidationError) as exc:
                raise EvalSystemError(
                    f"POST /v1/chat gave a body that is not an AnswerResult: {exc}"
                ) from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def ranked_articles(self, conversations: Sequence[Sequence[str]], k: int) -> list[list[str]] | None:
        return None  # the API does not expose retrieval rankings; citation metrics still apply

    def articles(self) -> list[dict[str, Any]] | None:
        """Every article the server quotes from (`GET /v1/articles/{id}`), or None if it has no such route."""
        try:
            listing = self.client.get("/v1/articles")
            if listing.status_code != 200:
                return None
            details = []
            for summary in listing.json():
                response = self.client.get(f"/v1/articles/{summary['id']}")
                if response.status_code != 200:
                    return None
                details.append(response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return None  # not our API, or not all of it: fall back to the local corpus
        return details

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mode": "http",
            "url": self.base_url,
            "index_version": self.index_version,
            "throttled_requests": self.throttled,
        }


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.1, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _detail(response: httpx.Response) -> str:
    data = _json(response)
    return str(data.get("detail") or data.get("title") or response.text[:200] or response.reason_phrase)
