"""Drives every case through a system: conversations turn by turn, timed, with a progress bar."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from assistant.results import AnswerResult
from evaluation.dataset import EvalCase
from evaluation.systems import SystemUnderTest


@dataclass
class CaseOutcome:
    """What the system did with one case: the result for its last turn, or the error that stopped it."""

    case: EvalCase
    result: AnswerResult | None
    error: str | None = None
    latency_ms: float | None = None  # wall-clock time of the judged (last) turn, as the caller sees it
    turn_statuses: list[str] = field(default_factory=list)
    ranked_articles: list[str] | None = None

    @property
    def status(self) -> str:
        return self.result.status if self.result is not None else "error"

    @property
    def answer(self) -> str:
        return self.result.answer if self.result is not None else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "error": self.error,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 2),
            "turn_statuses": self.turn_statuses,
            "ranked_articles": self.ranked_articles,
            "result": self.result.model_dump() if self.result is not None else None,
        }


class EvalRunner:
    """Runs cases through one system; in parallel only when the system allows it."""

    def __init__(
        self,
        system: SystemUnderTest,
        concurrency: int = 1,
        retrieval_depth: int = 4,
        progress: bool = True,
        description: str | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        if concurrency > 1 and not system.concurrent:
            raise ValueError(f"{system.name} runs in this process and cannot take concurrency {concurrency}")
        if retrieval_depth < 1:
            raise ValueError(f"retrieval_depth must be at least 1, got {retrieval_depth}")
        self.system = system
        self.concurrency = concurrency
        self.retrieval_depth = retrieval_depth
        self.progress = progress
        self.description = description or system.name

    def run(self, cases: Sequence[EvalCase]) -> list[CaseOutcome]:
        """One outcome per case, in the order of `cases`."""
        from tqdm import tqdm

        with tqdm(
            total=len(cases),
            desc=self.description,
            unit="case",
            file=sys.stderr,
            disable=not self.progress or not cases,
            dynamic_ncols=True,
        ) as bar:
            if self.concurrency == 1:
                outcomes = []
                for case in cases:
                    outcomes.append(self.run_case(case))
                    bar.update()
            else:
                pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="eval")
                try:
                    futures = [pool.submit(self.run_case, case) for case in cases]
                    for future in futures:
                        future.add_done_callback(lambda _: bar.update())
                    outcomes = [future.result() for future in futures]
                finally:
                    # On Ctrl-C, drop the queued cases instead of waiting for every one of them.
                    pool.shutdown(wait=True, cancel_futures=True)
        self.add_rankings(outcomes)
        return outcomes

    def run_case(self, case: EvalCase) -> CaseOutcome:
        """Feed the user turns one at a time, each answer appended before the next turn."""
        messages: list[dict[str, str]] = []
        statuses: list[str] = []
        result: AnswerResult | None = None
        latency = None
        for turn in case.turns:
            messages.append({"role": "user", "content": turn})
            started = time.perf_counter()
            try:
                result = self.system.run(messages)
            except Exception as exc:  # one broken case must not end the run; the report shows it
                return CaseOutcome(case, None, f"{type(exc).__name__}: {exc}", None, [*statuses, "error"])
            latency = (time.perf_counter() - started) * 1000
            statuses.append(result.status)
            messages.append({"role": "assistant", "content": result.answer})
        return CaseOutcome(case, result, None, latency, statuses)

    def add_rankings(self, outcomes: Sequence[CaseOutcome]) -> None:
        """Retrieval rankings for the cases with expected articles, asked for in one batch."""
        wanted = [o for o in outcomes if o.case.expected_articles and o.error is None]
        if not wanted:
            return
        try:
            rankings = self.system.ranked_articles([o.case.turns for o in wanted], self.retrieval_depth)
        except Exception as exc:  # the answers stand; only the retrieval metrics go unmeasured
            for outcome in wanted:
                outcome.error = f"retrieval: {type(exc).__name__}: {exc}"
            return
        if rankings is not None:
            for outcome, ranking in zip(wanted, rankings, strict=True):
                outcome.ranked_articles = ranking
