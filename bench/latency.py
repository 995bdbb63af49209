"""Latency benchmark: wall time of whole commands as a user runs them, model load included.

Each command runs as a fresh process (the `lmarith` console script) ``--repeats`` times; the
median is reported against the target. `solve` runs three times per problem in the same run:
as shipped (``auto``: the numpy runtime, no torch import), with ``--runtime lean`` (the torch
forward and the shared KV-cached decoder) and with ``--runtime transformers`` (the decode loop
before the lean runtimes existed), so the speed-ups are ratios measured side by side. Tokens
per transition come from `solve --json` (generated tokens / LM calls). For SmolLM2 the generated
tokens per window command are counted with its tokenizer; its seconds per problem are in
docs/results/real_model.md (batched) and, with the shipped adapters, as one `solve` here.

Writes bench/results/latency.json and the page docs/results/latency.md with its plot (``--quick``:
bench/results/latency_quick.*, not committed).

    python bench/latency.py [--repeats 5] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
ADD100 = "3" * 50 + "1234567890" * 5 + "+" + "9876543210" * 10
SUB100 = "9876543210" * 10 + "-" + "1234567890" * 10
MUL20 = "12345678901234567890*98765432109876543210"
DIV20 = "98765432109876543210//12345678901234567891"

#: (name, arguments, target seconds); `solve` rows run on every runtime of RUNTIMES
CASES: list[tuple[str, list[str], float]] = [
    ("--help", ["--help"], 0.5),
    ("trace 2+2", ["trace", "2+2"], 0.5),
    ("solve 123456789*987654321", ["solve", "123456789*987654321"], 3.0),
    ("solve 100-digit +", ["solve", ADD100], 2.0),
    ("solve 100-digit -", ["solve", SUB100], 2.0),
    ("solve 20 x 20-digit *", ["solve", MUL20], 5.0),
    ("solve 20 // 20-digit", ["solve", DIV20], 5.0),
]
#: as shipped first: the ratios are against it
RUNTIMES = ("auto", "lean", "transformers")
ADD10 = "4817290365+9023847561"


def command() -> list[str]:
    """The console script, as a user would call it."""
    found = shutil.which("lmarith") or str(Path(sys.executable).with_name("lmarith"))
    return [found]


def wall(args: list[str], repeats: int) -> tuple[list[float], str]:
    """Wall seconds of ``repeats`` fresh runs, and the last run's stdout."""
    times, out = [], ""
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run([*command(), *args], capture_output=True, text=True, env=os.environ.copy())
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"`lmarith {' '.join(args)[:60]}` failed: {done.stderr.strip()[-300:]}")
        out = done.stdout
    return times, out


def tokens_per_transition(args: list[str]) -> float:
    done = subprocess.run([*command(), *args, "--json"], capture_output=True, text=True, check=True)
    record = json.loads(done.stdout)
    return record["tokens"] / record["calls"]


def smollm2_row(repeats: int) -> dict | None:
    """SmolLM2: generated tokens per window command (+ EOS) with its tokenizer, and one 10-digit
    addition through `solve --model smollm2` with the shipped adapters, if they are installed."""
    try:
        from transformers import AutoTokenizer

        from lmarith.executors.recipes import DefaultRecipe, default_table
        from lmarith.models.shipped import shipped_dir
        from lmarith.models.smollm2 import smollm2_dir

        tokenizer = AutoTokenizer.from_pretrained(smollm2_dir())
    except Exception as err:  # noqa: BLE001 - report, don't fail, when SmolLM2 is absent
        return {"error": str(err).splitlines()[0][:120]}
    commands = list(default_table(DefaultRecipe()).values())
    counts = [len(tokenizer(c, add_special_tokens=False)["input_ids"]) + 1 for c in commands]
    row: dict = {"model": "smollm2", "transitions": len(counts), "tokens_per_command": statistics.fmean(counts)}
    if shipped_dir("executors", "smollm2") is None:
        return {**row, "note": "no shipped SmolLM2 executors: no seconds per problem"}
    argv = ["solve", ADD10, "--model", "smollm2"]
    times, out = wall(argv, repeats)
    return {
        **row,
        "problem": ADD10,
        "answer_correct": out.splitlines()[-1] == str(sum(int(part) for part in ADD10.split("+"))),
        "solve_median_s": statistics.median(times),
        "tokens_per_transition": tokens_per_transition(argv),
    }


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["command"] for r in rows))
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(RUNTIMES)
    for k, runtime in enumerate(RUNTIMES):
        offset = (k - (len(RUNTIMES) - 1) / 2) * width
        xs = [i + offset for i, n in enumerate(names) for r in rows if r["command"] == n and r["runtime"] == runtime]
        ys = [r["median_s"] for n in names for r in rows if r["command"] == n and r["runtime"] == runtime]
        ax.bar(xs, ys, width=width, label=runtime)
    targets = [next(r["target_s"] for r in rows if r["command"] == n) for n in names]
    ax.scatter(range(len(names)), targets, marker="_", s=600, color="black", label="target", zorder=3)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("wall seconds (median)")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("lmarith latency, model load included")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="first three commands, 2 repeats")
    args = parser.parse_args()
    cases = CASES[:3] if args.quick else CASES
    repeats = 2 if args.quick else args.repeats
    rows = []
    for name, argv, target in cases:
        runtimes = RUNTIMES if argv[0] == "solve" else ("auto",)
        for runtime in runtimes:
            full = argv + (["--runtime", runtime] if runtime != "auto" else [])
            times, out = wall(full, repeats)
            row = {
                "command": name,
                "runtime": runtime,
                "median_s": statistics.median(times),
                "target_s": target,
                "meets_target": statistics.median(times) <= target,
                "runs_s": [round(t, 3) for t in times],
            }
            if argv[0] == "solve":
                row["answer_digits"] = len(out.splitlines()[-1])
                row["tokens_per_transition"] = tokens_per_transition(full)
            rows.append(row)
            print(row, flush=True)
    for row in rows:
        if row["runtime"] == "auto" and row["command"].startswith("solve"):
            for slow in (r for r in rows if r["command"] == row["command"] and r["runtime"] != "auto"):
                row[f"speedup_vs_{slow['runtime']}"] = slow["median_s"] / row["median_s"]
    smollm2 = None if args.quick else smollm2_row(repeats)
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )
    from lmarith.evaluation.report import PAGES, command_line, write_report

    stem, pages = (RESULTS / "latency_quick", RESULTS) if args.quick else (RESULTS / "latency", PAGES)
    write_report(
        stem,
        {"machine": machine, "repeats": repeats, "rows": rows, "smollm2": smollm2},
        "Latency of whole commands",
        {"commands": rows, "SmolLM2 window commands": [smollm2] if smollm2 else []},
        notes=f"{machine}; {repeats} runs each, median.\n\n" + __doc__.split("\n\n")[1],
        md_dir=pages,
        command=command_line(),
        plot=f"{stem.name}.png",
    )
    plot(rows, pages / f"{stem.name}.png")


if __name__ == "__main__":
    main()
