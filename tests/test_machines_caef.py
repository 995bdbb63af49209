"""CAEF machines: the original's text byte for byte, exact answers, sound text formats.

Expected strings are written by hand from the original code's templates and its docstring
examples (NJUDeepEngine/CAEF, turing_machine/*/), converted to the ``|``-separated form. The
original's docstrings write tapes as given (``1234`` is the tape of 4321).
"""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmarith.errors import LmarithError
from lmarith.machines import Call, Command, caef, compute, count_transitions, machine, run, walk, window
from lmarith.machines.core import Transition
from soundness import assert_sound

HALT_LINE = "No command to execute. Halt state."


def trace(name: str, *operands: int) -> str:
    return caef.trace_text(run(machine(name).start(*operands)))


def lines(text: str) -> str:
    """A hand-written block without its indentation and surrounding blank lines."""
    return textwrap.dedent(text).strip("\n")


# --- the spec's examples ---------------------------------------------------------------


def test_add_345_678_full_trace() -> None:
    assert trace("ADD", 345, 678) == lines("""
        ADD, q0, [HEAD1] |5|4|3[HEAD2] |8|7|6 [C] [OUTPUT]
        CMD: [C] 0, [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        ADD, q1,  [HEAD1]|5|4|3 [HEAD2]|8|7|6 [C]0 [OUTPUT]
        CMD: [C] 1, [OUTPUT] 3, [OUTPUT] RIGHT, [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        ADD, q1,  |5[HEAD1]|4|3 |8[HEAD2]|7|6 [C]1 |3[OUTPUT]
        CMD: [C] 1, [OUTPUT] 2, [OUTPUT] RIGHT, [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        ADD, q1,  |5|4[HEAD1]|3 |8|7[HEAD2]|6 [C]1 |3|2[OUTPUT]
        CMD: [C] 1, [OUTPUT] 0, [OUTPUT] RIGHT, [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        ADD, q1,  |5|4|3[HEAD1] |8|7|6[HEAD2] [C]1 |3|2|0[OUTPUT]
        CMD: [OUTPUT] 1, [OUTPUT], [C], qH
        ADD, qH,  |5|4|3[HEAD1] |8|7|6[HEAD2] [C]1 |3|2|0|1
        No command to execute. Halt state.
    """)
    # once an operand runs out its head move is dropped; a spent carry of 0 is not written
    text = trace("ADD", 5, 12)
    assert "CMD: [C] 0, [OUTPUT] 1, [OUTPUT] RIGHT, [HEAD2] RIGHT, q1" in text
    assert text.endswith("CMD: [OUTPUT] 0, [OUTPUT], [C], qH\nADD, qH,  |5[HEAD1] |2|1[HEAD2] [C]0 |7|1\n" + HALT_LINE)


SUB_TEXTS = [
    (
        """
SUB, q0, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 
CMD q1""",
        """
SUB, q1, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 
CMD [CALL] REFLECTION, q2
REFLECTION, q0, [HEAD1] |9|9|9|9|9[HEAD2] |5|4|3|2|1 [OUTPUT]
CMD [HEAD1] RIGHT, [HEAD2] RIGHT, q1""",
    ),
    (
        """
SUB, q1, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 
CMD [CALL] REFLECTION, q2
REFLECTION, qH,  |9|9|9|9|9[HEAD1] |5|4|3|2|1[HEAD2] |4|5|6|7|8
No command to execute. Halt state.""",
        """
SUB, q2, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 
CMD [CALL] ADD, q3
ADD, q0, [HEAD1] |9|1|8|7|4[HEAD2] |4|5|6|7|8 [C] [OUTPUT]
CMD: [C] 0, [HEAD1] RIGHT, [HEAD2] RIGHT, q1""",
    ),
    # the original pasted "[C]0" here (input.py); the real ADD halts with its carry 1
    (
        """
SUB, q2, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 
CMD [CALL] ADD, q3
ADD, qH,  |9|1|8|7|4[HEAD1] |4|5|6|7|8[HEAD2] [C]1 |3|7|4|5|3|1
No command to execute. Halt state.""",
        """
SUB, q3, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 
CMD [CALL] ADD, q4
ADD, q0, [HEAD1] |3|7|4|5|3|1[HEAD2] |1 [C] [OUTPUT]
CMD: [C] 0, [HEAD1] RIGHT, [HEAD2] RIGHT, q1""",
    ),
    (
        """
SUB, q3, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 
CMD [CALL] ADD, q4
ADD, qH,  |3|7|4|5|3|1[HEAD1] |1[HEAD2] [C]0 |4|7|4|5|3|1
No command to execute. Halt state.""",
        """
SUB, q4, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 
CMD [CALL] LEFT_MASK, qH
LEFT_MASK, q0, [HEAD] |4|7|4|5|3|1 [OUTPUT]
CMD [HEAD] RIGHT, q1""",
    ),
    (
        """
SUB, q4, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 
CMD [CALL] LEFT_MASK, qH
LEFT_MASK, qH,  |4|7|4|5|3|1[HEAD] |4|7|4|5|3
No command to execute. Halt state.""",
        """
SUB, qH, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 |4|7|4|5|3
No command to execute. Halt state.""",
    ),
]


