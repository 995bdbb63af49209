"""The ten problem types: exact symbolic engine, question phrasings, the CSV data set, prompts.

Mirrors the paper's companion data set: columns ``problem_type, x, y, question, solution``,
operands 1..999 by default, several phrasings per type of which some are held out of
training, two-shot chat prompts with bare-integer answers. Pure Python: no torch here.
"""

import csv
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

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
#: Answers of these types are taken mod 1000 (paper) unless ``mod1000=False``.
MOD_1000_TYPES: frozenset[str] = frozenset({"multiplication", "lcm"})

_OPS: dict[str, Callable[[int, int], int]] = {
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
}
_NEEDS_NONZERO_DIVISOR = frozenset({"division", "modulo", "square_mod"})

#: Not a problem type: two-number questions about invented operations ("the zorp of 12 and
#: 5"), gathered as negatives so the encoder learns to give an operation it does not know no
#: type at all, which keeps the gate shut on held-out types (outlier exposure).
FOREIGN = "foreign"
_OPS[FOREIGN] = lambda a, b: (7 * a + 3 * b) % 1000


def check_types(types: Iterable[str], *, foreign: bool = False) -> tuple[str, ...]:
    """Validate problem-type names (order kept, duplicates dropped); ``foreign`` admits :data:`FOREIGN`."""
    out = tuple(dict.fromkeys(types))
    unknown = [t for t in out if t not in PROBLEM_TYPES and not (foreign and t == FOREIGN)]
    if unknown:
        raise LmarithError(f"unknown problem type {unknown[0]!r}; known: {', '.join(PROBLEM_TYPES)}")
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
    answer = _OPS[problem_type](a, b)
    return answer % 1000 if mod1000 and problem_type in MOD_1000_TYPES else answer


# Phrasings: the first TRAIN_PHRASINGS of each list are used for training, the rest are held out.
TRAIN_PHRASINGS = 4
_PHRASINGS: dict[str, tuple[str, ...]] = {
    "addition": ("What is {x} plus {y}?", "Compute {x} + {y}.", "Add {x} and {y}.", "What is the sum of {x} and {y}?",
                 "Find the total of {x} and {y}.", "How much is {x} added to {y}?"),
    "multiplication": ("What is {x} times {y}?", "Compute {x} * {y}.", "Multiply {x} by {y}.",
                       "What is the product of {x} and {y}?", "Find {x} multiplied by {y}.",
                       "How much is {x} times {y}?"),
    "division": ("What is {x} divided by {y}, rounded down?", "Compute {x} // {y}.",
                 "Divide {x} by {y} and drop the remainder.", "What is the integer quotient of {x} and {y}?",
                 "How many whole times does {y} go into {x}?", "Find the floor of {x} over {y}."),
    "modulo": ("What is {x} mod {y}?", "Compute {x} % {y}.", "What is the remainder of {x} divided by {y}?",
               "Find {x} modulo {y}.", "What is left over when {x} is divided by {y}?", "Give {x} reduced mod {y}."),
    "gcd": ("What is the gcd of {x} and {y}?", "Compute gcd({x}, {y}).",
            "What is the greatest common divisor of {x} and {y}?", "Find the GCD of {x} and {y}.",
            "What is the largest number dividing both {x} and {y}?", "Give the highest common factor of {x} and {y}."),
    "lcm": ("What is the lcm of {x} and {y}?", "Compute lcm({x}, {y}).",
            "What is the least common multiple of {x} and {y}?", "Find the LCM of {x} and {y}.",
            "What is the smallest number that both {x} and {y} divide?", "Give the lowest common multiple of {x} and {y}."),
    "square_mod": ("What is {x} squared mod {y}?", "Compute ({x} * {x}) % {y}.",
                   "What is the remainder of {x} squared divided by {y}?", "Find {x}^2 modulo {y}.",
                   "Square {x} and reduce it mod {y}.", "What is left when {x} times {x} is divided by {y}?"),
    "bitwise_and": ("What is {x} AND {y}?", "Compute {x} & {y}.", "What is the bitwise and of {x} and {y}?",
                    "Find {x} bitwise-AND {y}.", "Which bits do {x} and {y} share, as a number?",
                    "Give the result of ANDing {x} with {y}."),
    "bitwise_xor": ("What is {x} XOR {y}?", "Compute {x} ^ {y}.", "What is the bitwise xor of {x} and {y}?",
                    "Find {x} bitwise-XOR {y}.", "Give the exclusive or of {x} and {y}.",
                    "What do you get when you XOR {x} with {y}?"),
    "bitwise_or": ("What is {x} OR {y}?", "Compute {x} | {y}.", "What is the bitwise or of {x} and {y}?",
                   "Find {x} bitwise-OR {y}.", "Give the result of ORing {x} with {y}.",
                   "What do you get when you OR {x} with {y}?"),
    FOREIGN: ("What is the zorp of {x} and {y}?", "Compute {x} @ {y}.", "Blick {x} with {y}.",
              "What is {x} frimble {y}?", "Find the quandle of {x} and {y}.", "Compute {x} ~ {y}.",
              "What is {x} snarked by {y}?", "Give the vext of {x} and {y}."),
}
_MOD_SUFFIX = " Give the answer modulo 1000."
PHRASING_SETS = ("train", "heldout", "all")


