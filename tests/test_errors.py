"""The error tree drawn in `corpus.errors` matches the classes that really derive from `AssistantError`."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator

import corpus.errors
from corpus.errors import AssistantError

PROJECT_PACKAGES = ("corpus", "index", "guardrails", "assistant", "evaluation")


def _import_every_module() -> None:
    # A subclass exists only once its module is imported, and most are in modules no package imports.
    for name in PROJECT_PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, name + "."):
            if not module.name.endswith(".__main__"):  # importing it would run the CLI
                importlib.import_module(module.name)


def _subclasses(base: type) -> Iterator[type]:
    for subclass in base.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def test_the_docstring_tree_names_every_assistant_error() -> None:
    _import_every_module()
    tree = corpus.errors.__doc__ or ""
    # The tree writes a class by its bare name in corpus.errors and by its module path elsewhere.
    labels = {
        cls.__name__ if cls.__module__ == corpus.errors.__name__ else f"{cls.__module__}.{cls.__name__}"
        for cls in _subclasses(AssistantError)
    }
    assert "evaluation.compare.ReportError" in labels  # the walk reached modules no package imports
    missing = sorted(label for label in labels if not re.search(rf"(?<![\w.]){re.escape(label)}\b", tree))
    assert not missing, f"corpus/errors.py's docstring tree leaves out {missing}"