def test_sub_47819_12345_call_and_return_texts() -> None:
    """The spec's call example is the first pair; the rest is the original's docstring."""
    pairs = caef.transition_texts(run(machine("SUB").start(47819, 12345)))
    assert pairs == [(source.strip("\n"), target.strip("\n")) for source, target in SUB_TEXTS]


# --- the other machines, against the original's templates and examples -------------------


def test_equal_traces() -> None:
    assert trace("EQUAL", 4321, 4321) == lines("""
        EQUAL, q0, [HEAD1] |1|2|3|4[HEAD2] |1|2|3|4 [OUTPUT]
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] True, q1
        EQUAL, q1,  [HEAD1]|1|2|3|4 [HEAD2]|1|2|3|4 [OUTPUT]True
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        EQUAL, q1,  |1[HEAD1]|2|3|4 |1[HEAD2]|2|3|4 [OUTPUT]True
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        EQUAL, q1,  |1|2[HEAD1]|3|4 |1|2[HEAD2]|3|4 [OUTPUT]True
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        EQUAL, q1,  |1|2|3[HEAD1]|4 |1|2|3[HEAD2]|4 [OUTPUT]True
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        EQUAL, q1,  |1|2|3|4[HEAD1] |1|2|3|4[HEAD2] [OUTPUT]True
        CMD [OUTPUT], qH
        EQUAL, qH,  |1|2|3|4[HEAD1] |1|2|3|4[HEAD2] True
        No command to execute. Halt state.
    """)
    # early exit at the first mismatch: the heads stay where they are
    assert trace("EQUAL", 4321, 4391).endswith(
        lines("""
        EQUAL, q1,  |1[HEAD1]|2|3|4 |1[HEAD2]|9|3|4 [OUTPUT]True
        CMD [OUTPUT] False, [OUTPUT], qH
        EQUAL, qH,  |1[HEAD1]|2|3|4 |1[HEAD2]|9|3|4 False
        No command to execute. Halt state.
    """)
    )
    # unequal lengths
    assert trace("EQUAL", 321, 4321).endswith(
        lines("""
        EQUAL, q1,  |1|2|3[HEAD1] |1|2|3[HEAD2]|4 [OUTPUT]True
        CMD [OUTPUT] False, [OUTPUT], qH
        EQUAL, qH,  |1|2|3[HEAD1] |1|2|3[HEAD2]|4 False
        No command to execute. Halt state.
    """)
    )


def test_greater_than_trace() -> None:
    assert trace("GREATER_THAN", 5321, 4321) == lines("""
        GREATER_THAN, q0, [HEAD1] |1|2|3|5[HEAD2] |1|2|3|4 [OUTPUT]
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] False, q1
        GREATER_THAN, q1,  [HEAD1]|1|2|3|5 [HEAD2]|1|2|3|4 [OUTPUT]False
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        GREATER_THAN, q1,  |1[HEAD1]|2|3|5 |1[HEAD2]|2|3|4 [OUTPUT]False
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        GREATER_THAN, q1,  |1|2[HEAD1]|3|5 |1|2[HEAD2]|3|4 [OUTPUT]False
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        GREATER_THAN, q1,  |1|2|3[HEAD1]|5 |1|2|3[HEAD2]|4 [OUTPUT]False
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] True, q1
        GREATER_THAN, q1,  |1|2|3|5[HEAD1] |1|2|3|4[HEAD2] [OUTPUT]True
        CMD [OUTPUT], qH
        GREATER_THAN, qH,  |1|2|3|5[HEAD1] |1|2|3|4[HEAD2] True
        No command to execute. Halt state.
    """)
    # every differing pair overwrites the verdict, even with the same value
    assert "CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] False, q1\nGREATER_THAN, q1,  |1[HEAD1]" in trace(
        "GREATER_THAN", 21, 12
    )
    # a longer operand decides at once
    assert trace("GREATER_THAN", 15, 5).endswith(
        lines("""
        CMD [OUTPUT] True, [OUTPUT], qH
        GREATER_THAN, qH,  |5[HEAD1]|1 |5[HEAD2] True
        No command to execute. Halt state.
    """)
    )


