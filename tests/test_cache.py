from __future__ import annotations

import pytest

from assistant.cache import AnswerCache
from assistant.pipeline import AnswerPipeline
from assistant.results import AnswerResult


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
