"""`assistant feedback report`: what people voted down, by article and reason, and what went unanswered.

The HTML is one self-contained file (inline CSS and an inline SVG chart, nothing fetched); every
value from the database is escaped. `--json` gives the same data as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.feedback import REASONS, UNSPECIFIED_REASON, FeedbackReport, FeedbackStore

if TYPE_CHECKING:
    from assistant.config import Settings

DEFAULT_HTML_OUT = Path("feedback-report.html")
NO_CITATION = "(cited nothing)"
REASON_LABELS = {
    "wrong": "wrong",
    "not_what_i_asked": "not what I asked",
    "unsupported": "not supported by the quote",
    "other": "other",
    UNSPECIFIED_REASON: "no reason given",
}
# Colour-blind-safe (Okabe–Ito), one per reason, in REASONS order then "unspecified".
REASON_COLOURS = dict(
    zip((*REASONS, UNSPECIFIED_REASON), ("#d55e00", "#0072b2", "#cc79a7", "#e69f00", "#999999"), strict=True)
)
REASON_ORDER = {reason: i for i, reason in enumerate(REASON_COLOURS)}
CHART_ARTICLES = 15

_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; color: #1a1a1a; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { text-align: left; padding: 0.25rem 0.75rem 0.25rem 0; vertical-align: top; }
th { border-bottom: 1px solid #ccc; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
section.article { border-top: 1px solid #ddd; padding-top: 0.5rem; }
blockquote { margin: 0.3rem 0 0.3rem 1rem; padding-left: 0.75rem; border-left: 3px solid #bbb; }
.answer { margin: 0.6rem 0 1rem; } .small { color: #555; font-size: 0.85em; }
code { font-size: 0.9em; } .legend span { display: inline-block; margin-right: 1rem; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em; vertical-align: -0.05em; }
"""


def _label(article_id: str | None) -> str:
    return article_id if article_id is not None else NO_CITATION


def _chart(report: FeedbackReport) -> str:
    """Horizontal bars, one per article, split by reason; drawn to scale against the largest."""
    groups = report.articles[:CHART_ARTICLES]
    if not groups:
        return ""
    largest = max(g.down_votes for g in groups)
    label_width, bar_width, row, top = 240, 420, 24, 8
    height = top * 2 + row * len(groups)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_width + bar_width + 50}" '
        f'height="{height}" aria-labelledby="chart-title">',
        '<title id="chart-title">Down-votes per article, split by reason</title>',
    ]
    for i, group in enumerate(groups):
        y = top + i * row
        name = _label(group.article_id)
        shown = name if len(name) <= 34 else name[:33] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" font-size="13">{escape(shown)}</text>'
        )
        x = float(label_width)
        # The same reason in the same place on every bar, so bars compare at a glance.
        for reason_group in sorted(
            group.reasons, key=lambda r: REASON_ORDER.get(r.reason, len(REASON_ORDER))
        ):
            width = bar_width * len(reason_group.answers) / largest
            colour = REASON_COLOURS.get(reason_group.reason, "#999999")
            tip = f"{name}: {len(reason_group.answers)} × {REASON_LABELS.get(reason_group.reason, reason_group.reason)}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{row - 6}" fill="{colour}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            x += width
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 16}" font-size="13">{group.down_votes}</text>')
    parts.append("</svg>")
    legend = "".join(
        f'<span><i class="swatch" style="background:{REASON_COLOURS[reason]}"></i>{escape(label)}</span>'
        for reason, label in REASON_LABELS.items()
    )
    return "\n".join(parts) + f'\n<p class="legend small">{legend}</p>'


