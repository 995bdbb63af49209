"""`lmarith solve` and `lmarith eval`: a language model computes, the driver runs it.

``solve`` parses and prints; ``lmarith.api.solve`` does the work. ``eval`` is a benchmark
(``lmarith.evaluation.executor_eval``).

Machines: the format decides (window: the schoolbook machines for - * //; caef: the paper's),
``--long/--caef-machines`` overrides. The embedded default runs on a lean runtime: ``solve``
on the numpy one (no torch import), ``eval`` on the torch one (batched, KV-cached);
``--runtime transformers`` runs it through transformers.
Adapters: ``--adapters DIR`` loads every peft adapter saved under DIR, named by its folder,
case-insensitive: a machine (``LESS_THAN``, ``ALIGN_ADD``) or an operator (``sub``,
``align_sub``) whose adapter serves every machine that operator runs (see ``LMPolicy``). In the
CAEF format the aligner adapters are used when every problem has one; otherwise the runtime
aligns symbolically.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lmarith.cli.app import ProblemCommand, app, print_trace, step_progress
from lmarith.cli.options import (
    DEFAULT,
    AdaptersDir,
    BatchSize,
    Device,
    Fmt,
    Machines,
    ModelSpec,
    Runtime,
    schoolbook,
)
from lmarith.errors import LmarithError
from lmarith.formats import text_format

if TYPE_CHECKING:
    from lmarith.executors import Result


@app.command(cls=ProblemCommand)
def solve(
    problem: Annotated[str, typer.Argument(help="e.g. 123456789*987654321, 47819-12345, 45263==45263")],
    model: ModelSpec = "default",
    adapters: AdaptersDir = None,
    fmt: Fmt = DEFAULT,
    long: Machines = None,
    trace: Annotated[bool, typer.Option("--trace", help="show every step the model wrote")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object, for scripts")] = False,
    max_steps: Annotated[int | None, typer.Option(help="step cap (default: twice the reference's)")] = None,
    device: Device = None,
    runtime: Runtime = "auto",
) -> int:
    """Print the answer a language model computes; the answer alone is the last line."""
    from lmarith import api

    with step_progress() as on_step:
        result = api.solve(
            problem,
            model=model,
            adapters=adapters,
            fmt=fmt.value,
            long=long,
            runtime=runtime,
            device=device,
            max_steps=max_steps,
            trace=trace,
            cache=False,
            on_step=on_step,
        )
    if as_json:
        typer.echo(json.dumps(_solve_record(problem, fmt.value, result, trace)))
    else:
        if trace:
            print_trace(result, fmt.value)
        if result.answer is not None:
            if not result.correct:
                print(f"note: the model's answer is wrong; Python says {result.expected}", file=sys.stderr)
            typer.echo(result.answer)
    if result.reason is not None:
        print(f"error: the model failed: {result.reason}", file=sys.stderr)
        return 1
    return 0


def _solve_record(problem: str, fmt: str, result: Result, trace: bool) -> dict:
    record = {
        "problem": problem,
        "machine": result.machine,
        "format": fmt,
        "answer": result.answer,
        "expected": result.expected,
        "correct": result.correct,
        "strict": result.strict,
        "calls": result.calls,
        "tokens": result.tokens,
        "seconds": result.seconds,
        # each LM call writes one transition (or one aligner text)
        "tokens_per_transition": result.tokens / result.calls if result.calls else None,
        "seconds_per_transition": result.seconds / result.calls if result.calls else None,
        "reason": result.reason,
        "outcome": result.outcome,
        "deviation": result.deviation,
    }
    if trace:
        record["steps"] = [vars(step) for step in result.trace]
    return record


def _ints(text: str, option: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise LmarithError(f"{option} takes comma-separated integers, got {text!r}") from None
    if not values:
        raise LmarithError(f"{option} is empty")
    return values


@app.command("eval")
def eval_command(
    op: Annotated[
        str,
        typer.Option(
            "--op",
            help="comma list of add, sub, mul, div, eq, gt, lt, and expr (expressions of 3-4 numbers of that "
            "many digits under + - * //, each operation run by the executors)",
        ),
    ] = "add",
    digits: Annotated[str, typer.Option("--digits", help="comma list of operand lengths")] = "5,10,50,100",
    n: Annotated[int, typer.Option("--n", help="test problems per operator and length")] = 200,
    fmt: Fmt = DEFAULT,
    json_path: Annotated[Path | None, typer.Option("--json", help="write the rows here (a JSON list)")] = None,
    plot_path: Annotated[Path | None, typer.Option("--plot", help="draw accuracy vs digits into this PNG")] = None,
    model: ModelSpec = "default",
    adapters: AdaptersDir = None,
    long: Machines = None,
    seed: Annotated[int, typer.Option(help="seed of the test-split sample")] = 0,
    batch_size: BatchSize = 64,
    naive: Annotated[
        bool, typer.Option("--naive", help="the paper's way: one generate call per step per problem")
    ] = False,
    device: Device = None,
    runtime: Runtime = "auto",
    part: Annotated[
        str | None,
        typer.Option(
            help="CAEF format: executor (symbolic aligners), aligner-in, aligner-out, or all (LM aligners); "
            "default: all when the model writes the aligners' texts (an aligner adapter per machine, or the "
            "embedded CAEF model), else executor"
        ),
    ] = None,
) -> None:
    """Accuracy (strict and final answer) and cost per operator x digit length."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from lmarith.evaluation import executor_eval as evaluation
    from lmarith.executors.lm_policy import aligns, load_policy
    from lmarith.machines.problems import operator

    long = schoolbook(fmt, long)
    if part is not None and part not in evaluation.PARTS:
        raise LmarithError(f"unknown part {part!r}; known: {', '.join(evaluation.PARTS)}")
    if part not in (None, "executor") and not text_format(fmt.value).aligners:
        raise LmarithError("aligners belong to the CAEF format: --part needs --format caef")
    names = [name.strip() for name in op.split(",") if name.strip()]
    if not names:
        raise LmarithError("--op is empty")
    ops = [operator(name).name for name in names if name != evaluation.EXPRESSIONS]
    lengths = _ints(digits, "--digits")
    cells = evaluation.grid(ops, lengths, n, seed, long)
    several = evaluation.expression_cells(lengths, n, seed) if evaluation.EXPRESSIONS in names else []
    if several and part in ("aligner-in", "aligner-out"):
        raise LmarithError("--op expr runs whole expressions: --part aligner-in/aligner-out take single operations")
    policy = load_policy(model, adapters, device, batch_size, naive, runtime, fmt.value)
    if part in ("aligner-in", "aligner-out"):
        rows = evaluation.evaluate_aligner(policy, cells, long=long, part=part)  # type: ignore[arg-type]
        _report(rows, f"{model} {part}", json_path, plot_path)
        return
    align = part == "all" if part is not None else aligns(policy, fmt.value, [p for _, _, p in cells], long)
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )
    with progress:
        task = progress.add_task("eval", total=len(cells) + len(several))
        rows = evaluation.evaluate(
            policy,
            [*cells, *several],
            fmt=fmt.value,
            long=long,
            align=align,
            on_done=lambda _: progress.advance(task),
        )
    title = f"{model} {fmt.value} ({'schoolbook' if long else 'CAEF'} machines{', naive' if naive else ''})"
    _report(rows, title, json_path, plot_path)


def _report(rows: list[dict], title: str, json_path: Path | None, plot_path: Path | None) -> None:
    from rich.console import Console

    from lmarith.evaluation import executor_eval as evaluation

    Console().print(evaluation.table(rows, title))
    if json_path is not None:
        evaluation.write_json(rows, json_path)
    if plot_path is not None:
        evaluation.plot(rows, plot_path, title)
