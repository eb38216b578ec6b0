"""`assistant eval compare A B`: every metric side by side with its delta, regressions marked, flipped cases listed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from corpus.errors import AssistantError
from evaluation.stats import Metric

Verdict = Literal["better", "worse", "same", "only A", "only B", "n/a"]
# Differences smaller than this are float noise, not change (shares are k/n, latencies are ms).
TOLERANCE = 1e-9


class ReportError(AssistantError):
    """A file that is not a readable evaluation report."""


@dataclass(frozen=True)
class MetricDelta:
    name: str
    a: Metric | None
    b: Metric | None

    @property
    def delta(self) -> float | None:
        if self.a is None or self.b is None or self.a.value is None or self.b.value is None:
            return None
        return self.b.value - self.a.value

    @property
    def verdict(self) -> Verdict:
        if self.a is None:
            return "only B"
        if self.b is None:
            return "only A"
        delta = self.delta
        if delta is None:
            return "n/a"
        if abs(delta) <= TOLERANCE:
            return "same"
        return "worse" if self.b.worse_than(self.a) else "better"

    @property
    def changed(self) -> bool:
        return self.verdict in ("better", "worse", "only A", "only B")

    @property
    def regression(self) -> bool:
        return self.verdict == "worse"

    @property
    def beyond_noise(self) -> bool:
        """The change is larger than either run's 95% interval allows: the intervals do not overlap."""
        a, b = self.a, self.b
        if a is None or b is None or None in (a.low, a.high, b.low, b.high):
            return False
        assert a.low is not None and a.high is not None and b.low is not None and b.high is not None
        return b.high < a.low or b.low > a.high


@dataclass(frozen=True)
class FlippedCase:
    id: str
    category: str
    question: str
    expect: str
    status_a: str
    status_b: str
    passed_a: bool
    passed_b: bool

    @property
    def kind(self) -> str:
        if self.passed_a and not self.passed_b:
            return "broke"
        if self.passed_b and not self.passed_a:
            return "fixed"
        return "status changed"


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    deltas: list[MetricDelta]
    flipped: list[FlippedCase]
    only_in_a: int
    only_in_b: int

    @property
    def regressions(self) -> list[MetricDelta]:
        return [d for d in self.deltas if d.regression]

    def as_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "metrics": [
                {
                    "name": d.name,
                    "a": d.a.value if d.a else None,
                    "b": d.b.value if d.b else None,
                    "delta": d.delta,
                    "verdict": d.verdict,
                    "beyond_noise": d.beyond_noise,
                }
                for d in self.deltas
            ],
            "flipped": [{**f.__dict__, "kind": f.kind} for f in self.flipped],
            "cases_only_in_a": self.only_in_a,
            "cases_only_in_b": self.only_in_b,
        }


