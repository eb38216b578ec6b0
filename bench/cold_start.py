"""Cold start: from launching the server (index already built) to /readyz 200, the first answer, memory.

Launches `assistant serve` several times on a free port against data folders whose index is already
built, for each configuration: the torch embedder; onnx fp32 with the index checked against the
corpus at every start (the stamp of the last build removed first, as every start did before
assistant/index_stamp.py); onnx fp32 and onnx int8 as they start now. Launches of the
configurations alternate, so a busy spell of the machine falls on all of them. Prints the median
and spread of the time to ready, of the first question's answer after it (which must not pay for
loading anything) and the server's resident memory after that answer.
Run: .venv/bin/python bench/cold_start.py [--runs 3] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
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

from assistant import index_stamp
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


# name: (environment, whether the stamp of the last build is removed before each launch)
CONFIGURATIONS: dict[str, tuple[dict[str, str], bool]] = {
    "torch": ({"ASSISTANT_EMBEDDER_BACKEND": "torch"}, False),
    "onnx fp32, index checked at start (before)": ({"ASSISTANT_ONNX_PRECISION": "fp32"}, True),
    "onnx fp32": ({"ASSISTANT_ONNX_PRECISION": "fp32"}, False),
    "onnx int8": ({"ASSISTANT_ONNX_PRECISION": "int8"}, False),
}


def time_to_ready(data_dir: Path, environment: dict[str, str]) -> tuple[float, float, float]:
    port = free_port()
    with tempfile.TemporaryFile() as log:  # the server's stderr, shown if it never becomes ready
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(VENV_BIN / "assistant"), "serve", "--port", str(port)],
            env={**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), **environment},
            stdout=subprocess.DEVNULL,
            stderr=log,
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
                    log.seek(0)
                    errors = log.read().decode(errors="replace")
                    raise RuntimeError(f"the server did not become ready:\n{errors[-3000:]}")
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, help="a data folder whose index to (re)use")
    args = parser.parse_args()
    built = args.data_dir or Path(tempfile.mkdtemp())
    build_index(Settings(data_dir=built))
    folders: dict[str, Path] = {}
    for name, (environment, _) in CONFIGURATIONS.items():
        # A data folder per configuration (the stamp of a build names its settings), one export folder.
        folder = Path(tempfile.mkdtemp(prefix="cold-start-"))
        for part in ("chroma", "artifacts"):
            shutil.copytree(built / part, folder / part)
        overrides = {key.removeprefix("ASSISTANT_").lower(): value for key, value in environment.items()}
        build_index(Settings(data_dir=folder, onnx_dir=built / "onnx").model_copy(update=overrides))
        folders[name] = folder
    os.environ["ASSISTANT_ONNX_DIR"] = str(built / "onnx")
    for name, (environment, _) in CONFIGURATIONS.items():
        # Not timed: the first start in a data folder embeds the guard's exemplars and caches them.
        time_to_ready(folders[name], environment)
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in CONFIGURATIONS}
    for _ in range(args.runs):
        for name, (environment, recheck) in CONFIGURATIONS.items():
            if recheck:
                index_stamp.forget(Settings(data_dir=folders[name]))
            runs[name].append(time_to_ready(folders[name], environment))
    print(f"# Cold start — {machine()}")
    print(
        "| configuration | to /readyz, median s (min–max) | first answer after ready, median ms "
        "| RSS after it, median MB |"
    )
    print("|---|---|---|---|")
    for name, measured in runs.items():
        times, first, rss = (
            [r[0] for r in measured],
            [r[1] * 1000 for r in measured],
            [r[2] for r in measured],
        )
        print(
            f"| {name} | {statistics.median(times):.2f} ({min(times):.2f}–{max(times):.2f}) | "
            f"{statistics.median(first):.0f} | {statistics.median(rss):.0f} |"
        )
    print(
        f"\nn={args.runs} launches per configuration, alternating, after one untimed launch each; indexes, exports and the guard's caches built before."
    )
    for folder in folders.values():
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
