"""The report's charts as PNG bytes, drawn with matplotlib's object API (no pyplot state, no display needed)."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

OURS = "#2b6cb0"
BASELINE = "#c05621"
STATUS_COLOURS = {
    "answered": "#2f855a",
    "abstained": "#718096",
    "refused": "#c53030",
    "escalated": "#d69e2e",
    "error": "#000000",
}
XSTEST_COLOURS = {"full_compliance": "#2f855a", "partial_refusal": "#d69e2e", "full_refusal": "#c53030"}


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _errors(metrics: Sequence[Mapping[str, Any] | None]) -> list[list[float]]:
    """Asymmetric error-bar lengths below and above each value (zero when there is no interval)."""
    below, above = [], []
    for m in metrics:
        value = (m or {}).get("value")
        low, high = (m or {}).get("low"), (m or {}).get("high")
        below.append(value - low if value is not None and low is not None else 0.0)
        above.append(high - value if value is not None and high is not None else 0.0)
    return [below, above]


def _grouped_bars(
    axes: Any,
    series: Sequence[tuple[str, Sequence[Mapping[str, Any] | None], str]],
    width: float,
    capsize: int,
) -> None:
    """One bar per metric and series, side by side around each tick, with the metrics' intervals."""
    for i, (label, values, colour) in enumerate(series):
        offset = (i - (len(series) - 1) / 2) * width
        axes.bar(
            [x + offset for x in range(len(values))],
            [(v or {}).get("value") or 0.0 for v in values],
            width,
            yerr=_errors(values),
            capsize=capsize,
            color=colour,
            label=label,
        )


