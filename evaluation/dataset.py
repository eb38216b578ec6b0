"""Labelled evaluation cases from JSONL files: one case a line; bad lines are reported and skipped."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

Expect = Literal["answer", "abstain", "refuse", "escalate", "not_refuse"]
EXPECTATIONS: tuple[str, ...] = get_args(Expect)
KNOWN_FIELDS = frozenset(
    {
        "id",
        "question",
        "turns",
        "expect",
        "category",
        "expected_articles",
        "must_include_any",
        "must_not_include",
    }
)


@dataclass(frozen=True)
class EvalCase:
    """One labelled case: a question or a conversation of user turns, and what should happen to it."""

    id: str
    turns: tuple[str, ...]
    expect: Expect
    category: str
    dataset: str = ""
    line: int = 0
    expected_articles: tuple[str, ...] = ()
    must_include_any: tuple[str, ...] = ()
    must_not_include: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a case needs a non-empty id")
        if not self.turns or any(not t.strip() for t in self.turns):
            raise ValueError(f"case {self.id!r} needs at least one non-empty user turn")
        if self.expect not in EXPECTATIONS:
            raise ValueError(
                f"case {self.id!r}: expect must be one of {', '.join(EXPECTATIONS)}, got {self.expect!r}"
            )
        if not self.category:
            raise ValueError(f"case {self.id!r} needs a category")

    @property
    def question(self) -> str:
        """The turn whose answer is judged: the last one."""
        return self.turns[-1]

    @property
    def is_conversation(self) -> bool:
        return len(self.turns) > 1

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "dataset": self.dataset, "line": self.line}
        if self.is_conversation:
            data["turns"] = list(self.turns)
        else:
            data["question"] = self.question
        data.update(expect=self.expect, category=self.category)
        for name in ("expected_articles", "must_include_any", "must_not_include"):
            if getattr(self, name):
                data[name] = list(getattr(self, name))
        data.update(self.extra)
        return data


@dataclass(frozen=True)
class DatasetIssue:
    """A line that could not be read as a case; `line` counts from 1."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Dataset:
    """The cases read from one or more files, and every line that was skipped."""

    cases: list[EvalCase] = field(default_factory=list)
    issues: list[DatasetIssue] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)  # file → number of cases read from it
    lines: int = 0  # non-blank lines seen, the denominator for the malformed-line count


def parse_case(data: Any, dataset: str = "", line: int = 0) -> EvalCase:
    """One case from a decoded JSON value; raises ValueError naming what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    case_id = data.get("id")
    if not isinstance(case_id, str) or not case_id.strip():
        raise ValueError('"id" must be a non-empty string')
    has_question, has_turns = "question" in data, "turns" in data
    if has_question == has_turns:
        raise ValueError(f'case {case_id!r}: give exactly one of "question" and "turns"')
    if has_question:
        question = data["question"]
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f'case {case_id!r}: "question" must be a non-empty string')
        turns: tuple[str, ...] = (question,)
    else:
        turns = _strings(data["turns"], "turns", case_id)
        if not turns or any(not t.strip() for t in turns):
            raise ValueError(f'case {case_id!r}: "turns" must be a non-empty list of non-empty strings')
    expect = data.get("expect")
    if expect not in EXPECTATIONS:
        raise ValueError(
            f'case {case_id!r}: "expect" must be one of {", ".join(EXPECTATIONS)}, got {expect!r}'
        )
    category = data.get("category")
    if not isinstance(category, str) or not category.strip():
        raise ValueError(f'case {case_id!r}: "category" must be a non-empty string')
    return EvalCase(
        id=case_id,
        turns=turns,
        expect=cast(Expect, expect),
        category=category.strip(),
        dataset=dataset,
        line=line,
        expected_articles=_strings(data.get("expected_articles", []), "expected_articles", case_id),
        must_include_any=_strings(data.get("must_include_any", []), "must_include_any", case_id),
        must_not_include=_strings(data.get("must_not_include", []), "must_not_include", case_id),
        extra={k: v for k, v in data.items() if k not in KNOWN_FIELDS},
    )


def _strings(value: Any, name: str, case_id: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'case {case_id!r}: "{name}" must be a list of strings')
    return tuple(value)


def read_lines(lines: Iterable[str | bytes], path: str, into: Dataset | None = None) -> Dataset:
    """Parse JSONL lines into `into` (or a new dataset); ids must be unique across everything read."""
    dataset = into if into is not None else Dataset()
    seen = {case.id: f"{case.dataset}:{case.line}" for case in dataset.cases}
    read = 0
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            try:
                raw = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                dataset.lines += 1
                dataset.issues.append(
                    DatasetIssue(path, number, f"not UTF-8 text: {exc.reason} at byte {exc.start}")
                )
                continue
        else:
            raw = line
        if number == 1:
            raw = raw.removeprefix("\ufeff")  # editors on Windows start files with a byte-order mark
        if not raw.strip():
            continue
        dataset.lines += 1
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            dataset.issues.append(
                DatasetIssue(path, number, f"not valid JSON: {exc.msg} (column {exc.colno})")
            )
            continue
        try:
            case = parse_case(data, path, number)
        except ValueError as exc:
            dataset.issues.append(DatasetIssue(path, number, str(exc)))
            continue
        if case.id in seen:
            dataset.issues.append(
                DatasetIssue(path, number, f"duplicate id {case.id!r}, first seen at {seen[case.id]}")
            )
            continue
        seen[case.id] = f"{path}:{number}"
        dataset.cases.append(case)
        read += 1
    dataset.files[path] = dataset.files.get(path, 0) + read
    return dataset


def load_datasets(paths: Sequence[Path | str]) -> Dataset:
    """All cases of the given JSONL files; a missing or unreadable file raises FileNotFoundError/OSError."""
    if not paths:
        raise ValueError("give at least one dataset file")
    dataset = Dataset()
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"dataset {path} does not exist")
        # Bytes, so that one badly encoded line is reported like any other bad line.
        with path.open("rb") as handle:
            read_lines(handle, str(path), into=dataset)
    return dataset
