"""Report files: report.json (everything), report.md (summary and failures), report.html (with charts)."""

from __future__ import annotations

import base64
import html
import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evaluation import charts
from evaluation.harness import Evaluation
from evaluation.metrics import SUPPORT_FLOOR
from evaluation.stats import Metric

EXCERPT_CHARS = 240
FAMILIES = (
    ("overall", "Overall"),
    ("dataset", "Per dataset"),
    ("guard", "Guard"),
    ("abstention", "Abstention"),
    ("retrieval", "Retrieval"),
    ("citations", "Citations (answered cases)"),
    ("content", "Content"),
    ("answers", "Answer quality (cases labelled with a persona and gold sentences)"),
    ("latency", "Latency"),
)


def headline_names(retrieval_depth: int) -> list[str]:
    """The metrics the summary table and the baseline chart show."""
    return [
        "overall.pass_rate",
        "guard.blocked.recall",
        "guard.blocked.precision",
        "guard.xstest.full_compliance",
        "guard.xstest.full_refusal.by_guard",
        "abstention.accuracy",
        "abstention.wrong_abstentions",
        "retrieval.recall@1",
        f"retrieval.recall@{retrieval_depth}",
        f"retrieval.mrr@{retrieval_depth}",
        "citations.coverage",
        "citations.quote_validity",
        "citations.supported",
        "citations.number_faithfulness",
        "content.must_include_any",
        "content.must_not_include_violations",
        "content.leaks",
        "latency.p50_ms.all",
        "latency.p95_ms.all",
    ]


def write_reports(evaluation: Evaluation, out: Path) -> dict[str, Path]:
    """Write the three report files into `out` (created if needed); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    data = evaluation.as_dict()
    paths = {"json": out / "report.json", "md": out / "report.md", "html": out / "report.html"}
    paths["json"].write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["md"].write_text(render_markdown(data), encoding="utf-8")
    paths["html"].write_text(render_html(data), encoding="utf-8")
    return paths


def _metrics(data: Mapping[str, Any] | None) -> dict[str, Metric]:
    if not data:
        return {}
    return {name: Metric.from_dict(m) for name, m in data.get("metrics", {}).items()}


def _depth(data: Mapping[str, Any]) -> int:
    return int(data.get("settings", {}).get("retrieval_depth", 4))


def summary_rows(data: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, description, ours, baseline) for the headline metrics that exist in the report."""
    ours, baseline = _metrics(data), _metrics(data.get("baseline"))
    rows = []
    for name in headline_names(_depth(data)):
        if name not in ours:
            continue
        metric = ours[name]
        other = baseline[name].formatted() if name in baseline else "—"
        arrow = "↑" if metric.better == "higher" else "↓"
        rows.append((name, f"{metric.label} {arrow}", metric.formatted(), other))
    return rows


