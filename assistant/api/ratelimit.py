"""Per-client rate limiting that holds across worker processes: state lives in one SQLite file.

The limit is a token bucket in its GCRA form (one timestamp per client): a client may send up to
`per_minute` requests at once, then one more every `60 / per_minute` seconds. Unlike fixed
one-minute windows, a burst cannot be doubled by straddling a window boundary.
"""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int
    retry_after: int


class RateLimiter:
    """At most `per_minute` requests per client in any `window_seconds`; every worker shares the state."""

    def __init__(self, path: Path, per_minute: int, window_seconds: float = 60.0) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        if window_seconds <= 0:
            raise ValueError(f"window_seconds must be positive, got {window_seconds}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.per_minute = per_minute
        self.window_seconds = float(window_seconds)
        self.interval = self.window_seconds / per_minute
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            # `tat` is the theoretical arrival time: when the client's bucket will be full again
            db.execute("CREATE TABLE IF NOT EXISTS buckets (client TEXT PRIMARY KEY, tat REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=5.0, isolation_level=None)

    def hit(self, client: str, now: float | None = None) -> Verdict:
        """Count one request for `client` and say whether it may proceed."""
        now = time.time() if now is None else now
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT tat FROM buckets WHERE client = ?", (client,)).fetchone()
            tat = max(row[0], now) if row else now
            backlog = tat + self.interval - now  # how far ahead this request would push the client
            allowed = backlog <= self.window_seconds + 1e-6
            if allowed:
                tat += self.interval
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
        remaining = int((self.window_seconds - (tat - now)) / self.interval + 1e-6)
        wait = 0.0 if allowed else backlog - self.window_seconds
        return Verdict(allowed, max(0, remaining), max(1, math.ceil(wait)))
