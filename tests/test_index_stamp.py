"""`assistant serve` skips the index check only when nothing a build reads has changed since the last build."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest

from assistant import cli, index_stamp, runtime
from assistant.config import Settings
from tests.helpers import write_article

BODY = "Ketamine is a dissociative anaesthetic used in hospitals. It is given by trained staff."


@pytest.fixture
def built(isolated_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A two-article corpus indexed once (torch backend, so no ONNX export is made)."""
    monkeypatch.setenv("ASSISTANT_EMBEDDER_BACKEND", "torch")
    settings = Settings()
    write_article(settings.corpus_dir, "first-article", BODY)
    write_article(settings.corpus_dir, "second-article", "Esketamine is a nasal spray given in clinics.")
    runtime.build_index(settings)
    yield settings


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """Records each full build (vetting the corpus, opening the store) `build_index_if_changed` starts."""
    started: list[Settings] = []
    real = runtime.build_index

    def counting(settings: Settings, *args: object, **kwargs: object) -> object:
        started.append(settings)
        return real(settings, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runtime, "build_index", counting)
    return started


def test_an_unchanged_corpus_is_not_checked_again(built: Settings, builds: list[Settings]) -> None:
    assert runtime.build_index_if_changed(built) is None
    assert builds == []


def _edit(settings: Settings) -> Settings:
    write_article(settings.corpus_dir, "first-article", BODY + " It can raise blood pressure.")
    return settings


def _add(settings: Settings) -> Settings:
    write_article(settings.corpus_dir, "third-article", "Ketamine bladder syndrome needs a urologist.")
    return settings


def _remove(settings: Settings) -> Settings:
    (settings.corpus_dir / "second-article.md").unlink()
    return settings


def _vetting_setting(settings: Settings) -> Settings:
    return settings.model_copy(update={"allowed_domains": ["who.int"]})


def _precision_setting(settings: Settings) -> Settings:
    other = "fp32" if settings.onnx_precision == "int8" else "int8"
    return settings.model_copy(update={"onnx_precision": other})


def _lost_stamp(settings: Settings) -> Settings:
    index_stamp.forget(settings)
    return settings


@pytest.mark.parametrize(
    "change",
    [_edit, _add, _remove, _vetting_setting, _precision_setting, _lost_stamp],
    ids=["edited", "added", "removed", "vetting-setting", "precision-setting", "no-stamp"],
)
def test_any_change_falls_back_to_the_full_build(
    built: Settings, builds: list[Settings], change: Callable[[Settings], Settings]
) -> None:
    settings = change(built)
    if settings.onnx_precision != built.onnx_precision:  # only the fingerprint is wanted, not an export
        assert index_stamp.fingerprint(settings) != index_stamp.fingerprint(built)
        assert not index_stamp.is_current(settings)
        return
    report = runtime.build_index_if_changed(settings)
    assert builds == [settings] and report is not None
    indexed = {a for a in runtime.open_store(settings).read_pointer()["articles"]}  # type: ignore[index]
    assert indexed == {p.stem for p in settings.corpus_dir.glob("*.md")}
    # The build recorded what it read: the next start skips the check again.
    assert runtime.build_index_if_changed(settings) is None and len(builds) == 1


def test_an_edit_keeping_the_size_is_seen_through_the_modification_time(
    built: Settings, builds: list[Settings]
) -> None:
    path = built.corpus_dir / "first-article.md"
    text = path.read_text()
    path.write_text(text.replace("hospitals", "hospitalz"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert runtime.build_index_if_changed(built) is not None and len(builds) == 1


def test_a_deleted_index_is_rebuilt_although_the_corpus_is_unchanged(
    built: Settings, builds: list[Settings]
) -> None:
    shutil.rmtree(built.artifacts_path)
    assert runtime.build_index_if_changed(built) is not None and len(builds) == 1


def test_serve_skips_the_check_and_says_so(
    built: Settings,
    builds: list[Settings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import uvicorn

    served: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.append(app))
    assert cli.main(["serve", "--port", "8765"]) == 0
    assert served == ["assistant.api:create_app"] and builds == []
    assert "not checked again" in capsys.readouterr().err

    _add(built)
    assert cli.main(["serve", "--port", "8765"]) == 0
    assert len(builds) == 1 and "index " in capsys.readouterr().err
