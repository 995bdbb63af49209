"""Data sets made by running the reference machines.

* Problems are drawn per *equivalence class* (len a, len b) with lengths in [min, max]; the
  number per class follows ``class_size`` (the balancing rule below).
* Train and test never share an operand pair: a pair belongs to the test side iff a stable
  hash of (operator, a, b) falls in the test fraction, whatever the seeds and sizes. The two
  splits also draw with different seeds (``seed`` and ``seed + 1``).
* Executor samples are single transitions (CAEF or window text); long traces are subsampled:
  the first and last transition and ``per_trace`` random ones in between (every one for the
  machines named in ``whole``).
* Aligner samples and ``init_samples`` (whole runs) are CAEF configuration texts whatever the
  executor format. ``--prompt`` puts a machine's instruction (``prompts``) before its input.
* Several operators make a *mixed* set (``mixed_problems``): their problems shuffled by seed.
* Files are written and read in ``files``, in the original code's shape.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from lmarith.data.instructions import with_prompt
from lmarith.errors import LmarithError
from lmarith.formats import Format, text_format
from lmarith.machines import caef, window
from lmarith.machines.core import Config, machine, machine_runs, run
from lmarith.machines.problems import OPERATORS, Operator, Problem, answer_text, operator

Split = Literal["train", "test"]
Classed = tuple[tuple[int, int], Problem]
"""A problem and the (len a, len b) class it was drawn for."""
TEST_FRACTION = 0.1
SHORT_CLASS = 3
"""Classes whose longer operand has at most this many digits get twice the samples (their
transitions are the ones every longer problem starts and ends with)."""


def in_test_split(op: str, a: int, b: int) -> bool:
    """Stable membership test: the same pair is on the same side in every run."""
    digest = hashlib.blake2b(f"{op}:{a}:{b}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") < TEST_FRACTION * 2**64


def in_split(op: str, a: int, b: int, split: Split) -> bool:
    """Whether the pair belongs to ``split`` (every draw, and every variant made of a draw, asks this)."""
    return in_test_split(op, a, b) == (split == "test")


def class_size(num: int, len_a: int, len_b: int) -> int:
    """The balancing rule: ``num`` per class, doubled for short classes, divided by
    (1 + |len a - len b| // 2) for unequal lengths (few real problems look like that),
    and never more than the class has distinct pairs."""
    size = num * (2 if max(len_a, len_b) <= SHORT_CLASS else 1) // (1 + abs(len_a - len_b) // 2)
    distinct = 9 * 10 ** (len_a - 1) * 9 * 10 ** (len_b - 1) + (10 if len_a == len_b == 1 else 0)
    return max(1, min(size, distinct // 2))


def classes(op: Operator, min_len: int, max_len: int, long: bool = False) -> list[tuple[int, int]]:
    """The (len a, len b) classes an operator is trained on."""
    if not 1 <= min_len <= max_len:
        raise LmarithError(f"need 1 <= --min <= --max, got {min_len}, {max_len}")
    pairs = [(i, j) for i in range(min_len, max_len + 1) for j in range(min_len, max_len + 1)]
    if long:
        return pairs
    if op.name in ("sub", "div"):
        return [(i, j) for i, j in pairs if i >= j]
    if op.name == "mul":  # CAEF's MUL loops b times: b is kept small (1..15)
        return [(i, 1) for i in range(min_len, max_len + 1)]
    return pairs


#: CAEF's MUL loops b times, so its problems keep b small; its // problems have quotients 2-3
MUL_B_MAX = 15
DIV_QUOTIENTS = (2, 3)


def _number(rng: random.Random, digits: int) -> int:
    return rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10**digits)


def _draw(op: Operator, rng: random.Random, len_a: int, len_b: int, long: bool) -> tuple[int, int]:
    a, b = _number(rng, len_a), _number(rng, len_b)
    if long and op.name in ("sub", "mul", "div"):  # schoolbook machines take any order and size
        return a, max(b, 1) if op.name == "div" else b
    if op.name == "sub" and a < b:
        a, b = b, a
    elif op.name == "mul":
        b = rng.randint(1, MUL_B_MAX)
    elif op.name == "div":
        b = max(b, 1)
        if a < b:
            a, b = b, a
        b = max(b, a // rng.randint(*DIV_QUOTIENTS) or 1)  # quotient of 2-3, as in the paper's test grid
    elif op.name == "eq" and rng.random() < 0.5:
        a, b = (a, a) if len_a == len_b else _share_low_digits(a, b)
    elif op.name in ("gt", "lt") and len_a == len_b and rng.random() < 0.3:
        b = _near(rng, a)
    return a, b


def _share_low_digits(a: int, b: int) -> tuple[int, int]:
    """The longer operand made to end in all of the shorter one's digits: EQUAL then scans to
    the shorter number's end before it sees a difference."""
    x, y = str(a), str(b)
    if len(x) > len(y):
        return int(x[: len(x) - len(y)] + y), b
    return a, int(y[: len(y) - len(x)] + x)


def _near(rng: random.Random, a: int) -> int:
    """``a`` with one digit changed: comparisons must look past a shared prefix."""
    digits = list(str(a))
    i = rng.randrange(len(digits))
    digits[i] = str(rng.choice([d for d in range(1 if i == 0 and len(digits) > 1 else 0, 10)]))
    return int("".join(digits))


def problems(
    op_name: str,
    min_len: int,
    max_len: int,
    num: int,
    split: Split,
    seed: int = 0,
    long: bool = False,
    balance: bool = True,
) -> Iterator[Classed]:
    """Distinct problems of one split, per class, with the class they belong to.

    ``long``: operands for the schoolbook machines (any b for *, any order for -);
    ``balance``: ``class_size`` problems per class, else ``num`` (test grids)."""
    op = operator(op_name)
    rng = random.Random(seed + (split == "test"))
    for cls in classes(op, min_len, max_len, long):
        want, seen, tries = class_size(num, *cls) if balance else num, set(), 0
        while len(seen) < want and tries < 50 * want:
            tries += 1
            a, b = _draw(op, rng, *cls, long)
            if (a, b) in seen or not in_split(op.name, a, b, split):
                continue
            seen.add((a, b))
            yield cls, Problem(a, op, b)


def operator_names(spec: str) -> list[str]:
    """``--op``: one operator, a comma list (``add,sub``, symbols too) or ``all``, as names;
    an unknown one is an error before any work."""
    if spec.strip() == "all":
        return [op.name for op in OPERATORS]
    return list(dict.fromkeys(operator(part.strip()).name for part in spec.split(",")))


def mixed_problems(
    op_names: list[str],
    min_len: int,
    max_len: int,
    num: int,
    split: Split,
    seed: int = 0,
    long: bool = False,
) -> list[Classed]:
    """One operator's problems as ``problems`` draws them; several operators' problems
    together, shuffled by ``seed`` (a problem's samples stay together, so the files of
    ``--separate`` stay line for line aligned)."""
    drawn = [p for op in op_names for p in problems(op, min_len, max_len, num, split, seed, long)]
    if len(op_names) > 1:
        random.Random(seed).shuffle(drawn)
    return drawn


def sample_problems(
    op_name: str, digits: int, n: int, seed: int = 0, split: Split = "test", long: bool = False
) -> list[Problem]:
    """``n`` problems with ``digits``-digit operands (CAEF's equal-length test grid)."""
    return [p for _, p in problems(op_name, digits, digits, n, split, seed, long, balance=False)]


@dataclass(frozen=True)
class Sample:
    """One training or test record and the class it came from (None: read from a file)."""

    cls: tuple[int, int] | None
    input: str
    output: str


def executor_samples(
    op_name: str,
    problem_iter: Iterable[Classed],
    fmt: Format,
    per_trace: int = 3,
    seed: int = 0,
    long: bool = False,
    prompt: bool = False,
    whole: Collection[str] = (),
) -> Iterator[Sample]:
    """Transitions of every machine the operator runs (callees included), subsampled;
    ``prompt``: each input behind the instruction of the machine making the step; ``whole``:
    machines (by name) whose every transition is kept, for steps too rare in a subsample."""
    rng = random.Random(seed)
    texts = text_format(fmt).transition_texts
    for cls, problem in problem_iter:
        for steps in machine_runs(run(problem.start(long))):
            pairs = texts(steps)
            name = steps[0].config.machine
            if len(pairs) > per_trace + 2 and name not in whole:
                middle = rng.sample(range(1, len(pairs) - 1), per_trace)
                pairs = [pairs[i] for i in sorted({0, len(pairs) - 1, *middle})]
            yield from (Sample(cls, with_prompt(name, i) if prompt else i, o) for i, o in pairs)


def window_table(
    op_names: Iterable[str], max_len: int = 6, num: int = 30, seed: int = 0, long: bool = True
) -> dict[str, str]:
    """Every distinct window transition the operators' machines make on train-split operands of
    up to ``max_len`` digits: view text -> command text.

    In the window format a machine's transition function is a finite table (the view holds a
    state, a few symbols and short registers), so it can be learned and *checked* in full:
    a model exact on this table is exact on operands of any length."""
    table: dict[str, str] = {}
    for op in op_names:
        for _, problem in problems(op, 1, max_len, num, "train", seed, long):
            for steps in machine_runs(run(problem.start(long))):
                for view, command in window.transition_texts(steps):
                    if table.setdefault(view, command) != command:
                        raise AssertionError(f"window view {view!r} is ambiguous")  # a machine bug
    return table


def _ends(problem: Problem, long: bool) -> tuple[Config, Config]:
    """A problem's first configuration and the one its machine halts in."""
    start = problem.start(long)
    return start, run(start)[-1].config


def aligner_samples(problem_iter: Iterable[Classed], long: bool = False) -> Iterator[Sample]:
    """Both aligner directions: ``a+b=`` -> first configuration; halted one -> ``a+b=c``."""
    for cls, problem in problem_iter:
        start, halted = _ends(problem, long)
        yield Sample(cls, problem.prompt(), caef.render(start))
        yield Sample(cls, caef.render(halted), answer_text(machine(halted.machine), halted))


def init_samples(problem_iter: Iterable[Classed], long: bool = False, prompt: bool = False) -> Iterator[Sample]:
    """``--init``: whole runs, the first configuration of a problem's machine -> its halted
    one (what the executor loop must turn the one into)."""
    for cls, problem in problem_iter:
        start, halted = _ends(problem, long)
        first = caef.render(start)
        yield Sample(cls, with_prompt(start.machine, first) if prompt else first, caef.render(halted))


def separate_samples(problem_iter: Iterable[Classed], long: bool = False) -> dict[str, list[Sample]]:
    """``--separate``: a raw test set's problems as the three stages see them, one sample per
    problem and part, in the problems' order: ``executor`` (as ``init_samples``),
    ``aligner_input`` (``a+b=`` -> first configuration), ``aligner_output`` (halted -> ``a+b=c``)."""
    drawn = list(problem_iter)
    aligner = list(aligner_samples(drawn, long))
    return {
        "executor": list(init_samples(drawn, long)),
        "aligner_input": aligner[0::2],
        "aligner_output": aligner[1::2],
    }


def raw_samples(problem_iter: Iterable[Classed]) -> Iterator[Sample]:
    """End-to-end problems: ``381+350=`` -> ``731``."""
    for cls, problem in problem_iter:
        yield Sample(cls, problem.prompt(), problem.answer())


def summary(samples: list[Sample]) -> list[tuple[tuple[int, int] | None, int]]:
    """Samples per class, in class order (of generated samples: read ones have no class)."""
    return sorted(Counter(s.cls for s in samples).items())