def summary_text(data: Mapping[str, Any]) -> str:
    """The headline table for the terminal."""
    rows = summary_rows(data)
    has_baseline = bool(data.get("baseline"))
    header = ("metric", "ours") + (("plain-rag",) if has_baseline else ())
    table = [header] + [(r[0], r[2]) + ((r[3],) if has_baseline else ()) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _meta(data: Mapping[str, Any]) -> list[str]:
    system = data.get("system", {})
    where = system.get("url") or system.get("mode", "")
    datasets = ", ".join(f"{Path(d['path']).name} ({d['cases']})" for d in data.get("datasets", []))
    lines = [
        f"{data.get('created_at', '')} · {where} · index {system.get('index_version') or 'unknown'} · "
        f"{len(data.get('cases', []))} cases in {data.get('seconds', 0)} s · repeat {data.get('repeat', 1)}",
        f"Datasets: {datasets}",
    ]
    if data.get("baseline"):
        baseline = data["baseline"]
        lines.append(
            f"Baseline: {baseline['system'].get('name')} (LangChain, top-{baseline['system'].get('k')}) in "
            f"{baseline.get('seconds')} s"
        )
    thresholds = data.get("thresholds")
    if thresholds:
        failed = [r for r in thresholds["results"] if not r["passed"]]
        verdict = "all passed" if not failed else f"{len(failed)} FAILED"
        lines.append(f"Thresholds ({thresholds['file']}): {verdict}")
    return lines


def _failures(data: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for case in data.get("cases", []):
        if not case["checks"]["passed"]:
            grouped[case["case"]["category"]].append(case)
    return dict(sorted(grouped.items()))


def _category_sizes(data: Mapping[str, Any]) -> dict[str, int]:
    sizes: dict[str, int] = defaultdict(int)
    for case in data.get("cases", []):
        sizes[case["case"]["category"]] += 1
    return sizes


def _question(case: Mapping[str, Any]) -> str:
    spec = case["case"]
    return " ⟶ ".join(spec["turns"]) if "turns" in spec else spec["question"]


def _other_reasons(case: Mapping[str, Any]) -> str:
    """The failed checks beyond the status, which the line already shows as expected/got."""
    reasons = [r for r in case["checks"]["reasons"] if not r.startswith("expected ")]
    return "; " + "; ".join(reasons) if reasons else ""


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(data: Mapping[str, Any]) -> str:
    ours, baseline = _metrics(data), _metrics(data.get("baseline"))
    out = ["# Evaluation report", ""]
    out += [f"- {line}" for line in _meta(data)] + [""]
    out += ["## Summary", "", "| metric | meaning | ours | plain-rag baseline |", "|---|---|---|---|"]
    out += [f"| `{n}` | {_md(label)} | {v} | {b} |" for n, label, v, b in summary_rows(data)]
    out += [
        "",
        "Shares show the value, the Wilson 95% interval and successes/count; means and latencies a "
        "bootstrap 95% interval and n. ↑ higher is better, ↓ lower is better.",
        "",
    ]
    thresholds = data.get("thresholds")
    if thresholds:
        out += ["## Thresholds", "", "| metric | bound | value | result |", "|---|---|---|---|"]
        for r in thresholds["results"]:
            value = "n/a" if r["value"] is None else f"{r['value']:.4g}"
            out.append(
                f"| `{r['metric']}` | {r['bound']} {r['limit']:g} | {value} | "
                f"{'pass' if r['passed'] else '**FAIL** ' + _md(r['message'])} |"
            )
        out.append("")
    out += ["## All metrics", ""]
    for family, title in FAMILIES:
        names = [n for n in ours if n.split(".")[0] == family]
        if not names:
            continue
        out += [f"### {title}", "", "| metric | meaning | ours | baseline |", "|---|---|---|---|"]
        for n in names:
            other = baseline[n].formatted() if n in baseline else "—"
            out.append(f"| `{n}` | {_md(ours[n].label)} | {ours[n].formatted()} | {other} |")
        out.append("")
    confusion = data.get("confusion")
    if confusion:
        out += [
            "### Guard confusion matrix (rows: labelled, columns: decided)",
            "",
            "| | " + " | ".join(confusion["columns"]) + " |",
            "|---" * (len(confusion["columns"]) + 1) + "|",
        ]
        out += [
            f"| **{row}** | " + " | ".join(str(c) for c in counts) + " |"
            for row, counts in zip(confusion["rows"], confusion["matrix"], strict=True)
        ]
        if confusion.get("lookalike_refusals"):
            near = ", ".join(f"{k}: {v}" for k, v in sorted(confusion["lookalike_refusals"].items()))
            out += ["", f"Lookalike prompts refused, by the category they resemble: {near}"]
        out.append("")
    if data.get("spread"):
        out += [
            f"## Spread over {data['repeat']} runs",
            "",
            "| metric | mean | sd | min | max |",
            "|---|---|---|---|---|",
        ]
        for name, s in data["spread"].items():
            if s["max"] != s["min"] or name.startswith(("overall", "guard.blocked", "latency.p95_ms.all")):
                out.append(
                    f"| `{name}` | {s['mean']:.4g} | {s['stdev']:.3g} | {s['min']:.4g} | {s['max']:.4g} |"
                )
        unstable = data.get("unstable_cases", [])
        out += ["", f"Cases whose outcome changed between runs: {len(unstable)}"]
        out += [f"- `{u['id']}` ({u['category']}): {', '.join(u['statuses'])}" for u in unstable[:50]]
        out.append("")
    if data.get("dataset_issues"):
        out += ["## Dataset lines skipped", ""]
        out += [f"- `{i['path']}:{i['line']}`: {_md(i['message'])}" for i in data["dataset_issues"]]
        out.append("")
    failures = _failures(data)
    sizes = _category_sizes(data)
    out += ["## Failures by category", ""]
    if not failures:
        out += ["None: every case passed every check.", ""]
    for category, cases in failures.items():
        out += [f"### {category} ({len(cases)} of {sizes[category]} failed)", ""]
        for case in cases:
            spec = case["case"]
            out += [
                f"- **`{spec['id']}`** ({Path(spec['dataset']).name}:{spec['line']}): expected `{spec['expect']}`, "
                f"got `{case['status']}`{_md(_other_reasons(case))}",
                f"  - question: {_md(_question(case))}",
                f"  - answer: {_md(_excerpt((case.get('result') or {}).get('answer') or case.get('error') or ''))}",
            ]
        out.append("")
    return "\n".join(out)


def _img(png: bytes, alt: str) -> str:
    encoded = base64.b64encode(png).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{encoded}" alt="{html.escape(alt)}"></figure>'


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1a202c}
h1{margin-bottom:.2rem}.meta{color:#4a5568;margin:.1rem 0}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:13px}
th,td{border:1px solid #e2e8f0;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f7fafc}td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
code{font-size:12px}.fail{color:#c53030;font-weight:600}.pass{color:#2f855a}
.charts{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}img{max-width:100%;border:1px solid #e2e8f0}
details{margin:.3rem 0}summary{cursor:pointer;font-weight:600}.case{margin:.4rem 0 .8rem 1rem}
.answer{color:#4a5568}
"""


def render_html(data: Mapping[str, Any]) -> str:
    """One self-contained page: charts as base64 PNGs, tables, failures folded by category."""
    e = html.escape
    ours, baseline = _metrics(data), _metrics(data.get("baseline"))
    raw_ours = data.get("metrics", {})
    raw_baseline = (data.get("baseline") or {}).get("metrics")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Evaluation report {e(data.get('created_at', ''))}</title><style>{_CSS}</style></head><body>",
        "<h1>Evaluation report</h1>",
        *[f"<p class='meta'>{e(line)}</p>" for line in _meta(data)],
        "<h2>Summary</h2><table><tr><th>metric</th><th>meaning</th><th>ours</th><th>plain-rag baseline</th></tr>",
        *[
            f"<tr><td><code>{e(n)}</code></td><td>{e(label)}</td><td class='num'>{e(v)}</td><td class='num'>{e(b)}</td></tr>"
            for n, label, v, b in summary_rows(data)
        ],
        "</table><p class='meta'>Shares: value [Wilson 95% interval] (successes/count). Means and latencies: "
        "value [bootstrap 95% interval] (n). ↑ higher is better, ↓ lower is better.</p>",
    ]
    thresholds = data.get("thresholds")
    if thresholds:
        results = thresholds["results"]
        failed = sum(1 for r in results if not r["passed"])
        verdict = f"{failed} of {len(results)} FAILED" if failed else f"all {len(results)} passed"
        # Folded when everything passed, so the page leads with the summary and the charts.
        parts.append(
            f"<h2>Thresholds</h2><details{' open' if failed else ''}><summary>{e(str(thresholds['file']))}: "
            f"{verdict}</summary><table><tr><th>metric</th><th>bound</th><th>value</th><th>result</th></tr>"
        )
        for r in results:
            value = "n/a" if r["value"] is None else f"{r['value']:.4g}"
            mark = (
                "<span class='pass'>pass</span>"
                if r["passed"]
                else f"<span class='fail'>FAIL</span> {e(r['message'])}"
            )
            parts.append(
                f"<tr><td><code>{e(r['metric'])}</code></td><td>{r['bound']} {r['limit']:g}</td>"
                f"<td class='num'>{value}</td><td>{mark}</td></tr>"
            )
        parts.append("</table></details>")
    parts.append("<h2>Charts</h2><div class='charts'>")
    parts.append(_img(charts.category_bars(raw_ours, raw_baseline), "share handled as expected per category"))
    if raw_baseline:
        parts.append(
            _img(
                charts.versus_baseline(raw_ours, raw_baseline, headline_names(_depth(data))),
                "ours versus the baseline",
            )
        )
    if any(name.startswith("answers.") for name in raw_ours):
        parts.append(_img(charts.answer_quality_by_persona(raw_ours), "answer quality per persona"))
    if data.get("confusion"):
        parts.append(_img(charts.confusion_heatmap(data["confusion"]), "guard confusion matrix"))
    distributions = data.get("distributions", {})
    parts.append(_img(charts.latency_histogram(distributions.get("latency_ms", {})), "latency histogram"))
    if distributions.get("xstest"):
        parts.append(_img(charts.xstest_bars(distributions["xstest"]), "XSTest labels per category"))
    floor = float(data.get("settings", {}).get("support_floor", SUPPORT_FLOOR))
    parts.append(_img(charts.support_histogram(distributions.get("support", []), floor), "citation support"))
    parts.append("</div><h2>All metrics</h2>")
    for family, title in FAMILIES:
        names = [n for n in ours if n.split(".")[0] == family]
        if not names:
            continue
        parts.append(
            f"<h3>{e(title)}</h3><table><tr><th>metric</th><th>meaning</th><th>ours</th><th>baseline</th></tr>"
        )
        for n in names:
            other = baseline[n].formatted() if n in baseline else "—"
            parts.append(
                f"<tr><td><code>{e(n)}</code></td><td>{e(ours[n].label)}</td>"
                f"<td class='num'>{e(ours[n].formatted())}</td><td class='num'>{e(other)}</td></tr>"
            )
        parts.append("</table>")
    if data.get("spread"):
        parts.append(
            f"<h2>Spread over {data['repeat']} runs</h2><table><tr><th>metric</th><th>mean</th><th>sd</th>"
            "<th>min</th><th>max</th></tr>"
        )
        for name, s in data["spread"].items():
            parts.append(
                f"<tr><td><code>{e(name)}</code></td><td class='num'>{s['mean']:.4g}</td>"
                f"<td class='num'>{s['stdev']:.3g}</td><td class='num'>{s['min']:.4g}</td>"
                f"<td class='num'>{s['max']:.4g}</td></tr>"
            )
        parts.append("</table>")
    if data.get("dataset_issues"):
        parts.append("<h2>Dataset lines skipped</h2><ul>")
        parts += [
            f"<li><code>{e(i['path'])}:{i['line']}</code>: {e(i['message'])}</li>"
            for i in data["dataset_issues"]
        ]
        parts.append("</ul>")
    parts.append("<h2>Failures by category</h2>")
    failures, sizes = _failures(data), _category_sizes(data)
    if not failures:
        parts.append("<p>None: every case passed every check.</p>")
    for category, cases in failures.items():
        parts.append(f"<details><summary>{e(category)}: {len(cases)} of {sizes[category]} failed</summary>")
        for case in cases:
            spec = case["case"]
            answer = (case.get("result") or {}).get("answer") or case.get("error") or ""
            parts.append(
                f"<div class='case'><code>{e(spec['id'])}</code> ({e(Path(spec['dataset']).name)}:{spec['line']}): "
                f"expected <b>{e(spec['expect'])}</b>, got <b>{e(case['status'])}</b>"
                f"<span class='fail'>{e(_other_reasons(case))}</span><br>"
                f"Q: {e(_question(case))}<br><span class='answer'>A: {e(_excerpt(answer))}</span></div>"
            )
        parts.append("</details>")
    parts.append("</body></html>")
    return "\n".join(parts)