def load_report(path: Path | str) -> dict[str, Any]:
    """A report.json written by `assistant eval`; a folder means the report.json inside it."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"no report at {path}") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or "metrics" not in data or "cases" not in data:
        raise ReportError(f"{path} is not an evaluation report (no metrics and cases)")
    data["_path"] = str(path)
    return data


def compare_reports(a: Mapping[str, Any], b: Mapping[str, Any]) -> Comparison:
    """B measured against A: deltas are B − A, and a regression is B worse than A."""
    metrics_a = {n: Metric.from_dict(m) for n, m in a["metrics"].items()}
    metrics_b = {n: Metric.from_dict(m) for n, m in b["metrics"].items()}
    names = list(metrics_a) + [n for n in metrics_b if n not in metrics_a]
    deltas = [MetricDelta(n, metrics_a.get(n), metrics_b.get(n)) for n in names]
    cases_a = {c["case"]["id"]: c for c in a["cases"]}
    cases_b = {c["case"]["id"]: c for c in b["cases"]}
    flipped = []
    for case_id, case_a in cases_a.items():
        case_b = cases_b.get(case_id)
        if case_b is None:
            continue
        passed_a, passed_b = case_a["checks"]["passed"], case_b["checks"]["passed"]
        if passed_a != passed_b or case_a["status"] != case_b["status"]:
            spec = case_b["case"]
            flipped.append(
                FlippedCase(
                    case_id,
                    spec["category"],
                    " ⟶ ".join(spec["turns"]) if "turns" in spec else spec["question"],
                    spec["expect"],
                    case_a["status"],
                    case_b["status"],
                    passed_a,
                    passed_b,
                )
            )
    order = {"broke": 0, "fixed": 1, "status changed": 2}
    flipped.sort(key=lambda f: (order[f.kind], f.category, f.id))
    return Comparison(
        a=str(a.get("_path", "A")),
        b=str(b.get("_path", "B")),
        deltas=deltas,
        flipped=flipped,
        only_in_a=len(set(cases_a) - set(cases_b)),
        only_in_b=len(set(cases_b) - set(cases_a)),
    )


def _value(metric: Metric | None) -> str:
    if metric is None or metric.value is None:
        return "—"
    if metric.kind == "count":
        return str(int(metric.value))
    if metric.name.startswith("latency."):
        return f"{metric.value:.1f} ms"
    return f"{metric.value:.3f} (n={metric.n})"


def _delta(d: MetricDelta) -> str:
    if d.delta is None:
        return ""
    if d.name.startswith("latency."):
        return f"{d.delta:+.1f} ms"
    return f"{d.delta:+.0f}" if d.a is not None and d.a.kind == "count" else f"{d.delta:+.3f}"


def _mark(d: MetricDelta) -> str:
    if d.regression:
        return "REGRESSION" + (" (beyond noise)" if d.beyond_noise else "")
    if d.verdict == "better":
        return "improved" + (" (beyond noise)" if d.beyond_noise else "")
    return "" if d.verdict == "same" else d.verdict


def render_text(comparison: Comparison, colour: bool = False, changed_only: bool = False) -> str:
    """A terminal table: metric, A, B, delta, verdict; regressions in red when `colour`."""
    red, green, reset = ("\033[31;1m", "\033[32m", "\033[0m") if colour else ("", "", "")
    deltas = [d for d in comparison.deltas if not changed_only or d.changed]
    rows = [("metric", "A", "B", "delta", "")] + [
        (d.name, _value(d.a), _value(d.b), _delta(d), _mark(d)) for d in deltas
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [f"A: {comparison.a}", f"B: {comparison.b}", ""]
    for i, row in enumerate(rows):
        line = "  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row)).rstrip()
        if i and deltas[i - 1].regression:
            line = red + line + reset
        elif i and deltas[i - 1].verdict == "better":
            line = green + line + reset
        lines.append(line)
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    regressions = comparison.regressions
    lines += ["", f"{len(regressions)} regression(s): " + (", ".join(d.name for d in regressions) or "none")]
    lines += _flip_lines(
        comparison,
        lambda kind, text: (red if kind == "broke" else "") + text + (reset if kind == "broke" else ""),
    )
    return "\n".join(lines)


def _flip_lines(comparison: Comparison, paint: Any) -> list[str]:
    counts = {
        k: sum(1 for f in comparison.flipped if f.kind == k) for k in ("broke", "fixed", "status changed")
    }
    lines = [
        f"Flipped cases: {counts['broke']} broke, {counts['fixed']} fixed, {counts['status changed']} changed status"
        + (
            f"; {comparison.only_in_a} only in A, {comparison.only_in_b} only in B"
            if comparison.only_in_a or comparison.only_in_b
            else ""
        )
    ]
    for f in comparison.flipped:
        text = (
            f"  {f.kind:<14} {f.id} [{f.category}] expect {f.expect}: {f.status_a} → {f.status_b}  "
            f"{f.question[:90]}"
        )
        lines.append(paint(f.kind, text))
    return lines


def render_markdown(comparison: Comparison, changed_only: bool = False) -> str:
    """The same comparison as Markdown; regressions in bold."""
    out = [
        "# Comparison",
        "",
        f"- A: `{comparison.a}`",
        f"- B: `{comparison.b}`",
        "",
        "| metric | A | B | delta | |",
        "|---|---|---|---|---|",
    ]
    for d in comparison.deltas:
        if changed_only and not d.changed:
            continue
        mark = f"**{_mark(d)}**" if d.regression else _mark(d)
        name = f"**`{d.name}`**" if d.regression else f"`{d.name}`"
        out.append(f"| {name} | {_value(d.a)} | {_value(d.b)} | {_delta(d)} | {mark} |")
    out += ["", "## Flipped cases", ""]
    out += ["| | id | category | expect | A | B | question |", "|---|---|---|---|---|---|---|"]
    for f in comparison.flipped:
        kind = f"**{f.kind}**" if f.kind == "broke" else f.kind
        question = f.question.replace("|", "\\|")
        out.append(
            f"| {kind} | `{f.id}` | {f.category} | {f.expect} | {f.status_a} | {f.status_b} | {question} |"
        )
    return "\n".join(out) + "\n"
