"""A SmolLM2 LoRA executor in the CAEF format: one training run's curve, its answers at 5 and 10
digits, how its misses ended, and the CPU time it cost (issue 9's SmolLM2 target: >= 90% of
5-digit additions, n=50).

Trains nothing. It reads a run of `lmarith train executor --model smollm2 --format caef`
(``RUN/eval.csv``: exact held-out transitions by step; ``RUN/loss.csv``: wall seconds, summed
over resumed segments) and measures the run's adapter (``RUN/final``, or ``--adapters``) on
test-split problems with the CAEF machines and symbolic aligners (``lmarith eval --part
executor``): final and strict accuracy, and each problem's outcome (exact, recovered, wrong
answer, bad output, step cap), with where each missed problem first left the machine (``ADD
line 2``: the command line, where the digit sum is written; line 1 is the copied tape).
Writes bench/results/smol_caef_<op>.json and the page docs/results/smol_caef_<op>.md with its
plot; each cell is kept in a partial file as it ends, and a rerun on the same adapter goes on
from there.

    python bench/smol_caef.py --run RUN [--op add] [--digits 5,10] [--n 50]
"""

from __future__ import annotations

import argparse
import csv
import platform
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from lmarith.evaluation.executor_eval import evaluate, grid  # noqa: E402
from lmarith.evaluation.report import PAGES, Parts, command_line, run_key, shown_path, write_report  # noqa: E402
from lmarith.executors import OUTCOMES  # noqa: E402
from lmarith.executors.lm_policy import LMPolicy, load_policy  # noqa: E402
from lmarith.models.shipped import check_manifest  # noqa: E402

RESULTS = Path(__file__).parent / "results"
COLOURS = {
    "exact": "tab:green",
    "recovered": "yellowgreen",
    "wrong answer": "tab:orange",
    "bad output": "tab:red",
    "step cap": "tab:purple",
    "no adapter": "tab:gray",
}


def curve(run: Path) -> list[dict]:
    """Exact held-out transitions by step (``eval.csv``'s test_exact rows)."""
    with (run / "eval.csv").open() as handle:
        return [
            {"step": int(r["step"]), "exact_transitions": float(r["value"])}
            for r in csv.DictReader(handle)
            if r["metric"] == "test_exact"
        ]


def wall_minutes(run: Path) -> tuple[int, float]:
    """(last step, minutes of training): ``loss.csv`` counts seconds from each process start, so a
    resumed run's segments are added up."""
    steps, total, last = 0, 0.0, 0.0
    with (run / "loss.csv").open() as handle:
        for r in csv.DictReader(handle):
            seconds = float(r["seconds"])
            if seconds < last:  # a resume began a new process
                total += last
            steps, last = int(r["step"]), seconds
    return steps, (total + last) / 60


def cell(policy: LMPolicy, op: str, digits: int, n: int) -> dict:
    [row] = evaluate(policy, grid([op], [digits], n, 0, False), fmt="caef", long=False)
    return row


def plot(points: list[dict], rows: list[dict], path: Path, title: str) -> None:
    """Left: exact held-out transitions while training; right: how the test problems ended."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot([p["step"] for p in points], [p["exact_transitions"] for p in points], marker="o")
    left.set(
        xlabel="training step",
        ylabel="exact held-out transitions",
        ylim=(-0.02, 1.02),
        title="training (200 held-out transitions a point)",
    )
    left.grid(alpha=0.3)
    labels = [f"{r['digits']} digits (n={r['n']})" for r in rows]
    bottom = [0.0] * len(rows)
    for kind in OUTCOMES:
        share = [r["outcomes"].get(kind, 0) / r["n"] for r in rows]
        if any(share):
            right.bar(labels, share, bottom=bottom, label=kind, color=COLOURS[kind])
            bottom = [b + s for b, s in zip(bottom, share)]
    right.set(ylabel="share of test problems", ylim=(0, 1.02), title="how the test problems ended")
    right.legend(fontsize="small")
    fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", type=Path, required=True, help="the training run's directory")
    parser.add_argument("--adapters", type=Path, help="the adapter to measure (default: RUN/final)")
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--op", default="add")
    parser.add_argument("--digits", default="5,10", help="comma list of operand lengths")
    parser.add_argument("--n", type=int, default=50, help="test problems per length")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    adapters = args.adapters or args.run / "final"
    manifest = check_manifest(adapters, args.model, "executors")
    digits = [int(d) for d in args.digits.split(",")]
    stem = RESULTS / f"smol_caef_{args.op}"
    parts = Parts(
        stem.with_suffix(".partial.json"), run_key([args.model, args.op, args.n], adapters.rglob("*.safetensors"))
    )
    policy = load_policy(args.model, adapters, batch_size=args.batch_size, fmt="caef")
    rows = [parts.get(f"{args.op} {d}", lambda d=d: cell(policy, args.op, d, args.n)) for d in digits]
    points = curve(args.run)
    steps, minutes = wall_minutes(args.run)
    machine = f"{platform.machine()}, {torch.get_num_threads()} torch threads, device {policy.device}"
    training = {
        "steps": steps,
        "wall_minutes": round(minutes, 1),
        "machine": platform.machine(),
        "command": manifest.command if manifest else None,
    }
    shown = shown_path(adapters)
    payload = {
        "model": args.model,
        "adapters": str(shown),
        "training": training,
        "curve": points,
        "rows": rows,
        "machine": machine,
    }
    table = [
        {k: r[k] for k in ("op", "digits", "n", "final_accuracy", "strict_accuracy", "seconds_per_problem")}
        | {
            "outcomes": ", ".join(f"{n} {kind}" for kind, n in r["outcomes"].items()),
            "where the misses began": ", ".join(f"{n} at {site}" for site, n in r["deviations"].items()),
            "first of them": f"`{r['first_deviation']}`" if r["first_deviation"] else "",
        }
        for r in rows
    ]
    notes = (
        f"Adapter `{shown}`, trained by `{training['command']}`: {steps} steps, "
        f"{minutes:.0f} minutes of wall time on this machine's CPU cores ({machine}).\n\n" + __doc__.split("\n\n")[1]
    )
    write_report(
        stem,
        payload,
        f"CAEF-format {args.op.upper()} executor on {args.model}",
        {"test problems (CAEF machines, symbolic aligners)": table, "training curve": points},
        notes=notes,
        md_dir=PAGES,
        command=command_line(),
        plot=f"{stem.name}.png",
    )
    plot(points, rows, PAGES / f"{stem.name}.png", f"{args.model} LoRA, CAEF {args.op.upper()}")
    parts.done()


if __name__ == "__main__":
    main()