def test_less_than_trace() -> None:
    text = trace("LESS_THAN", 5321, 4321)
    assert text.startswith(
        "LESS_THAN, q0, [HEAD1] |1|2|3|5[HEAD2] |1|2|3|4 [OUTPUT]\n"
        "CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] False, q1\n"
    )
    assert text.endswith(
        lines("""
        LESS_THAN, q1,  |1|2|3[HEAD1]|5 |1|2|3[HEAD2]|4 [OUTPUT]False
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] False, q1
        LESS_THAN, q1,  |1|2|3|5[HEAD1] |1|2|3|4[HEAD2] [OUTPUT]False
        CMD [OUTPUT], qH
        LESS_THAN, qH,  |1|2|3|5[HEAD1] |1|2|3|4[HEAD2] False
        No command to execute. Halt state.
    """)
    )
    assert trace("LESS_THAN", 5, 15).endswith(
        lines("""
        LESS_THAN, q1,  |5[HEAD1] |5[HEAD2]|1 [OUTPUT]False
        CMD [OUTPUT] True, [OUTPUT], qH
        LESS_THAN, qH,  |5[HEAD1] |5[HEAD2]|1 True
        No command to execute. Halt state.
    """)
    )


def test_reflection_traces() -> None:
    assert trace("REFLECTION", 9999, 4321) == lines("""
        REFLECTION, q0, [HEAD1] |9|9|9|9[HEAD2] |1|2|3|4 [OUTPUT]
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        REFLECTION, q1,  [HEAD1]|9|9|9|9 [HEAD2]|1|2|3|4 [OUTPUT]
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] 8, [OUTPUT] RIGHT, q1
        REFLECTION, q1,  |9[HEAD1]|9|9|9 |1[HEAD2]|2|3|4 |8[OUTPUT]
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] 7, [OUTPUT] RIGHT, q1
        REFLECTION, q1,  |9|9[HEAD1]|9|9 |1|2[HEAD2]|3|4 |8|7[OUTPUT]
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] 6, [OUTPUT] RIGHT, q1
        REFLECTION, q1,  |9|9|9[HEAD1]|9 |1|2|3[HEAD2]|4 |8|7|6[OUTPUT]
        CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] 5, [OUTPUT] RIGHT, q1
        REFLECTION, q1,  |9|9|9|9[HEAD1] |1|2|3|4[HEAD2] |8|7|6|5[OUTPUT]
        CMD q2
        REFLECTION, q2,  |9|9|9|9[HEAD1] |1|2|3|4[HEAD2] |8|7|6|5[OUTPUT]
        CMD [OUTPUT], qH
        REFLECTION, qH,  |9|9|9|9[HEAD1] |1|2|3|4[HEAD2] |8|7|6|5
        No command to execute. Halt state.
    """)
    # a shorter b: HEAD2's move is dropped; 9 - nothing = 9
    assert (
        "REFLECTION, q1,  |9[HEAD1]|9 |5[HEAD2] |4[OUTPUT]\nCMD [HEAD1] RIGHT, [OUTPUT] 9, [OUTPUT] RIGHT, q1"
        in trace("REFLECTION", 99, 5)
    )
    # leading zeros are stripped one per step; an empty q2 output prints a lone bar, the halt a 0
    assert trace("REFLECTION", 99, 99).endswith(
        lines("""
        CMD q2
        REFLECTION, q2,  |9|9[HEAD1] |9|9[HEAD2] |0|0[OUTPUT]
        CMD [OUTPUT] LEFT, q2
        REFLECTION, q2,  |9|9[HEAD1] |9|9[HEAD2] |0[OUTPUT]
        CMD [OUTPUT] LEFT, q2
        REFLECTION, q2,  |9|9[HEAD1] |9|9[HEAD2] |[OUTPUT]
        CMD [OUTPUT], qH
        REFLECTION, qH,  |9|9[HEAD1] |9|9[HEAD2] |0
        No command to execute. Halt state.
    """)
    )


