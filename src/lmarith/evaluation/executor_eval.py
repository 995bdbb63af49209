"""Evaluate executors: run the driver on test-split problems, one row per operator x digits.

Every cell of the grid goes through ONE ``execute`` call, so cells batch together exactly as a
mixed workload would. A row's keys (``ROW_KEYS``) are the JSON contract of ``lmarith eval``.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from time import perf_counter
from typing import Any, Literal

from rich.table import Table

from lmarith.data import sample_problems
from lmarith.errors import LmarithError
from lmarith.executors import OUTCOMES, Format, Policy, Request, Result, aligner_task, execute, reference_output
from lmarith.executors.expression import execute_expression
from lmarith.machines import caef, run
from lmarith.machines.problems import Expression, Problem, expressions_on, operator, parse_expression, runnable

ROW_KEYS = (
    "op",
    "digits",
    "n",
    "strict_accuracy",
    "final_accuracy",
    "calls_per_problem",
    "tokens_per_problem",
    "seconds_per_problem",
)


#: the pseudo-operator of ``lmarith eval --op expr``: expressions of several operations
EXPRESSIONS = "expr"


def expression_cells(digits: Sequence[int], n: int, seed: int) -> list[tuple[str, int, Expression]]:
    """``n`` expressions per digit length: three or four numbers of that many digits under + - *
    // in every grouping (``expressions_on``), drawn among those the executors can run (every
    operand non-negative, no division by 0): a mixed workload of chained machine calls."""
    rng = random.Random(f"expressions:{seed}")
    cells: list[tuple[str, int, Expression]] = []
    for d in digits:
        low = 10 ** (d - 1) if d > 1 else 1
        drawn = 0
        while drawn < n:
            numbers = [rng.randint(low, 10**d - 1) for _ in range(rng.choice((3, 4)))]
            parsed = parse_expression(rng.choice(expressions_on(numbers)))
            if isinstance(parsed, Expression) and runnable(parsed):
                cells.append((EXPRESSIONS, d, parsed))
                drawn += 1
    return cells


def grid(ops: Sequence[str], digits: Sequence[int], n: int, seed: int, long: bool) -> list[tuple[str, int, Problem]]:
    """``n`` test-split problems per operator x digit length, tagged with their cell."""
    if n <= 0:
        raise LmarithError(f"--n must be positive, got {n}")
    if any(d <= 0 for d in digits):
        raise LmarithError(f"digit lengths must be positive, got {list(digits)}")
    cells = []
    for op in ops:
        name = operator(op).name
        for d in digits:
            problems = sample_problems(name, d, n, seed, split="test", long=long)
            if not problems:
                raise LmarithError(f"the test split has no {name} problems of {d} digits")
            cells += [(name, d, problem) for problem in problems]
    return cells


def evaluate(
    policy: Policy,
    cells: Sequence[tuple[str, int, Problem | Expression]],
    *,
    fmt: Format,
    long: bool,
    align: bool = False,
    on_done: Callable[[Result], None] | None = None,
) -> list[dict[str, Any]]:
    """Rows of accuracy and cost per cell of ``grid`` or ``expression_cells`` (see ``ROW_KEYS``,
    plus a few more). The single operations go through ONE ``execute`` call, batching together;
    an expression runs operation by operation (``execute_expression``, as ``solve`` runs one)."""
    plain = [i for i, (_, _, p) in enumerate(cells) if isinstance(p, Problem)]
    problems = [cells[i][2] for i in plain]
    results = dict(zip(plain, execute(problems, policy, fmt=fmt, long=long, align=align, on_done=on_done)))
    for i, (_, _, expression) in enumerate(cells):
        if isinstance(expression, Expression):
            results[i] = execute_expression(expression, policy, fmt=fmt, long=long, align=lambda _: align)
            if on_done is not None:
                on_done(results[i])
    by_cell: dict[tuple[str, int], list[Result]] = {}
    for i, (op, d, _) in enumerate(cells):
        by_cell.setdefault((op, d), []).append(results[i])
    part = "all" if align else "executor"
    return [{**row(op, d, group, fmt), "part": part} for (op, d), group in by_cell.items()]


Part = Literal["executor", "aligner-in", "aligner-out", "all"]
PARTS: tuple[Part, ...] = ("executor", "aligner-in", "aligner-out", "all")


def evaluate_aligner(
    policy: Policy, cells: Sequence[tuple[str, int, Problem]], *, long: bool, part: Part
) -> list[dict[str, Any]]:
    """The paper's ``--aligner_input`` / ``--aligner_output`` harness: one aligner call per
    problem (``a+b=`` -> first configuration, or halted configuration -> ``a+b=c``), exact
    match against the machines; rows shaped like ``evaluate``'s (strict = final = exact)."""
    if part not in ("aligner-in", "aligner-out"):
        raise LmarithError(f"not an aligner part: {part}")
    requests = []
    for op, _, problem in cells:
        start = problem.start(long)
        text = problem.prompt() if part == "aligner-in" else caef.render(run(start)[-1].config)
        requests.append(Request(aligner_task(start.machine), text, op))
    groups: dict[str | None, list[int]] = {}
    for index, request in enumerate(requests):
        groups.setdefault(policy.adapter_for(request), []).append(index)
    # per request: exact, tokens, seconds, and for a miss what was written against what was due
    outcomes: list[tuple[bool, int, float, str | None]] = [(False, 0, 0.0, None)] * len(requests)
    for adapter, members in groups.items():
        started = perf_counter()
        batch = [requests[i] for i in members]
        completions = policy.complete(adapter, batch, max(3 * len(r.text) + 160 for r in batch))
        share = (perf_counter() - started) / len(members)
        for i, completion in zip(members, completions, strict=True):
            expected = reference_output("caef", requests[i].task, requests[i].text)
            ok = completion.text == expected
            miss = None if ok else f"{requests[i].text!r}: wrote {completion.text!r}, not {expected!r}"
            outcomes[i] = (ok, completion.tokens, share, miss)
    by_cell: dict[tuple[str, int], list[tuple[bool, int, float, str | None]]] = {}
    for (op, d, _), outcome in zip(cells, outcomes):
        by_cell.setdefault((op, d), []).append(outcome)
    rows = []
    for (op, d), group in by_cell.items():
        hits = sum(ok for ok, *_ in group)
        exact = hits / len(group)
        rows.append(
            {
                "op": op,
                "digits": d,
                "n": len(group),
                "strict_accuracy": exact,
                "final_accuracy": exact,
                "calls_per_problem": 1.0,
                "tokens_per_problem": sum(t for _, t, *_ in group) / len(group),
                "seconds_per_problem": sum(s for _, _, s, _ in group) / len(group),
                "format": "caef",
                "part": part,
                "machine": operator(op).long if long else operator(op).caef,
                "failed": len(group) - hits,
                "first_failure": next((m for *_, m in group if m), None),
                "outcomes": {kind: n for kind, n in (("exact", hits), ("wrong answer", len(group) - hits)) if n},
            }
        )
    return rows


