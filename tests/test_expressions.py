"""Expressions of several operations: usual precedence and parentheses, every operation run by
the executors on the answers of the ones below it (issue 48, item 1)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmarith.errors import LmarithError
from lmarith.machines.problems import Expression, Problem, parse_expression


@pytest.mark.parametrize(
    ("text", "value"),
    [("(123+456)*789", "456831"), ("12+30+5", "47"), ("2*3+4*5", "26"), ("100//(3+4)", "14"), ("(2+3)>4", "True")],
)
def test_expressions_read_with_the_usual_precedence(text: str, value: str) -> None:
    parsed = parse_expression(text)
    assert isinstance(parsed, Expression) and parsed.answer() == value


def test_one_operation_is_still_a_problem() -> None:
    assert parse_expression("12+34") == Problem(12, parse_expression("1+2").op, 34)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1+(2>3)", "cannot be an operand"),
        ("-5+3", "non-negative"),
        ("(-5)+3", "non-negative"),
        ("7/2", "cannot read"),
        ("2**3", "only + - * // == > <"),
        ("1<2<3", "only + - * // == > <"),
        ("(12)", "expected an expression"),
        ("(1+2", "expected an expression"),
    ],
)
def test_what_the_machines_cannot_compute_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(LmarithError, match=re.escape(message)):
        parse_expression(text)


@settings(max_examples=40, deadline=None)
@given(a=st.integers(0, 10**6), b=st.integers(0, 999), c=st.integers(1, 99))
def test_python_reads_our_expressions_the_same_way(a: int, b: int, c: int) -> None:
    text = f"({a}+{b})*{c}-{b}//{c}"
    assert parse_expression(text).answer() == str(eval(text))  # noqa: S307 (digits and operators only)


def test_solve_runs_every_operation_on_the_executors(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("solve", "(123+456)*789", "--json", "--trace")
    record = json.loads(out)
    assert code == 0, err
    assert (record["answer"], record["correct"], record["strict"]) == ("456831", True, True)
    tasks = [step["task"] for step in record["steps"]]
    assert tasks[0] == "ADD" and "LONG_MUL" in tasks  # 123+456 first, then 579*789 on its answer
    assert record["calls"] == len(record["steps"])
    code, out, err = cli("solve", "3-5+10")
    assert code == 2 and err.count("\n") == 1 and "intermediate result is -2" in err
    code, out, _ = cli("solve", "(2+3)>4")
    assert (code, out.strip()) == (0, "True")
