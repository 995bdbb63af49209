"""The typer application object, and what its commands share besides options (those are in
``lmarith.cli.options``): how help shows switches, commands whose argument is a problem, and
how traces and the intervention's answers print.

Nothing heavy is imported here or at the top of a command module: ``lmarith --help`` and
``lmarith trace`` must not pay seconds for torch, transformers or peft.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from typer.core import TyperCommand, TyperOption

from lmarith.errors import LmarithError
from lmarith.formats import text_format

T = TypeVar("T")

if TYPE_CHECKING:
    from lmarith.api import NeuroAnswer
    from lmarith.executors import Result

app = typer.Typer(
    name="lmarith",
    help="Make language models do exact arithmetic.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# typer's rich help gives every option a type column, switches too (``--json <bool>``, even
# ``--help <bool>``); a switch takes no value, so it shows none (as click's plain help does).
_value_type = TyperOption.display_type_rich


def _switch_shows_no_type(self: TyperOption, ctx: Any) -> str | None:
    return None if self.is_flag else _value_type(self, ctx)


TyperOption.display_type_rich = _switch_shows_no_type  # type: ignore[method-assign]

#: a leading minus on a number: ``-5+3``
_NEGATIVE = re.compile(r"-\d")


class ProblemCommand(TyperCommand):
    """A command whose argument is a problem: ``lmarith solve -5+3`` reaches the problem parser
    (whose error names the negative operand), instead of failing as an unknown option ``-5``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        end = args.index("--") if "--" in args else len(args)
        takes_value = {name for p in self.params if isinstance(p, TyperOption) and not p.is_flag for name in p.opts}
        kept: list[str] = []
        problems: list[str] = []
        for arg in args[:end]:
            if _NEGATIVE.match(arg) and not (kept and kept[-1] in takes_value):
                problems.append(arg)
            else:
                kept.append(arg)
        if problems:
            args = [*kept, "--", *problems, *args[end + 1 :]]
        return super().parse_args(ctx, args)


def print_trace(result: Result, fmt: str) -> None:
    """The steps a model wrote. A model that reads its own output (CAEF): the first input, then
    each output; one that reads a view (window): what it read -> what it wrote."""
    reads_own_output = text_format(fmt).reads_own_output
    for index, step in enumerate(result.trace):
        pad = "    " * step.depth
        if not reads_own_output:
            typer.echo(f"{pad}{step.input}  ->  {step.output}")
            continue
        if index == 0:
            typer.echo("\n".join(pad + line for line in step.input.split("\n")))
        typer.echo("\n".join(pad + line for line in step.output.split("\n")))


def neuro_record(answer: NeuroAnswer) -> dict:
    """One ``--json`` line of an intervention's answer; ``computed``: the engine's answer went in
    (the gate opened)."""
    return {
        "question": answer.question,
        "answer": answer.answer,
        "correct": answer.correct,
        "reply": answer.reply,
        "gate": answer.gate,
        "computed": answer.computed,
        "engine_answer": answer.engine_answer,
        "seconds": answer.seconds,
    }


def answer_line(answer: NeuroAnswer) -> str:
    """``answer: N`` and where it came from: the engine (the gate opened, its exact answer went
    into the model) or the model's own reply (the gate stayed shut: nothing was computed)."""
    given = "none" if answer.answer is None else str(answer.answer)
    if answer.computed:
        return f"answer: {given} (computed: the engine's answer {answer.engine_answer} went into the reply)"
    return f"answer: {given} (not computed: the gate stayed shut; this is the model's own reply)"


def print_neuro_answers(
    answers: Iterable[NeuroAnswer], *, one_line: bool, explain: bool, as_json: bool = False, timing: bool = False
) -> None:
    """Each answer as soon as it is known: the reply (``explain``: what the engine read and why
    the gate did what it did) and ``answer: N`` last; ``one_line``: the reply alone, on one line
    (questions from stdin); ``as_json``: one JSON object per answer."""
    for answer in answers:
        if timing:
            typer.echo(f"replied in {answer.seconds:.2f} s", err=True)
        if as_json:
            typer.echo(json.dumps(neuro_record(answer)))
        elif one_line and not explain:
            typer.echo(" ".join(answer.reply.split()))
        else:
            typer.echo("\n".join(answer.explanation) if explain else answer.reply)
            typer.echo(answer_line(answer))
        sys.stdout.flush()


def questions_from(question: str | None) -> Iterable[str]:
    """The question, or (None) each non-blank line of stdin, read as it comes."""
    if question is not None:
        if not question.strip():
            raise LmarithError("the question is empty")
        return [question]
    return (line.strip() for line in sys.stdin if line.strip())


@contextmanager
def step_progress() -> Iterator[Callable[[int, int], None] | None]:
    """Steps done / transitions expected on stderr while a problem runs, when stderr is a
    terminal (rich; shown from the first step, gone when it ends, before anything is printed);
    None (no progress, nothing imported) otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("[bold]steps"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    progress = Progress(*columns, console=Console(stderr=True), transient=True)
    task = progress.add_task("steps", total=None)

    def update(done: int, expected: int) -> None:
        progress.start()  # from the first step: nothing shows while a question is still being read
        progress.update(task, completed=done, total=max(done, expected))

    try:
        yield update
    finally:
        progress.stop()


def each_with_progress(make: Callable[[Callable[[int, int], None]], Iterable[T]]) -> Iterator[T]:
    """Each item of ``make(on_step)``, with :func:`step_progress` on stderr while it is being
    computed and gone before it is yielded (so what the caller prints is never overwritten)."""
    current: list[Callable[[int, int], None] | None] = [None]

    def on_step(done: int, expected: int) -> None:
        if current[0] is not None:
            current[0](done, expected)

    items = iter(make(on_step))
    while True:
        with step_progress() as update:
            current[0] = update
            try:
                item = next(items)
            except StopIteration:
                return
        current[0] = None
        yield item
