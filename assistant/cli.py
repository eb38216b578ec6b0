"""The `assistant` command: ask, chat, corpus vetting and index management."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

from assistant.config import Settings
from assistant.conversation import ConversationError
from assistant.pipeline import AnswerPipeline
from assistant.progress import progress_bar
from assistant.results import AnswerResult
from corpus.errors import AssistantError
from corpus.text import leaning_sentences

# The entry-point group through which other installed packages add `assistant` sub-commands.
COMMAND_PLUGINS = "assistant.commands"


def print_result(result: AnswerResult) -> None:
    if result.status in ("refused", "escalated") and result.guardrail:
        print(f"[{result.status}: {result.guardrail.category}]")
    print(result.answer)
    if result.citations:
        print("\nSources:")
        for c in result.citations:
            print(f"  [{c.n}] {c.title} ({c.passage_id}, chars {c.start}-{c.end})")
            print(f"      “{c.quote}”")
    if result.related_articles:
        print("\nRelated articles: " + ", ".join(r.title for r in result.related_articles))
    if result.verification is not None:
        v = result.verification
        if result.answerer == "llm":
            print(f"\n(worded by the language model: {v.kept} of {v.generated} sentences verified)")
        elif v.error:
            print(f"\n(the language model failed, so these are the quotes themselves: {v.error})")
        else:
            print(
                f"\n(too little of the language model's answer was verified ({v.kept} of {v.generated}), so these are the quotes themselves)"
            )


def _pipeline(settings: Settings) -> AnswerPipeline:
    from assistant.runtime import build_index, load_pipeline

    report = build_index(settings, progress=progress_bar("indexing"))
    if report.changed:
        print(
            f"index {report.version}: {report.passages} passages ({report.embedded_passages} embedded)",
            file=sys.stderr,
        )
    return load_pipeline(settings)


def _within_limit(question: str, settings: Settings) -> str:
    """`question`, if the API would take it too; the same limit holds on every way in."""
    if len(question) > settings.max_message_chars:
        raise ConversationError(
            f"the question has {len(question)} characters; at most {settings.max_message_chars} are "
            "accepted (ASSISTANT_MAX_MESSAGE_CHARS)"
        )
    return question


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    question = _within_limit(args.question, settings)  # before loading anything
    result = _pipeline(settings).run(question)
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print_result(result)
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = _pipeline(settings)
    messages: list[dict[str, str]] = []
    print(
        "Ask about ketamine and related medicines; answers quote vetted articles. Empty line or Ctrl-D quits."
    )
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            print()
            return 0
        if not question or question in ("quit", "exit"):
            return 0
        try:
            _within_limit(question, settings)
        except ConversationError as exc:
            print(f"error: {exc}", file=sys.stderr)
            continue
        messages.append({"role": "user", "content": question})
        result = pipeline.run(messages)
        print()
        print_result(result)
        messages.append({"role": "assistant", "content": result.answer})


def cmd_vet(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.runtime import vetter
    from corpus.loader import article_paths, load_article

    paths = article_paths(args.paths or [settings.corpus_dir])
    rule_set = vetter(settings)
    reports, errors = [], []
    for path in paths:
        try:
            reports.append(rule_set.vet(load_article(path)))
        except AssistantError as exc:
            errors.append(str(exc))
    blocked = [r for r in reports if r.blocked]
    if args.json:
        print(
            json.dumps(
                {
                    "reports": [r.as_dict() for r in reports],
                    "errors": errors,
                    "blocked": [r.article.id for r in blocked],
                },
                indent=2,
            )
        )
    else:
        for report in reports:
            for f in report.findings:
                print(
                    f"{report.article.path}:{f.line}:{f.column}: {f.rule} [{f.action}] {f.text!r}: {f.description}"
                )
        for error in errors:
            print(f"error: {error}")
        stripped = sum(len(r.stripped) for r in reports)
        leaning = 0
        for report in reports:
            body = report.article.body
            for start, end in leaning_sentences(body):
                leaning += 1
                if args.leaning:
                    print(
                        f"{report.article.path}:{report.article.file_line(start)}: leans on the sentence before: {body[start:end]!r}"
                    )
        print(
            f"{len(reports)} article(s) vetted: {len(blocked)} blocked, {stripped} span(s) to strip, {len(errors)} unreadable; "
            f"{leaning} sentence(s) lean on the one before (quoted with it in answers; --leaning lists them)"
        )
    if errors:
        return 2
    return 1 if blocked else 0


def cmd_index_build(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.runtime import build_index

    report = build_index(settings, progress=progress_bar("embedding"))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        state = "built" if report.changed else "already up to date"
        print(
            f"index {report.version} {state}: {report.passages} passages; embedded {report.embedded_passages}; "
            f"added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
            f"unchanged {len(report.unchanged)} article(s) in {report.seconds:.1f} s"
        )
    return 0


def cmd_index_export(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.runtime import export_serving_models

    for folder in export_serving_models(settings):
        print(folder)
    return 0


def cmd_index_status(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.runtime import indexable_articles, open_store
    from index.builder import staleness
    from index.embedder import SentenceTransformerEmbedder

    manifest = open_store(settings).read_pointer()
    articles, _ = indexable_articles(settings)
    stale = staleness(articles, manifest, SentenceTransformerEmbedder.model_id)
    status = {
        "store": settings.store,
        "index_version": manifest["version"] if manifest else None,
        "built_at": manifest.get("built_at") if manifest else None,
        "articles": len(manifest["articles"]) if manifest else 0,
        "passages": sum(a["passages"] for a in manifest["articles"].values()) if manifest else 0,
        "stale": any(stale.values()),
        **stale,
    }
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        if not manifest:
            print("no index yet: run `assistant index build`")
        else:
            print(
                f"index {status['index_version']} built {status['built_at']}: "
                f"{status['articles']} articles, {status['passages']} passages"
            )
        if status["stale"]:
            print(
                "stale against the corpus: "
                + "; ".join(f"{k}: {', '.join(v)}" for k, v in stale.items() if v)
            )
        else:
            print("up to date with the corpus")
    return 0


def available_cores() -> int:
    """The cores this process may run on: one worker each, one intra-op thread per worker."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(64, cores))


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from assistant.runtime import build_index_if_changed

    if settings.store == "http":
        # A shared store has one writer: instances serve whatever version its pointer names.
        print(
            "serving the index version the chroma server's pointer names; "
            "build with `assistant index build` (or POST /v1/admin/reindex)",
            file=sys.stderr,
        )
    else:
        report = build_index_if_changed(settings, progress=progress_bar("indexing"))
        print(
            "index unchanged since its last build (same articles, settings and code): not checked again"
            if report is None
            else f"index {report.version}: {report.passages} passages ({report.embedded_passages} embedded)",
            file=sys.stderr,
        )
    host, port, workers = (
        args.host or settings.host,
        args.port or settings.port,
        args.workers or settings.workers or available_cores(),
    )
    # Worker processes read settings from the environment; pass on what the command line chose.
    os.environ["ASSISTANT_DATA_DIR"] = str(settings.data_dir.resolve())
    os.environ["ASSISTANT_CORPUS_DIR"] = str(settings.corpus_dir.resolve())
    print(f"serving on http://{host}:{port} with {workers} worker(s)", file=sys.stderr)
    from assistant.api.telemetry import shared_worker_metrics

    # Several workers add up their metrics in a shared folder, or each scrape would see one worker's.
    with shared_worker_metrics(workers):
        uvicorn.run(
            "assistant.api:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            timeout_graceful_shutdown=30,
            # uvicorn would otherwise take the client from X-Forwarded-For on any loopback connection;
            # the app resolves it itself, trusting only ASSISTANT_FORWARDED_ALLOW_IPS.
            proxy_headers=False,
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant", description="Answers drug questions only from vetted articles."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the full result as JSON")
    ask.set_defaults(handler=cmd_ask)

    chat = sub.add_parser("chat", help="a conversation in the terminal")
    chat.set_defaults(handler=cmd_chat)

    corpus = sub.add_parser("corpus", help="curate the corpus").add_subparsers(
        dest="corpus_command", required=True
    )
    vet = corpus.add_parser("vet", help="scan articles for spam, injections, dose text and page debris")
    vet.add_argument("paths", nargs="*", type=Path, help="article files or folders (default: the corpus)")
    vet.add_argument("--json", action="store_true")
    vet.add_argument("--leaning", action="store_true", help="list sentences that cannot be quoted alone")
    vet.set_defaults(handler=cmd_vet)

    index = sub.add_parser("index", help="manage the search index").add_subparsers(
        dest="index_command", required=True
    )
    build = index.add_parser("build", help="build or refresh the index incrementally")
    build.add_argument("--json", action="store_true")
    build.set_defaults(handler=cmd_index_build)
    export = index.add_parser(
        "export", help="write the ONNX exports the server embeds with (an image does this once)"
    )
    export.set_defaults(handler=cmd_index_export)
    status = index.add_parser("status", help="articles, passages, version and staleness")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_index_status)

    serve = sub.add_parser("serve", help="build or refresh the index, then serve the HTTP API and the widget")
    serve.add_argument("--host", help="default 127.0.0.1 (ASSISTANT_HOST)")
    serve.add_argument("--port", type=int, help="default 8000 (ASSISTANT_PORT)")
    serve.add_argument(
        "--workers", type=int, help="worker processes, default one per available core (ASSISTANT_WORKERS)"
    )
    serve.set_defaults(handler=cmd_serve)

    from assistant.curation import register as register_curation

    register_curation(corpus)
    from assistant.feedback_report import register as register_feedback

    register_feedback(sub)
    from assistant.model_files import register as register_models

    register_models(sub)
    # Packages above this one (the evaluation harness) add their commands through an entry point,
    # so nothing here imports them.
    for plugin in entry_points(group=COMMAND_PLUGINS):
        plugin.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
        return int(args.handler(args, settings))
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except ValueError as exc:  # settings and constructor validation
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
