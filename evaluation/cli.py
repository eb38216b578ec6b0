"""The `assistant eval` command: `eval [run] DATASET...` scores the assistant; `eval compare A B` diffs two reports.

`run` is the default, so `assistant eval evals/questions.jsonl --out DIR` works as the issue
spells it; options then go after the first dataset. `assistant eval run ...` is the explicit form
(and the way to evaluate a dataset file literally named `compare`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from evaluation.baseline import BASELINES

if TYPE_CHECKING:
    from evaluation.dataset import Dataset
    from evaluation.harness import Evaluation
    from evaluation.metrics import Scorer
    from evaluation.reference import ReferenceCorpus
    from evaluation.simulated_model import SimulatedChatModel
    from evaluation.systems import SystemUnderTest

API_KEY_ENV = "ASSISTANT_EVAL_API_KEY"


class _AnyName(dict[str, Any]):
    """Sub-command choices that let any word through, so `_RunByDefault` can route it to `run`."""

    def __contains__(self, key: object) -> bool:
        return True


class _RunByDefault(argparse._SubParsersAction):
    """Sub-commands where anything that is not a sub-command name means `run` followed by it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # argparse rejects a value that is not among the choices before the action sees it.
        self.choices = _AnyName()

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        if values and values[0] not in self._name_parser_map:
            values = ["run", *values]
        super().__call__(parser, namespace, values, option_string)