def phrasings(problem_type: str, which: str = "train") -> tuple[str, ...]:
    """Question templates of one type: ``train``, ``heldout`` (never trained on) or ``all``."""
    templates = _PHRASINGS[check_types([problem_type], foreign=True)[0]]
    if which not in PHRASING_SETS:
        raise LmarithError(f"phrasing set must be one of {', '.join(PHRASING_SETS)}, got {which!r}")
    if problem_type == FOREIGN:  # negatives are never evaluated: train on every phrasing
        return templates
    return {"train": templates[:TRAIN_PHRASINGS], "heldout": templates[TRAIN_PHRASINGS:], "all": templates}[which]


@dataclass(frozen=True)
class Problem:
    """One row of the data set."""

    problem_type: str
    x: int
    y: int
    question: str
    solution: int


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Problem))


def make_problem(problem_type: str, x: int, y: int, template: str, *, mod1000: bool = True) -> Problem:
    """Phrase one problem and solve it."""
    question = template.format(x=x, y=y)
    if mod1000 and problem_type in MOD_1000_TYPES:
        question += _MOD_SUFFIX
    return Problem(problem_type, x, y, question, solve(problem_type, x, y, mod1000=mod1000))


def generate_problems(
    count_per_type: int,
    types: Sequence[str] = TRAIN_TYPES,
    *,
    digits: int = 3,
    x_greater: bool = False,
    phrasing: str = "train",
    mod1000: bool = True,
    seed: int = 0,
) -> list[Problem]:
    """``count_per_type`` random problems per type, operands 1..10^digits - 1, reproducible from ``seed``."""
    types = check_types(types, foreign=True)
    if digits < 1:
        raise LmarithError(f"digits must be >= 1, got {digits}")
    if count_per_type < 0:
        raise LmarithError(f"count must be >= 0, got {count_per_type}")
    rng = random.Random(seed)
    high = 10**digits - 1
    if x_greater and high < 2:
        raise LmarithError("x > y needs operands of at least two values")
    out = []
    for problem_type in types:
        templates = phrasings(problem_type, phrasing)
        for _ in range(count_per_type):
            x, y = rng.randint(1, high), rng.randint(1, high)
            while x_greater and x <= y:
                x, y = rng.randint(1, high), rng.randint(1, high)
            out.append(make_problem(problem_type, x, y, rng.choice(templates), mod1000=mod1000))
    rng.shuffle(out)
    return out


