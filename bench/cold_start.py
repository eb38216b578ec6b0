"""Cold start: from launching the server (index already built) to /readyz 200, then the first answer.

Launches `assistant serve` several times on a free port against a data folder whose index is
already built, and prints the median and spread of the time to ready and of the first question's
answer after it (which must not pay for loading anything).
Run: .venv/bin/python bench/cold_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine

from assistant.config import Settings
from assistant.runtime import build_index

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_to_ready(data_dir: Path) -> tuple[float, float]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(VENV_BIN / "assistant"), "serve", "--port", str(port)],
        env={**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    ready = time.perf_counter() - started
                    asked = time.perf_counter()
                    question = {"messages": [{"role": "user", "content": "What is a K-hole?"}]}
                    httpx.post(
                        f"http://127.0.0.1:{port}/v1/chat", json=question, timeout=60
                    ).raise_for_status()
                    return ready, time.perf_counter() - asked
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.perf_counter() - started > 180:
                raise RuntimeError("the server did not become ready")
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp())
    build_index(Settings(data_dir=data_dir))
    runs = [time_to_ready(data_dir) for _ in range(args.runs)]
    times, first = [r[0] for r in runs], [r[1] * 1000 for r in runs]
    print(f"# Cold start — {machine()}")
    print(
        f"`assistant serve` to /readyz 200 with the index built: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}, n={len(times)})"
    )
    print(
        f"first answer after ready: median {statistics.median(first):.0f} ms "
        f"(min {min(first):.0f}, max {max(first):.0f}, n={len(first)})"
    )


if __name__ == "__main__":
    main()
