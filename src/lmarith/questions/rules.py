"""The ten problem types of the paper (and two of ours) and their exact answers: the symbolic
engine's rules."""

import math
from collections.abc import Callable, Iterable

from lmarith.errors import LmarithError

PROBLEM_TYPES: tuple[str, ...] = (
    "addition",
    "multiplication",
    "division",
    "modulo",
    "gcd",
    "lcm",
    "square_mod",
    "bitwise_and",
    "bitwise_xor",
    "bitwise_or",
)
#: The paper trains on these 8 and holds out addition and division.
HELD_OUT_TYPES: tuple[str, ...] = ("addition", "division")
TRAIN_TYPES: tuple[str, ...] = tuple(t for t in PROBLEM_TYPES if t not in HELD_OUT_TYPES)
#: Beyond the paper, for comparing the methods on the executors' operations (``--types``):
#: a - b (negative when b > a), and whether a > b (1 for yes, 0 for no). The engine computes
#: any function of two integers; runs train them only when asked, so the paper's setting and
#: its held-out measurements stay as they were.
EXTRA_TYPES: tuple[str, ...] = ("subtraction", "comparison")
ALL_TYPES: tuple[str, ...] = PROBLEM_TYPES + EXTRA_TYPES
#: Answers of these types are taken mod 1000 (paper) unless ``mod1000=False``.
MOD_1000_TYPES: frozenset[str] = frozenset({"multiplication", "lcm"})

OPS: dict[str, Callable[[int, int], int]] = {
    "addition": lambda a, b: a + b,
    "multiplication": lambda a, b: a * b,
    "division": lambda a, b: a // b,
    "modulo": lambda a, b: a % b,
    "gcd": math.gcd,
    "lcm": math.lcm,
    "square_mod": lambda a, b: (a * a) % b,
    "bitwise_and": lambda a, b: a & b,
    "bitwise_xor": lambda a, b: a ^ b,
    "bitwise_or": lambda a, b: a | b,
    "subtraction": lambda a, b: a - b,
    "comparison": lambda a, b: int(a > b),
}
_NEEDS_NONZERO_DIVISOR = frozenset({"division", "modulo", "square_mod"})

#: Not a problem type: two-number questions about invented operations ("the zorp of 12 and
#: 5"), gathered as negatives so the encoder learns to give an operation it does not know no
#: type at all, which keeps the gate shut on held-out types (outlier exposure).
FOREIGN = "foreign"
OPS[FOREIGN] = lambda a, b: (7 * a + 3 * b) % 1000


def check_types(types: Iterable[str], *, foreign: bool = False) -> tuple[str, ...]:
    """Validate problem-type names (order kept, duplicates dropped); ``foreign`` admits :data:`FOREIGN`."""
    out = tuple(dict.fromkeys(types))
    unknown = [t for t in out if t not in ALL_TYPES and not (foreign and t == FOREIGN)]
    if unknown:
        raise LmarithError(f"unknown problem type {unknown[0]!r}; known: {', '.join(ALL_TYPES)}")
    if not out:
        raise LmarithError("no problem types given")
    return out


def solve(problem_type: str, a: int, b: int, *, mod1000: bool = True) -> int:
    """The exact answer; multiplication and lcm mod 1000 when ``mod1000`` (as in the paper)."""
    check_types([problem_type], foreign=True)
    if b == 0 and problem_type in _NEEDS_NONZERO_DIVISOR:
        raise LmarithError(f"{problem_type} by zero: {a} and {b}")
    if a < 0 or b < 0:
        raise LmarithError(f"operands must be non-negative, got {a} and {b}")
    answer = OPS[problem_type](a, b)
    return answer % 1000 if mod1000 and problem_type in MOD_1000_TYPES else answer
