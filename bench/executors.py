"""Executor benchmark: the issue's targets, measured on the embedded default.

1. accuracy, window format: + - == > < at 100 digits and long * // at 20 x 20 digits
   (n problems each, test split), and 20 additions of 1000 digits;
2. CAEF format (``--section caef``, its own report ``executors_caef.*``): the embedded CAEF-format
   model (or ``--caef-model``) with its LM aligners on, the paper's machines for every operator:
   + - == > < at 5 and 10 digits, * // at 3 digits (CAEF's classes: b <= 15 for *, quotient 2-3
   for //), + - at 20 digits; then each part alone at 10 digits (3 for * //): the executor with
   symbolic aligners, aligner-in (``a+b=`` -> first configuration) and aligner-out;
3. runtime speed: our driver vs the paper's way (one ``generate`` per step and problem, no
   batching or reuse, on the transformers runtime) on the same model and problems;
4. generated tokens per 100-digit addition, window vs CAEF format (reference texts, one token
   per character as the character tokenizer writes them).

Writes bench/results/executors.json and the page docs/results/executors.md with its plot
(``--section caef``: executors_caef.*; ``--quick``: bench/results/executors_quick.*, not committed).

    python bench/executors.py [--n 200] [--model default] [--runtime auto] [--quick]
    python bench/executors.py --section caef [--n 200] [--caef-model DIR]

The default model runs on the lean runtime (``--runtime auto``); ``--runtime transformers``
measures the same rows through transformers.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch

from lmarith.evaluation.executor_eval import evaluate, evaluate_aligner, grid, plot
from lmarith.evaluation.report import PAGES, command_line, write_report
from lmarith.executors import OraclePolicy, execute
from lmarith.executors.lm_policy import LMPolicy, load_policy
from lmarith.models import load_model

RESULTS = Path(__file__).parent / "results"


def outputs(name: str, quick: bool) -> tuple[Path, Path]:
    """The JSON stem and the page's directory of a report: a smoke run's stay in bench/results."""
    return (RESULTS / f"{name}_quick", RESULTS) if quick else (RESULTS / name, PAGES)


def accuracy_rows(policy: LMPolicy, n: int, quick: bool) -> list[dict]:
    """The targets' grid, window format, one ``execute`` per machine family."""
    digits = 10 if quick else 100
    rows = evaluate(policy, grid(["add", "sub", "eq", "gt", "lt"], [digits], n, 0, False), fmt="window", long=False)
    rows += evaluate(policy, grid(["mul", "div"], [5 if quick else 20], n, 0, True), fmt="window", long=True)
    rows += evaluate(policy, grid(["add"], [100 if quick else 1000], 20, 0, False), fmt="window", long=False)
    return rows


#: operators CAEF tests at any length (its * and // loop b or the quotient times: short operands)
ANY_LENGTH = ["add", "sub", "eq", "gt", "lt"]


def caef_rows(policy: LMPolicy, n: int, quick: bool) -> list[dict]:
    """The CAEF targets' grid, LM aligners on, then every part alone (``--part`` of ``lmarith eval``)."""
    short, long_, loops = ([3, 5], 5, 2) if quick else ([5, 10], 20, 3)
    looping = grid(["mul", "div"], [loops], n, 0, False)
    whole = grid(ANY_LENGTH, short, n, 0, False) + looping + grid(["add", "sub"], [long_], n, 0, False)
    rows = evaluate(policy, whole, fmt="caef", long=False, align=True)
    parts = grid(ANY_LENGTH, [short[-1]], n, 0, False) + looping
    rows += evaluate(policy, parts, fmt="caef", long=False, align=False)
    for part in ("aligner-in", "aligner-out"):
        rows += evaluate_aligner(policy, parts, long=False, part=part)
    return rows


