"""Expressions of several operations, computed by the executors one operation at a time.

As CAEF's composite machines call other machines, each operation of ``(123+456)*789`` is its
operator's machine run by the language model on the answers of the operations below it
(``123+456`` first, then ``579*789``); nothing is computed by Python but the check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lmarith.errors import LmarithError
from lmarith.executors.driver import Result, execute
from lmarith.executors.policy import Policy
from lmarith.formats import Format
from lmarith.machines.problems import Expression, Problem


def execute_expression(
    expression: Expression,
    policy: Policy,
    *,
    fmt: Format,
    long: bool,
    align: Callable[[Problem], bool],
    max_steps: int | None = None,
    trace: bool = False,
) -> Result:
    """One ``Result`` for the whole expression: the last operation's answer, checked against
    Python's value of the whole; ``strict`` when every operation's every step was the
    reference's; calls, tokens and seconds summed; the steps of every operation in the order
    they ran. The first operation that fails ends it (its ``reason``, prefixed with which)."""
    done: list[Result] = []

    def value(node: Expression | int) -> int:
        if isinstance(node, int):
            return node
        a, b = value(node.left), value(node.right)
        if a < 0 or b < 0:
            raise LmarithError(f"an intermediate result is {min(a, b)}: the machines take non-negative operands")
        if node.op.name == "div" and b == 0:
            raise LmarithError(f"division by zero: {a}//{b}")
        problem = Problem(a, node.op, b)
        [result] = execute(
            [problem], policy, fmt=fmt, long=long, align=align(problem), max_steps=max_steps, trace=trace
        )
        done.append(result)
        if result.answer is None:
            raise _Failed
        return int(result.answer) if node.op.name in ("add", "sub", "mul", "div") else 0  # a comparison: the top

    try:
        value(expression)
    except _Failed:
        pass
    last = done[-1]
    failed = next((r for r in done if r.answer is None), None)
    first_off = next((r for r in done if r.deviation is not None), None)
    expected = expression.answer()
    return replace(
        last,
        expected=expected,
        correct=failed is None and last.answer == expected,
        strict=all(r.strict for r in done) and failed is None and last.answer == expected,
        calls=sum(r.calls for r in done),
        tokens=sum(r.tokens for r in done),
        seconds=sum(r.seconds for r in done),
        reason=None if failed is None else f"in {failed.problem.prompt()[:-1]}: {failed.reason}",
        failure=None if failed is None else failed.failure,
        deviation=None if first_off is None else f"in {first_off.problem.prompt()[:-1]}: {first_off.deviation}",
        trace=[step for r in done for step in r.trace],
    )


class _Failed(Exception):
    """An operation ended without an answer; the expression stops there."""
