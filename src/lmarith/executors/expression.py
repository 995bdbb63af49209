"""Expressions of several operations, computed by the executors one operation at a time.

As CAEF's composite machines call other machines, each operation of ``(123+456)*789`` is its
operator's machine run by the language model on the answers of the operations below it
(``123+456`` first, then ``579*789``); nothing is computed by Python but the check.
``max(a,b)`` is the executors' ``a>b`` (``min``: ``a<b``), the runtime then taking ``a`` if
they answered True, else ``b``, as a machine branches on a comparison it called.
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
    """One ``Result`` for the whole expression: its value (the last operation's answer, or the
    operand a max/min at the top picked), checked against Python's value of the whole;
    ``strict`` when every operation's every step was the reference's; calls, tokens and seconds
    summed; the steps of every operation in the order they ran. The first operation that fails
    ends it (its ``reason``, prefixed with which)."""
    done: list[Result] = []

    def value(node: Expression | int) -> str:
        """The node's answer: a number's digits, what the executors answered for an operation,
        or for max/min the operand their comparison picked."""
        if isinstance(node, int):
            return str(node)
        a, b = int(value(node.left)), int(value(node.right))
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
        if node.picks:
            return str(a if result.answer == "True" else b)
        return result.answer  # a comparison's True/False only at the top: never an operand

    try:
        answer: str | None = value(expression)
    except _Failed:
        answer = None
    last = done[-1]
    failed = next((r for r in done if r.answer is None), None)
    first_off = next((r for r in done if r.deviation is not None), None)
    expected = expression.answer()
    return replace(
        last,
        answer=answer,
        expected=expected,
        correct=answer == expected,
        strict=all(r.strict for r in done) and answer == expected,
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