def render_html(report: FeedbackReport) -> str:
    down = report.votes.get("down", 0)
    kinds = ", ".join(f"{count} {kind}" for kind, count in report.answers_by_kind.items())
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Answer feedback report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Answer feedback</h1>",
        f'<p class="meta">Answers given since {escape(report.since.strftime("%Y-%m-%d %H:%M"))} UTC '
        f"(the {report.retention_days}-day retention), as of "
        f"{escape(report.generated_at.strftime('%Y-%m-%d %H:%M'))} UTC.</p>",
        f"<p>{sum(report.answers_by_kind.values())} answers recorded ({escape(kinds)}); "
        f"{report.votes.get('up', 0)} voted up, {down} voted down.</p>",
        "<h2>Down-votes by article and reason</h2>",
    ]
    if not report.articles:
        out.append("<p>No answer was voted down in this period.</p>")
    else:
        out.append(
            '<p class="small">An answer that quotes several articles counts once under each of them.</p>'
        )
        out.append(_chart(report))
        for group in report.articles:
            out.append('<section class="article">')
            out.append(f"<h3>{escape(_label(group.article_id))} — {group.down_votes} down-vote(s)</h3>")
            for reason_group in group.reasons:
                label = REASON_LABELS.get(reason_group.reason, reason_group.reason)
                out.append(f"<h4>{escape(label)} ({len(reason_group.answers)})</h4>")
                for answer in reason_group.answers:
                    out.append('<div class="answer">')
                    out.append(
                        f'<div class="small"><code>{escape(answer.answer_id)}</code> · {escape(answer.kind)} · '
                        f"{escape(answer.answered_at.strftime('%Y-%m-%d %H:%M'))} UTC · index "
                        f"<code>{escape(answer.index_version or '?')}</code></div>"
                    )
                    if answer.question:
                        out.append(f"<div>Asked: “{escape(answer.question)}”</div>")
                    for quote in answer.quotes:
                        out.append(
                            f"<blockquote>{escape(quote.quote)}<br><span class='small'>[{quote.n}] "
                            f"{escape(quote.passage_id)}, characters {quote.start}–{quote.end}</span></blockquote>"
                        )
                    out.append("</div>")
            out.append("</section>")
    out.append("<h2>Questions it abstained on</h2>")
    if report.abstained:
        out.append('<p class="small">Most frequent first: candidates for new articles or sections.</p>')
        out.append("<table><tr><th>question</th><th>times</th><th>last asked (UTC)</th></tr>")
        for item in report.abstained:
            out.append(
                f"<tr><td>{escape(item.question)}</td><td class='n'>{item.count}</td>"
                f"<td>{escape(item.last_asked.strftime('%Y-%m-%d %H:%M'))}</td></tr>"
            )
        out.append("</table>")
    elif report.stores_question_text:
        out.append("<p>No abstained question in this period.</p>")
    else:
        out.append(
            "<p>Question text is not kept (<code>ASSISTANT_FEEDBACK_STORE_TEXT</code> is off), "
            f"so abstentions can only be counted: {report.answers_by_kind.get('abstained', 0)}.</p>"
        )
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    store = FeedbackStore.from_settings(settings)
    try:
        report = store.report()
    finally:
        store.close()
    text = (
        json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
        if args.json
        else render_html(report)
    )
    out: Path | None = args.out if args.out or args.json else DEFAULT_HTML_OUT
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return 2
    down = report.votes.get("down", 0)
    print(f"{down} down-vote(s) on {len(report.articles)} article group(s); wrote {out}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `assistant feedback report`."""
    feedback = sub.add_parser("feedback", help="answer feedback: the curator's report").add_subparsers(
        dest="feedback_command", required=True
    )
    report = feedback.add_parser(
        "report",
        help="down-voted answers by article and reason, and the questions it abstained on",
        description="Reads the feedback database (ASSISTANT_FEEDBACK_DATABASE_URL, default feedback.sqlite3 in "
        "the data folder) for the retention window and writes a self-contained HTML report.",
    )
    report.add_argument(
        "--out",
        type=Path,
        help=f"where to write (default: {DEFAULT_HTML_OUT} for HTML; standard output for --json)",
    )
    report.add_argument("--json", action="store_true", help="the same data as JSON")
    report.set_defaults(handler=cmd_report)
