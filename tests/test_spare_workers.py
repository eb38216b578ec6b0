"""The question encoder runs beside the request's own embedding, only while a worker is idle."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.pipeline import SpareWorkers
from assistant.runtime import load_pipeline


def test_work_runs_on_an_idle_worker_and_is_declined_when_all_are_busy() -> None:
    workers = SpareWorkers(1)
    release = threading.Event()
    busy = workers.submit(lambda: (release.wait(5), threading.current_thread().name)[1])
    assert busy is not None
    # The only worker is taken: the caller is told to do the work itself rather than queue it.
    assert workers.submit(lambda: "queued") is None
    release.set()
    assert busy.result(timeout=5).startswith("spare-worker")
    again = workers.submit(lambda x: x * 2, 21)
    assert again is not None and again.result(timeout=5) == 42
    workers.shutdown()
    with pytest.raises(ValueError, match="at least 1"):
        SpareWorkers(0)


def test_a_failing_job_frees_its_worker() -> None:
    workers = SpareWorkers(1)
    failing = workers.submit(lambda: 1 / 0)
    assert failing is not None
    with pytest.raises(ZeroDivisionError):
        failing.result(timeout=5)
    after = workers.submit(lambda: "free again")
    assert after is not None and after.result(timeout=5) == "free again"
    workers.shutdown()


def test_answers_are_the_same_with_the_passes_started_beside_the_request(shipped_data_dir: Path) -> None:
    beside = load_pipeline(Settings(data_dir=shipped_data_dir, answer_cache_size=0, embedding_workers=3))
    inline = load_pipeline(Settings(data_dir=shipped_data_dir, answer_cache_size=0, embedding_workers=0))
    assert beside.spare_workers is not None and inline.spare_workers is None
    selector = beside.answerer.selector
    assert selector is not None
    threads: list[str] = []
    encode = selector.embed

    def recording(question: str) -> np.ndarray:
        threads.append(threading.current_thread().name)
        return encode(question)

    selector.embed = recording  # type: ignore[method-assign]
    conversations = [
        # a follow-up is read two ways: both encodings and the second reading's embedding start early
        ["What is esketamine?", "is it safe to drive afterwards"],
        ["How long does ketamine stay in urine?"],
        ["What is the capital of Mongolia?"],
        ["How much ketamine should I take to get high?"],  # refused: what was started is dropped
    ]
    for n, turns in enumerate(conversations):
        messages = [{"role": "user", "content": turn} for turn in turns]
        expected, got = inline.run(messages), beside.run(messages)
        assert (got.status, got.answer, got.citations) == (
            expected.status,
            expected.answer,
            expected.citations,
        )
        if n == 0:
            # three idle workers, three passes to start: none was left to the request's thread
            assert len(threads) == 2 and all(name.startswith("spare-worker") for name in threads)
    assert got.status == "refused"
