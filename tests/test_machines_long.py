"""Schoolbook machines: exact on large operands, polynomial cost, sound window format."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmarith.errors import LmarithError
from lmarith.machines import compute, count_transitions, machine, run
from lmarith.machines.core import from_tape
from soundness import assert_sound

big = st.integers(min_value=0, max_value=10**300)
digit = st.integers(min_value=0, max_value=9)


@settings(max_examples=25, deadline=None)
@given(big, big)
def test_long_mul_is_exact(a: int, b: int) -> None:
    assert compute("LONG_MUL", a, b) == str(a * b)


@settings(max_examples=25, deadline=None)
@given(big, big.filter(lambda b: b > 0))
def test_long_div_is_exact(a: int, b: int) -> None:
    assert compute("LONG_DIV", a, b) == str(a // b)


@settings(max_examples=40, deadline=None)
@given(big, big)
def test_long_sub_is_signed_and_exact(a: int, b: int) -> None:
    assert compute("LONG_SUB", a, b) == str(a - b)


@settings(max_examples=40, deadline=None)
@given(big, digit)
def test_mul_digit(a: int, d: int) -> None:
    assert from_tape(machine("MUL_DIGIT").result(run(machine("MUL_DIGIT").start(a, d))[-1].config)) == a * d


@pytest.mark.parametrize("a,b", [(0, 12345), (12345, 0), (0, 0), (10**40, 10**39)])
def test_zero_operands(a: int, b: int) -> None:
    assert compute("LONG_MUL", a, b) == str(a * b)
    assert compute("LONG_DIV", a, b + 1) == str(a // (b + 1))
    assert compute("BORROW_SUB", max(a, b), min(a, b)) == str(max(a, b) - min(a, b))


def test_division_by_zero_and_bad_operands_are_clear_errors() -> None:
    with pytest.raises(LmarithError, match="division by zero"):
        machine("LONG_DIV").start(7, 0)
    with pytest.raises(LmarithError, match="a >= b"):
        machine("BORROW_SUB").start(3, 5)
    with pytest.raises(LmarithError, match="one digit"):
        machine("MUL_DIGIT").start(3, 12)


def test_cost_is_polynomial_in_digits() -> None:
    a, b = int("7" * 100), int("9" * 100)
    mul = count_transitions(run(machine("LONG_MUL").start(a, b)))
    div = count_transitions(run(machine("LONG_DIV").start(int("8" * 200), int("9" * 60))))
    assert mul < 100 * (2 + 2 * (200 + 3))  # per digit of b: MUL_DIGIT + ADD over <= 200 digits
    assert div < 200 * 19 * (60 + 4)  # per digit of a: <= 10 compares and 9 subtractions
    assert compute("LONG_MUL", a, b) == str(a * b)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["LONG_MUL", "LONG_DIV", "LONG_SUB"]), st.integers(1, 10**12), st.integers(1, 10**6))
def test_formats_are_sound(name: str, a: int, b: int) -> None:
    """Both text formats round-trip, and applying each command gives the next configuration."""
    assert_sound(run(machine(name).start(a, b)))


def test_operands_survive_to_the_halted_configuration() -> None:
    for name, a, b in [("LONG_MUL", 12, 305), ("LONG_DIV", 9876, 12), ("LONG_SUB", 5, 12), ("MUL_DIGIT", 77, 3)]:
        m = machine(name)
        assert m.operands(run(m.start(a, b))[-1].config) == (a, b)
