"""`lmarith ask`: a question in words, answered exactly (``lmarith.api.ask_each``).

``--method executors`` (the default): the question aligner writes the expression, the
executors compute it on the same model (SmolLM2 with its shipped adapters by default).
``--method neuro``: the neurosymbolic intervention, printed as ``lmarith neuro ask`` prints it.
Questions from stdin are answered one by one, each printed as soon as it is known.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated

import typer

from lmarith.cli.app import app, each_with_progress, print_neuro_answers, print_trace, questions_from
from lmarith.cli.options import AdaptersDir, AskRun, Device
from lmarith.formats import DEFAULT_FORMAT


class Method(str, Enum):
    executors = "executors"
    neuro = "neuro"


@app.command("ask")
def ask_command(
    question: Annotated[
        str | None, typer.Argument(help="e.g. 'What is 4817 times 9023?'; without it, one question per line from stdin")
    ] = None,
    method: Annotated[
        Method, typer.Option(help="executors: question aligner + executors; neuro: the neurosymbolic intervention")
    ] = Method.executors,
    model: Annotated[str, typer.Option(help="a model that reads words: 'smollm2' or a local HF directory")] = "smollm2",
    adapters: AdaptersDir = None,
    trace: Annotated[
        bool,
        typer.Option(
            "--trace", help="show the expression and every step (neuro: what the engine read, and why the gate did)"
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per question, for scripts")] = False,
    free: Annotated[
        bool,
        typer.Option(
            "--free-aligner",
            help="let the aligner write any text, not only an expression on the question's own numbers or CANNOT",
        ),
    ] = False,
    run: AskRun = None,
    device: Device = None,
) -> int:
    """Answer a question in words; the answer alone is the last line ("cannot parse" when the
    question names nothing the executors compute)."""
    from lmarith import api

    questions = questions_from(question)
    answers = each_with_progress(
        lambda on_step: api.ask_each(
            questions,
            method=method.value,
            model=model,
            adapters=adapters,
            run=run,
            device=device,
            constrained=not free,
            trace=trace,
            explain=trace,
            cache=False,
            on_step=on_step,
        )
    )
    if method is Method.neuro:
        print_neuro_answers(answers, one_line=question is None, explain=trace, as_json=as_json)  # type: ignore[arg-type]
        return 0
    failed = False
    for item in answers:
        failed |= item.answer is None
        if as_json:
            record = {
                "question": item.question,
                "aligned": item.aligned,
                "expression": item.expression,
                "answer": item.answer,
                "verified": item.verified,
                "left_out": list(item.left_out),
                "strict": item.strict,
                "reason": item.reason,
                "seconds": item.seconds,
                "calls": item.result.calls if item.result else 0,
            }
            typer.echo(json.dumps(record))
        else:
            if trace:
                typer.echo(f"expression: {item.aligned}")
                if item.result is not None:
                    print_trace(item.result, DEFAULT_FORMAT)
            if item.reason is not None:
                print(f"error: {item.reason}", file=sys.stderr)
            typer.echo(item.answer if item.answer is not None else "cannot parse")
        sys.stdout.flush()
    return 1 if failed else 0


__all__ = ["Method", "ask_command"]
