"""A local GGUF model owned by one child process, which serves one request at a time.

llama.cpp's model object is neither thread-safe nor interruptible: two calls at once, or a call
abandoned by a timeout while its decode loop keeps running, corrupt its state and end the process
(`GGML_ASSERT(i1 >= 0 && i1 < ne1)`, then a segfault). So the model lives in a child process that
serves one request at a time; callers queue for it; a call that outlives its deadline kills the
child, which is started again at once so it is loading while nothing waits for it. The server
process never runs llama.cpp code itself, so nothing llama.cpp does can take it down.

The model is loaded with its own metadata (RoPE base and scaling, chat template, trained context
as the ceiling of the window), threads as many as the cores this process may use, a prompt batch
of 512, and, on CPUs with AMX, without llama.cpp's extra buffer types, whose AMX path segfaults
in `llama_decode`.

Only the standard library is imported here: the child imports this module first, and every
restart after a kill pays for what it imports. `assistant.local_model` puts LangChain's chat-model
interface in front."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

DEFAULT_BATCH_TOKENS = 512
DEFAULT_LOAD_TIMEOUT_SECONDS = 300.0


class LocalModelError(RuntimeError):
    """The model process failed: it could not load the file, or it died or erred while answering."""


def usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_has_amx() -> bool:
    """Whether the CPU advertises AMX tiles, where llama.cpp's extra buffer types crash."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_tile" in flags


@dataclass(frozen=True)
class LoadOptions:
    """How the child loads the model; `None` means the file's own value or the machine's."""

    model_path: str
    context_tokens: int = 4096
    threads: int | None = None
    batch_tokens: int = DEFAULT_BATCH_TOKENS
    extra_buffers: bool | None = None

    def llama_kwargs(self, trained_context: int | None) -> dict[str, Any]:
        """Arguments for `llama_cpp.Llama`; RoPE and chat template are left to the file's metadata."""
        threads = self.threads or usable_cores()
        context = self.context_tokens if not trained_context else min(self.context_tokens, trained_context)
        kwargs: dict[str, Any] = {
            "model_path": self.model_path,
            "n_ctx": context,
            "n_threads": threads,
            "n_threads_batch": threads,
            "n_batch": min(self.batch_tokens, context),
            "verbose": False,
        }
        return kwargs

    def use_extra_buffers(self) -> bool:
        return self.extra_buffers if self.extra_buffers is not None else not cpu_has_amx()


def _turn_off_extra_buffers() -> None:
    """Load models without llama.cpp's extra buffer types, in this (child) process only.

    llama-cpp-python has no argument for it; `Llama` starts from `llama_model_default_params()`,
    so the defaults it gets are changed.
    """
    import llama_cpp.llama_cpp as low_level

    defaults = low_level.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    low_level.llama_model_default_params = without_extra_buffers


def trained_context(metadata: dict[str, str]) -> int | None:
    """The context length a GGUF file says its model was trained with (`<architecture>.context_length`)."""
    architecture = metadata.get("general.architecture")
    value = metadata.get(f"{architecture}.context_length")
    return int(value) if value else None


def serve_model(options: LoadOptions, connection: Connection) -> None:
    """The child process: load the model, report how, then answer requests one at a time until EOF."""
    try:
        from llama_cpp import Llama

        if not options.use_extra_buffers():
            _turn_off_extra_buffers()
        kwargs = options.llama_kwargs(trained_context=None)
        model = Llama(**kwargs)
        trained = trained_context(model.metadata)
        if trained and kwargs["n_ctx"] > trained:
            # Past its trained context a model degrades quietly; the header is only read with the model.
            model.close()
            kwargs = options.llama_kwargs(trained)
            model = Llama(**kwargs)
    except Exception as error:  # the parent turns this into LocalModelError
        connection.send(("failed", f"{type(error).__name__}: {error}"))
        return
    metadata = model.metadata
    loaded = {key: value for key, value in kwargs.items() if key != "model_path"}
    loaded["rope_freq_base"] = next((v for k, v in metadata.items() if k.endswith("rope.freq_base")), None)
    loaded["chat_template"] = "tokenizer.chat_template" in metadata
    loaded["extra_buffers"] = options.use_extra_buffers()
    connection.send(("ready", loaded))
    while True:
        try:
            messages, max_tokens, temperature, stream = connection.recv()
        except EOFError:  # the parent is gone or closed the pipe
            return
        try:
            completion: Any = model.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature, stream=stream
            )
            if stream:
                for part in completion:
                    text = part["choices"][0]["delta"].get("content")
                    if text:
                        connection.send(("chunk", text))
                connection.send(("end", None))
            else:
                connection.send(("reply", completion["choices"][0]["message"]["content"] or ""))
        except Exception as error:
            connection.send(("error", f"{type(error).__name__}: {error}"))