def category_bars(
    metrics: Mapping[str, Mapping[str, Any]], baseline: Mapping[str, Mapping[str, Any]] | None = None
) -> bytes:
    """Share handled as expected per category, with Wilson 95% intervals; the baseline beside ours."""
    prefix = "guard.handled."
    names = sorted(n for n in metrics if n.startswith(prefix) and metrics[n].get("value") is not None)
    categories = [n.removeprefix(prefix) for n in names]
    figure = Figure(figsize=(max(6.0, 0.9 * len(categories) + 2), 4.2))
    axes = figure.add_subplot()
    series = [("ours", metrics, OURS)] + ([("plain-rag baseline", baseline, BASELINE)] if baseline else [])
    _grouped_bars(
        axes,
        [(label, [source.get(n) for n in names], colour) for label, source, colour in series],
        width=0.38 if baseline else 0.6,
        capsize=3,
    )
    for x, name in enumerate(names):
        axes.text(x, 1.04, f"n={metrics[name]['n']}", ha="center", fontsize=7, color="#4a5568")
    axes.set_xticks(range(len(names)), categories, rotation=30, ha="right")
    axes.set_ylim(0, 1.28)
    axes.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    axes.set_ylabel("handled as expected")
    axes.set_title("Per category: share handled as expected (95% Wilson interval)")
    axes.legend(loc="upper center", ncol=2, fontsize=8, frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return png(figure)


ANSWER_QUALITY_SHOWN = (
    ("first_sentence_answers", "first sentence answers", "#2b6cb0"),
    ("precision", "answer precision", "#2f855a"),
    ("correct_abstention", "correct abstention", "#805ad5"),
)


def answer_quality_by_persona(metrics: Mapping[str, Mapping[str, Any]]) -> bytes:
    """What users feel, overall and per persona, with Wilson 95% intervals."""
    personas = sorted(
        {n.rsplit(".", 1)[1] for n in metrics if n.startswith("answers.first_sentence_answers.")}
    )
    groups = ["all", *personas]
    figure = Figure(figsize=(max(6.0, 1.1 * len(groups) + 2), 4.2))
    axes = figure.add_subplot()
    series = [
        (label, [metrics.get(f"answers.{key}" + ("" if g == "all" else f".{g}")) for g in groups], colour)
        for key, label, colour in ANSWER_QUALITY_SHOWN
    ]
    _grouped_bars(axes, series, width=0.8 / len(series), capsize=2)
    axes.set_xticks(range(len(groups)), groups, rotation=30, ha="right")
    axes.set_ylim(0, 1.15)
    axes.set_ylabel("share")
    axes.set_title("Answer quality per persona (95% Wilson interval)")
    axes.legend(loc="upper center", ncol=3, fontsize=8, frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return png(figure)


def confusion_heatmap(confusion: Mapping[str, Any]) -> bytes:
    """Labelled category (rows) against the guard's decision (columns), shaded by row share."""
    rows, columns, matrix = confusion["rows"], confusion["columns"], confusion["matrix"]
    shares = [[count / max(1, sum(row)) for count in row] for row in matrix]
    figure = Figure(figsize=(1.1 * len(columns) + 2.5, 0.7 * len(rows) + 1.8))
    axes = figure.add_subplot()
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for r, row in enumerate(matrix):
        for c, count in enumerate(row):
            axes.text(
                c,
                r,
                str(count),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if shares[r][c] > 0.6 else "black",
            )
    axes.set_xticks(range(len(columns)), columns, rotation=30, ha="right")
    axes.set_yticks(range(len(rows)), rows)
    axes.set_xlabel("guard decision")
    axes.set_ylabel("labelled category")
    axes.set_title("Guard confusion matrix (counts; shade = share of the row)")
    figure.colorbar(image, ax=axes, fraction=0.04)
    return png(figure)


def latency_histogram(latency_ms: Mapping[str, Sequence[float]]) -> bytes:
    """Latency of the judged turn per status, on log-spaced bins (refusals take ~1 ms, answers tens)."""
    figure = Figure(figsize=(7, 3.8))
    axes = figure.add_subplot()
    values = [v for vs in latency_ms.values() for v in vs if v > 0]
    if values:
        low, high = math.log10(min(values)), math.log10(max(values))
        high = max(high, low + 0.5)
        bins = [10 ** (low + (high - low) * i / 40) for i in range(41)]
        statuses = [s for s in STATUS_COLOURS if latency_ms.get(s)]
        axes.hist(
            [[max(v, bins[0]) for v in latency_ms[s]] for s in statuses],
            bins=bins,
            stacked=True,
            color=[STATUS_COLOURS[s] for s in statuses],
            label=[f"{s} (n={len(latency_ms[s])})" for s in statuses],
        )
        axes.set_xscale("log")
        axes.legend(fontsize=8)
    axes.set_xlabel("latency of the judged turn (ms, log scale)")
    axes.set_ylabel("cases")
    axes.set_title("Latency by status")
    axes.grid(alpha=0.3)
    return png(figure)


def versus_baseline(
    metrics: Mapping[str, Mapping[str, Any]],
    baseline: Mapping[str, Mapping[str, Any]],
    names: Sequence[str],
) -> bytes:
    """Headline shares for ours and the baseline side by side, with their intervals."""
    shown = [n for n in names if metrics.get(n, {}).get("kind") == "proportion"]
    figure = Figure(figsize=(8, 0.42 * len(shown) + 1.4))
    axes = figure.add_subplot()
    height = 0.38
    for i, (label, source, colour) in enumerate(
        (("ours", metrics, OURS), ("plain-rag baseline", baseline, BASELINE))
    ):
        values = [source.get(n) for n in shown]
        positions = [y + (i - 0.5) * height for y in range(len(shown))]
        axes.barh(
            positions,
            [(v or {}).get("value") or 0.0 for v in values],
            height,
            xerr=_errors(values),
            capsize=2,
            color=colour,
            label=label,
        )
        for y, v in zip(positions, values, strict=True):
            if not v or v.get("value") is None:
                axes.text(0.01, y, "n/a", va="center", fontsize=7)
    axes.set_yticks(
        range(len(shown)),
        [f"{n}{' (lower is better)' if metrics[n]['better'] == 'lower' else ''}" for n in shown],
        fontsize=8,
    )
    axes.invert_yaxis()
    axes.set_xlim(0, 1.05)
    axes.set_title("Ours versus the plain-RAG baseline (95% Wilson intervals)")
    axes.legend(loc="lower right", fontsize=8)
    axes.grid(axis="x", alpha=0.3)
    return png(figure)


def xstest_bars(xstest: Mapping[str, Mapping[str, int]]) -> bytes:
    """XSTest's three labels per safe-prompt category, as stacked shares."""
    categories = sorted(xstest)
    figure = Figure(figsize=(max(5.0, 1.2 * len(categories) + 2), 3.6))
    axes = figure.add_subplot()
    bottoms = [0.0] * len(categories)
    for label, colour in XSTEST_COLOURS.items():
        shares = [xstest[c][label] / max(1, sum(xstest[c].values())) for c in categories]
        axes.bar(categories, shares, bottom=bottoms, color=colour, label=label.replace("_", " "))
        bottoms = [b + s for b, s in zip(bottoms, shares, strict=True)]
    for x, c in enumerate(categories):
        axes.text(x, 1.02, f"n={sum(xstest[c].values())}", ha="center", fontsize=7)
    axes.set_ylim(0, 1.3)
    axes.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    axes.set_title("Safe prompts: XSTest labels per category")
    axes.legend(fontsize=8, loc="upper center", ncol=3, frameon=False)
    return png(figure)


def support_histogram(support: Sequence[float], floor: float) -> bytes:
    """Distribution of cited sentences' similarity to their passages."""
    figure = Figure(figsize=(6, 3.4))
    axes = figure.add_subplot()
    if support:
        axes.hist(list(support), bins=[i / 40 for i in range(-4, 41)], color=OURS)
    axes.axvline(floor, color="#c53030", linestyle="--", label=f"supported ≥ {floor}")
    axes.set_xlabel("cosine similarity of a cited sentence to its passage")
    axes.set_ylabel("cited sentences")
    axes.set_title(f"Citation support (n={len(support)})")
    axes.legend(fontsize=8)
    return png(figure)
