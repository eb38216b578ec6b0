"""A small LRU cache of answers, keyed on the index version and the normalised user turns."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from assistant.results import AnswerResult


class AnswerCache:
    """Thread-safe; a new index version makes old entries unreachable, and they age out."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self.size = size
        self._entries: OrderedDict[Hashable, AnswerResult] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> AnswerResult | None:
        with self._lock:
            result = self._entries.get(key)
            if result is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return result

    def put(self, key: Hashable, result: AnswerResult) -> None:
        with self._lock:
            self._entries[key] = result
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
