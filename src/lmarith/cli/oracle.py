"""`lmarith trace` and `lmarith generate`: the reference machines and their data sets."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lmarith import data
from lmarith.cli.app import ProblemCommand, app
from lmarith.cli.options import DEFAULT, Fmt, FormatName, Machines, schoolbook
from lmarith.errors import LmarithError
from lmarith.formats import text_format

console = Console()


class Kind(str, Enum):
    executor = "executor"
    aligner = "aligner"
    raw = "raw"


class SplitName(str, Enum):
    train = "train"
    test = "test"


@app.command(cls=ProblemCommand)
def trace(
    problem: Annotated[str, typer.Argument(help="e.g. 47819-12345, 12*34, 45263==45263")],
    fmt: Fmt = DEFAULT,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    long: Machines = None,
) -> None:
    """Print the reference machine's full trace and the answer (no model).

    In solve's default format (window: what the model reads -> the command it writes), or
    --format caef (whole configurations)."""
    from lmarith import api

    traced = api.trace(problem, fmt=fmt.value, long=long)
    if as_json:
        record = {
            "problem": problem,
            "machine": traced.machine,
            "answer": traced.answer,
            "transitions": traced.transitions,
            "steps": list(traced.rows()),
        }
        typer.echo(json.dumps(record))
        return
    for line in traced.lines():
        typer.echo(line)
    typer.echo(f"# {traced.machine}: {traced.transitions} transitions")
    typer.echo(traced.answer)


@app.command()
def generate(
    kind: Annotated[Kind, typer.Argument(help="executor transitions, aligner pairs, or raw problems")],
    op: Annotated[
        str,
        typer.Option(
            help="add, sub, mul, div, eq, gt, lt; a comma list (add,sub) or all: one mixed set, shuffled by --seed"
        ),
    ],
    out: Annotated[Path, typer.Option(help="file to write")],
    min_len: Annotated[int, typer.Option("--min", help="shortest operand length")] = 1,
    max_len: Annotated[int, typer.Option("--max", help="longest operand length")] = 5,
    num: Annotated[int, typer.Option(help="problems per (len a, len b) class before balancing")] = 20,
    split: Annotated[SplitName, typer.Option(help="train: a JSON list (raw: JSONL); test: JSONL")] = SplitName.train,
    fmt: Annotated[
        FormatName,
        typer.Option(
            "--format",
            help="executor text format (default caef: these are the original CAEF code's files, "
            "unlike solve's and trace's window default)",
        ),
    ] = FormatName.caef,
    long: Machines = None,
    per_trace: Annotated[int, typer.Option(help="random transitions kept per trace, besides first and last")] = 3,
    seed: Annotated[int, typer.Option(help="train draws with seed, test with seed+1")] = 0,
    prompt: Annotated[
        bool,
        typer.Option(
            "--prompt/--no-prompt", help="executor: each input behind its machine's instruction (CAEF's first stage)"
        ),
    ] = False,
    init: Annotated[
        bool, typer.Option("--init", help="executor: whole runs, a problem's first configuration -> its halted one")
    ] = False,
    separate: Annotated[
        bool,
        typer.Option(
            "--separate",
            help="raw test: also NAME.executor, NAME.aligner_input, NAME.aligner_output files beside --out",
        ),
    ] = False,
) -> None:
    """Write a data set made by running the reference machines, in the original CAEF code's
    file shape, and print a summary."""
    long = schoolbook(fmt, long)
    ops = data.operator_names(op)
    _check_settings(kind, split, fmt, prompt, init, separate)
    source = data.mixed_problems(ops, min_len, max_len, num, split.value, seed, long)
    if kind is Kind.executor and init:
        samples = list(data.init_samples(source, long, prompt))
    elif kind is Kind.executor:
        samples = list(data.executor_samples(op, source, fmt.value, per_trace, seed, long, prompt))
    elif kind is Kind.aligner:
        samples = list(data.aligner_samples(source, long))
    else:
        samples = list(data.raw_samples(source))
    data.write(samples, out, data.layout(kind.value, split.value))
    table = Table(title=f"{kind.value} {','.join(ops)} ({split.value}) -> {out}")
    for column in ("len a", "len b", "samples"):
        table.add_column(column, justify="right")
    for (la, lb), count in data.summary(samples):
        table.add_row(str(la), str(lb), str(count))
    table.add_row("", "total", str(len(samples)), style="bold")
    console.print(table)
    if separate:
        for part, part_samples in data.separate_samples(source, long).items():
            path = data.separate_path(out, part)
            data.write(part_samples, path, "pairs")
            typer.echo(f"{part}: {len(part_samples)} samples -> {path}")


def _check_settings(kind: Kind, split: SplitName, fmt: Enum, prompt: bool, init: bool, separate: bool) -> None:
    """Refuse settings that do not go together, before any work."""
    if (prompt or init) and kind is not Kind.executor:
        raise LmarithError(f"--prompt and --init make executor data, not {kind.value} data")
    if init and not text_format(fmt.value).reads_own_output:
        raise LmarithError("--init pairs are CAEF configurations; use --format caef")
    if separate and (kind is not Kind.raw or split is not SplitName.test):
        raise LmarithError("--separate splits raw test sets; use it with raw --split test")
