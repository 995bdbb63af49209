"""`lmarith ask`: a question in words, answered exactly.

``--method executors`` (the default): the question aligner writes the expression, the
executors compute it on the same model (SmolLM2 with its shipped adapters by default).
``--method neuro``: the neurosymbolic intervention (``lmarith neuro ask``).
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated

import typer

from lmarith.cli.app import app
from lmarith.cli.neuro import AskRun
from lmarith.cli.solve import AdaptersDir, Device, print_trace
from lmarith.errors import LmarithError


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
    trace: Annotated[bool, typer.Option("--trace", help="show the expression and every step")] = False,
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
    if question is not None and not question.strip():
        raise LmarithError("the question is empty")
    if method is Method.neuro:
        from lmarith.cli.neuro import ask_cmd

        ask_cmd(question, run=run, explain=trace, max_new_tokens=16, timing=False, device=device)
        return 0
    if model == "default":
        raise LmarithError("the embedded default reads expressions, not words: use `lmarith solve`, or --model smollm2")
    from lmarith.executors import Request
    from lmarith.executors.lm_policy import load_policy
    from lmarith.executors.question_aligner import ask
    from lmarith.executors.tasks import QUESTION_TASK

    policy = load_policy(model, adapters, device, batch_size=64)
    policy.adapter_for(Request(QUESTION_TASK, ""))  # no aligner: say so before reading stdin
    questions = [question] if question is not None else [line.strip() for line in sys.stdin if line.strip()]
    failed = False
    for item in ask(policy, questions, trace=trace, constrained=not free):
        failed |= item.answer is None
        if as_json:
            record = {
                "question": item.question,
                "aligned": item.aligned,
                "expression": item.expression,
                "answer": item.answer,
                "correct": item.correct,
                "reason": item.reason,
                "seconds": item.seconds,
                "calls": item.result.calls if item.result else 0,
            }
            typer.echo(json.dumps(record))
            continue
        if trace:
            typer.echo(f"expression: {item.aligned}")
            if item.result is not None:
                print_trace(item.result)
        if item.reason is not None:
            print(f"error: {item.reason}", file=sys.stderr)
        typer.echo(item.answer if item.answer is not None else "cannot parse")
    return 1 if failed else 0


__all__ = ["Method", "ask_command"]
