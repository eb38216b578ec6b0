"""The shared rate limiter: bursts, refill, no doubling at window edges, processes sharing one file."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from assistant.api.ratelimit import RateLimiter


def _allowed(limiter: RateLimiter, client: str, times: list[float]) -> list[bool]:
    return [limiter.hit(client, now=t).allowed for t in times]


def test_a_burst_up_to_the_limit_then_refusals_with_retry_after(tmp_path: Path) -> None:
    limiter = RateLimiter(tmp_path / "rl.sqlite3", per_minute=6)
    verdicts = [limiter.hit("a", now=1000.0) for _ in range(8)]
    assert [v.allowed for v in verdicts] == [True] * 6 + [False] * 2
    assert [v.remaining for v in verdicts[:6]] == [5, 4, 3, 2, 1, 0]
    assert verdicts[6].retry_after == 10  # one request every 60/6 s once the burst is spent


def test_the_bucket_refills_one_request_per_interval(tmp_path: Path) -> None:
    limiter = RateLimiter(tmp_path / "rl.sqlite3", per_minute=6)
    assert all(_allowed(limiter, "a", [0.0] * 6))
    assert _allowed(limiter, "a", [9.0, 10.0, 10.5, 20.0]) == [False, True, False, True]
    assert _allowed(limiter, "a", [200.0] * 7) == [True] * 6 + [False]  # idle long enough: full burst


def test_no_double_burst_across_a_minute_boundary(tmp_path: Path) -> None:
    # fixed windows let 6 through at 59.9 s and 6 more at 60.1 s; the limit means any 60 s
    limiter = RateLimiter(tmp_path / "rl.sqlite3", per_minute=6)
    allowed = _allowed(limiter, "a", [59.9] * 6 + [60.1] * 6)
    assert allowed.count(True) == 6


def test_clients_are_counted_apart_and_refilled_ones_are_forgotten(tmp_path: Path) -> None:
    limiter = RateLimiter(tmp_path / "rl.sqlite3", per_minute=2)
    assert _allowed(limiter, "a", [0.0, 0.0, 0.0]) == [True, True, False]
    assert _allowed(limiter, "b", [0.0, 0.0]) == [True, True]
    limiter.hit("c", now=500.0)
    with sqlite3.connect(limiter.path) as db:
        assert [row[0] for row in db.execute("SELECT client FROM buckets ORDER BY client")] == ["c"]


def test_constructor_rejects_nonsense(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="per_minute must be at least 1"):
        RateLimiter(tmp_path / "rl.sqlite3", per_minute=0)
    with pytest.raises(ValueError, match="window_seconds must be positive"):
        RateLimiter(tmp_path / "rl.sqlite3", per_minute=5, window_seconds=0)


def _hammer(path: str, count: int, results: multiprocessing.Queue[int]) -> None:
    limiter = RateLimiter(Path(path), per_minute=50)
    results.put(sum(limiter.hit("shared", now=1000.0).allowed for _ in range(count)))


@pytest.mark.server
def test_processes_sharing_the_file_never_exceed_the_limit_together(tmp_path: Path) -> None:
    path = tmp_path / "rl.sqlite3"
    RateLimiter(path, per_minute=50)
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[int] = context.Queue()
    workers = [context.Process(target=_hammer, args=(str(path), 40, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sum(results.get(timeout=5) for _ in workers) == 50  # 160 tried at the same instant
