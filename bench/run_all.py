"""Run every benchmark and write bench/results/summary.md with a chart of latency against corpus size.

Each benchmark is its own script (run any of them alone); this runner gives them parameters that
keep the whole run near ten minutes on the 2-core machine once the synthetic scale stores exist
(the first run builds them, about four more minutes).
Run: make bench   (or .venv/bin/python bench/run_all.py)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
RUNS = [
    ("Answer latency", ["answer_latency.py", "--rounds", "2"]),
    ("Guard latency", ["guard_latency.py", "--runs", "3"]),
    ("Guard accuracy", ["guard_accuracy.py", "--thresholds", "0.6,0.7,0.8"]),
    ("Verification of generated answers", ["verification.py", "--rounds", "2"]),
    ("Index build", ["index_build.py", "--runs", "2"]),
    ("Cold start", ["cold_start.py", "--runs", "3"]),
    ("Load over HTTP", ["load.py", "--seconds", "15"]),
    ("Scale", ["scale.py", "--sizes", "10000", "50000", "200000", "--queries", "100"]),
    ("Abstention threshold", ["calibrate_abstention.py"]),
    ("Verification thresholds", ["calibrate_verification.py"]),
]


def chart(scale_json: Path, target: Path) -> bool:
    if not scale_json.exists():
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = json.loads(scale_json.read_text())
    sizes = [r["passages"] for r in rows]
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=120)
    for key, label in (
        ("answer_p50_ms", "answer p50"),
        ("answer_p95_ms", "answer p95"),
        ("retrieval_p50_ms", "retrieval p50"),
        ("retrieval_p95_ms", "retrieval p95"),
    ):
        ax.plot(sizes, [r[key] for r in rows], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("passages in the index")
    ax.set_ylabel("milliseconds")
    ax.set_title("Query latency against corpus size")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(target)
    return True


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    started = time.perf_counter()
    sections = ["# Benchmarks\n"]
    for title, command in RUNS:
        print(f"== {title}", file=sys.stderr, flush=True)
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(HERE / command[0]), *command[1:]], capture_output=True, text=True
        )
        output = done.stdout.strip() or done.stderr.strip()[-2000:]
        sections.append(
            f"## {title}\n\n_{time.perf_counter() - began:.0f} s, `{' '.join(command)}`, exit {done.returncode}_\n\n"
            + "\n".join(line for line in output.splitlines() if not line.startswith("# "))
            + "\n"
        )
    if chart(RESULTS / "scale.json", RESULTS / "latency_vs_size.png"):
        sections.append("![Query latency against corpus size](latency_vs_size.png)\n")
    sections.append(f"_Total {time.perf_counter() - started:.0f} s._\n")
    (RESULTS / "summary.md").write_text("\n".join(sections))
    print((RESULTS / "summary.md").read_text())


if __name__ == "__main__":
    main()
