"""Cold start: from launching the server (index already built) to /readyz answering 200.

Launches `assistant serve` several times on a free port against a data folder whose index is
already built, and prints the median and spread of the time to ready.
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


def time_to_ready(data_dir: Path) -> float:
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
                    return time.perf_counter() - started
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
    times = [time_to_ready(data_dir) for _ in range(args.runs)]
    print(f"# Cold start — {machine()}")
    print(
        f"`assistant serve` to /readyz 200 with the index built: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}, n={len(times)})"
    )


if __name__ == "__main__":
    main()
