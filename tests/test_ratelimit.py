"""Rate limits and who they count against.

The SQLite limiter (one machine: bursts, refill, no doubling at window edges, processes sharing a
file); the Redis limiter (instances sharing one limit through a real `redis-server`, failing open
to the machine's own limit while Redis is down or hung); the client's address behind trusted
proxies; API keys that no forged header can skip; and real servers: `assistant serve` ignoring a
forged X-Forwarded-For from loopback, two API processes sharing one limit through Redis.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import ValidationError
from starlette.requests import Request

from assistant.api import create_app
from assistant.api.deps import client_address
from assistant.api.ratelimit import RedisRateLimiter, SqliteRateLimiter, build_rate_limiter
from assistant.config import Settings
from tests.servers import api_server, assistant_serve, free_port, redis_server

QUESTION = {"messages": [{"role": "user", "content": "What is a K-hole?"}]}


# --- one machine: SQLite ------------------------------------------------------------------------


def _allowed(limiter: SqliteRateLimiter, client: str, times: list[float]) -> list[bool]:
    return [limiter.hit(client, now=t).allowed for t in times]


def test_a_burst_up_to_the_limit_then_refusals_with_retry_after(tmp_path: Path) -> None:
    limiter = SqliteRateLimiter(tmp_path / "rl.sqlite3", per_minute=6)
    verdicts = [limiter.hit("a", now=1000.0) for _ in range(8)]
    assert [v.allowed for v in verdicts] == [True] * 6 + [False] * 2
    assert [v.remaining for v in verdicts[:6]] == [5, 4, 3, 2, 1, 0]
    assert verdicts[6].retry_after == 10  # one request every 60/6 s once the burst is spent


def test_the_bucket_refills_one_request_per_interval(tmp_path: Path) -> None:
    limiter = SqliteRateLimiter(tmp_path / "rl.sqlite3", per_minute=6)
    assert all(_allowed(limiter, "a", [0.0] * 6))
    assert _allowed(limiter, "a", [9.0, 10.0, 10.5, 20.0]) == [False, True, False, True]
    assert _allowed(limiter, "a", [200.0] * 7) == [True] * 6 + [False]  # idle long enough: full burst


def test_no_double_burst_across_a_minute_boundary(tmp_path: Path) -> None:
    # fixed windows let 6 through at 59.9 s and 6 more at 60.1 s; the limit means any 60 s
    limiter = SqliteRateLimiter(tmp_path / "rl.sqlite3", per_minute=6)
    allowed = _allowed(limiter, "a", [59.9] * 6 + [60.1] * 6)
    assert allowed.count(True) == 6


def test_a_call_may_name_its_own_limit(tmp_path: Path) -> None:
    limiter = SqliteRateLimiter(tmp_path / "rl.sqlite3", per_minute=6)
    strict = [limiter.hit("widget:a", now=0.0, per_minute=2) for _ in range(3)]
    assert [v.allowed for v in strict] == [True, True, False]
    assert strict[2].retry_after == 30
    assert _allowed(limiter, "a", [0.0] * 7) == [True] * 6 + [False]


def test_clients_are_counted_apart_and_refilled_ones_are_forgotten(tmp_path: Path) -> None:
    limiter = SqliteRateLimiter(tmp_path / "rl.sqlite3", per_minute=2)
    assert _allowed(limiter, "a", [0.0, 0.0, 0.0]) == [True, True, False]
    assert _allowed(limiter, "b", [0.0, 0.0]) == [True, True]
    limiter.hit("c", now=500.0)
    with sqlite3.connect(limiter.path) as db:
        assert [row[0] for row in db.execute("SELECT client FROM buckets ORDER BY client")] == ["c"]


def test_constructors_reject_nonsense(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="per_minute must be at least 1"):
        SqliteRateLimiter(tmp_path / "rl.sqlite3", per_minute=0)
    with pytest.raises(ValueError, match="window_seconds must be positive"):
        SqliteRateLimiter(tmp_path / "rl.sqlite3", per_minute=5, window_seconds=0)
    local = SqliteRateLimiter(tmp_path / "rl.sqlite3", per_minute=5)
    with pytest.raises(ValueError, match="per_minute must be at least 1"):
        RedisRateLimiter("redis://127.0.0.1:1/0", per_minute=0, fallback=local)


def test_settings_choose_the_store(tmp_path: Path) -> None:
    local = build_rate_limiter(Settings(data_dir=tmp_path, rate_limit_per_minute=7))
    assert isinstance(local, SqliteRateLimiter) and local.path == tmp_path / "ratelimit.sqlite3"
    shared = build_rate_limiter(Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:6390/2"))
    assert isinstance(shared, RedisRateLimiter) and isinstance(shared.fallback, SqliteRateLimiter)


def _hammer(path: str, count: int, results: multiprocessing.Queue[int]) -> None:
    limiter = SqliteRateLimiter(Path(path), per_minute=50)
    results.put(sum(limiter.hit("shared", now=1000.0).allowed for _ in range(count)))


@pytest.mark.server
def test_processes_sharing_the_file_never_exceed_the_limit_together(tmp_path: Path) -> None:
    path = tmp_path / "rl.sqlite3"
    SqliteRateLimiter(path, per_minute=50)
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[int] = context.Queue()
    workers = [context.Process(target=_hammer, args=(str(path), 40, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sum(results.get(timeout=5) for _ in workers) == 50  # 160 tried at the same instant


# --- several machines: Redis --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_redis() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def redis_url(shared_redis: str) -> str:
    redis.Redis.from_url(shared_redis).flushdb()
    return shared_redis


def _redis_limiter(
    url: str, tmp_path: Path, name: str, per_minute: int, **options: float
) -> RedisRateLimiter:
    fallback = SqliteRateLimiter(tmp_path / f"{name}.sqlite3", per_minute)
    return RedisRateLimiter(url, per_minute, fallback, **options)  # type: ignore[arg-type]


def _fallbacks(limiter: RedisRateLimiter) -> float:
    [metric] = limiter.fallbacks.collect()
    return next(s.value for s in metric.samples if s.name == "assistant_rate_limit_fallback_total")


@pytest.mark.server
def test_two_limiters_share_one_limit_through_redis(redis_url: str, tmp_path: Path) -> None:
    # two limiters, each with its own local file: what two API instances on two machines have
    first, second = (_redis_limiter(redis_url, tmp_path, name, per_minute=5) for name in ("one", "two"))
    verdicts = [(first if i % 2 == 0 else second).hit("ip:198.51.100.7") for i in range(7)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False] * 2
    assert [v.remaining for v in verdicts[:5]] == [4, 3, 2, 1, 0]
    assert all(55 <= v.retry_after <= 60 for v in verdicts[5:])  # the oldest hit leaves the window in ~60 s
    assert second.hit("ip:198.51.100.8").allowed  # another client has its own count
    assert _fallbacks(first) == _fallbacks(second) == 0
    assert all(key.startswith(b"assistant-ratelimit:") for key in redis.Redis.from_url(redis_url).scan_iter())


@pytest.mark.server
def test_the_redis_window_moves(redis_url: str, tmp_path: Path) -> None:
    limiter = _redis_limiter(redis_url, tmp_path, "one", per_minute=3, window_seconds=2)
    assert [limiter.hit("a").allowed for _ in range(4)] == [True, True, True, False]
    counted_by = time.monotonic()  # the three counted requests are older than this
    refused = limiter.hit("a")
    assert not refused.allowed and refused.retry_after in (1, 2)
    assert limiter.hit("a", per_minute=5).allowed  # a different limit is a different count
    time.sleep(max(0.0, 2.2 - (time.monotonic() - counted_by)))
    assert limiter.hit("a").allowed


@pytest.mark.server
def test_redis_going_down_falls_back_to_the_machines_limit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with redis_server() as url:
        limiter = _redis_limiter(url, tmp_path, "one", per_minute=2, retry_seconds=60)
        assert limiter.hit("a").allowed
    # Redis is gone: no exception, the local limit applies, one warning, and every decision counted
    with caplog.at_level(logging.WARNING, logger="assistant.api"):
        verdicts = [limiter.hit("a") for _ in range(3)]
    assert [v.allowed for v in verdicts] == [True, True, False]
    assert verdicts[2].retry_after == 30
    assert _fallbacks(limiter) == 3
    warnings = [r.getMessage() for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(warnings) == 1, warnings  # once per outage, not per request


def test_a_hung_redis_costs_a_short_timeout_not_a_hang(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (in the kernel) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        limiter = _redis_limiter(
            f"redis://127.0.0.1:{port}/0", tmp_path, "one", per_minute=2, timeout_seconds=0.3
        )
        started = time.monotonic()
        verdict = limiter.hit("a")
        assert verdict.allowed and time.monotonic() - started < 3
        started = time.monotonic()
        assert limiter.hit("a").allowed and time.monotonic() - started < 0.2  # not retried yet
    assert _fallbacks(limiter) == 2


@pytest.mark.server
def test_a_paused_redis_is_skipped_then_used_again_when_it_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with redis_server() as url:
        limiter = _redis_limiter(url, tmp_path, "one", per_minute=3, timeout_seconds=0.3, retry_seconds=0)
        other = _redis_limiter(url, tmp_path, "two", per_minute=3)
        assert limiter.hit("a").allowed
        pid = int(redis.Redis.from_url(url).info("server")["process_id"])
        os.kill(pid, signal.SIGSTOP)
        try:
            with caplog.at_level(logging.WARNING, logger="assistant.api"):
                assert limiter.hit("a").allowed
        finally:
            os.kill(pid, signal.SIGCONT)
        assert _fallbacks(limiter) == 1
        with caplog.at_level(logging.WARNING, logger="assistant.api"):
            # back in Redis: shared again (the timed-out hit may also have landed there late)
            verdicts = [limiter.hit("a"), other.hit("a"), other.hit("a")]
        assert not verdicts[-1].allowed and _fallbacks(limiter) == 1
        assert any("Redis answers again" in r.getMessage() for r in caplog.records)


# --- who the client is --------------------------------------------------------------------------


def _request(peer: str, *forwarded_for: str, headers: dict[str, str] | None = None) -> Request:
    raw = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": raw, "client": (peer, 50000)})


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_headers() -> None:
    settings = Settings()
    assert client_address(_request("127.0.0.1", "203.0.113.9"), settings) == "127.0.0.1"
    assert client_address(_request("::ffff:192.0.2.4", "203.0.113.9"), settings) == "192.0.2.4"
    assert client_address(_request("testclient"), settings) == "testclient"


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # the leftmost entry is whatever the client wrote; the rightmost untrusted one is the client
        ("10.0.0.2", ["203.0.113.66, 198.51.100.7"], "198.51.100.7"),
        ("10.0.0.2", ["203.0.113.66, 198.51.100.7, 10.0.0.3"], "198.51.100.7"),
        ("10.0.0.2", ["203.0.113.66", "198.51.100.7"], "198.51.100.7"),  # repeated headers, in order
        ("10.0.0.2", ["198.51.100.7:50123"], "198.51.100.7"),
        ("10.0.0.2", ["[2001:db8::7]:443"], "2001:db8::7"),
        ("10.0.0.2", ["2001:DB8:0:0::7"], "2001:db8::7"),
        ("::ffff:10.0.0.2", ["198.51.100.7"], "198.51.100.7"),
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["10.0.0.9, 10.0.0.3"], "10.0.0.9"),  # all proxies: the request began at one
        ("10.0.0.2", ["198.51.100.7, unknown"], "10.0.0.2"),  # garbage: trust stops at the proxy
        ("10.0.0.2", ["198.51.100.7, unknown, 10.0.0.3"], "10.0.0.3"),
        ("192.0.2.50", ["198.51.100.7"], "192.0.2.50"),  # not a trusted proxy: its header is ignored
    ],
)
def test_the_client_is_the_rightmost_address_that_is_not_a_trusted_proxy(
    peer: str, forwarded_for: list[str], client: str
) -> None:
    settings = Settings(forwarded_allow_ips=["10.0.0.0/8"])
    assert client_address(_request(peer, *forwarded_for), settings) == client


def test_proxy_settings_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_FORWARDED_ALLOW_IPS", " 10.0.0.0/8, 192.0.2.1 ,fd00::/8")
    assert Settings().forwarded_allow_ips == ["10.0.0.0/8", "192.0.2.1", "fd00::/8"]
    monkeypatch.setenv("ASSISTANT_FORWARDED_ALLOW_IPS", '["10.0.0.1"]')
    assert Settings().forwarded_allow_ips == ["10.0.0.1"]
    monkeypatch.setenv("ASSISTANT_FORWARDED_ALLOW_IPS", "10.0.0.1,proxy.internal")
    with pytest.raises(ValidationError, match=r"'proxy\.internal' is not an IP address or CIDR network"):
        Settings()
    monkeypatch.setenv("ASSISTANT_FORWARDED_ALLOW_IPS", "*")
    with pytest.raises(ValidationError, match="would let every client name its own address"):
        Settings()
    monkeypatch.delenv("ASSISTANT_FORWARDED_ALLOW_IPS")
    # the old switch trusted the leftmost entry: alone it is now an error that says what replaces it
    monkeypatch.setenv("ASSISTANT_TRUST_FORWARDED_FOR", "true")
    with pytest.raises(ValidationError, match="replaced by ASSISTANT_FORWARDED_ALLOW_IPS"):
        Settings()
    monkeypatch.setenv("ASSISTANT_FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    assert Settings().trust_forwarded_for
    with pytest.raises(ValidationError, match="needs the pages' origins in ASSISTANT_ALLOWED_ORIGINS"):
        Settings(widget_public=True)
    with pytest.raises(ValidationError, match="redis_url must start with redis://"):
        Settings(redis_url="http://cache.internal:6379")
    assert Settings(redis_url="").redis_url is None


# --- through the API ----------------------------------------------------------------------------


def _client(
    data_dir: Path, tmp_path: Path, peer: str = "testclient", **overrides: object
) -> Iterator[TestClient]:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "rate_limit_db": tmp_path / "ratelimit.sqlite3",
        "index_refresh_seconds": 0,
        **overrides,
    }
    app = create_app(Settings(**values))  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False, client=(peer, 50000)) as client:
        assert app.state.server.wait_ready(180), app.state.server.error
        yield client


def _is_problem(response: Any, status: int) -> None:  # httpx or the test client's response
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


def test_a_forged_forwarded_for_behind_a_trusted_proxy_does_not_reset_the_limit(
    shipped_data_dir: Path, tmp_path: Path
) -> None:
    for client in _client(
        shipped_data_dir,
        tmp_path,
        peer="10.0.0.2",
        rate_limit_per_minute=2,
        trust_forwarded_for=True,  # the old switch stays accepted alongside the list
        forwarded_allow_ips=["10.0.0.0/8"],
    ):
        # the client prepends a new fake address each time; the proxy appends the real one
        statuses = [
            client.post(
                "/v1/chat", json=QUESTION, headers={"X-Forwarded-For": f"203.0.113.{i}, 198.51.100.7"}
            )
            for i in range(3)
        ]
        assert [r.status_code for r in statuses] == [200, 200, 429]
        _is_problem(statuses[2], 429)
        other = client.post("/v1/chat", json=QUESTION, headers={"X-Forwarded-For": "198.51.100.8"})
        assert other.status_code == 200  # a different client behind the same proxy has its own count


def test_forged_host_and_origin_do_not_skip_the_api_key(shipped_data_dir: Path, tmp_path: Path) -> None:
    for client in _client(
        shipped_data_dir, tmp_path, api_keys=["s3cret-key"], allowed_origins=["https://clinic.example"]
    ):
        forged = {"Host": "evil.example", "Origin": "http://evil.example"}
        _is_problem(client.post("/v1/chat", json=QUESTION, headers=forged), 401)
        _is_problem(client.post("/v1/chat/completions", json={"model": "x", **QUESTION}, headers=forged), 401)
        allowed_origin = {"Origin": "https://clinic.example"}  # the widget path is opt-in
        _is_problem(client.post("/v1/chat", json=QUESTION, headers=allowed_origin), 401)
        odd_key = [(b"authorization", "Bearer s3cret-kéy".encode())]  # non-ASCII: a 401, not a 500
        _is_problem(client.post("/v1/chat", json=QUESTION, headers=odd_key), 401)
        key = {"Authorization": "Bearer s3cret-key"}
        assert client.post("/v1/chat", json=QUESTION, headers=key).status_code == 200


def test_the_public_widget_path_is_opt_in_and_strictly_limited(
    shipped_data_dir: Path, tmp_path: Path
) -> None:
    for client in _client(
        shipped_data_dir,
        tmp_path,
        api_keys=["s3cret-key"],
        allowed_origins=["https://clinic.example"],
        widget_public=True,
        widget_rate_limit_per_minute=2,
        rate_limit_per_minute=100,
    ):
        widget = {"Origin": "https://clinic.example"}
        replies = [client.post("/v1/chat", json=QUESTION, headers=widget) for _ in range(3)]
        assert [r.status_code for r in replies] == [200, 200, 429]
        _is_problem(replies[2], 429)
        assert 1 <= int(replies[2].headers["retry-after"]) <= 30
        assert "2 requests a minute" in replies[2].json()["detail"]
        # a key holder on the same address is counted apart, at the general limit
        key = {"Authorization": "Bearer s3cret-key"}
        assert client.post("/v1/chat", json=QUESTION, headers=key).status_code == 200
        # only listed origins, only without a (wrong) key
        _is_problem(client.post("/v1/chat", json=QUESTION, headers={"Origin": "https://evil.example"}), 401)
        wrong_key = {**widget, "Authorization": "Bearer guess"}
        _is_problem(client.post("/v1/chat", json=QUESTION, headers=wrong_key), 401)


def test_redis_down_at_request_time_is_never_a_500(shipped_data_dir: Path, tmp_path: Path) -> None:
    for client in _client(
        shipped_data_dir, tmp_path, rate_limit_per_minute=2, redis_url=f"redis://127.0.0.1:{free_port()}/0"
    ):
        statuses = [client.post("/v1/chat", json=QUESTION).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]  # the machine's own limit decided
        metrics = client.get("/metrics").text
        assert "assistant_rate_limit_fallback_total 3.0" in metrics


# --- real servers -------------------------------------------------------------------------------


@pytest.mark.server
def test_assistant_serve_ignores_a_forged_forwarded_for_from_loopback(
    shipped_data_dir: Path, tmp_path: Path
) -> None:
    # uvicorn, left to its defaults, takes X-Forwarded-For from any loopback peer as the client
    env = {
        "ASSISTANT_DATA_DIR": str(shipped_data_dir),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "2",
        "ASSISTANT_RATE_LIMIT_DB": str(tmp_path / "rl.sqlite3"),
    }
    with assistant_serve(env) as base:
        replies = [
            httpx.post(
                f"{base}/v1/chat", json=QUESTION, headers={"X-Forwarded-For": f"203.0.113.{i}"}, timeout=60
            )
            for i in range(3)
        ]
    assert [r.status_code for r in replies] == [200, 200, 429]
    _is_problem(replies[2], 429)


@pytest.mark.server
def test_two_api_processes_share_one_limit_through_redis(shipped_data_dir: Path, tmp_path: Path) -> None:
    limit = 4
    with redis_server() as url:
        common = {
            "ASSISTANT_DATA_DIR": str(shipped_data_dir),
            "ASSISTANT_RATE_LIMIT_PER_MINUTE": str(limit),
            "ASSISTANT_REDIS_URL": url,
        }
        # each with its own SQLite file, as on two machines: only Redis can join their counts
        with (
            api_server({**common, "ASSISTANT_RATE_LIMIT_DB": str(tmp_path / "one.sqlite3")}) as (one, _),
            api_server({**common, "ASSISTANT_RATE_LIMIT_DB": str(tmp_path / "two.sqlite3")}) as (two, _),
        ):
            replies = [
                httpx.post(f"{(one, two)[i % 2]}/v1/chat", json=QUESTION, timeout=60)
                for i in range(limit + 2)
            ]
            fallbacks = [
                line
                for base in (one, two)
                for line in httpx.get(f"{base}/metrics").text.splitlines()
                if line.startswith("assistant_rate_limit_fallback_total")
            ]
    assert [r.status_code for r in replies] == [200] * limit + [429, 429]
    for refused in replies[limit:]:
        _is_problem(refused, 429)
        assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert fallbacks == ["assistant_rate_limit_fallback_total 0.0"] * 2
