"""HTTP load on the scale-out topology: a `chroma run` server, Redis, and one or two API instances.

Builds the shipped corpus into the chroma server once (the one writer), starts N instances with
empty data folders sharing the store and a Redis rate limit (set high enough not to bite), and
drives them round-robin (as a proxy would) at concurrency 8 and 32 with the mixed questions of
`bench/load.py`. Everything runs on 127.0.0.1 and stops by itself.
Run: .venv/bin/python bench/scale_out_load.py [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, percentile
from load import questions

from assistant.config import Settings
from assistant.runtime import build_index
from tests.servers import api_server, chroma_server, redis_server


async def round_robin(bases: list[str], concurrency: int, seconds: float, mix: list[str]) -> dict[str, float]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors = 0
    turn = itertools.count()
    deadline = time.perf_counter() + seconds

    async def worker(clients: list[httpx.AsyncClient]) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            n = next(turn)
            started = time.perf_counter()
            try:
                response = await clients[n % len(clients)].post(
                    "/v1/chat", json={"messages": [{"role": "user", "content": mix[n % len(mix)]}]}
                )
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code == 200:
                    statuses[response.json()["status"]] += 1
                else:
                    errors += 1
            except httpx.HTTPError:
                errors += 1

    started = time.perf_counter()
    clients = [httpx.AsyncClient(base_url=b, timeout=60) for b in bases]
    try:
        await asyncio.gather(*(worker(clients) for _ in range(concurrency)))
    finally:
        for client in clients:
            await client.aclose()
    elapsed = time.perf_counter() - started
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "errors": float(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp())
    mix = questions()
    print(machine())
    print("| instances | concurrency | req/s | p50 ms | p95 ms | errors |")
    print("|---|---|---|---|---|---|")
    with chroma_server(root / "chroma") as (host, port), redis_server() as redis_url:
        build_index(Settings(store="http", chroma_host=host, chroma_port=port, data_dir=root / "builder"))
        env = {
            "ASSISTANT_STORE": "http",
            "ASSISTANT_CHROMA_HOST": host,
            "ASSISTANT_CHROMA_PORT": str(port),
            "ASSISTANT_REDIS_URL": redis_url,
            "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000000",
            "ASSISTANT_ANSWER_CACHE_SIZE": "0",
            "ASSISTANT_EMBEDDING_CACHE_SIZE": "0",
        }
        for count in (1, 2):
            with ExitStack() as stack:
                bases = [
                    stack.enter_context(
                        api_server({**env, "ASSISTANT_DATA_DIR": str(root / f"api{count}-{i}")})
                    )[0]
                    for i in range(count)
                ]
                asyncio.run(round_robin(bases, 4, 3, mix))  # warm every instance
                for concurrency in (8, 32):
                    r = asyncio.run(round_robin(bases, concurrency, args.seconds, mix))
                    print(
                        f"| {count} | {concurrency} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['errors']:.0f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