def test_left_mask_traces() -> None:
    assert trace("LEFT_MASK", 12354) == lines("""
        LEFT_MASK, q0, [HEAD] |4|5|3|2|1 [OUTPUT]
        CMD [HEAD] RIGHT, q1
        LEFT_MASK, q1,  [HEAD]|4|5|3|2|1 [OUTPUT]
        CMD [HEAD] RIGHT, [OUTPUT] 4, [OUTPUT] RIGHT, q1
        LEFT_MASK, q1,  |4[HEAD]|5|3|2|1 |4[OUTPUT]
        CMD [HEAD] RIGHT, [OUTPUT] 5, [OUTPUT] RIGHT, q1
        LEFT_MASK, q1,  |4|5[HEAD]|3|2|1 |4|5[OUTPUT]
        CMD [HEAD] RIGHT, [OUTPUT] 3, [OUTPUT] RIGHT, q1
        LEFT_MASK, q1,  |4|5|3[HEAD]|2|1 |4|5|3[OUTPUT]
        CMD [HEAD] RIGHT, [OUTPUT] 2, [OUTPUT] RIGHT, q1
        LEFT_MASK, q1,  |4|5|3|2[HEAD]|1 |4|5|3|2[OUTPUT]
        CMD [HEAD] RIGHT, [OUTPUT] 1, [OUTPUT] RIGHT, q1
        LEFT_MASK, q1,  |4|5|3|2|1[HEAD] |4|5|3|2|1[OUTPUT]
        CMD [OUTPUT] LEFT, [OUTPUT] 0, q2
        LEFT_MASK, q2,  |4|5|3|2|1[HEAD] |4|5|3|2[OUTPUT]
        CMD qH
        LEFT_MASK, qH,  |4|5|3|2|1[HEAD] |4|5|3|2
        No command to execute. Halt state.
    """)
    # zeros under the dropped digit are stripped; nothing left prints a bare 0
    assert trace("LEFT_MASK", 1000).endswith(
        lines("""
        CMD [OUTPUT] LEFT, [OUTPUT] 0, q2
        LEFT_MASK, q2,  |0|0|0|1[HEAD] |0|0|0[OUTPUT]
        CMD [OUTPUT] LEFT, q2
        LEFT_MASK, q2,  |0|0|0|1[HEAD] |0|0[OUTPUT]
        CMD [OUTPUT] LEFT, q2
        LEFT_MASK, q2,  |0|0|0|1[HEAD] |0[OUTPUT]
        CMD [OUTPUT] LEFT, q2
        LEFT_MASK, q2,  |0|0|0|1[HEAD] [OUTPUT]
        CMD qH
        LEFT_MASK, qH,  |0|0|0|1[HEAD] 0
        No command to execute. Halt state.
    """)
    )
    assert compute("LEFT_MASK", 1000) == "0"


def test_mul_4513_3_texts() -> None:
    pairs = caef.transition_texts(run(machine("MUL").start(4513, 3)))
    assert len(pairs) == 8
    assert pairs[0] == (
        "MUL, q0, [HEAD1]|3|1|5|4 [HEAD2]|3 [COUNT] [OUTPUT]\nCMD [COUNT] 1, [OUTPUT]|3|1|5|4, q1",
        lines("""
            MUL, q1, [HEAD1]|3|1|5|4 [HEAD2]|3 [COUNT]|1 [OUTPUT]|3|1|5|4
            CMD [CALL] LESS_THAN, q2
            LESS_THAN, q0, [HEAD1] |1[HEAD2] |3 [OUTPUT]
            CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] False, q1
        """),
    )
    assert pairs[1] == (
        lines("""
            MUL, q1, [HEAD1]|3|1|5|4 [HEAD2]|3 [COUNT]|1 [OUTPUT]|3|1|5|4
            CMD [CALL] LESS_THAN, q2
            LESS_THAN, qH,  |1[HEAD1] |3[HEAD2] True
            No command to execute. Halt state.
        """),
        lines("""
            MUL, q2, [HEAD1]|3|1|5|4 [HEAD2]|3 [COUNT]|1 [OUTPUT]|3|1|5|4
            CMD [CALL] ADD, q3
            ADD, q0, [HEAD1] |3|1|5|4[HEAD2] |3|1|5|4 [C] [OUTPUT]
            CMD: [C] 0, [HEAD1] RIGHT, [HEAD2] RIGHT, q1
        """),
    )
    assert pairs[2][1] == lines("""
        MUL, q3, [HEAD1]|3|1|5|4 [HEAD2]|3 [COUNT]|1 [OUTPUT]|6|2|0|9
        CMD [CALL] ADD, q1
        ADD, q0, [HEAD1] |1[HEAD2] |1 [C] [OUTPUT]
        CMD: [C] 0, [HEAD1] RIGHT, [HEAD2] RIGHT, q1
    """)
    # the verdict False leads from q1 straight to the halt (the command line still says q2)
    assert pairs[-1] == (
        lines("""
            MUL, q1, [HEAD1]|3|1|5|4 [HEAD2]|3 [COUNT]|3 [OUTPUT]|9|3|5|3|1
            CMD [CALL] LESS_THAN, q2
            LESS_THAN, qH,  |3[HEAD1] |3[HEAD2] False
            No command to execute. Halt state.
        """),
        "MUL, qH, [HEAD1]|3|1|5|4 [HEAD2]|3 [COUNT]|3 |9|3|5|3|1\n" + HALT_LINE,
    )


