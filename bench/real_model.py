"""LoRA executors on a real pretrained LM (SmolLM2-135M-Instruct), beside the base model
answering directly (3-shot ``a+b=``, greedy).

The targets of "Exact on a real pretrained LM" (window format, schoolbook machines for - * //,
test split, greedy, CPU):

1. the whole window table (every transition of every machine): how many entries greedy
   decoding reproduces exactly;
2. + - == > < at 100 digits (n each), * // at 10 x 10 digits (n_long each), 5 additions of
   1,000 digits: final and strict accuracy, seconds per problem, generated tokens per transition;
3. the base model, 3-shot, on problems of the same cells (``--base-n`` each; its prompts grow
   with the operands, so fewer; none at 1,000 digits, where 3 shots overflow its context).

Trains nothing: it measures the adapters that ship (``assets/executors/<model>``) or
``--adapters DIR``. Writes bench/results/real_model.json and the page docs/results/real_model.md
with its plot (``--quick``: bench/results/real_model_quick.*, not committed). The whole run takes
hours on 2 cores, so each part (the table, each cell, the base model) is kept in
``real_model.partial.json`` as it ends; a rerun with the same adapters and sizes goes on
from there, and the partial file is removed once the report is written.

With ``--compare DIR`` (e.g. the adapters shipped before the command tokens) a second set is
measured in the same run (``--compare-n`` problems a cell), and ours again on the same problems
in batches of the same size: seconds and tokens per transition of both, and the ratio.

    python bench/real_model.py [--model smollm2] [--adapters DIR] [--compare DIR] [--n 100] [--n-long 50] [--quick]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch

from lmarith.baselines.direct import few_shot_accuracy
from lmarith.evaluation.executor_eval import evaluate, grid, plot
from lmarith.evaluation.report import PAGES, Parts, command_line, run_key, shown_path, write_report
from lmarith.executors import Request
from lmarith.executors.lm_policy import LMPolicy, load_policy
from lmarith.executors.recipes import ExecutorRecipe, table_pairs
from lmarith.models import find_adapters, load_model
from lmarith.models.shipped import check_manifest, shipped_dir

RESULTS = Path(__file__).parent / "results"


def table_row(policy: LMPolicy) -> dict:
    """Exact entries of the whole window table, each routed to its adapter like a driver step."""
    pairs = table_pairs(ExecutorRecipe(op="all", table=True))
    requests = [Request(view.split()[0], view) for view, _ in pairs]
    groups: dict[str | None, list[int]] = {}
    for index, request in enumerate(requests):
        groups.setdefault(policy.adapter_for(request), []).append(index)
    exact = 0
    started = time.perf_counter()
    for adapter, members in groups.items():
        completions = policy.complete(adapter, [requests[i] for i in members], 40)
        exact += sum(c.text == pairs[i][1] for i, c in zip(members, completions, strict=True))
    return {
        "entries": len(pairs),
        "exact": exact,
        "exact_rate": exact / len(pairs),
        "seconds": time.perf_counter() - started,
    }


def executor_row(policy: LMPolicy, op: str, digits: int, count: int) -> dict:
    """One cell of the grid (test split, schoolbook machines), per transition: generated tokens
    and seconds (each LM call writes one transition)."""
    [row] = evaluate(policy, grid([op], [digits], count, 0, True), fmt="window", long=True)
    row["tokens_per_transition"] = row["tokens_per_problem"] / row["calls_per_problem"]
    row["seconds_per_transition"] = row["seconds_per_problem"] / row["calls_per_problem"]
    return row


def speedups(rows: list[dict], before: list[dict]) -> list[dict]:
    """Per cell: seconds and tokens per transition of the adapters measured beside, over ours."""
    old = {(r["op"], r["digits"]): r for r in before}
    return [
        {
            "op": r["op"],
            "digits": r["digits"],
            "seconds_per_transition": r["seconds_per_transition"],
            "compared_seconds_per_transition": old[key]["seconds_per_transition"],
            "seconds_ratio": old[key]["seconds_per_transition"] / r["seconds_per_transition"],
            "tokens_per_transition": r["tokens_per_transition"],
            "compared_tokens_per_transition": old[key]["tokens_per_transition"],
        }
        for r in rows
        if (key := (r["op"], r["digits"])) in old
    ]


def cells(n: int, n_long: int, quick: bool) -> list[tuple[str, int, int]]:
    """(operator, digits, problems) of the targets."""
    if quick:
        return [("add", 10, 5), ("sub", 10, 5), ("mul", 3, 3)]
    return [
        *((op, 100, n) for op in ("add", "sub", "eq", "gt", "lt")),
        ("mul", 10, n_long),
        ("div", 10, n_long),
        ("add", 1000, 5),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--adapters", type=Path, help="a directory of peft adapters (default: the shipped ones)")
    parser.add_argument("--n", type=int, default=100, help="problems per + - == > < cell")
    parser.add_argument("--n-long", type=int, default=50, help="problems per * // cell")
    parser.add_argument("--base-n", type=int, default=20, help="problems per cell for the 3-shot base model")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--compare",
        type=Path,
        help="other adapters (e.g. the previous shipped set) measured in the same run, for speed ratios",
    )
    parser.add_argument("--compare-n", type=int, default=10, help="problems per cell for --compare")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    adapters = args.adapters or shipped_dir("executors", args.model)
    if adapters is None:
        raise SystemExit(f"no executors ship for {args.model}; pass --adapters DIR")
    manifest = check_manifest(adapters, args.model, "executors")
    stem = RESULTS / ("real_model_quick" if args.quick else "real_model")
    pages = RESULTS if args.quick else PAGES  # a smoke run's page stays beside its JSON (not committed)
    settings = [args.model, args.n, args.n_long, args.base_n, args.quick, args.compare_n]
    weights = [*adapters.rglob("*.safetensors"), *(args.compare.rglob("*.safetensors") if args.compare else [])]
    parts = Parts(stem.with_suffix(".partial.json"), run_key(settings, weights))
    base, tokenizer = load_model(args.model)
    grid_cells = cells(args.n, args.n_long, args.quick)
    direct = [
        parts.get(
            f"base {op} {d}",
            lambda op=op, d=d, k=min(args.base_n, count): {  # noqa: B008 (binds the loop values)
                "op": op,
                "digits": d,
                "n": k,
                "base_3shot_accuracy": few_shot_accuracy(base, tokenizer, op, d, k),
            },
        )
        for op, d, count in grid_cells
        if d <= 100
    ]
    names = list(find_adapters(adapters))
    policy = load_policy(args.model, adapters, batch_size=args.batch_size)
    table = parts.get("table", lambda: table_row(policy))
    compared: list[dict] = []
    beside: list[dict] = []  # ours again on the compared problems: the same batches, a fair ratio
    if args.compare is not None:  # a model of its own: both adapter sets name theirs ALL
        other = load_policy(args.model, args.compare, batch_size=args.batch_size)
        for op, d, count in grid_cells:  # each pair measured one after the other
            k = min(count, args.compare_n)
            beside.append(parts.get(f"beside {op} {d}", lambda op=op, d=d, k=k: executor_row(policy, op, d, k)))
            compared.append(parts.get(f"compare {op} {d}", lambda op=op, d=d, k=k: executor_row(other, op, d, k)))
    rows = [
        parts.get(f"{op} {d}", lambda op=op, d=d, count=count: executor_row(policy, op, d, count))
        for op, d, count in grid_cells
    ]
    shown = shown_path(adapters)
    machine = f"{platform.machine()}, {torch.get_num_threads()} torch threads, device {policy.device}"
    payload = {
        "model": args.model,
        "adapters": str(shown),
        "adapter_names": names,
        "manifest": manifest.model_dump() if manifest else None,
        "machine": machine,
        "table": table,
        "executor": rows,
        "base": direct,
        "compared_adapters": str(shown_path(args.compare)) if args.compare else None,
        "compared": compared,
        "beside": beside,
        "speed": speedups(beside, compared),
    }
    write_report(
        stem,
        payload,
        f"Window-format executors on {args.model}",
        {
            "whole window table, greedy": [table],
            f"executors (adapters {', '.join(names)})": rows,
            "base model, 3-shot direct answer": direct,
            **({f"the adapters measured beside ({shown_path(args.compare)})": compared} if compared else {}),
            **({"ours on the same problems (--compare-n a cell)": beside} if compared else {}),
            **({"per transition, ours against those beside": speedups(beside, compared)} if compared else {}),
        },
        notes=f"Adapters `{shown}`; {machine}.\n\n" + __doc__.split("\n\n")[1],
        md_dir=pages,
        command=command_line(),
        plot=f"{stem.name}.png",
    )
    plot(rows, pages / f"{stem.name}.png", f"{args.model} executors, window format")
    parts.done()


if __name__ == "__main__":
    main()
