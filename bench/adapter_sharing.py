"""One LoRA adapter per operator (CAEF's design) or one shared adapter for every machine: which
costs less to make SmolLM2 exact on the window table?

Reads the trainers' eval logs (``eval.csv`` of ``lmarith train executor --model smollm2 --op OP
--table --lora-rank 8 --batch-size 16 --lr 1e-3 --max-steps 3000``, copied to
``bench/results/smol_<op>_table_training.csv``; ``all`` is the shipped shared adapter) and reports,
for each run, the training examples (steps x batch) until greedy decoding was first exact on its
whole table, and the passes over the table that took. The per-operator total for all seven
operators is estimated from the measured per-operator runs: their mean passes times the sum of the
seven per-operator tables (a machine that several operators run, such as ADD inside MUL, is in
each of their tables). The shared run was evaluated every 200 steps, the per-operator runs every
25 (their first exact step is known more finely, which favours them).
Writes bench/results/adapter_sharing.json and the page docs/results/adapter_sharing.md (plot beside it).

    python bench/adapter_sharing.py
"""

from __future__ import annotations

import argparse
import csv
import statistics
from pathlib import Path

from lmarith.evaluation.report import PAGES, command_line, write_report
from lmarith.executors.recipes import ExecutorRecipe, table_pairs

RESULTS = Path(__file__).parent / "results"
BATCH_SIZE = 16  # every run above: --batch-size 16
OPS = ("add", "sub", "mul", "div", "eq", "gt", "lt")


def curve(op: str) -> list[tuple[int, float]]:
    """(step, table_exact) of one run's eval log."""
    with (RESULTS / f"smol_{op}_table_training.csv").open() as handle:
        return [(int(r["step"]), float(r["value"])) for r in csv.DictReader(handle) if r["metric"] == "table_exact"]


def run_row(op: str, batch_size: int) -> dict:
    """Cost to the first fully exact eval of one run."""
    entries = len(table_pairs(ExecutorRecipe(op=op, table=True)))
    points = curve(op)
    step = next((s for s, exact in points if exact == 1.0), None)
    examples = None if step is None else step * batch_size
    return {
        "adapter": op.upper(),
        "entries": entries,
        "steps_to_exact": step,
        "examples_to_exact": examples,
        "passes_to_exact": None if examples is None else examples / entries,
    }


def plot(runs: dict[str, list[tuple[int, float]]], entries: dict[str, int], batch_size: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_examples, ax_passes) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for op, points in runs.items():
        steps = [s for s, _ in points]
        exact = [e for _, e in points]
        ax_examples.plot([s * batch_size for s in steps], exact, marker=".", label=op.upper())
        ax_passes.plot([s * batch_size / entries[op] for s in steps], exact, marker=".", label=op.upper())
    ax_examples.set_xlabel("training examples")
    ax_passes.set_xlabel("passes over the adapter's table")
    ax_examples.set_ylabel("table entries exact (greedy)")
    for ax in (ax_examples, ax_passes):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("SmolLM2 LoRA (rank 8) on the window table: shared ALL vs one adapter per operator")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # no options; --help
    measured = [op for op in ("all", *OPS) if (RESULTS / f"smol_{op}_table_training.csv").exists()]
    rows = [run_row(op, BATCH_SIZE) for op in measured]
    per_op = [r for r in rows if r["adapter"] != "ALL" and r["passes_to_exact"] is not None]
    seven = sum(len(table_pairs(ExecutorRecipe(op=op, table=True))) for op in OPS)
    shared = next(r for r in rows if r["adapter"] == "ALL")
    estimate = None
    if per_op:
        passes = statistics.fmean(r["passes_to_exact"] for r in per_op)
        estimate = {
            "adapter": "7 per-operator (estimate)",
            "entries": seven,
            "examples_to_exact": round(passes * seven),
            "passes_to_exact": passes,
            "vs_shared": passes * seven / shared["examples_to_exact"],
        }
    summary = [*rows, *([estimate] if estimate else [])]
    for row in rows:
        row["vs_shared"] = (
            None if row["examples_to_exact"] is None else row["examples_to_exact"] / shared["examples_to_exact"]
        )
    write_report(
        RESULTS / "adapter_sharing",
        {"batch_size": BATCH_SIZE, "runs": rows, "per_operator_estimate": estimate},
        "Shared adapter vs one adapter per operator (SmolLM2, window table)",
        {"cost to exactness": summary},
        notes=__doc__.split("\n\n")[1],
        md_dir=PAGES,
        command=command_line(),
        plot="adapter_sharing.png",
    )
    runs = {op: curve(op) for op in measured}
    plot(runs, {r["adapter"].lower(): r["entries"] for r in rows}, BATCH_SIZE, PAGES / "adapter_sharing.png")
    for row in summary:
        print(row)


if __name__ == "__main__":
    main()
