"""Start real servers (uvicorn with our app, `chroma run`) on free loopback ports for tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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


@contextmanager
def assistant_serve(env: dict[str, str], workers: int = 1) -> Iterator[str]:
    """`assistant serve` itself (the command's own uvicorn options), on a free loopback port; yields its URL."""
    port = free_port()
    command = [str(VENV_BIN / "assistant"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", 240, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def redis_server() -> Iterator[str]:
    """A real `redis-server` on a free loopback port, in memory only; yields its redis:// URL."""
    import redis

    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server is not installed: apt-get install redis-server (CI's .ci/run does)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="redis-") as folder:
        log_path = Path(folder) / "redis.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"redis-server exited with {process.returncode}: {log_path.read_text()}"
                    )
                try:
                    if client.ping():
                        break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"redis-server did not answer on port {port}") from None
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            client.close()
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


POSTGRES_INSTALL = Path("/usr/lib/postgresql")


def postgres_bin() -> Path:
    """The binaries of the newest installed PostgreSQL; fails loudly when there is none."""
    found = sorted(
        POSTGRES_INSTALL.glob("*/bin/initdb"),
        key=lambda initdb: int(initdb.parent.parent.name) if initdb.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise RuntimeError(
            f"PostgreSQL is not installed: no {POSTGRES_INSTALL}/*/bin/initdb "
            "(apt-get install postgresql; CI's .ci/run does)"
        )
    return found[-1].parent


@contextmanager
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL on a free loopback port with trust auth, its data and socket in a temporary
    folder; yields a `postgresql+psycopg://` URL of its `postgres` database.

    PostgreSQL refuses to run as root (as CI does): then the folder goes to the `postgres` system user
    the Debian package creates, and every server command runs as that user through `runuser`.
    """
    import shutil
    import tempfile

    bin_dir = postgres_bin()
    port = free_port()
    # Not under pytest's tmp_path: that sits in a folder only root may enter.
    root = Path(tempfile.mkdtemp(prefix="postgres-"))
    data, sockets, log_path = root / "data", root / "sockets", root / "server.log"
    sockets.mkdir()
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        for folder in (root, sockets):
            shutil.chown(folder, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]

    def run(*command: str | Path) -> None:
        done = subprocess.run(
            [*as_postgres, *map(str, command)], cwd=root, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            server_log = log_path.read_text(errors="replace") if log_path.exists() else ""
            raise RuntimeError(
                f"{Path(command[0]).name} failed with {done.returncode}: {done.stderr or done.stdout}{server_log}"
            )

    started = False
    try:
        run(
            bin_dir / "initdb",
            "--pgdata", data,
            "--username", "postgres",
            "--auth", "trust",
            "--encoding", "UTF8",
            "--locale", "C",
            "--no-sync",
            "--no-instructions",
        )  # fmt: skip
        options = f"-p {port} -h 127.0.0.1 -k {sockets} -c fsync=off -c full_page_writes=off"
        run(bin_dir / "pg_ctl", "--pgdata", data, "--log", log_path, "--wait", "-o", options, "start")
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        try:
            if started:
                run(bin_dir / "pg_ctl", "--pgdata", data, "--mode", "fast", "--wait", "stop")
        finally:
            shutil.rmtree(root, ignore_errors=True)
