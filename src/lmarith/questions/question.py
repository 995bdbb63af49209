"""One question in words: its phrasings (written here, and read back by :func:`parse_question`).

Mirrors the paper's companion data set: operands 1..999 by default, several phrasings per
type of which some are held out of training, multiplication and lcm asked mod 1000 with the
question saying so.
"""

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from lmarith.errors import LmarithError
from lmarith.questions.rules import FOREIGN, MOD_1000_TYPES, PROBLEM_TYPES, TRAIN_TYPES, check_types, solve

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
MOD_SUFFIX = " Give the answer modulo 1000."
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
class Question:
    """One row of the data set: a question in words and its exact answer."""

    problem_type: str
    x: int
    y: int
    question: str
    solution: int

    @property
    def mod1000(self) -> bool:
        """Whether the question asks for the answer mod 1000 (it then says so)."""
        return self.question.endswith(MOD_SUFFIX)


def make_question(problem_type: str, x: int, y: int, template: str, *, mod1000: bool = True) -> Question:
    """Phrase one question and solve it."""
    question = template.format(x=x, y=y)
    if mod1000 and problem_type in MOD_1000_TYPES:
        question += MOD_SUFFIX
    return Question(problem_type, x, y, question, solve(problem_type, x, y, mod1000=mod1000))


def sample_questions(
    count_per_type: int,
    types: Sequence[str] = TRAIN_TYPES,
    *,
    digits: int = 3,
    x_greater: bool = False,
    phrasing: str = "train",
    mod1000: bool = True,
    seed: int = 0,
) -> list[Question]:
    """``count_per_type`` random questions per type, operands 1..10^digits - 1, reproducible from ``seed``."""
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
            out.append(make_question(problem_type, x, y, rng.choice(templates), mod1000=mod1000))
    rng.shuffle(out)
    return out


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One regular expression per (type, phrasing); a repeated operand must repeat its value."""
    out = []
    for problem_type in PROBLEM_TYPES:
        for template in phrasings(problem_type, "all"):
            parts, named = [], set()
            for piece in re.split(r"(\{[xy]\})", template):
                name = piece[1:-1] if piece in ("{x}", "{y}") else None
                if name is None:
                    parts.append(re.escape(piece))
                else:
                    parts.append(f"(?P={name})" if name in named else f"(?P<{name}>\\d+)")
                    named.add(name)
            parts.append(f"(?P<mod>{re.escape(MOD_SUFFIX)})?")
            out.append((problem_type, re.compile("".join(parts), re.IGNORECASE)))
    return tuple(out)


def parse_question(text: str) -> Question | None:
    """The question ``text`` asks, when it is one of our phrasings (any case); else None.

    The mod-1000 suffix, when present, makes it a mod-1000 question. A question the rules
    cannot answer (modulo by zero) is not one of ours either.
    """
    text = " ".join(text.split())
    for problem_type, pattern in _patterns():
        found = pattern.fullmatch(text)
        if found:
            x, y = int(found["x"]), int(found["y"])
            try:
                return Question(problem_type, x, y, text, solve(problem_type, x, y, mod1000=bool(found["mod"])))
            except LmarithError:
                return None
    return None
