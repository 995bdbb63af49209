"""Arithmetic problems as people write them (``47819-12345``) and the machines that solve them.

This is where problem text is parsed and answers are formatted; the aligners' text (``a+b=``
prompts, ``a+b=c`` answers) is produced here too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import permutations

from lmarith.errors import LmarithError
from lmarith.machines.core import Config, Machine, machine

MAX_DIGITS = 2000
"""Longest operand accepted from users: a CAEF trace is O(n^2) characters, so a 2000-digit
addition already prints ~16 MB of text."""

MAX_CAEF_LOOPS = 100_000
"""CAEF's MUL loops b times and DIV loops quotient times; beyond this, use the long machines."""


@dataclass(frozen=True)
class Operator:
    """An operator symbol, its short name (``--op``), and its CAEF and schoolbook machines."""

    symbol: str
    name: str
    caef: str
    long: str


OPERATORS: tuple[Operator, ...] = (
    Operator("+", "add", "ADD", "ADD"),
    Operator("-", "sub", "SUB", "LONG_SUB"),
    Operator("*", "mul", "MUL", "LONG_MUL"),
    Operator("//", "div", "DIV", "LONG_DIV"),
    Operator("==", "eq", "EQUAL", "EQUAL"),
    Operator(">", "gt", "GREATER_THAN", "GREATER_THAN"),
    Operator("<", "lt", "LESS_THAN", "LESS_THAN"),
)
BY_NAME = {op.name: op for op in OPERATORS}
BY_SYMBOL = {op.symbol: op for op in OPERATORS}

_PROBLEM = re.compile(r"\s*(\S*?)\s*(//|==|[+\-*<>])\s*(\S*?)\s*=?\s*")
_NEGATIVE = re.compile(r"^\s*-|(//|==|[+\-*<>])\s*-")


def operator(name_or_symbol: str) -> Operator:
    """Look an operator up by ``--op`` name (``add``) or symbol (``+``)."""
    found = BY_NAME.get(name_or_symbol) or BY_SYMBOL.get(name_or_symbol)
    if found is None:
        names = ", ".join(f"{o.name} ({o.symbol})" for o in OPERATORS)
        raise LmarithError(f"unknown operator {name_or_symbol!r}; known: {names}")
    return found


@dataclass(frozen=True)
class Problem:
    """A parsed problem ``a <op> b``."""

    a: int
    op: Operator
    b: int

    def machine_name(self, long: bool = False) -> str:
        return self.op.long if long else self.op.caef

    def prompt(self) -> str:
        """The aligner's input text, e.g. ``1504+2379=``."""
        return f"{self.a}{self.op.symbol}{self.b}="

    def start(self, long: bool = False) -> Config:
        """The machine's first configuration, with the operand checks of that machine."""
        name = self.machine_name(long)
        if name == "MUL" and self.b > MAX_CAEF_LOOPS:
            raise LmarithError(f"CAEF's MUL loops b={self.b} times; use --long for the schoolbook machine")
        if name == "DIV" and self.b and self.a // self.b > MAX_CAEF_LOOPS:
            raise LmarithError("CAEF's DIV loops once per unit of the quotient; use --long for long division")
        return machine(name).start(self.a, self.b)

    def answer(self) -> str:
        """Python's answer, in the machines' answer format."""
        a, b = self.a, self.b
        if self.op.name in ("eq", "gt", "lt"):
            return str({"eq": a == b, "gt": a > b, "lt": a < b}[self.op.name])
        if self.op.name == "div":
            if b == 0:
                raise LmarithError("division by zero")
            return str(a // b)
        return str({"add": a + b, "sub": a - b, "mul": a * b}[self.op.name])


def parse_problem(text: str) -> Problem:
    """Parse ``a<op>b`` (a trailing ``=`` is allowed); bad input -> one-line ``LmarithError``."""
    if _NEGATIVE.search(text):
        raise LmarithError("operands must be non-negative integers")
    match = _PROBLEM.fullmatch(text)
    if match is None or not match.group(1) or not match.group(3):
        raise LmarithError(f"cannot read {text!r}: expected <a><op><b> such as 47819-12345")
    left, symbol, right = match.groups()
    for operand in (left, right):
        if not operand.isdigit() or not operand.isascii():
            raise LmarithError(f"operand {operand[:20]!r} is not a non-negative integer")
        if len(operand) > MAX_DIGITS:
            raise LmarithError(f"operand has {len(operand)} digits; the limit is {MAX_DIGITS}")
    problem = Problem(int(left), operator(symbol), int(right))
    if problem.op.name == "div" and problem.b == 0:
        raise LmarithError("division by zero")
    return problem


#: an expression of several operations, or with parentheses: ``(123+456)*789``
@dataclass(frozen=True)
class Expression:
    """One operation whose operands are numbers or other operations (usual precedence:
    * and // before + and -, comparisons last; parentheses group).

    ``picks``: the operation is ``max``/``min`` (:data:`PICKS`), its comparison run by the
    executors like any other, and its value the operand that comparison chose (``a`` when
    ``a>b`` for ``max``, ``a<b`` for ``min``, is True, else ``b``): a number, not True/False."""

    op: Operator
    left: Expression | int
    right: Expression | int
    picks: bool = False

    def answer(self) -> str:
        """Python's answer of the whole, in the machines' answer format (:meth:`Problem.answer`
        at every operation), the one the executors' answer is checked against."""
        a, b = (int(x.answer()) if isinstance(x, Expression) else x for x in (self.left, self.right))
        answer = Problem(a, self.op, b).answer()
        if self.picks:
            return str(a if answer == "True" else b)
        return answer


def runnable(node: Problem | Expression | int) -> bool:
    """Whether the executors can run ``node``: every operation's operands non-negative (their
    machines take no negative operand; the whole may be negative, ``3-5``), no division by 0."""
    if isinstance(node, Problem):
        node = Expression(node.op, node.a, node.b)
    if isinstance(node, int):
        return True
    try:
        node.answer()
    except LmarithError:
        return False
    return all(
        isinstance(part, int) or (runnable(part) and part.answer() not in ("True", "False") and int(part.answer()) >= 0)
        for part in (node.left, node.right)
    )


def leaves(node: Problem | Expression | int) -> tuple[int, ...]:
    """The numbers an expression is written with, left to right."""
    if isinstance(node, int):
        return (node,)
    if isinstance(node, Problem):
        return (node.a, node.b)
    return leaves(node.left) + leaves(node.right)


PICKS: dict[str, str] = {"max": "gt", "min": "lt"}
"""``max(a,b)``/``min(a,b)`` and the comparison whose answer picks the operand."""

_OPERATOR_SYMBOL = re.compile(r"//|==|[+\-*<>]")
_AST_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Eq: "==", ast.Gt: ">", ast.Lt: "<"}


