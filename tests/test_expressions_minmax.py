"""``max(a,b)``/``min(a,b)`` in expressions (the executors' comparison picks the operand), and
the canonical text of expressions with every expression on a question's numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmarith.errors import LmarithError
from lmarith.executors import expression as expression_module
from lmarith.executors.driver import Result
from lmarith.executors.expression import execute_expression
from lmarith.machines.problems import (
    OPERATORS,
    Expression,
    Problem,
    expressions_on,
    operator,
    parse_expression,
    render,
)

GT, LT, ADD, MUL = (operator(symbol) for symbol in (">", "<", "+", "*"))
ARITHMETIC = [op for op in OPERATORS if op.name in ("add", "sub", "mul", "div")]
COMPARISONS = [op for op in OPERATORS if op.name in ("eq", "gt", "lt")]


@pytest.mark.parametrize(
    ("text", "tree", "value"),
    [
        ("max(4021,4012)", Expression(GT, 4021, 4012, picks=True), "4021"),
        ("min(3,9)+1", Expression(ADD, Expression(LT, 3, 9, picks=True), 1), "4"),
        ("2*max(5,7)", Expression(MUL, 2, Expression(GT, 5, 7, picks=True)), "14"),
        ("max(5,5)", Expression(GT, 5, 5, picks=True), "5"),
        ("min( 2+3 , 4*1 )", Expression(LT, Expression(ADD, 2, 3), Expression(MUL, 4, 1), picks=True), "4"),
    ],
)
def test_max_and_min_are_a_comparison_that_picks_an_operand(text: str, tree: Expression, value: str) -> None:
    assert parse_expression(text) == tree
    assert tree.answer() == value


def test_max_min_answers_are_pythons() -> None:
    assert parse_expression("max(2,3)>1").answer() == "True"
    assert parse_expression("max(10//3,1+1)-min(7,0)").answer() == str(max(10 // 3, 1 + 1) - min(7, 0))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max(1)", "max takes exactly two operands"),
        ("max(1,2,3)", "max takes exactly two operands"),
        ("min(a=1,b=2)", "min takes exactly two operands"),
        ("max(1>2,3)", "cannot be an operand"),
        ("foo(1,2)", "unknown function 'foo'"),
        ("max(1,-2)", "non-negative integers"),
    ],
)
def test_what_max_and_min_cannot_take_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(LmarithError, match=re.escape(message)) as error:
        parse_expression(text)
    assert "\n" not in str(error.value)


def test_the_executors_comparison_picks_the_operand(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime follows the executors' True/False, not Python's: a wrong comparison picks
    the wrong operand, and the whole is wrong."""

    def wrong(problems: list[Problem], *args: object, **kwargs: object) -> list[Result]:
        [problem] = problems
        return [Result(problem, problem.machine_name(), problem.answer(), answer="False", calls=1)]

    monkeypatch.setattr(expression_module, "execute", wrong)
    result = execute_expression(
        Expression(GT, 9, 4, picks=True),
        None,
        fmt="caef",
        long=True,
        align=lambda _: False,  # type: ignore[arg-type]
    )
    assert (result.answer, result.expected, result.correct, result.strict) == ("4", "9", False, False)


def test_solve_runs_max_and_min_on_the_executors() -> None:
    from lmarith import api

    result = api.solve("max(4021,4012)")
    assert (result.answer, result.expected, result.correct, result.strict) == ("4021", "4021", True, True)
    assert "GREATER_THAN" in {step.task for step in result.trace}
    result = api.solve("min(12,30)+5")
    assert (result.answer, result.expected, result.correct) == ("17", "17", True)
    tasks = [step.task for step in result.trace]
    assert "LESS_THAN" in tasks and "ADD" in tasks and tasks.index("LESS_THAN") < tasks.index("ADD")
    assert result.calls == len(result.trace)


@pytest.mark.parametrize(
    ("tree", "text"),
    [
        (Expression(operator("-"), 1, Expression(operator("-"), 2, 3)), "1-(2-3)"),
        (Expression(operator("-"), Expression(operator("-"), 1, 2), 3), "1-2-3"),
        (Expression(operator("//"), 1, Expression(MUL, 2, 3)), "1//(2*3)"),
        (Expression(operator("//"), Expression(MUL, 1, 2), 3), "1*2//3"),
        (Expression(MUL, 1, Expression(operator("//"), 2, 3)), "1*(2//3)"),
        (Expression(MUL, Expression(ADD, 1, 2), 3), "(1+2)*3"),
        (Expression(ADD, 1, Expression(MUL, 2, 3)), "1+2*3"),
        (Expression(ADD, 1, Expression(ADD, 2, 3)), "1+2+3"),  # the same value: no parentheses
        (Expression(GT, Expression(ADD, 1, 2), 3), "1+2>3"),
        (Expression(MUL, 2, Expression(LT, 3, 1 + 4, picks=True)), "2*min(3,5)"),
        (Expression(GT, Expression(ADD, 1, 2), 3, picks=True), "max(1+2,3)"),
        (7, "7"),
    ],
)
def test_render_writes_the_fewest_parentheses(tree: Expression | int, text: str) -> None:
    assert render(tree) == text


