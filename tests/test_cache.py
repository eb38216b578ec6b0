from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.cache import AnswerCache
from assistant.config import Settings
from assistant.pipeline import AnswerPipeline
from assistant.results import AnswerResult
from assistant.runtime import load_pipeline
from index.embedder import Embedder, RememberingEmbedder


def test_lru_evicts_the_least_recently_used() -> None:
    cache = AnswerCache(2)
    first, second, third = (AnswerResult(status="abstained", answer=str(i)) for i in range(3))
    cache.put("a", first)
    cache.put("b", second)
    assert cache.get("a") is first  # a is now the most recent
    cache.put("c", third)
    assert cache.get("b") is None and cache.get("a") is first and cache.get("c") is third
    assert (cache.hits, cache.misses) == (3, 1)
    with pytest.raises(ValueError, match="at least 1"):
        AnswerCache(0)


def test_repeated_questions_are_served_from_the_cache(shipped_pipeline: AnswerPipeline) -> None:
    # a question no other test asks, so the first call cannot already be cached
    first = shipped_pipeline.run("How does ketamine damage the bladder over the years?")
    again = shipped_pipeline.run("  how does KETAMINE damage the bladder over the years? ")
    assert again.timings_ms.get("cache_hit") == 1.0 and "cache_hit" not in first.timings_ms
    assert again.answer == first.answer and again.citations == first.citations and again.id != first.id
    follow_up = shipped_pipeline.run(
        [
            {"role": "user", "content": "What is esketamine?"},
            {"role": "assistant", "content": "…"},
            {"role": "user", "content": "How does ketamine damage the bladder over the years?"},
        ]
    )
    assert "cache_hit" not in follow_up.timings_ms  # a different conversation is a different key


class CountingEmbedder:
    """Passes texts to `inner` (or makes a vector from each text's length) and records each call's texts."""

    model_id = "counting"
    dimension = 3

    def __init__(self, inner: Embedder | None = None) -> None:
        self.inner = inner
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if self.inner is not None:
            return self.inner.embed(texts)
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32).reshape(-1, 3)


def test_remembered_texts_are_embedded_once_and_the_oldest_are_forgotten() -> None:
    counting = CountingEmbedder()
    remembering = RememberingEmbedder(counting, size=2)
    assert remembering.embed(["a", "bb"]).tolist() == [[1, 1, 0], [2, 1, 0]]
    assert remembering.embed(["bb", "ccc"]).tolist() == [[2, 1, 0], [3, 1, 0]]
    assert remembering.embed(["ccc", "a"]).tolist() == [[3, 1, 0], [1, 1, 0]]
    # "a" was the oldest when "ccc" arrived, so it was forgotten and embedded again
    assert counting.calls == [["a", "bb"], ["ccc"], ["a"]] and len(remembering) == 2
    assert remembering.embed([]).shape == (0, 3)
    remembering.forget()
    remembering.embed(["a"])
    assert counting.calls[-1] == ["a"]
    with pytest.raises(ValueError, match="at least 1"):
        RememberingEmbedder(counting, size=0)


def test_a_conversations_earlier_turns_are_not_embedded_again(shipped_data_dir: Path) -> None:
    pipeline = load_pipeline(Settings(data_dir=shipped_data_dir, answer_cache_size=0))
    assert isinstance(pipeline.embedder, RememberingEmbedder)
    counting = CountingEmbedder(pipeline.embedder.inner)
    pipeline.embedder.inner = counting
    turns = ["Is ketamine used by vets on horses?", "does it cause bladder damage in people who use it often"]
    pipeline.run(turns[0])
    pipeline.run([{"role": "user", "content": turn} for turn in turns])
    embedded = [text for call in counting.calls for text in call]
    assert embedded.count(turns[0]) == 1 and turns[1] in embedded
    plain = load_pipeline(Settings(data_dir=shipped_data_dir, answer_cache_size=0, embedding_cache_size=0))
    assert not isinstance(plain.embedder, RememberingEmbedder)
