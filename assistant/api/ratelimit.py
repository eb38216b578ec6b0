"""Per-client rate limiting that holds across worker processes: counters live in one SQLite file."""

from __future__ import annotations

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
    """Fixed one-minute windows per client key; every worker on the machine shares the counts."""

    def __init__(self, path: Path, per_minute: int, window_seconds: int = 60) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.per_minute = per_minute
        self.window_seconds = window_seconds
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS hits (client TEXT, window INTEGER, count INTEGER, PRIMARY KEY (client, window))"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=5.0, isolation_level=None)

    def hit(self, client: str, now: float | None = None) -> Verdict:
        """Count one request for `client` and say whether it may proceed."""
        now = time.time() if now is None else now
        window = int(now // self.window_seconds)
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            count = db.execute(
                "INSERT INTO hits (client, window, count) VALUES (?, ?, 1) "
                "ON CONFLICT (client, window) DO UPDATE SET count = count + 1 RETURNING count",
                (client, window),
            ).fetchone()[0]
            if count == 1:  # first hit of a window: drop windows that are over
                db.execute("DELETE FROM hits WHERE window < ?", (window - 1,))
            db.execute("COMMIT")
        finally:
            db.close()
        retry_after = max(1, int((window + 1) * self.window_seconds - now + 0.999))
        return Verdict(count <= self.per_minute, max(0, self.per_minute - count), retry_after)
