"""Per-client rate limiting shared by every process that serves the API.

Two stores, one interface (`hit(client, per_minute=...) -> Verdict`):

- `SqliteRateLimiter`, the single-machine default: every worker of one machine shares one SQLite
  file. The limit is a token bucket in its GCRA form (one timestamp per client): a client may send
  up to `per_minute` requests at once, then one more every `60 / per_minute` seconds, so a burst
  cannot be doubled by straddling a window boundary as fixed one-minute windows allow.
- `RedisRateLimiter`, for several machines (`ASSISTANT_REDIS_URL`): the `limits` library's moving
  window in Redis (at most `per_minute` requests in any 60 seconds, counted by every instance
  together). While Redis cannot be reached it fails open to the machine's SQLite limit, with a
  warning in the log and a Prometheus counter, so an outage of the shared store neither turns chat
  into 500s nor lifts the limit altogether.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from prometheus_client import CollectorRegistry, Counter
from redis.backoff import NoBackoff
from redis.retry import Retry

from assistant.config import Settings

log = logging.getLogger("assistant.api")

# Keys in a shared Redis are namespaced, so other users of the same database are never touched.
REDIS_KEY_PREFIX = "assistant-ratelimit"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int
    retry_after: int


class RateLimiter(Protocol):
    """Counts one request for a client and says whether it may proceed."""

    def hit(self, client: str, *, per_minute: int | None = None) -> Verdict: ...


class SqliteRateLimiter:
    """At most `per_minute` requests per client in any `window_seconds`; every worker shares the state."""

    def __init__(self, path: Path, per_minute: int, window_seconds: float = 60.0) -> None:
        _check_limit(per_minute, window_seconds)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.per_minute = per_minute
        self.window_seconds = float(window_seconds)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            # `tat` is the theoretical arrival time: when the client's bucket will be full again
            db.execute("CREATE TABLE IF NOT EXISTS buckets (client TEXT PRIMARY KEY, tat REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=5.0, isolation_level=None)

    def hit(self, client: str, now: float | None = None, *, per_minute: int | None = None) -> Verdict:
        """Count one request for `client` (against `per_minute`, default the limiter's own)."""
        per_minute = per_minute or self.per_minute
        interval = self.window_seconds / per_minute
        now = time.time() if now is None else now
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT tat FROM buckets WHERE client = ?", (client,)).fetchone()
            tat = max(row[0], now) if row else now
            backlog = tat + interval - now  # how far ahead this request would push the client
            allowed = backlog <= self.window_seconds + 1e-6
            if allowed:
                tat += interval
                db.execute(
                    "INSERT INTO buckets (client, tat) VALUES (?, ?) "
                    "ON CONFLICT (client) DO UPDATE SET tat = excluded.tat",
                    (client, tat),
                )
                if row is None:  # a new client: forget the ones whose buckets have refilled
                    db.execute("DELETE FROM buckets WHERE tat < ?", (now,))
            db.execute("COMMIT")
        finally:
            db.close()
        remaining = int((self.window_seconds - (tat - now)) / interval + 1e-6)
        wait = 0.0 if allowed else backlog - self.window_seconds
        return Verdict(allowed, max(0, remaining), max(1, math.ceil(wait)))


class RedisRateLimiter:
    """At most `per_minute` requests per client in any `window_seconds`, counted in Redis by every instance.

    `fallback` decides while Redis is unreachable; after a failure Redis is tried again only once
    `retry_seconds` have passed, so an outage costs one timeout per process and interval, not one
    per request.
    """

    def __init__(
        self,
        url: str,
        per_minute: int,
        fallback: RateLimiter,
        *,
        window_seconds: int = 60,
        timeout_seconds: float = 0.5,
        retry_seconds: float = 5.0,
        registry: CollectorRegistry | None = None,
    ) -> None:
        _check_limit(per_minute, window_seconds)
        self.per_minute = per_minute
        self.window_seconds = int(window_seconds)
        self.fallback = fallback
        self.retry_seconds = retry_seconds
        # No connection is made here: a server starts even while Redis is down, and falls back.
        self.storage = RedisStorage(
            url,
            key_prefix=REDIS_KEY_PREFIX,
            wrap_exceptions=True,
            socket_connect_timeout=timeout_seconds,
            socket_timeout=timeout_seconds,
            # One immediate retry recovers a pooled connection Redis has since closed; redis-py's
            # default of three, backing off, would hold a request for seconds during an outage.
            retry=Retry(NoBackoff(), 1),  # type: ignore[arg-type]  # redis.Redis takes it; the hint is narrow
        )
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.fallbacks = Counter(
            "assistant_rate_limit_fallback_total",
            "Rate-limit decisions made by this machine's own limiter because the shared store (Redis) "
            "was unreachable.",
            registry=registry or CollectorRegistry(),
        )
        self._lock = threading.Lock()
        self._skip_until = 0.0  # monotonic time before which Redis is not tried again
        self._failing = False

    def _item(self, per_minute: int) -> RateLimitItem:
        return RateLimitItemPerSecond(per_minute, self.window_seconds)

    def hit(self, client: str, *, per_minute: int | None = None) -> Verdict:
        per_minute = per_minute or self.per_minute
        if time.monotonic() >= self._skip_until:
            item = self._item(per_minute)
            try:
                allowed = self.strategy.hit(item, client)
                reset_at, remaining = self.strategy.get_window_stats(item, client)
            except StorageError as exc:
                self._went_down(exc.storage_error)
            else:
                self._came_back()
                wait = 0.0 if allowed else reset_at - time.time()
                return Verdict(allowed, max(0, remaining), max(1, math.ceil(wait)))
        self.fallbacks.inc()
        return self.fallback.hit(client, per_minute=per_minute)

    def _went_down(self, error: Exception) -> None:
        # Logged once per outage (not per request, nor per concurrent request that noticed it).
        with self._lock:
            self._skip_until = time.monotonic() + self.retry_seconds
            newly, self._failing = not self._failing, True
        if newly:
            log.warning(
                "rate limiting: Redis is unreachable (%s: %s); limiting per machine until it answers "
                "(tried again every %.0f s)",
                type(error).__name__,
                error,
                self.retry_seconds,
            )

    def _came_back(self) -> None:
        if not self._failing:
            return
        with self._lock:
            newly, self._failing = self._failing, False
        if newly:
            log.warning("rate limiting: Redis answers again; limits are shared across instances again")


def _check_limit(per_minute: int, window_seconds: float) -> None:
    if per_minute < 1:
        raise ValueError(f"per_minute must be at least 1, got {per_minute}")
    if window_seconds <= 0:
        raise ValueError(f"window_seconds must be positive, got {window_seconds}")


def build_rate_limiter(settings: Settings, registry: CollectorRegistry | None = None) -> RateLimiter:
    """The limiter `settings` ask for: Redis-backed when `redis_url` is set, else this machine's SQLite file."""
    local = SqliteRateLimiter(
        settings.rate_limit_db or settings.data_dir / "ratelimit.sqlite3", settings.rate_limit_per_minute
    )
    if not settings.redis_url:
        return local
    return RedisRateLimiter(settings.redis_url, settings.rate_limit_per_minute, local, registry=registry)