def test_mul_by_zero_is_fixed() -> None:
    """The original returned a for a*0; ours starts an empty loop (COUNT 0, OUTPUT 0)."""
    steps = run(machine("MUL").start(45, 0))
    assert (
        caef.render(steps[0].config) == "MUL, q0, [HEAD1]|5|4 [HEAD2]|0 [COUNT] [OUTPUT]\nCMD [COUNT] 0, [OUTPUT]|0, q1"
    )
    assert caef.render(steps[-1].config) == "MUL, qH, [HEAD1]|5|4 [HEAD2]|0 [COUNT]|0 |0\n" + HALT_LINE
    assert [compute("MUL", a, b) for a, b in [(45, 0), (0, 45), (0, 0), (0, 1), (7, 1)]] == ["0", "0", "0", "0", "7"]


def test_div_4513_1504_texts() -> None:
    pairs = caef.transition_texts(run(machine("DIV").start(4513, 1504)))
    assert pairs[0] == (
        "DIV, q0, [HEAD1]|3|1|5|4 [HEAD2]|4|0|5|1 [COUNT] [OUTPUT]\nCMD [COUNT]|4|0|5|1, [OUTPUT] 0, q1",
        lines("""
            DIV, q1, [HEAD1]|3|1|5|4 [HEAD2]|4|0|5|1 [COUNT]|4|0|5|1 [OUTPUT]|0
            CMD [CALL] GREATER_THAN, q2
            GREATER_THAN, q0, [HEAD1] |4|0|5|1[HEAD2] |3|1|5|4 [OUTPUT]
            CMD [HEAD1] RIGHT, [HEAD2] RIGHT, [OUTPUT] False, q1
        """),
    )
    assert pairs[1][1] == lines("""
        DIV, q2, [HEAD1]|3|1|5|4 [HEAD2]|4|0|5|1 [COUNT]|4|0|5|1 [OUTPUT]|0
        CMD [CALL] ADD, q3
        ADD, q0, [HEAD1] |0[HEAD2] |1 [C] [OUTPUT]
        CMD: [C] 0, [HEAD1] RIGHT, [HEAD2] RIGHT, q1
    """)
    assert pairs[2][1] == lines("""
        DIV, q3, [HEAD1]|3|1|5|4 [HEAD2]|4|0|5|1 [COUNT]|4|0|5|1 [OUTPUT]|1
        CMD [CALL] ADD, q1
        ADD, q0, [HEAD1] |4|0|5|1[HEAD2] |4|0|5|1 [C] [OUTPUT]
        CMD: [C] 0, [HEAD1] RIGHT, [HEAD2] RIGHT, q1
    """)
    assert pairs[-1] == (
        lines("""
            DIV, q1, [HEAD1]|3|1|5|4 [HEAD2]|4|0|5|1 [COUNT]|6|1|0|6 [OUTPUT]|3
            CMD [CALL] GREATER_THAN, q2
            GREATER_THAN, qH,  |6|1|0|6[HEAD1] |3|1|5|4[HEAD2] True
            No command to execute. Halt state.
        """),
        "DIV, qH, [HEAD1]|3|1|5|4 [HEAD2]|4|0|5|1 [COUNT]|6|1|0|6 |3\n" + HALT_LINE,
    )


