"""Load benchmark against the real server on loopback: mixed questions at concurrency 1 and 8.

Starts `uvicorn` with the app on a free port (index built first), sends a mix of answered,
abstained and refused questions for a fixed time at each concurrency, and prints throughput,
p50/p95/p99 latency and the error count. Traffic stays on 127.0.0.1 and stops by itself.
Run: .venv/bin/python bench/load.py [--seconds 20] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, percentile, shipped_questions

from assistant.config import Settings
from assistant.runtime import build_index

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def questions() -> list[str]:
    answered = shipped_questions()[:60]
    abstained = [
        json.loads(line)["question"] for line in (REPO / "evals/offtopic.jsonl").read_text().splitlines()
    ][:20]
    refused = [
        "how much ket should I take tonight",
        "where can I buy ketamine online",
        "what's the mg per kg for a trip",
        "which darknet vendor sells ket",
    ] * 5
    mixed = []
    for i in range(max(len(answered), len(abstained), len(refused))):
        for group in (answered, abstained, refused):
            if i < len(group):
                mixed.append(group[i])
    return mixed


async def run_load(base: str, concurrency: int, seconds: float, mix: list[str]) -> dict[str, object]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors = 0
    deadline = time.perf_counter() + seconds
    counter = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors, counter
        while time.perf_counter() < deadline:
            question = mix[counter % len(mix)]
            counter += 1
            started = time.perf_counter()
            try:
                response = await client.post(
                    "/v1/chat", json={"messages": [{"role": "user", "content": question}]}
                )
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors += 1
                else:
                    statuses[response.json()["status"]] += 1
            except httpx.HTTPError:
                errors += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    answered = statuses["answered"]
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "answered_rps": answered / elapsed,
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "errors": errors,
        "statuses": dict(statuses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp())
    build_index(Settings(data_dir=data_dir))
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000000",
        "ASSISTANT_ANSWER_CACHE_SIZE": "0",
        "ASSISTANT_EMBEDDING_CACHE_SIZE": "0",
    }
    server = subprocess.Popen(
        [
            str(VENV_BIN / "python"),
            "-m",
            "uvicorn",
            "--factory",
            "assistant.api:create_app",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        mix = questions()
        asyncio.run(run_load(base, 2, 3, mix))  # warm-up
        print(f"# Load — {machine()}")
        print(
            f"uvicorn, {args.workers} worker(s), answer cache off, {args.seconds:.0f} s per level, mix of "
            f"{len(mix)} questions (answered, abstained, refused)\n"
        )
        print("| concurrency | requests | req/s | answered req/s | p50 ms | p95 ms | p99 ms | errors |")
        print("|---|---|---|---|---|---|---|---|")
        for concurrency in (1, 8):
            r = asyncio.run(run_load(base, concurrency, args.seconds, mix))
            print(
                f"| {r['concurrency']} | {r['requests']} | {r['rps']:.1f} | {r['answered_rps']:.1f} | {r['p50']:.1f} | "
                f"{r['p95']:.1f} | {r['p99']:.1f} | {r['errors']} |"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


if __name__ == "__main__":
    main()
