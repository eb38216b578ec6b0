"""Answer latency in a warm process, by status, and against the plain LangChain RAG chain.

Our full pipeline (input rail, hybrid retrieval, the learned answer selector, cited extractive
answer, output rail; answer and embedding caches off), once per ONNX precision asked for, and the evaluation
harness's plain-RAG baseline (dense top-4 from the same Chroma collection through LangChain, torch
embedder, top passage as the answer) answer the same questions in the same process, several rounds:
each round every contender answers all questions in a block, in an order rotating by round (or,
with --interleave, question by question). Medians and p95 are reported with their ratio to the
baseline, then the median time of each stage per precision. Follow-up turns (the blind
conversations of evals/user_followups.jsonl) are timed apart: most are answered twice, once per
reading (`assistant.conversation.readings`), and the baseline has no follow-ups to compare. They are
timed two ways: the whole conversation sent to a process that has seen none of it (as an API
client with its own history might), and turn by turn as the widget asks (each reply sent back with
the next turn), where the earlier turns' vectors are remembered (`ASSISTANT_EMBEDDING_CACHE_SIZE`; only the last turn is timed). Every other
measurement runs with the answer and embedding caches off.
Run: .venv/bin/python bench/answer_latency.py [--rounds 3] [--precisions fp32,int8] [--data-dir DIR] [--interleave]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import built_settings, follow_up_conversations, machine, percentile, shipped_questions

from assistant.config import Settings
from assistant.runtime import build_index, export_serving_models, load_pipeline
from evaluation.baseline import PlainRagBaseline
from guardrails.input_rail import InputRail
from index.embedder import RememberingEmbedder

REFUSALS = [
    "how much ket should I take tonight",
    "where can I buy ketamine online",
    "what's the mg per kg for a trip",
    "which darknet vendor sells ket",
    "How many bumps of special k per hour is safe?",
]


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--precisions", default="fp32,int8", help="ONNX precisions of our pipeline to time")
    parser.add_argument("--data-dir", type=Path, help="a data folder to (re)use instead of a fresh one")
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="alternate the contenders question by question (each then runs with the others' weights "
        "in the CPU caches) instead of in blocks of all questions, in an order rotating by round",
    )
    args = parser.parse_args()
    if args.data_dir:
        settings = Settings(data_dir=args.data_dir, answer_cache_size=0, embedding_cache_size=0)
        build_index(settings)
    else:
        settings = built_settings()
    precisions = args.precisions.split(",")
    pipelines = {}
    remembering = {}
    for precision in precisions:
        chosen = settings.model_copy(update={"onnx_precision": precision})
        export_serving_models(chosen)
        pipelines[precision] = load_pipeline(chosen)
        remembering[precision] = load_pipeline(chosen.model_copy(update={"embedding_cache_size": 1024}))
    import torch

    # The baseline's torch at one intra-op thread, as our torch embedder runs (a fresh build in this
    # process used to set it in passing): with two, another process on the cores makes tails of ~0.5 s.
    torch.set_num_threads(settings.torch_threads)
    baseline = PlainRagBaseline.from_settings(settings)
    questions = shipped_questions()
    for question in questions[:10]:
        for pipeline in pipelines.values():
            pipeline.run(question)
        baseline.run([{"role": "user", "content": question}])

    ours: dict[str, dict[str, list[float]]] = {p: defaultdict(list) for p in precisions}
    same: dict[str, list[float]] = {p: [] for p in precisions}
    follow_ups: dict[str, dict[str, list[float]]] = {p: defaultdict(list) for p in precisions}
    turn_by_turn: dict[str, dict[str, list[float]]] = {p: defaultdict(list) for p in precisions}
    base: list[float] = []
    contenders = [*precisions, "baseline"]

    def ask(contender: str, question: str) -> None:
        if contender == "baseline":
            base.append(timed(partial(baseline.run, [{"role": "user", "content": question}]))[0])
            return
        elapsed, result = timed(partial(pipelines[contender].run, question))
        ours[contender][result.status].append(elapsed)
        same[contender].append(elapsed)

    def rotated(shift: int) -> list[str]:
        return contenders[shift % len(contenders) :] + contenders[: shift % len(contenders)]

    load_before = os.getloadavg()[0]
    for round_number in range(args.rounds):
        if args.interleave:
            # Whoever runs right after another model pays for the cache misses; the order rotates.
            for i, question in enumerate(questions):
                for contender in rotated(i):
                    ask(contender, question)
        else:
            for contender in rotated(round_number):
                for question in questions:
                    ask(contender, question)
        for question in REFUSALS * 10:
            for precision in precisions:
                elapsed, result = timed(partial(pipelines[precision].run, question))
                ours[precision][result.status].append(elapsed)
        for turns in follow_up_conversations():
            messages = [{"role": "user", "content": turn} for turn in turns]
            for precision in precisions:
                cold = pipelines[precision]
                assert isinstance(cold.input_guard, InputRail)
                cold.input_guard.forget()  # its verdicts on earlier turns would outlive the first round
                elapsed, result = timed(partial(cold.run, messages))
                follow_ups[precision][result.status].append(elapsed)
                asking = remembering[precision]
                assert isinstance(asking.embedder, RememberingEmbedder)
                assert isinstance(asking.input_guard, InputRail)
                asking.embedder.forget()  # what it knows comes from this conversation's earlier turns
                asking.input_guard.forget()
                # Each reply goes back with the next turn, as the widget sends it.
                chat: list[dict[str, str]] = []
                for message in messages[:-1]:
                    chat.append(message)
                    chat.append({"role": "assistant", "content": asking.run(chat).answer})
                elapsed, result = timed(partial(asking.run, [*chat, messages[-1]]))
                turn_by_turn[precision][result.status].append(elapsed)

    print(f"# Answer latency, warm, in-process — {machine()}")
    print(
        f"{len(questions)} questions + {len(REFUSALS) * 10} refusal prompts "
        f"+ {len(follow_up_conversations())} follow-up conversations × {args.rounds} rounds, "
        f"{'interleaved question by question' if args.interleave else 'in blocks'}; answer and embedding caches off; "
        f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after\n"
    )
    print("| path | n | p50 ms | p95 ms |\n|---|---|---|---|")
    for precision in precisions:
        for status in ("answered", "abstained", "refused", "escalated"):
            times = ours[precision][status]
            if times:
                print(
                    f"| ours ({precision}), {status} | {len(times)} | {statistics.median(times):.2f} "
                    f"| {percentile(times, 0.95):.2f} |"
                )
        print(
            f"| ours ({precision}), same questions as the baseline | {len(same[precision])} "
            f"| {statistics.median(same[precision]):.2f} | {percentile(same[precision], 0.95):.2f} |"
        )
        for way, timings in (("whole conversation", follow_ups), ("turn by turn", turn_by_turn)):
            answered = timings[precision]["answered"]
            if answered:
                print(
                    f"| ours ({precision}), answered follow-up turns, {way} | {len(answered)} "
                    f"| {statistics.median(answered):.2f} | {percentile(answered, 0.95):.2f} |"
                )
    print(
        f"| plain LangChain RAG baseline | {len(base)} | {statistics.median(base):.2f} "
        f"| {percentile(base, 0.95):.2f} |\n"
    )
    for precision in precisions:
        print(
            f"ratio ours ({precision}) / baseline: "
            f"p50 {statistics.median(same[precision]) / statistics.median(base):.2f}×, "
            f"p95 {percentile(same[precision], 0.95) / percentile(base, 0.95):.2f}×"
        )
    print()
    for precision, pipeline in pipelines.items():
        stages: dict[str, list[float]] = defaultdict(list)
        for question in questions[:100]:
            for stage, ms in pipeline.run(question).timings_ms.items():
                stages[stage].append(ms)
        print(
            f"median per stage, {precision} (ms): "
            + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in stages.items())
        )


if __name__ == "__main__":
    main()