def write_csv(problems: Iterable[Problem], path: Path) -> None:
    """Write the data set with the paper's columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(astuple(p) for p in problems)


def read_csv(path: Path) -> list[Problem]:
    """Read a data set written by :func:`write_csv` (or the paper's, same columns)."""
    if not path.is_file():
        raise LmarithError(f"no such data set: {path}")
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or set(COLUMNS) - set(reader.fieldnames):
            raise LmarithError(f"{path}: expected columns {', '.join(COLUMNS)}")
        try:
            return [
                Problem(check_types([r["problem_type"]], foreign=True)[0], int(r["x"]), int(r["y"]), r["question"], int(r["solution"]))
                for r in reader
            ]
        except ValueError as err:
            raise LmarithError(f"{path}: bad row ({err})") from None


# ---------------------------------------------------------------------------------------------
# Prompts

SYSTEM_DIRECT = "You are a calculator. Reply with the answer only, as a bare integer."
SYSTEM_COT = "You are a careful calculator. Solve the problem step by step, then write 'Final Answer:' and the integer."


def shots_for(problem: Problem, *, count: int = 2) -> list[Problem]:
    """Worked examples of the same type for a few-shot prompt, fixed per problem.

    Drawn from the training phrasings with operands of the problem's size, seeded by the
    problem itself, so a question's prompt never changes between gather, training and eval.
    """
    rng = random.Random(f"shots:{problem.problem_type}:{problem.x}:{problem.y}")
    high = 10 ** len(str(max(problem.x, problem.y))) - 1
    mod1000 = problem.question.endswith(_MOD_SUFFIX)
    templates = phrasings(problem.problem_type, "train")
    return [
        make_problem(problem.problem_type, rng.randint(1, high), rng.randint(1, high), rng.choice(templates), mod1000=mod1000)
        for _ in range(count)
    ]


def worked_solution(problem: Problem) -> str:
    """A step-by-step answer ending in 'Final Answer: N', for chain-of-thought shots and training."""
    x, y, t = problem.x, problem.y, problem.problem_type
    if t in ("bitwise_and", "bitwise_xor", "bitwise_or"):
        width = max(x.bit_length(), y.bit_length(), 1)
        op = {"bitwise_and": "AND", "bitwise_xor": "XOR", "bitwise_or": "OR"}[t]
        steps = [f"{x} in binary is {x:0{width}b}.", f"{y} in binary is {y:0{width}b}.",
                 f"{op} bit by bit gives {problem.solution:0{width}b}, which is {problem.solution}."]
    elif t == "gcd":
        steps, a, b = [], x, y
        while b:
            steps.append(f"{a} mod {b} = {a % b}.")
            a, b = b, a % b
        steps.append(f"The gcd is {a}.")
    elif t == "lcm":
        g = math.gcd(x, y)
        steps = [f"gcd({x}, {y}) = {g}.", f"lcm = {x} * {y} / {g} = {x * y // g}."]
    elif t == "square_mod":
        steps = [f"{x} squared is {x * x}.", f"{x * x} mod {y} = {problem.solution}."]
    elif t == "multiplication":
        steps = [f"{x} * {y} = {x * y}."]
    elif t == "division":
        steps = [f"{y} * {x // y} = {y * (x // y)}, and {y} * {x // y + 1} = {y * (x // y + 1)} is too big."]
    elif t == "modulo":
        steps = [f"{x} // {y} = {x // y}.", f"{x} - {y} * {x // y} = {x % y}."]
    else:
        steps = [f"{x} + {y} = {x + y}."]
    if t in MOD_1000_TYPES and problem.solution != _OPS[t](x, y):
        steps.append(f"Modulo 1000 that is {problem.solution}.")
    return " ".join(steps) + f"\nFinal Answer: {problem.solution}"


def chat_messages(problem: Problem, *, cot: bool = False, shots: int = 2) -> list[dict[str, str]]:
    """The two-shot chat (system, shot pairs, question) as a list of role/content messages."""
    messages = [{"role": "system", "content": SYSTEM_COT if cot else SYSTEM_DIRECT}]
    for shot in shots_for(problem, count=shots):
        answer = worked_solution(shot) if cot else str(shot.solution)
        messages += [{"role": "user", "content": shot.question}, {"role": "assistant", "content": answer}]
    messages.append({"role": "user", "content": problem.question})
    return messages
