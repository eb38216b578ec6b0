"""LangChain's chat-model interface in front of a local GGUF model in its own process.

See `assistant.model_process` for why the model lives in a child process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

from assistant.model_process import (
    DEFAULT_BATCH_TOKENS,
    DEFAULT_LOAD_TIMEOUT_SECONDS,
    LoadOptions,
    ModelProcess,
)

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def _as_chat(messages: list[BaseMessage]) -> list[dict[str, str]]:
    chat = []
    for message in messages:
        role = _ROLES.get(message.type)
        if role is None:
            raise ValueError(f"a local model takes system, human and ai messages, not {message.type!r}")
        chat.append({"role": role, "content": message.text})
    return chat


class LocalChatModel(BaseChatModel):
    """A GGUF file answered by llama.cpp in a child process (see `assistant.model_process` for why).

    `timeout_seconds` bounds a whole reply (and each pause in a stream); a reply that runs over
    kills the child. The first call waits for the model to load.
    """

    model_path: Path
    context_tokens: int = 4096
    max_tokens: int = 400
    temperature: float = 0.0
    timeout_seconds: float = Field(20.0, gt=0)
    threads: int | None = Field(None, ge=1)
    batch_tokens: int = Field(DEFAULT_BATCH_TOKENS, ge=1)
    extra_buffers: bool | None = None
    load_timeout_seconds: float = Field(DEFAULT_LOAD_TIMEOUT_SECONDS, gt=0)
    _process: ModelProcess = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        options = LoadOptions(
            str(self.model_path), self.context_tokens, self.threads, self.batch_tokens, self.extra_buffers
        )
        self._process = ModelProcess(options, self.load_timeout_seconds)
        self._process.start()  # load while the server finishes starting

    @property
    def _llm_type(self) -> str:
        return "llamacpp-process"

    @property
    def process(self) -> ModelProcess:
        return self._process

    def loaded_with(self) -> dict[str, Any]:
        """How the model was loaded (threads, window, batch, RoPE base, …), waiting for the load."""
        with self._process._turn(time.monotonic() + self.load_timeout_seconds):
            self._process.start()
            if self._process.loaded is None:
                self._process._await_load(time.monotonic() + self.load_timeout_seconds)
            assert self._process.loaded is not None
            return dict(self._process.loaded) | {"options": asdict(self._process.options)}

    def close(self) -> None:
        self._process.stop()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        deadline = time.monotonic() + self.timeout_seconds
        text = self._process.complete(_as_chat(messages), self.max_tokens, self.temperature, deadline)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        pieces = self._process.stream(
            _as_chat(messages), self.max_tokens, self.temperature, self.timeout_seconds
        )
        for piece in pieces:
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