@settings(max_examples=30, deadline=None)
@given(x=st.integers(0, 10**12), y=st.integers(0, 10**12), op=st.sampled_from(OPERATORS))
def test_render_of_two_numbers_is_the_aligners_text(x: int, y: int, op: object) -> None:
    assert render(Expression(op, x, y)) == f"{x}{op.symbol}{y}"  # type: ignore[arg-type, attr-defined]


def _trees(depth: int) -> st.SearchStrategy[Expression | int]:
    numbers = st.integers(0, 60)
    return st.recursive(
        numbers,
        lambda inner: st.one_of(
            st.builds(Expression, st.sampled_from(ARITHMETIC), inner, inner),
            st.builds(Expression, st.sampled_from([GT, LT]), inner, inner, st.just(True)),
        ),
        max_leaves=depth,
    )


@settings(max_examples=150, deadline=None)
@given(tree=_trees(6), compare=st.sampled_from([None, *COMPARISONS]))
def test_render_reads_back_to_the_same_answer(tree: Expression | int, compare: object) -> None:
    whole = tree if compare is None else Expression(compare, tree, 3)  # type: ignore[arg-type]
    if isinstance(whole, int):
        return
    text = render(whole)
    assert " " not in text
    try:
        expected = whole.answer()
    except LmarithError:  # division by zero somewhere: refused when read back too
        with pytest.raises(LmarithError, match="division by zero"):
            parse_expression(text).answer()
        return
    assert parse_expression(text).answer() == expected


def _leaves(parsed: Problem | Expression | int) -> list[int]:
    if isinstance(parsed, int):
        return [parsed]
    if isinstance(parsed, Problem):
        return [parsed.a, parsed.b]
    return _leaves(parsed.left) + _leaves(parsed.right)


def _every_tree(ordered: tuple[int, ...]) -> Iterator[Expression | int]:
    if len(ordered) == 1:
        yield ordered[0]
        return
    for cut in range(1, len(ordered)):
        for left in _every_tree(ordered[:cut]):
            for right in _every_tree(ordered[cut:]):
                for op in ARITHMETIC:
                    yield Expression(op, left, right)


@settings(max_examples=40, deadline=None)
@given(numbers=st.lists(st.integers(0, 10**6), min_size=2, max_size=4))
def test_every_expression_on_numbers_parses_and_uses_them_exactly(numbers: list[int]) -> None:
    texts = expressions_on(numbers)
    assert texts and len(set(texts)) == len(texts)
    for text in texts:
        try:
            parsed = parse_expression(text)
        except LmarithError as error:  # x//0 of two numbers: no such problem
            assert str(error) == "division by zero" and text.endswith("//0")
            continue
        assert sorted(_leaves(parsed)) == sorted(numbers)
        if isinstance(parsed, Expression):
            assert render(parsed) == text  # the canonical text is a fixed point
    assert texts == expressions_on(numbers)  # stable


def test_two_numbers_give_every_operator_and_max_min_in_both_orders() -> None:
    texts = expressions_on([12, 30])
    ops = ("+", "-", "*", "//", "==", ">", "<")
    assert texts == (
        *(f"12{s}30" for s in ops),
        "max(12,30)",
        "min(12,30)",
        *(f"30{s}12" for s in ops),
        "max(30,12)",
        "min(30,12)",
    )
    assert len(expressions_on([5, 5])) == 9  # one order: deduplicated


@pytest.mark.parametrize("numbers", [[12, 30, 5], [12, 30, 5, 7], [2, 2, 3], [1, 1, 1, 1]])
def test_several_numbers_give_every_tree_once(numbers: list[int]) -> None:
    texts = expressions_on(numbers)
    every = {render(tree) for ordered in set(permutations(numbers)) for tree in _every_tree(ordered)}
    assert set(texts) == every and len(texts) == len(every)
    assert not any(text.startswith(("max", "min")) or re.search("==|<|>", text) for text in texts)
    if numbers == [12, 30, 5]:
        assert {"12+30+5", "(12+30)*5", "12*30+5", "12-(30-5)", "5*(30-12)"} <= set(texts)
    if numbers == [12, 30, 5, 7]:
        assert {"12+30+5+7", "(12+30)*(5+7)", "12*30//5-7", "7//(5-30//12)"} <= set(texts)


def test_several_numbers_counts() -> None:
    assert len(expressions_on([12, 30, 5])) == 174  # 6 orders x 2 shapes x 16 operator pairs, regrouped
    assert len(expressions_on([12, 30, 5, 7])) == 6312  # of 24 x 5 x 64 = 7680 trees
    assert expressions_on([12]) == () and expressions_on([1, 2, 3, 4, 5]) == () and expressions_on([]) == ()