def test_sub_of_equal_operands_and_errors() -> None:
    steps = run(machine("SUB").start(5, 5))
    assert caef.render(steps[-1].config) == "SUB, qH, [HEAD1]|5 [HEAD2]|5 |0\n" + HALT_LINE
    assert caef.render(steps[-2].callee[-1].config) == "LEFT_MASK, qH,  |0|1[HEAD] 0\n" + HALT_LINE
    with pytest.raises(LmarithError, match="a >= b"):
        machine("SUB").start(3, 5)
    with pytest.raises(LmarithError, match="division by zero"):
        machine("DIV").start(7, 0)
    with pytest.raises(LmarithError, match="9...9"):
        machine("REFLECTION").start(98, 5)
    with pytest.raises(LmarithError, match="9...9"):
        machine("REFLECTION").start(9, 12)
    with pytest.raises(LmarithError):
        machine("LEFT_MASK").start(3, 4)


# --- exact answers ----------------------------------------------------------------------

big = st.integers(min_value=0, max_value=10**300)


@settings(max_examples=30, deadline=None)
@given(big, big)
def test_basic_machines_are_exact(a: int, b: int) -> None:
    assert compute("ADD", a, b) == str(a + b)
    assert compute("EQUAL", a, b) == str(a == b)
    assert compute("EQUAL", a, a) == "True"
    assert compute("GREATER_THAN", a, b) == str(a > b)
    assert compute("LESS_THAN", a, b) == str(a < b)
    assert compute("LEFT_MASK", a) == (str(a)[1:].lstrip("0") or "0")


def test_300_digit_operands() -> None:
    a, b = int("8" * 150 + "3" * 150), int("2" * 299 + "9")
    for name, expected in [
        ("ADD", a + b),
        ("SUB", a - b),
        ("EQUAL", False),
        ("GREATER_THAN", True),
        ("LESS_THAN", False),
        ("REFLECTION", None),
    ]:
        operands = (10**300 - 1, b) if name == "REFLECTION" else (a, b)
        expected = 10**300 - 1 - b if expected is None else expected
        assert compute(name, *operands) == str(expected)
    assert compute("LEFT_MASK", a) == str(a)[1:]


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.data())
def test_reflection_is_exact(n: int, data: st.DataObject) -> None:
    b = data.draw(st.integers(0, 10**n - 1) | st.just(10**n - 1))
    assert compute("REFLECTION", 10**n - 1, b) == str(10**n - 1 - b)


@settings(max_examples=25, deadline=None)
@given(big, big)
def test_sub_is_exact(a: int, b: int) -> None:
    a, b = max(a, b), min(a, b)
    assert compute("SUB", a, b) == str(a - b)
    assert compute("SUB", a, a) == "0"


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**40), st.integers(0, 30))
def test_mul_is_exact(a: int, b: int) -> None:
    assert compute("MUL", a, b) == str(a * b)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 10**40), st.integers(0, 5), st.data())
