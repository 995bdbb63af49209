"""Reference-machine benchmark: speed of the oracle, and the size of each text format.

For every operator at 5/10/50/100 digits: transitions per problem (caller + callees),
characters an executor reads and writes per problem in the CAEF and window formats, for the
CAEF machines and the schoolbook (long) ones; and reference transitions per second.
CAEF's * and // run the paper's test grid (b in 1..15, quotient 2-3) since their cost grows
with values. Writes bench/results/machines.json and the page docs/results/machines.md.

    python bench/machines.py [--n 5]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from lmarith.data import sample_problems
from lmarith.evaluation.report import PAGES, command_line, write_report
from lmarith.machines import caef, count_transitions, machine_runs, run, window
from lmarith.machines.problems import OPERATORS, Problem, operator

DIGITS = (5, 10, 50, 100)
RESULTS = Path(__file__).parent / "results"


def measure(problems: list[Problem], digits: int, long: bool) -> dict[str, object]:
    """Transitions, characters per format and reference speed over ``problems``."""
    started = time.perf_counter()
    runs = [run(p.start(long)) for p in problems]
    seconds = time.perf_counter() - started
    transitions = sum(count_transitions(steps) for steps in runs)
    subs = [sub for steps in runs for sub in machine_runs(steps)]
    caef_chars = sum(len(i) + len(o) for sub in subs for i, o in caef.transition_texts(sub))
    window_chars = sum(len(i) + len(o) for sub in subs for i, o in window.transition_texts(sub))
    n = len(problems)
    return {
        "op": problems[0].op.name,
        "machine": problems[0].machine_name(long),
        "digits": digits,
        "n": n,
        "transitions_per_problem": transitions / n,
        "caef_chars_per_problem": caef_chars / n,
        "window_chars_per_problem": window_chars / n,
        "caef_over_window": caef_chars / window_chars,
        "transitions_per_second": transitions / seconds,
    }


def long_division_problems(digits: int, n: int) -> list[Problem]:
    """a of 2*digits digits over b of digits digits (200 // 100 digits at 100)."""
    rng = random.Random(digits)
    return [
        Problem(
            rng.randrange(10 ** (2 * digits - 1), 10 ** (2 * digits)),
            operator("div"),
            rng.randrange(10 ** (digits - 1), 10**digits),
        )
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5, help="problems per operator and length")
    args = parser.parse_args()
    rows = []
    for long in (False, True):
        for op in OPERATORS:
            if long and op.long == op.caef:
                continue
            for digits in DIGITS:
                if long and op.name == "div":
                    problems = long_division_problems(digits, args.n)
                else:
                    problems = sample_problems(op.name, digits, args.n, seed=0, long=long)
                rows.append(measure(problems, digits, long))
                print(rows[-1])
    write_report(
        RESULTS / "machines",
        rows,
        "Reference machines: transitions and text size per problem",
        {"per operator and digit length": rows},
        notes=__doc__.split("\n\n")[1],
        md_dir=PAGES,
        command=command_line(),
    )


if __name__ == "__main__":
    main()
