from __future__ import annotations

from pathlib import Path

from assistant.config import Settings

REPO = Path(__file__).resolve().parent.parent


def test_readme_opens_with_the_two_commands() -> None:
    head = (REPO / "README.md").read_text().splitlines()[:6]
    assert any(line.startswith("make run") for line in head) and any(
        line.startswith("make test") for line in head
    )
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_readme_lists_every_setting() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [name for name in Settings.model_fields if f"`ASSISTANT_{name.upper()}`" not in readme]
    assert not missing, f"settings missing from the README: {missing}"
