"""Executor benchmark: the issue's targets, measured on the embedded default.

1. accuracy, window format: + - == > < at 100 digits and long * // at 20 x 20 digits
   (n problems each, test split), and 20 additions of 1000 digits;
2. CAEF format at 5 and 10 digits, for a model trained on CAEF transitions (``--caef-model``);
3. runtime speed: our driver vs the paper's way (one ``generate`` per step and problem, no
   batching or reuse, on the transformers runtime) on the same model and problems;
4. generated tokens per 100-digit addition, window vs CAEF format (reference texts, one token
   per character as the character tokenizer writes them).

Writes bench/results/executors.json, executors.md and executors.png.

    python bench/executors.py [--n 200] [--model default] [--runtime auto] [--caef-model DIR] [--quick]

The default model runs on the lean runtime (``--runtime auto``); ``--runtime transformers``
measures the same rows through transformers.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch

from lmarith.evaluation.executors import evaluate, grid, plot
from lmarith.evaluation.report import write_report
from lmarith.execute import OraclePolicy, execute
from lmarith.execute.lm_policy import LMPolicy
from lmarith.models import load_model

RESULTS = Path(__file__).parent / "results"


def accuracy_rows(policy: LMPolicy, n: int, quick: bool) -> list[dict]:
    """The targets' grid, window format, one ``execute`` per machine family."""
    digits = 10 if quick else 100
    rows = evaluate(policy, grid(["add", "sub", "eq", "gt", "lt"], [digits], n, 0, False), fmt="window", long=False)
    rows += evaluate(policy, grid(["mul", "div"], [5 if quick else 20], n, 0, True), fmt="window", long=True)
    rows += evaluate(policy, grid(["add"], [100 if quick else 1000], 20, 0, False), fmt="window", long=False)
    return rows


def speed_row(policy: LMPolicy, naive: LMPolicy, n: int) -> dict:
    """Same model, same 10-digit additions: seconds per problem both ways."""
    problems = [p for _, _, p in grid(["add"], [10], n, 1, False)]
    timings = {}
    for name, p in (("ours", policy), ("naive", naive)):
        started = time.perf_counter()
        results = execute(problems, p, fmt="window")
        timings[name] = (time.perf_counter() - started) / n
        timings[f"{name}_accuracy"] = sum(r.correct for r in results) / n
    return {"problems": n, "digits": 10, "seconds_per_problem_ours": timings["ours"],
            "seconds_per_problem_naive": timings["naive"], "speedup": timings["naive"] / timings["ours"],
            "accuracy_ours": timings["ours_accuracy"], "accuracy_naive": timings["naive_accuracy"]}


def token_row(n: int) -> dict:
    """Generated tokens per 100-digit addition in each format (reference outputs)."""
    problems = [p for _, _, p in grid(["add"], [100], n, 2, False)]
    tokens = {fmt: sum(r.tokens for r in execute(problems, OraclePolicy(fmt), fmt=fmt)) / n for fmt in ("window", "caef")}
    return {"digits": 100, "window_tokens": tokens["window"], "caef_tokens": tokens["caef"],
            "caef_over_window": tokens["caef"] / tokens["window"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--model", default="default")
    parser.add_argument("--caef-model", help="a model trained on CAEF transitions (lmarith train executor --format caef)")
    parser.add_argument("--runtime", default="auto", choices=["auto", "lean", "transformers"])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model, tokenizer = load_model(args.model, runtime=args.runtime)
    policy = LMPolicy(model, tokenizer, batch_size=256)
    rows = accuracy_rows(policy, args.n, args.quick)
    if args.caef_model:
        caef_model, caef_tokenizer = load_model(args.caef_model)
        caef_rows = evaluate(LMPolicy(caef_model, caef_tokenizer, batch_size=64),
                             grid(["add"], [5, 10], min(args.n, 50), 0, False), fmt="caef", long=False)
    else:
        caef_rows = []
    hf_model, hf_tokenizer = load_model(args.model)  # the paper's way needs transformers' generate
    speed = speed_row(policy, LMPolicy(hf_model, hf_tokenizer, naive=True), 10 if args.quick else 30)
    tokens = token_row(5 if args.quick else 20)
    machine = f"{platform.machine()}, {torch.get_num_threads()} torch threads, device {policy.device}"
    payload = {"model": args.model, "runtime": args.runtime, "machine": machine, "window": rows, "caef": caef_rows, "speed": speed, "tokens": tokens}
    write_report(RESULTS / "executors", payload, "Executors on the embedded default",
                 {"window format": rows, "CAEF format": caef_rows, "driver vs paper's way": [speed],
                  "tokens per 100-digit addition": [tokens]},
                 notes=f"Model `{args.model}`, runtime `{args.runtime}`; {machine}.\n\n" + __doc__.split("\n\n")[1])
    plot([r for r in rows if r["n"] >= 20], RESULTS / "executors.png", "embedded default, window format")
    for row in rows + caef_rows:
        print(row)
    print(speed, tokens, sep="\n")


if __name__ == "__main__":
    main()