def row(op: str, digits: int, results: Sequence[Result], fmt: Format) -> dict[str, Any]:
    """One table row: means over the cell's problems, how many ended each way (``outcomes``),
    where the missed problems first left the reference machine (``deviations``: counts of
    ``TASK line N``), and the first of them in full."""
    count = len(results)

    def mean(values: Sequence[float]) -> float:
        return sum(values) / count

    failures = [r.reason for r in results if r.reason]
    missed = [r for r in results if not r.correct]
    return {
        "op": op,
        "digits": digits,
        "n": count,
        "strict_accuracy": mean([r.strict for r in results]),
        "final_accuracy": mean([r.correct for r in results]),
        "calls_per_problem": mean([r.calls for r in results]),
        "tokens_per_problem": mean([r.tokens for r in results]),
        "seconds_per_problem": mean([r.seconds for r in results]),
        "format": fmt,
        "machine": results[0].machine,
        "failed": len(failures),
        "first_failure": failures[0] if failures else None,
        "outcomes": {kind: n for kind in OUTCOMES if (n := sum(r.outcome == kind for r in results))},
        "first_deviation": next((r.deviation for r in missed), None),
        "deviations": dict(Counter(r.deviated_at for r in missed if r.deviated_at).most_common()),
    }


def table(rows: Sequence[dict[str, Any]], title: str) -> Table:
    """The rows as a rich table, for people."""
    out = Table(title=title)
    columns = ("op", "digits", "n", "strict", "final", "calls", "tokens", "s/problem", "misses")
    for column in columns:
        out.add_column(column, justify="left" if column == "op" else "right")
    for r in rows:
        out.add_row(
            r["op"],
            str(r["digits"]),
            str(r["n"]),
            f"{r['strict_accuracy']:.1%}",
            f"{r['final_accuracy']:.1%}",
            f"{r['calls_per_problem']:.1f}",
            f"{r['tokens_per_problem']:.0f}",
            f"{r['seconds_per_problem']:.4f}",
            ", ".join(f"{n} {kind}" for kind, n in r["outcomes"].items() if kind != "exact") or "0",
        )
    return out


def write_json(rows: Sequence[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(rows), indent=1) + "\n")


def plot(rows: Sequence[dict[str, Any]], path: Path, title: str) -> None:
    """Accuracy vs digits, one colour per operator: final answer solid, strict dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for op in dict.fromkeys(r["op"] for r in rows):
        cell = sorted((r for r in rows if r["op"] == op), key=lambda r: r["digits"])
        xs = [r["digits"] for r in cell]
        (line,) = ax.plot(xs, [r["final_accuracy"] for r in cell], marker="o", label=f"{op} final")
        ax.plot(xs, [r["strict_accuracy"] for r in cell], linestyle="--", color=line.get_color(), label=f"{op} strict")
    ax.set(xlabel="digits per operand", ylabel="accuracy", ylim=(-0.02, 1.02), title=title)
    if len({r["digits"] for r in rows}) > 2 and max(r["digits"] for r in rows) >= 10 * min(r["digits"] for r in rows):
        ax.set_xscale("log")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
