"""Variants of drawn problems that uniform draws rarely give: what the CAEF-format model's
second training phase adds (``executors.recipes.caef_default_pairs``).

Each takes a classed problem (``(length class, Problem)``) and a seeded ``random.Random`` and
returns another one (None where the variant does not exist).
"""

from __future__ import annotations

import random

from lmarith.data.datasets import Classed
from lmarith.machines.problems import Problem


def digit_run(classed: Classed, rng: random.Random) -> Classed | None:
    """The problem with 2-5 neighbouring digits of each operand (of ``a`` alone for *) made one
    repeated digit, lengths kept: a model counting positions in ``|9|9|9|9`` drops or doubles a
    digit, and uniform draws rarely hold such runs. None when a - b would fall below zero
    (CAEF's SUB takes a >= b); the b of a * b is kept (MUL loops b times)."""
    cls, problem = classed

    def runs(n: int) -> int:
        digits = list(str(n))
        if len(digits) < 2:
            return n
        start = rng.randrange(len(digits) - 1)
        stop = min(len(digits), start + rng.randint(2, 5))
        fill = str(rng.randint(1 if start == 0 else 0, 9))
        digits[start:stop] = fill * (stop - start)
        return int("".join(digits))

    a = runs(problem.a)
    b = problem.b if problem.op.name == "mul" else a if problem.a == problem.b else runs(problem.b)
    if problem.op.name == "sub" and a < b:
        return None
    return cls, Problem(a, problem.op, b)


def shared_prefix(classed: Classed, rng: random.Random) -> Classed | None:
    """A subtraction whose operands share their leading digits, so the difference is shorter
    than both (SUB's LEFT_MASK strips a run of zeros; the aligner writes fewer digits than it
    read). None for operands of unequal length."""
    cls, problem = classed
    a, b = str(problem.a), str(problem.b)
    if len(a) != len(b) or len(a) < 2:
        return None
    keep = rng.randint(1, len(a) - 1)
    x, y = sorted((int(a), int(a[:keep] + b[keep:])), reverse=True)
    return cls, Problem(x, problem.op, y)


def leading_zeros(classed: Classed, rng: random.Random) -> Classed:
    """A subtraction of two numbers of ``a``'s length sharing its leading digits, so the
    difference has leading zeros whatever ``b`` was (for ``a`` of two or more digits; a one-digit
    ``a`` gets a random one-digit partner): LEFT_MASK's steps that strip them (``q2``)
    are rare in uniform draws, and there SUB's misses at 10 digits were (a digit too many
    stripped from a long result)."""
    (length, _), problem = classed
    a = str(problem.a)
    keep = rng.randint(1, len(a) - 1) if len(a) > 1 else 0
    other = a[:keep] + "".join(rng.choice("0123456789") for _ in range(len(a) - keep))
    x, y = sorted((problem.a, int(other)), reverse=True)
    return (length, len(str(y))), Problem(x, problem.op, y)
