"""Cold start: from launching the server (index already built) to /readyz 200, the first answer, memory.

Launches `assistant serve` several times on a free port against a data folder whose index is
already built, for each embedder backend (torch, and onnx: the torch-free serving path), and prints
the median and spread of the time to ready, of the first question's answer after it (which must not
pay for loading anything) and the server's resident memory after that answer.
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


def resident_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def time_to_ready(data_dir: Path, backend: str) -> tuple[float, float, float]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(VENV_BIN / "assistant"), "serve", "--port", str(port)],
        env={**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_EMBEDDER_BACKEND": backend},
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
                    return ready, time.perf_counter() - asked, resident_megabytes(process.pid)
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
    build_index(Settings(data_dir=data_dir))  # also makes the ONNX exports
    print(f"# Cold start — {machine()}")
    print(
        "| backend | to /readyz, median s (min–max) | first answer after ready, median ms | RSS after it, median MB |"
    )
    print("|---|---|---|---|")
    for backend in ("torch", "onnx"):
        runs = [time_to_ready(data_dir, backend) for _ in range(args.runs)]
        times, first, rss = [r[0] for r in runs], [r[1] * 1000 for r in runs], [r[2] for r in runs]
        print(
            f"| {backend} | {statistics.median(times):.2f} ({min(times):.2f}–{max(times):.2f}) | "
            f"{statistics.median(first):.0f} | {statistics.median(rss):.0f} |"
        )
    print(f"\nn={args.runs} launches per backend; the index and exports were built once before.")


if __name__ == "__main__":
    main()