def caef_section(args: argparse.Namespace) -> None:
    """Measure the CAEF-format model and write ``executors_caef.{json,md,png}``."""
    started = time.perf_counter()
    policy = load_policy(args.caef_model or "default", batch_size=64, fmt="caef")
    if not policy.aligners:
        raise SystemExit(f"{args.caef_model or 'the embedded CAEF model'} does not write the aligners' texts")
    rows = caef_rows(policy, args.n, args.quick)
    minutes = (time.perf_counter() - started) / 60
    machine = f"{platform.machine()}, {torch.get_num_threads()} torch threads"
    name = args.caef_model or "embedded CAEF-format default"
    stem, pages = outputs("executors_caef", args.quick)
    write_report(
        stem,
        {"model": name, "machine": machine, "minutes": minutes, "rows": rows},
        f"Executors in the CAEF format: {name}",
        {
            "LM aligners on (part all)": [r for r in rows if r["part"] == "all"],
            "parts alone": [r for r in rows if r["part"] != "all"],
        },
        notes=f"{machine}; {minutes:.0f} minutes.\n\n" + __doc__.split("\n\n")[1],
        md_dir=pages,
        command=command_line(),
        plot=f"{stem.name}.png",
    )
    plot([r for r in rows if r["part"] == "all"], pages / f"{stem.name}.png", f"{name}, CAEF format, aligners on")
    for row in rows:
        print(
            {k: row[k] for k in ("op", "digits", "part", "n", "final_accuracy", "failed", "outcomes", "first_failure")}
        )


def speed_row(policy: LMPolicy, naive: LMPolicy, n: int) -> dict:
    """Same model, same 10-digit additions: seconds per problem both ways."""
    problems = [p for _, _, p in grid(["add"], [10], n, 1, False)]
    timings = {}
    for name, p in (("ours", policy), ("naive", naive)):
        started = time.perf_counter()
        results = execute(problems, p, fmt="window")
        timings[name] = (time.perf_counter() - started) / n
        timings[f"{name}_accuracy"] = sum(r.correct for r in results) / n
    return {
        "problems": n,
        "digits": 10,
        "seconds_per_problem_ours": timings["ours"],
        "seconds_per_problem_naive": timings["naive"],
        "speedup": timings["naive"] / timings["ours"],
        "accuracy_ours": timings["ours_accuracy"],
        "accuracy_naive": timings["naive_accuracy"],
    }


def token_row(n: int) -> dict:
    """Generated tokens per 100-digit addition in each format (reference outputs)."""
    problems = [p for _, _, p in grid(["add"], [100], n, 2, False)]
    tokens = {
        fmt: sum(r.tokens for r in execute(problems, OraclePolicy(fmt), fmt=fmt)) / n for fmt in ("window", "caef")
    }
    return {
        "digits": 100,
        "window_tokens": tokens["window"],
        "caef_tokens": tokens["caef"],
        "caef_over_window": tokens["caef"] / tokens["window"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--model", default="default")
    parser.add_argument(
        "--section",
        default="window",
        choices=["window", "caef"],
        help="window: the embedded default (executors.*); caef: the CAEF-format model (executors_caef.*)",
    )
    parser.add_argument(
        "--caef-model",
        help="a CAEF-format model directory that writes the aligners' texts "
        "(lmarith train default --format caef); default: the embedded one",
    )
    parser.add_argument("--runtime", default="auto", choices=["auto", "lean", "transformers"])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.section == "caef":
        caef_section(args)
        return
    model, tokenizer = load_model(args.model, runtime=args.runtime)
    policy = LMPolicy(model, tokenizer, batch_size=256)
    rows = accuracy_rows(policy, args.n, args.quick)
    hf_model, hf_tokenizer = load_model(args.model)  # the paper's way needs transformers' generate
    speed = speed_row(policy, LMPolicy(hf_model, hf_tokenizer, naive=True), 10 if args.quick else 30)
    tokens = token_row(5 if args.quick else 20)
    machine = f"{platform.machine()}, {torch.get_num_threads()} torch threads, device {policy.device}"
    payload = {
        "model": args.model,
        "runtime": args.runtime,
        "machine": machine,
        "window": rows,
        "speed": speed,
        "tokens": tokens,
    }
    stem, pages = outputs("executors", args.quick)
    write_report(
        stem,
        payload,
        "Executors on the embedded default",
        {"window format": rows, "driver vs paper's way": [speed], "tokens per 100-digit addition": [tokens]},
        notes=f"Model `{args.model}`, runtime `{args.runtime}`; {machine}.\n\n" + __doc__.split("\n\n")[1],
        md_dir=pages,
        command=command_line(),
        plot=f"{stem.name}.png",
    )
    plot([r for r in rows if r["n"] >= 20], pages / f"{stem.name}.png", "embedded default, window format")
    for row in rows:
        print(row)
    print(speed, tokens, sep="\n")


if __name__ == "__main__":
    main()
