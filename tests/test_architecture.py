"""The import direction: corpus → index → guardrails → assistant → evaluation, and nothing imports evaluation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

# Each package may import only those listed before it.
LAYERS = ["corpus", "index", "guardrails", "assistant", "evaluation"]


# Import statements at any depth (lazy imports inside functions count too). A regular expression
# rather than `ast`: CPython 3.11.7 can corrupt its AST recursion counter after many `ast.parse`
# calls in one process, which then breaks later imports under pytest's assertion rewriting.
_IMPORT = re.compile(r"^\s*(?:from\s+(\w+)[\w.]*\s+import\b|import\s+(\w+))", re.MULTILINE)


def imported_packages(path: Path) -> set[str]:
    """The top-level project packages a module imports."""
    found = {a or b for a, b in _IMPORT.findall(path.read_text(encoding="utf-8"))}
    return found & set(LAYERS)


@pytest.mark.parametrize("package", LAYERS)
def test_packages_import_only_the_layers_before_them(package: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(package) + 1])
    wrong = {
        str(path.relative_to(REPO)): sorted(imported_packages(path) - allowed)
        for path in sorted((REPO / package).rglob("*.py"))
        if imported_packages(path) - allowed
    }
    assert not wrong, f"{package} imports packages above it: {wrong}"


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from evaluation.metrics import Scorer\n    import assistant.cli\n")
    assert imported_packages(module) == {"evaluation", "assistant"}