def parse_expression(text: str) -> Problem | Expression:
    """``a<op>b`` as :func:`parse_problem` reads it, or an expression of several operations
    with parentheses (``(123+456)*789``, ``12+30+5``, ``2*3+4*5``, ``max(4021,4012)``), read by
    Python's own parser and refused unless it is + - * //, max/min of two operands, and one
    comparison (at the top) on non-negative integers."""
    body = text.strip().removesuffix("=").strip()
    if "(" not in body and ")" not in body and len(_OPERATOR_SYMBOL.findall(body)) <= 1:
        return parse_problem(text)
    if _NEGATIVE.search(body.replace("(", " ")):
        raise LmarithError("operands must be non-negative integers")
    try:
        tree = ast.parse(body, mode="eval").body
    except SyntaxError:
        raise LmarithError(f"cannot read {text[:60]!r}: expected an expression such as (123+456)*789") from None

    def build(node: ast.expr, top: bool) -> Expression | int:
        segment = ast.get_source_segment(body, node) or ""
        if isinstance(node, ast.Constant) and type(node.value) is int and segment.isdigit():
            if len(segment) > MAX_DIGITS:
                raise LmarithError(f"operand has {len(segment)} digits; the limit is {MAX_DIGITS}")
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _AST_SYMBOLS:
            return Expression(operator(_AST_SYMBOLS[type(node.op)]), build(node.left, False), build(node.right, False))
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _AST_SYMBOLS:
            if not top:
                raise LmarithError(f"{segment!r} is a comparison: its answer (True/False) cannot be an operand")
            return Expression(
                operator(_AST_SYMBOLS[type(node.ops[0])]), build(node.left, False), build(node.comparators[0], False)
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name not in PICKS:
                raise LmarithError(f"unknown function {name[:20]!r}: only max(a,b) and min(a,b)")
            if len(node.args) != 2 or node.keywords:
                raise LmarithError(f"cannot read {segment[:40]!r}: {name} takes exactly two operands")
            left, right = (build(arg, False) for arg in node.args)
            return Expression(operator(PICKS[name]), left, right, picks=True)
        raise LmarithError(f"cannot read {segment[:40]!r}: only + - * // == > < on non-negative integers")

    built = build(tree, True)
    if isinstance(built, int):
        raise LmarithError(f"cannot read {text[:60]!r}: expected an expression such as (123+456)*789")
    return built


_BINDING = {"+": 1, "-": 1, "*": 2, "//": 2}
"""How tightly each arithmetic operator binds; a comparison binds 0, a number or max/min 3."""
_REGROUPS = {("+", "+"), ("+", "-"), ("*", "*")}
"""``a+(b+c)``, ``a+(b-c)``, ``a*(b*c)``: the same value without the parentheses, so they go."""


def _binding(op: Operator | None) -> int:
    return 3 if op is None else _BINDING.get(op.symbol, 0)


def _join(op: Operator, left: str, left_op: Operator | None, right: str, right_op: Operator | None) -> str:
    """``left op right`` with the parentheses its operands need (``left_op``/``right_op``: their
    operations, ``None`` for a number or max/min); left-associative."""
    binding = _binding(op)
    if _binding(left_op) < binding:
        left = f"({left})"
    right_binding = _binding(right_op)
    regroups = right_op is not None and (op.symbol, right_op.symbol) in _REGROUPS
    if right_binding < binding or (right_binding == binding and not regroups):
        right = f"({right})"
    return f"{left}{op.symbol}{right}"


def _top(expr: Expression | int) -> Operator | None:
    """The operation whose parentheses count: ``None`` for a number or max/min (already grouped)."""
    return None if isinstance(expr, int) or expr.picks else expr.op


def render(expr: Problem | Expression | int) -> str:
    """The canonical text: no spaces, the fewest parentheses (``a-(b-c)``, ``a-b-c``, ``a*b//c``,
    ``a+b>c``, ``max(x,y)``) that :func:`parse_expression` reads back to the same answer; a
    two-number operation is ``f"{x}{symbol}{y}"``, the question aligner's text."""
    if isinstance(expr, Problem):
        return f"{expr.a}{expr.op.symbol}{expr.b}"
    if isinstance(expr, int):
        return str(expr)
    left, right = render(expr.left), render(expr.right)
    if expr.picks:
        name = next(name for name, op in PICKS.items() if op == expr.op.name)
        return f"{name}({left},{right})"
    return _join(expr.op, left, _top(expr.left), right, _top(expr.right))


def expressions_on(numbers: Sequence[int]) -> tuple[str, ...]:
    """Every canonical text (:func:`render`) that uses each of ``numbers`` (non-negative) as
    often as it is given, in any order: + - * // trees over 2 to 4 numbers, and for two numbers
    also their comparisons and max/min. The question aligner's choices, so the order is stable
    (the given order first); ``()`` for fewer than 2 or more than 4 numbers."""
    if not 2 <= len(numbers) <= 4:
        return ()
    arithmetic = [op for op in OPERATORS if op.symbol in _BINDING]

    @cache
    def trees(ordered: tuple[int, ...]) -> dict[str, Operator | None]:
        """Text -> top operation of every + - * // tree over ``ordered``, in that order; kept per
        call, as orderings share parts. Trees that only regroup the same value share one text,
        and their top operations need the same parentheses, so the first one stands for all."""
        if len(ordered) == 1:
            return {str(ordered[0]): None}
        found: dict[str, Operator | None] = {}
        for cut in range(1, len(ordered)):
            for left, left_op in trees(ordered[:cut]).items():
                for right, right_op in trees(ordered[cut:]).items():
                    for op in arithmetic:
                        found.setdefault(_join(op, left, left_op, right, right_op), op)
        return found

    texts: dict[str, None] = {}
    for ordered in dict.fromkeys(permutations(numbers)):
        texts.update(dict.fromkeys(trees(ordered)))
        if len(ordered) == 2:
            x, y = ordered
            texts.update(dict.fromkeys(render(Expression(op, x, y)) for op in OPERATORS if op.symbol not in _BINDING))
            texts.update(dict.fromkeys(render(Expression(operator(op), x, y, picks=True)) for op in PICKS.values()))
    return tuple(texts)


def answer_text(m: Machine, config: Config) -> str:
    """The output aligner's text for a halted configuration: ``a<op>b=c``."""
    op = next(o for o in OPERATORS if m.name in (o.caef, o.long))
    a, b = m.operands(config)
    return f"{a}{op.symbol}{b}={m.answer(config)}"


def parse_answer_text(text: str) -> str:
    """The answer ``c`` of an output aligner's ``a<op>b=c``; a text without one is an error."""
    head, found, answer = text.rpartition("=")
    if not found or not head or _PROBLEM.fullmatch(head) is None:
        raise LmarithError(f"the output aligner wrote no a<op>b=c: {text[:60]!r}")
    return answer