def register(subparsers: Any) -> None:
    """Add `eval` (with `run` and `compare`) to the top-level command parser."""
    evaluate = subparsers.add_parser(
        "eval",
        help="score the assistant on labelled datasets, or compare two reports",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.register("action", "parsers", _RunByDefault)
    commands = evaluate.add_subparsers(dest="eval_command", required=True, metavar="{run,compare}")

    run = commands.add_parser(
        "run",
        help="run datasets through the assistant (the default)",
        description="Run labelled JSONL datasets through the assistant, in this process or over HTTP, "
        "and write report.json, report.md and report.html.",
    )
    run.add_argument("datasets", nargs="+", type=Path, metavar="DATASET.jsonl")
    run.add_argument("--url", help="evaluate a running server (POST /v1/chat) instead of this process")
    run.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="parallel requests with --url (default 4); in-process runs are sequential",
    )
    run.add_argument("--timeout", type=float, default=60.0, help="seconds per HTTP request (default 60)")
    run.add_argument(
        "--api-key",
        default=os.environ.get(API_KEY_ENV),
        help=f"bearer key for servers that require one (default: ${API_KEY_ENV})",
    )
    run.add_argument("--out", type=Path, help="report folder (default: DATA_DIR/eval/<timestamp>)")
    run.add_argument("--baseline", choices=BASELINES, help="also run a baseline on the same cases")
    run.add_argument(
        "--fail-under",
        type=Path,
        metavar="THRESHOLDS.toml",
        help="exit 1 when a metric is outside its [min]/[max] threshold",
    )
    run.add_argument(
        "--answerer",
        choices=("extractive", "llm"),
        help="override ASSISTANT_ANSWERER for an in-process run (llm uses the model the settings name)",
    )
    run.add_argument(
        "--simulated-llm",
        type=float,
        metavar="FAULT_RATE",
        help="answer with a simulated model that writes from its passages and puts one known fault "
        "into this share of answers; reports how many faults verification caught (in-process only)",
    )
    run.add_argument(
        "--simulated-seed", type=int, default=0, help="seed of the simulated model's choices (default 0)"
    )
    run.add_argument("--repeat", type=int, default=1, help="run N times and report the spread (default 1)")
    run.add_argument("--k", type=int, default=4, help="retrieval depth for recall@k and MRR (default 4)")
    run.add_argument("--limit", type=int, help="only the first N cases (a quick look)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    run.set_defaults(handler=cmd_eval_run)

    compare = commands.add_parser(
        "compare",
        help="compare two reports: deltas, regressions, flipped cases",
        description="Set report B beside report A: each metric with its delta (B − A), regressions marked, "
        "and the cases whose outcome flipped.",
    )
    compare.add_argument("a", type=Path, metavar="A/report.json", help="the reference report (or its folder)")
    compare.add_argument("b", type=Path, metavar="B/report.json", help="the new report (or its folder)")
    compare.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    compare.add_argument("--changed-only", action="store_true", help="hide metrics that did not change")
    compare.add_argument("--fail-on-regression", action="store_true", help="exit 1 when any metric got worse")
    compare.set_defaults(handler=cmd_eval_compare)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_eval_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the datasets, write the reports, print a summary; exit 1 when a threshold fails."""
    from evaluation.report import summary_text, write_reports
    from evaluation.thresholds import load_thresholds

    problem = _invalid_run_options(args)
    if problem:
        return _error(problem)
    if args.answerer:
        settings = settings.model_copy(update={"answerer": args.answerer})
    # Read the thresholds first, so a broken file fails in a second rather than after the run.
    thresholds = load_thresholds(args.fail_under) if args.fail_under else None
    dataset = _read_cases(args)
    if isinstance(dataset, str):
        return _error(dataset)
    evaluation = _evaluate(args, settings, dataset)
    if thresholds is not None:
        evaluation.check(thresholds, str(args.fail_under))
    out = args.out or settings.data_dir / "eval" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = write_reports(evaluation, out)
    print(summary_text(evaluation.as_dict()))
    print(f"\n{len(dataset.cases)} cases; report: {paths['html']} (also report.md, report.json)")
    _warn_about_distorted_latencies(evaluation)
    return _threshold_exit_code(evaluation)


def _concurrency(args: argparse.Namespace) -> int:
    return args.concurrency or (4 if args.url else 1)


def _invalid_run_options(args: argparse.Namespace) -> str | None:
    """What is wrong with the options of `eval run`, or None."""
    if args.repeat < 1:
        return "--repeat must be at least 1"
    if args.k < 1:
        return "--k must be at least 1"
    if args.limit is not None and args.limit < 1:
        return "--limit must be at least 1"
    if args.concurrency is not None and not args.url:
        return "--concurrency applies to --url runs; the in-process pipeline runs one case at a time"
    if args.url and (args.answerer or args.simulated_llm is not None):
        return "--answerer and --simulated-llm configure this process; a --url server has its own settings"
    if args.simulated_llm is not None and not 0.0 <= args.simulated_llm <= 1.0:
        return "--simulated-llm takes a fault rate between 0 and 1"
    if _concurrency(args) < 1:
        return "--concurrency must be at least 1"
    return None


def _read_cases(args: argparse.Namespace) -> Dataset | str:
    """The datasets' usable cases (the first `--limit`), or why there are none."""
    from evaluation.dataset import load_datasets

    try:
        dataset = load_datasets(args.datasets)
    except FileNotFoundError as exc:
        return str(exc)
    for issue in dataset.issues:
        print(f"skipped {issue}", file=sys.stderr)
    if args.limit:
        dataset.cases = dataset.cases[: args.limit]
    if not dataset.cases:
        return "no usable cases in the datasets"
    return dataset


def _evaluate(args: argparse.Namespace, settings: Settings, dataset: Dataset) -> Evaluation:
    """Run the cases through the system under test `--repeat` times (and once through the baseline), scored."""
    from evaluation.harness import Harness

    progress = not args.no_progress
    concurrency = _concurrency(args)
    simulated = None
    if args.simulated_llm is not None:
        from evaluation.simulated_model import SimulatedChatModel

        simulated = SimulatedChatModel(fault_rate=args.simulated_llm, seed=args.simulated_seed)
    system, reference = _system_under_test(args, settings, concurrency, progress, simulated)
    try:
        baseline = _baseline(args, settings, progress)
        scorer = _scorer(args, settings, reference, simulated)
        run_settings = {
            "retrieval_depth": args.k,
            "support_floor": scorer.support_floor,
            "reference": reference.source,
            "concurrency": concurrency,
        }
        harness = Harness(scorer, repeat=args.repeat, concurrency=concurrency, progress=progress)
        return harness.run(dataset, system, baseline, run_settings)
    finally:
        close = getattr(system, "close", None)
        if close:
            close()


def _baseline(args: argparse.Namespace, settings: Settings, progress: bool) -> SystemUnderTest | None:
    if args.baseline != "plain-rag":
        return None
    from evaluation.baseline import PlainRagBaseline

    if args.url:  # the baseline reads the local index, which an HTTP run has not built
        _build_index(settings, progress)
    return PlainRagBaseline.from_settings(settings)


def _scorer(
    args: argparse.Namespace,
    settings: Settings,
    reference: ReferenceCorpus,
    simulated: SimulatedChatModel | None,
) -> Scorer:
    from evaluation.metrics import SUPPORT_FLOOR, Scorer
    from guardrails import OutputRail
    from index.embedder import SentenceTransformerEmbedder

    return Scorer(
        reference,
        SentenceTransformerEmbedder(),
        OutputRail(settings.allowed_domains),
        retrieval_depth=args.k,
        support_floor=SUPPORT_FLOOR,
        sentence_labels=simulated.labels if simulated is not None else None,
    )


def _warn_about_distorted_latencies(evaluation: Evaluation) -> None:
    """Cached and rate-limited answers time the cache or the wait, not the pipeline: say so."""
    cached = sum(
        1
        for c in evaluation.main.scorecard.cases
        if c.outcome.result and "cache_hit" in c.outcome.result.timings_ms
    )
    if cached:
        print(
            f"warning: {cached} answer(s) came from the server's answer cache; their latencies time the cache, "
            "not the pipeline.",
            file=sys.stderr,
        )
    throttled = evaluation.main.system.get("throttled_requests")
    if throttled:
        print(
            f"warning: the server rate-limited {throttled} request(s); their waits are in the latencies. "
            "Start it with a higher ASSISTANT_RATE_LIMIT_PER_MINUTE for evaluations.",
            file=sys.stderr,
        )


def _threshold_exit_code(evaluation: Evaluation) -> int:
    if evaluation.threshold_results is None:
        return 0
    failed = [r for r in evaluation.threshold_results if not r.passed]
    for result in failed:
        print(f"below threshold: {result.message}", file=sys.stderr)
    print(f"thresholds: {len(evaluation.threshold_results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _build_index(settings: Settings, progress: bool) -> None:
    from assistant.progress import progress_bar
    from assistant.runtime import build_index

    build_index(settings, progress=progress_bar("indexing") if progress else None)


def _system_under_test(
    args: argparse.Namespace, settings: Settings, concurrency: int, progress: bool, model: Any = None
) -> tuple[SystemUnderTest, ReferenceCorpus]:
    """The system to evaluate and the corpus its citations are checked against."""
    from evaluation.reference import ReferenceCorpus
    from evaluation.systems import HttpSystem, InProcessSystem

    if args.url:
        system = HttpSystem(args.url, timeout=args.timeout, api_key=args.api_key)
        system.wait_ready()
        served = system.articles()
        # Quotes are checked against what the server quotes from when it can say; else the local corpus.
        reference = (
            ReferenceCorpus.from_api(served, source=f"articles served by {args.url}")
            if served is not None
            else ReferenceCorpus.from_settings(settings)
        )
        return system, reference
    from assistant.runtime import load_pipeline

    _build_index(settings, progress)
    # Every case is computed: a cached answer would time nothing and hide run-to-run changes in --repeat.
    pipeline = load_pipeline(
        settings.model_copy(update={"answer_cache_size": 0, "embedding_cache_size": 0}), model=model
    )
    details = {
        "answerer": "llm" if pipeline.generator is not None else "extractive",
        "model": _model_name(settings, model) if pipeline.generator is not None else None,
        "abstain_threshold": settings.abstain_threshold,
        "answer_selection": settings.answer_selection,
        "answer_threshold": settings.answer_threshold,
        "answer_similarity_floor": settings.answer_similarity_floor,
        "max_answer_sentences": settings.max_answer_sentences,
        "guard_semantic": settings.guard_semantic,
        "guard_semantic_threshold": settings.guard_semantic_threshold,
        "guard_classifier": settings.guard_classifier,
        "guard_classifier_threshold": settings.guard_classifier_threshold,
    }
    return InProcessSystem(pipeline, details=details), ReferenceCorpus.from_settings(settings)


def _model_name(settings: Settings, model: Any) -> str:
    if model is not None:
        return f"simulated (fault rate {model.fault_rate}, seed {model.seed})"
    if settings.llm_provider == "llamacpp":
        return f"llamacpp:{settings.llm_gguf_path.name if settings.llm_gguf_path else '?'}"
    return f"openai-compatible:{settings.llm_model}"


def cmd_eval_compare(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from evaluation.compare import compare_reports, load_report, render_markdown, render_text

    comparison = compare_reports(load_report(args.a), load_report(args.b))
    if args.format == "json":
        print(json.dumps(comparison.as_dict(), indent=2))
    elif args.format == "markdown":
        print(render_markdown(comparison, changed_only=args.changed_only))
    else:
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        print(render_text(comparison, colour=colour, changed_only=args.changed_only))
    return 1 if args.fail_on_regression and comparison.regressions else 0