class ModelProcess:
    """One child process serving one model: requests queue on a lock, a late one kills the child.

    Every call has a deadline. Waiting for the queue, for the model to load and for the reply all
    count against it; when it passes during generation the child is killed and started again.
    """

    def __init__(
        self,
        options: LoadOptions,
        load_timeout_seconds: float = DEFAULT_LOAD_TIMEOUT_SECONDS,
        serve: Callable[[LoadOptions, Connection], None] = serve_model,
    ) -> None:
        if not Path(options.model_path).is_file():
            raise FileNotFoundError(f"no GGUF model file at {options.model_path}")
        if load_timeout_seconds <= 0:
            raise ValueError(f"load_timeout_seconds must be positive, got {load_timeout_seconds}")
        self.options = options
        self.serve = serve  # a module-level function: the child imports it by name
        self.load_timeout_seconds = load_timeout_seconds
        self.loaded: dict[str, Any] | None = None
        self.restarts = 0
        self._context = multiprocessing.get_context("spawn")  # never fork a threaded server
        self._queue = threading.Lock()
        self._process: Any = None
        self._connection: Connection | None = None
        self._started_at = 0.0

    def start(self) -> None:
        """Start the child (it loads the model in the background); does nothing if it is running."""
        if self._process is not None and self._process.is_alive():
            return
        parent, child = self._context.Pipe()
        self._process = self._context.Process(
            target=self.serve, args=(self.options, child), name="local-model", daemon=True
        )
        self._process.start()
        child.close()
        self._connection = parent
        self._started_at = time.monotonic()
        self.loaded = None

    def stop(self) -> None:
        """Kill the child now, whatever it is doing."""
        process, connection = self._process, self._connection
        self._process, self._connection, self.loaded = None, None, None
        if connection is not None:
            connection.close()
        if process is not None and process.is_alive():
            process.kill()
            process.join(5)

    def restart(self) -> None:
        self.stop()
        self.restarts += 1
        self.start()

    def complete(
        self, messages: list[dict[str, str]], max_tokens: int, temperature: float, deadline: float
    ) -> str:
        """The model's whole reply; TimeoutError when `deadline` (a monotonic time) passes first."""
        with self._turn(deadline):
            connection = self._request(messages, max_tokens, temperature, False, deadline)
            kind, value = self._receive(connection, deadline)
            if kind == "reply":
                return str(value)
            raise LocalModelError(str(value))

    def stream(
        self, messages: list[dict[str, str]], max_tokens: int, temperature: float, stall_seconds: float
    ) -> Iterator[str]:
        """The reply in pieces; each must arrive within `stall_seconds` of the one before.

        A stream abandoned before its end (the caller stopped reading) kills the child, since the
        model would otherwise go on writing for nobody while the next caller waits.
        """
        deadline = time.monotonic() + stall_seconds
        with self._turn(deadline):
            connection = self._request(messages, max_tokens, temperature, True, deadline)
            finished = False
            try:
                while True:
                    kind, value = self._receive(connection, deadline)
                    deadline = time.monotonic() + stall_seconds
                    if kind == "end":
                        finished = True
                        return
                    if kind == "error":
                        finished = True
                        raise LocalModelError(str(value))
                    yield str(value)
            finally:
                if not finished and self._connection is connection:
                    self.restart()

    @contextlib.contextmanager
    def _turn(self, deadline: float) -> Iterator[None]:
        if not self._queue.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise TimeoutError("the local model is busy with earlier questions")
        try:
            yield
        finally:
            self._queue.release()

    def _request(
        self,
        messages: list[dict[str, str]],
        max_tokens: int,
        temperature: float,
        stream: bool,
        deadline: float,
    ) -> Connection:
        self.start()
        assert self._connection is not None
        if self.loaded is None:
            self._await_load(deadline)
        connection = self._connection
        assert connection is not None
        if time.monotonic() >= deadline:
            raise TimeoutError("the local model was still loading")
        try:
            connection.send((messages, max_tokens, temperature, stream))
        except OSError as error:  # the child died since it loaded
            self.restart()
            raise LocalModelError("the model process had died; it is restarting") from error
        return connection

    def _await_load(self, deadline: float) -> None:
        connection = self._connection
        assert connection is not None
        # A load past the caller's deadline is left running for the next caller, unless the load
        # itself has taken longer than any load should.
        load_deadline = self._started_at + self.load_timeout_seconds
        wait = min(deadline, load_deadline) - time.monotonic()
        if not connection.poll(max(wait, 0.0)):
            if time.monotonic() >= load_deadline:
                self.stop()
                raise LocalModelError(f"the model did not load within {self.load_timeout_seconds}s")
            raise TimeoutError("the local model was still loading")
        kind, value = self._read(connection)
        if kind != "ready":
            self.stop()
            raise LocalModelError(f"the model could not be loaded: {value}")
        self.loaded = value

    def _receive(self, connection: Connection, deadline: float) -> tuple[str, Any]:
        if not connection.poll(max(deadline - time.monotonic(), 0.0)):
            # The child is still generating; only killing it stops llama.cpp mid-decode.
            self.restart()
            raise TimeoutError("the local model did not answer in time; it was stopped and is restarting")
        return self._read(connection)

    def _read(self, connection: Connection) -> tuple[str, Any]:
        try:
            kind, value = connection.recv()
        except (EOFError, OSError) as error:
            code = self._process.exitcode if self._process is not None else None
            self.restart()
            raise LocalModelError(f"the model process died (exit code {code}); it is restarting") from error
        return kind, value