def test_div_is_exact(b: int, quotient: int, data: st.DataObject) -> None:
    a = quotient * b + data.draw(st.integers(0, b - 1))
    assert compute("DIV", a, b) == str(a // b) == str(quotient)


# --- the text formats are sound ---------------------------------------------------------

CASES = st.one_of(
    st.tuples(
        st.sampled_from(["ADD", "EQUAL", "GREATER_THAN", "LESS_THAN", "SUB"]),
        st.integers(0, 10**12),
        st.integers(0, 10**12),
    ),
    st.tuples(st.just("MUL"), st.integers(0, 10**6), st.integers(0, 6)),
    st.integers(1, 10**6).flatmap(lambda b: st.tuples(st.just("DIV"), st.integers(0, 6 * b - 1), st.just(b))),
    st.tuples(st.just("REFLECTION"), st.integers(1, 12).map(lambda n: 10**n - 1), st.integers(0, 10**12)),
    st.tuples(st.just("LEFT_MASK"), st.integers(0, 10**12)),
)


def _start(case: tuple) -> list[Transition]:  # type: ignore[type-arg]
    name, *operands = case
    if name == "SUB":
        operands = sorted(operands, reverse=True)
    if name == "REFLECTION":
        operands[1] = min(operands[1], operands[0])
    return run(machine(name).start(*operands))


@settings(max_examples=60, deadline=None)
@given(CASES)
def test_render_parse_apply_round_trip(case: tuple) -> None:  # type: ignore[type-arg]
    steps = _start(case)
    assert_sound(steps)


def test_only_sub_hides_registers() -> None:
    hidden = {
        name: {
            q: set(m.registers) - m.shown_registers(q) - ({"OUTPUT"} if q == "q0" else set()) for q in m.state_templates
        }
        for name, m in (
            (n, caef.caef_machine(n))
            for n in ("ADD", "EQUAL", "GREATER_THAN", "LESS_THAN", "REFLECTION", "LEFT_MASK", "MUL", "DIV")
        )
    }
    assert all(not regs for states in hidden.values() for regs in states.values())
    sub = caef.caef_machine("SUB")
    assert [sorted(set(sub.registers) - sub.shown_registers(q)) for q in ("q1", "q2", "qH")] == [
        ["OUTPUT"],
        ["OUTPUT"],
        [],
    ]


def test_decisions_see_only_small_registers() -> None:
    assert machine("SUB").view_registers == () and machine("MUL").view_registers == ()
    assert machine("MUL").view_by_state == {"q0": ("B^",)}
    assert machine("REFLECTION").view_by_state == machine("LEFT_MASK").view_by_state == {"q2": ("OUTPUT^",)}
    view = machine("MUL").view(machine("MUL").start(10**50, 7))
    assert window.render_view(view) == "MUL q0 . B^=7"
    view = machine("MUL").view(machine("MUL").start(7, 10**50))
    assert window.render_view(view) == "MUL q0 . B^=1+"
    # window text per step does not grow with the operands (callees included)
    for name, small, large in [
        ("SUB", (47819, 12345), (10**200 + 47819, 10**199 + 12345)),
        ("MUL", (45, 7), (10**200 + 45, 7)),
        ("DIV", (45, 7), (10**200 + 45, 10**200 // 3)),
    ]:
        sizes = [max(len(i) + len(o) for i, o in _window_pairs(name, *ops)) for ops in (small, large)]
        assert sizes[0] == sizes[1], name


def _window_pairs(name: str, *operands: int) -> list[tuple[str, str]]:
    steps = run(machine(name).start(*operands))
    return [
        pair for seq in [steps] + [s.callee for s in walk(steps) if s.callee] for pair in window.transition_texts(seq)
    ]


def test_window_call_syntax() -> None:
    command = Command((), "q2", Call("LESS_THAN", ("COUNT", "B"), "", (("False", "qH"),)))
    assert window.render_command(command) == "CALL LESS_THAN(COUNT,B)->?False:qH q2"
    assert window.parse_command("CALL LESS_THAN(COUNT,B)->?False:qH q2") == command
    sub = Command((), "q2", Call("REFLECTION", ("9*A", "B"), "OUTPUT"))
    assert window.parse_command(window.render_command(sub)) == sub
    assert window.render_command(run(machine("DIV").start(9, 2))[0].command) == "COUNT:=B OUTPUT=0 q1"


# --- parse rejects malformed text ---------------------------------------------------------

GOOD = "SUB, q1, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 \nCMD [CALL] REFLECTION, q2"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "SUB, q1, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1\nCMD [CALL] REFLECTION, q2",  # trailing space lost
        "SUB, q1, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 \nCMD [CALL] REFLECTION",  # no next state
        "SUB, q9, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 \nCMD q1",  # unknown state
        "SUBB, q1, [HEAD1]|9 [HEAD2]|5 \nCMD q2",  # unknown machine
        "SUB, q1, [HEAD1]|9|x [HEAD2]|5 \nCMD q2",
        "SUB, q1, [HEAD1]|9|1 [HEAD2]|5 \n" + HALT_LINE,  # halt line in a non-halt state
        "SUB, qH, [HEAD1]|9 [HEAD2]|5 |4\nCMD qH",  # a command in the halt state
        "EQUAL, q1,  [HEAD1]|1 [HEAD1]|1 [OUTPUT]True\nCMD [OUTPUT], qH",
        "EQUAL, q1, [HEAD1]|1 [HEAD2]|1 [OUTPUT]True\nCMD [OUTPUT], qH",  # one space after q1
        "LEFT_MASK, qH,  |1[HEAD] |\n" + HALT_LINE,
        "REFLECTION, q2,  |9[HEAD1] |5[HEAD2] [OUTPUT]\nCMD [OUTPUT], qH",  # empty q2 output needs its bar
        "MUL, q0, [HEAD1]|3 [HEAD2]|3 [COUNT] [OUTPUT]\nCMD: [COUNT] 1, q1\nextra",
    ],
)
def test_parse_rejects_garbage(text: str) -> None:
    with pytest.raises(LmarithError):
        caef.parse_block(text)


def test_parse_block_checks_the_callee() -> None:
    callee = "REFLECTION, q0, [HEAD1] |9|9|9|9|9[HEAD2] |5|4|3|2|1 [OUTPUT]\nCMD [HEAD1] RIGHT, [HEAD2] RIGHT, q1"
    assert caef.parse_block(GOOD + "\n" + callee)[1].config.machine == "REFLECTION"
    with pytest.raises(LmarithError, match="operands"):  # b differs from the caller's
        caef.parse_block(GOOD + "\n" + callee.replace("|5|4|3|2|1", "|6|4|3|2|1"))
    with pytest.raises(LmarithError, match="operands"):  # not len(a) nines
        caef.parse_block(GOOD + "\n" + callee.replace("|9|9|9|9|9[", "|9|9|9|9["))
    with pytest.raises(LmarithError, match="calls"):
        caef.parse_block(GOOD + "\n" + "LEFT_MASK, q0, [HEAD] |4 [OUTPUT]\nCMD [HEAD] RIGHT, q1")


@settings(max_examples=200, deadline=None)
@given(CASES, st.data())
def test_mutated_state_lines_are_rejected_or_reread_exactly(case: tuple, data: st.DataObject) -> None:  # type: ignore[type-arg]
    """A mutated state line is either refused, or it is a valid line that re-renders as itself."""
    configs = [s.config for s in walk(_start(case))]
    line, command = caef.render(data.draw(st.sampled_from(configs))).split("\n")
    i = data.draw(st.integers(0, len(line)))
    edit = data.draw(st.sampled_from(["delete", "insert", "replace"]))
    char = data.draw(st.sampled_from("0159|[] ,qHEADOUTPT_x"))
    mutated = line[:i] + ("" if edit == "delete" else char) + line[i + (edit != "insert") :]
    try:
        frame = caef.parse(mutated + "\n" + command)
    except LmarithError:
        return
    assert caef.caef_machine(frame.config.machine).caef_state(frame.config) == mutated


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="SUBADDEQLMTHR_ ,q0H1|9[]\nCMD:", max_size=80),
        st.text(alphabet="ADDq01|[]HEAD12CO UTP:,\n", max_size=80),
    )
)
def test_garbage_is_refused_in_one_line_or_read_as_a_configuration_that_renders_back(text: str) -> None:
    """What a model writes is either refused with a one-line error, or a real configuration
    whose rendering parses back to the same configuration (nothing half-read)."""
    try:
        frames = caef.parse_block(text)
    except LmarithError as err:
        assert "\n" not in str(err)
        return
    for frame in frames:
        assert caef.parse(caef.render(frame.config)).config == frame.config


