"""Start real servers (uvicorn with our app, `chroma run`) on free loopback ports for tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s")


@contextmanager
def api_server(
    env: dict[str, str], workers: int = 1, log_path: Path | None = None, wait_ready: bool = True
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Our app under uvicorn; yields its base URL and the process (once ready, unless `wait_ready`
    is off: then once it is alive); stops it gracefully."""
    port = free_port()
    command = [
        str(VENV_BIN / "python"),
        "-m",
        "uvicorn",
        "--factory",
        "assistant.api:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--timeout-graceful-shutdown",
        "20",
        "--log-level",
        "warning",
    ]
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/readyz" if wait_ready else f"{base}/healthz", 180, process)
        if workers > 1 and wait_ready:
            # each worker loads on its own; the first 200 only says one of them is ready
            streak, deadline = 0, time.monotonic() + 180
            while streak < 8 * workers and time.monotonic() < deadline:
                streak = streak + 1 if httpx.get(f"{base}/readyz", timeout=5).status_code == 200 else 0
                time.sleep(0.05)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        if log_path:
            log.close()  # type: ignore[union-attr]


@contextmanager
def chroma_server(path: Path) -> Iterator[tuple[str, int]]:
    """A real `chroma run` server on a free loopback port."""
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat", 60, process)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
