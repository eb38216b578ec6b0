"""Stand-ins for the llama.cpp child process, so the process handling is tested in the fast tier.

Each is a module-level function, as a spawned child must import its target by name. A request's
last message decides what the fake does: `sleep <s>` sleeps before answering, `crash` exits the
process mid-request, `stream <n>` sends n pieces; anything else is echoed back."""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection

from assistant.model_process import LoadOptions


def serve_fake(options: LoadOptions, connection: Connection) -> None:
    connection.send(("ready", {"pid": os.getpid(), "n_threads": options.threads}))
    while True:
        try:
            messages, _max_tokens, _temperature, stream = connection.recv()
        except EOFError:
            return
        text = messages[-1]["content"]
        if text.startswith("sleep "):
            time.sleep(float(text.split()[1]))
        if text == "crash":
            os._exit(3)
        if stream:
            pieces = int(text.split()[1]) if text.startswith("stream ") else 1
            for n in range(pieces):
                connection.send(("chunk", f"piece {n}. "))
                time.sleep(0.05)
            connection.send(("end", None))
        else:
            connection.send(("reply", f"echo from {os.getpid()}: {text}"))


def serve_failing_load(options: LoadOptions, connection: Connection) -> None:
    connection.send(("failed", f"ValueError: cannot read {options.model_path}"))


def serve_slow_load(options: LoadOptions, connection: Connection) -> None:
    time.sleep(1.0)
    serve_fake(options, connection)