# --- transition counts --------------------------------------------------------------------


def _count(name: str, *operands: int) -> int:
    return count_transitions(run(machine(name).start(*operands)))


@pytest.mark.parametrize("n", [2, 5, 10, 50, 100])
def test_transition_counts(n: int) -> None:
    a, b = int("7" * n), int("3" * n)
    assert _count("ADD", a, b) == n + 2  # the spec: n + 2 at n digits (102 at 100)
    assert _count("EQUAL", a, a) == _count("GREATER_THAN", a, b) == _count("LESS_THAN", a, b) == n + 2
    assert _count("EQUAL", a, b) == 2  # early exit at the first digit
    # SUB: 5 caller steps + REFLECTION n+3 + ADD n+2 + ADD n+3 + LEFT_MASK n+4 (no zeros stripped)
    assert _count("SUB", a, b) == 4 * n + 17
    assert _count("SUB", a, a) == 5 * n + 16  # n zeros stripped by LEFT_MASK, s has n digits
    assert _count("REFLECTION", 10**n - 1, b) == _count("LEFT_MASK", a) == n + 3
    # the table of docs/machines.md
    assert _count("MUL", a, 9) == 8 * n + 100 and _count("MUL", a, 15) == 14 * n + 185
    assert _count("DIV", a, int("2" * n)) == 7 * n + 34 and _count("DIV", a, b) == 5 * n + 24


def test_mul_and_div_counts() -> None:
    # MUL: 3b - 1 caller steps; 5-digit * 15: 245..257 by a's size (251 for 25000 <= a <= 33333)
    assert _count("MUL", 30000, 15) == 251
    assert {_count("MUL", a, 15) for a in (10000, 12345, 99999)} == {245, 246, 257}
    steps = run(machine("MUL").start(12345, 15))
    assert sum(1 for s in steps if s.command is not None) == 3 * 15 - 1
    # DIV: 3q + 2 caller steps for quotient q
    steps = run(machine("DIV").start(4513, 1504))
    assert sum(1 for s in steps if s.command is not None) == 3 * 3 + 2
