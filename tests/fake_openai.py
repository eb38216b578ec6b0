"""A real OpenAI-compatible chat server on a loopback port, answering from the passages in its prompt.

It lets tests drive `langchain-openai` over HTTP, streamed and not, the way a deployment would
use Ollama or vLLM: `mode` switches between a model that paraphrases its passages (plus one
made-up sentence) and an endpoint that fails.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from tests.servers import free_port

INVENTED = "Ketamine was first sold as a cough syrup in 1921 [1]."
_PASSAGE = re.compile(r"^\[(\d+)\] [^:\n]+: (.+?)(?=\n\n\[\d+\] |\n\nQuestion: )", re.M | re.S)


def reply_from(prompt: str) -> str:
    """The first sentence of each of the first two passages, cited, then a sentence no passage supports."""
    sentences = []
    for number, text in _PASSAGE.findall(prompt)[:2]:
        body = " ".join(line for line in text.splitlines() if not line.startswith("#"))
        first = re.split(r"(?<=[.!?])\s+", body.strip())[0].rstrip(".!?")
        sentences.append(f"{first} [{number}].")
    return " ".join([*sentences, INVENTED])


class FakeOpenAIServer:
    """`with FakeOpenAIServer() as server:` serves `server.url` until the block ends."""

    def __init__(self) -> None:
        self.mode: Literal["paraphrase", "fail"] = "paraphrase"
        self.requests = 0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._server = uvicorn.Server(
            uvicorn.Config(self._app(), host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("the fake OpenAI server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def completions(request: Request) -> Any:
            self.requests += 1
            body = await request.json()
            if self.mode == "fail":
                return JSONResponse({"error": {"message": "model overloaded"}}, status_code=500)
            text = reply_from(body["messages"][-1]["content"])
            base = {"id": "chatcmpl-fake", "created": int(time.time()), "model": body.get("model", "fake")}
            if not body.get("stream"):
                message = {"role": "assistant", "content": text}
                return {
                    **base,
                    "object": "chat.completion",
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            return StreamingResponse(_chunks(base, text), media_type="text/event-stream")

        return app


def _chunks(base: dict[str, Any], text: str) -> Iterator[str]:
    # Word by word, so sentences and their [n] markers arrive split across chunks.
    for word in re.findall(r"\S+\s*", text):
        choice = {"index": 0, "delta": {"content": word}, "finish_reason": None}
        yield f"data: {json.dumps({**base, 'object': 'chat.completion.chunk', 'choices': [choice]})}\n\n"
    end = {"index": 0, "delta": {}, "finish_reason": "stop"}
    yield f"data: {json.dumps({**base, 'object': 'chat.completion.chunk', 'choices': [end]})}\n\n"
    yield "data: [DONE]\n\n"
