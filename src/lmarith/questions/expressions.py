"""Questions that name an executor expression: the question aligner's data.

The CAEF aligner maps ``a+b=`` to a first configuration; the question aligner maps a sentence
to the expression the executors run: ``What is 4817 times 9023?`` -> ``4817*9023``, ``Is 5000
bigger than 4999?`` -> ``5000>4999``, ``Subtract 17 from 93.`` -> ``93-17``. Seven operators,
the executors' own, operands of any length (sampled up to ``max_digits``).

Wording comes in the two disjoint families of the neurosymbolic questions (``wording``):
addition, subtraction, multiplication, integer division and "greater than" reuse their
templates (never asked mod 1000: the executors compute exactly); "less than" and equality are
worded here, as yes/no questions. A sentence that names no executor expression (a gcd, a remainder, a
product asked mod 1000, an invented operation, two numbers that pose no problem, chit-chat)
maps to :data:`CANNOT`: the
aligner must say it cannot, never guess an expression to compute anyway.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import permutations

from lmarith.errors import LmarithError
from lmarith.questions import wording
from lmarith.questions.question import families

#: what the aligner writes for a question with no executor expression
CANNOT = "CANNOT"
#: the executors' operators (``lmarith.machines.problems`` names) and their symbols
SYMBOLS: dict[str, str] = {"add": "+", "sub": "-", "mul": "*", "div": "//", "eq": "==", "gt": ">", "lt": "<"}
#: operators whose wording the neurosymbolic questions have (``comparison`` asks whether x > y)
SHARED_TYPES: dict[str, str] = {
    "add": "addition",
    "sub": "subtraction",
    "mul": "multiplication",
    "div": "division",
    "gt": "comparison",
}

#: the other comparisons, yes/no questions, whole sentences
COMPARISONS: dict[str, dict[wording.Family, tuple[str, ...]]] = {
    "lt": {
        "train": (
            "Is {x} less than {y}?",
            "Is {x} smaller than {y}?",
            "{x} < {y}?",
            "Is it true that {x} < {y}?",
            "Is {x} fewer than {y}?",
            "Is {x} lower than {y}?",
        ),
        "heldout": (
            "Is {x} below {y}?",
            "Does {x} fall short of {y}?",
            "{x}<{y}, true or false?",
            "Would you say {x} is under {y}?",
        ),
    },
    "eq": {
        "train": (
            "Is {x} equal to {y}?",
            "Does {x} equal {y}?",
            "{x} == {y}?",
            "Is it true that {x} = {y}?",
            "Is {x} the same as {y}?",
            "Are {x} and {y} equal?",
        ),
        "heldout": (
            "Are {x} and {y} the same number?",
            "Do {x} and {y} match?",
            "{x}=={y}, true or false?",
            "Is {x} identical to {y}?",
        ),
    },
}
#: more training wordings of the question aligner alone (the neurosymbolic families stay as
#: they are: its shipped intervention was trained on them): noun phrases that go into the
#: training frames, and whole sentences. More ways of saying the same thing is what teaches a
#: reading of the question rather than of our sentences.
ALIGNER_EXPRESSIONS: dict[str, tuple[str, ...]] = {
    "add": (
        "{x} augmented by {y}",
        "{x} together with {y}",
        "{x} with {y} added",
        "add({x}, {y})",
        "sum({x}, {y})",
        "the addition of {x} and {y}",
        "{x} and {y} summed",
        "{x} grown by {y}",
        "{y} more than {x}",
        "{x} and {y} combined",
        "{x} boosted by {y}",
        "{x} plus {y} exactly",
        "{x} added onto {y}",
        "{x} and {y} in total",
        "the sum {x} + {y}",
        "{x} put together with {y}",
        "the combined total of {x} and {y}",
        "the sum total of {x} and {y}",
        "{x} and {y} all together",
        "the aggregate of {x} and {y}",
        "{x} topped up by {y}",
    ),
    "sub": (
        "{x} reduced by {y}",
        "{x} subtract {y}",
        "sub({x}, {y})",
        "the result of subtracting {y} from {x}",
        "{x} lowered by {y}",
        "{x} with {y} removed",
        "{x} after removing {y}",
        "{x} minus the number {y}",
        "{x} − {y}",
        "what is left of {x} after taking away {y}",
        "{y} less than {x}",
        "{y} fewer than {x}",
        "{x} diminished by {y}",
        "{y} taken off {x}",
        "{x} after {y} is subtracted",
        "the amount left when {y} is removed from {x}",
        "{x} minus {y} exactly",
        "the difference {x} - {y}",
        "{x} cut by {y}",
    ),
    "mul": (
        "{x} multiplied with {y}",
        "prod({x}, {y})",
        "{x} groups of {y}",
        "{x} copies of {y}",
        "{x} times {y} exactly",
        "the product {x} * {y}",
        "{x} multiplied together with {y}",
        "{x} multiplied by the number {y}",
        "the full product of {x} and {y}",
        "the product {x} times {y}",
        "{x} repeated {y} times and added up",
        "{x} scaled by {y}",
        "{x} multiplied out by {y}",
        "{x} mult {y}",
        "{y} sets of {x}",
        "{x} batches of {y}",
        "{x} by {y}, multiplied",
        "{x} times {y} in full",
    ),
    "div": (
        "{x} integer-divided by {y}",
        "the quotient of {x} by {y}, ignoring the remainder",
        "{x} divided by {y} (integer part)",
        "how many times {y} fits in {x}",
        "intdiv({x}, {y})",
        "{x} divided by {y}, remainder dropped",
        "the whole quotient of {x} and {y}",
        "{x} over {y}, rounded down",
        "the integer part of {x} divided by {y}",
        "{x} floor-divided by {y}",
        "{x} divided by {y} as a whole number",
        "the truncated quotient of {x} and {y}",
        "{x} / {y} without the fractional part",
        "how many {y}s fit completely in {x}",
        "{x} // {y} exactly",
        "floor({x} / {y})",
        "{x} quot {y}",
        "{x} idiv {y}",
        "{x} divided by {y}, truncated",
        "the floor division of {x} by {y}",
        "{x} divided by {y} in whole numbers",
        "{x} over {y}, floored",
    ),
}
ALIGNER_SENTENCES: dict[str, tuple[str, ...]] = {
    "add": (
        "Add {x} plus {y}.",
        "Sum up {x} and {y}.",
        "Combine {x} and {y} by adding them.",
        "Start at {x} and count up {y}. Where do you end?",
        "What is {y} more than {x}?",
        "If you add {y} to {x}, what do you get?",
        "How much do {x} and {y} make together?",
        "I had {x} and found {y} more. How many do I have now?",
    ),
    "sub": (
        "Remove {y} from {x}.",
        "From {x}, subtract {y}.",
        "Start at {x} and count down {y}. Where do you end?",
        "I had {x} and lost {y}. How many do I have now?",
        "What is {y} less than {x}?",
        "Take {y} off {x}. What is left?",
        "Reduce {x} by {y}.",
        "Knock {y} off {x}.",
        "If {y} is removed from {x}, how much is left over?",
        "How far is {x} above {y}, as {x} minus {y}?",
    ),
    "mul": (
        "Find the product when {x} is multiplied by {y}.",
        "Multiply {x} and {y}.",
        "There are {x} boxes with {y} items each. How many items in all?",
        "How much is {x} multiplied by {y}?",
        "Compute the full product of {x} and {y}.",
        "Scale {x} by a factor of {y}.",
    ),
    "div": (
        "Share {x} equally among {y}; how many whole ones does each get?",
        "Integer-divide {x} by {y}.",
        "How many full groups of {y} can be made from {x}?",
        "Divide {x} by {y}; keep only the whole part.",
        "How many times does {y} fit into {x} completely?",
        "Split {x} into groups of {y}. How many full groups?",
        "What is {x} over {y}, rounded down to a whole number?",
    ),
    "gt": (
        "Is {x} greater than {y}, yes or no?",
        "Is {x} the larger number compared with {y}?",
        "Does {x} beat {y}?",
        "Is {x} over {y}?",
        "Is {x} strictly greater than {y}?",
        "{x} > {y}, correct?",
        "Check: {x} > {y}.",
        "Is {x} a bigger number than {y}?",
        "Tell me whether {x} is larger than {y}.",
        "Does {x} surpass {y}?",
        "Is {x} ahead of {y}?",
        "Is {x} greater in value than {y}?",
        "Does {x} top {y}?",
        "Does {x} outweigh {y}?",
        "Is {x} in excess of {y}?",
        "Does {x} outrank {y}?",
        "Does {x} go beyond {y}?",
        "Is {x} past {y}?",
        "Does {x} outstrip {y}?",
        "Is {x} the bigger one, compared to {y}?",
    ),
    "lt": (
        "Is {x} smaller compared to {y}?",
        "Is {x} less than {y}, yes or no?",
        "{x} < {y}, correct?",
        "Is {x} beneath {y}?",
        "Is {x} strictly less than {y}?",
        "Is {x} a smaller number than {y}?",
        "Check: {x} < {y}.",
        "Tell me whether {x} is smaller than {y}.",
        "Does {x} come in lower than {y}?",
        "Is {x} less in value than {y}?",
        "Does {x} trail {y}?",
        "Is {x} behind {y}?",
        "Is {x} not as big as {y}?",
        "Is {x} the smaller one, compared to {y}?",
    ),
    "eq": (
        "Is {x} the same value as {y}?",
        "{x} == {y}, correct?",
        "Is {x} equivalent to {y}?",
        "Are {x} and {y} equivalent?",
        "Do {x} and {y} have equal value?",
        "Check: {x} = {y}.",
        "Tell me whether {x} equals {y}.",
        "Is {x} exactly {y}?",
        "Are the numbers {x} and {y} equal, yes or no?",
        "Do {x} and {y} agree?",
        "Is {x} equal in value to {y}?",
        "Are {x} and {y} one and the same?",
        "Is {x} exactly equal to {y}?",
    ),
}
#: questions about two numbers with no executor expression (besides the neurosymbolic types
#: the executors lack: remainders, gcd, lcm, squares mod, bitwise operations)
NOT_EXPRESSIONS: dict[wording.Family, tuple[str, ...]] = {
    "train": (
        "What is the zorp of {x} and {y}?",
        "Compute {x} @ {y}.",
        "What is the larger of {x} and {y}?",
        "I have {x} books and {y} pens.",
        "What is {x} to the power of {y}?",
        "Sort {x} and {y} in order.",
        "The train leaves at platform {x}, coach {y}.",
        "What is the average of {x} and {y}?",
        "Write {x} and {y} in words.",
        "Is {x} a prime number? Also {y}?",
        # near the executors' operations, but not one of them (not "{x} divided by {y} as a
        # decimal": it taught that a division asked in unusual words is no expression)
        "What is {x} minus {y}, squared?",
        "What is twice {x} plus {y}?",
        "What is the sum of the digits of {x} and {y}?",
        "What is {x} plus {y} plus {x}?",
        "What fraction of {x} is {y}?",
        "What is {y} as a share of {x}?",
        "Round {x} to the nearest {y}.",
        "How many times does the digit {y} appear in {x}?",
        "Is {x} divisible by {y}?",
        "How many numbers are less than {x} and more than {y}?",
    ),
    "heldout": (
        "What is {x} frimble {y}?",
        "Give max({x}, {y}).",
        "My house number is {x} and my flat is {y}.",
        "What is {x} percent of {y}?",
        "Page {x} of the book mentions {y} birds.",
        "What is the distance between {x} and {y} on a number line?",
        "How many digits do {x} and {y} have?",
    ),
}
NO_EXECUTOR_TYPES = ("modulo", "gcd", "lcm", "square_mod", "bitwise_and", "bitwise_xor", "bitwise_or")
#: questions with no numbers at all
CHAT: dict[wording.Family, tuple[str, ...]] = {
    "train": (
        "What is the capital of France?",
        "Tell me a joke.",
        "How are you today?",
        "What is a prime number?",
        "Explain how multiplication works.",
        "Who wrote Hamlet?",
    ),
    "heldout": (
        "What's the weather like?",
        "Can you recommend a book?",
        "What does subtraction mean?",
        "Why is the sky blue?",
    ),
    "fresh": ("What time zone is London in?", "Write a haiku about rain.", "How do I boil an egg?"),
}
#: A second held-out family, for the question aligner alone (whole sentences, held-out
#: filler): written on 2026-12-07 before any aligner was measured on it, and never used to
#: choose training wordings. The first held-out family steered three rounds of them (its misses
#: were read), so it no longer measures wording that training never saw. Measured so far on the
#: shipped aligner and one candidate (round 4, not shipped); its misses have been read too.
FRESH: dict[str, tuple[str, ...]] = {
    "add": (
        "What's the result of adding {x} and {y}?",
        "{x} and {y} together make how much?",
        "Please total up {x} and {y}.",
        "Put {y} on top of {x}; what's the total?",
        "I need {x} + {y} worked out.",
        "Increase {x} by {y}. Result?",
    ),
    "sub": (
        "How much bigger is {x} than {y}?",
        "Subtracting {y} from {x} gives what?",
        "{x} with {y} deducted is?",
        "Calculate the difference: {x} minus {y}.",
        "I have {x} and pay out {y}. What remains?",
        "Count back {y} from {x}.",
    ),
    "mul": (
        "Multiply together {x} and {y}, please.",
        "What do {x} and {y} multiply to?",
        "{x} multiplied with {y} comes to?",
        "Give the result of {x} × {y}.",
        "If each of {x} crates holds {y} bottles, how many bottles are there?",
        "Work out {x} times {y} for me.",
    ),
    "div": (
        "What is {x} divided by {y}, ignoring any remainder?",
        "Divide {x} by {y} and round down.",
        "Compute the integer quotient {x} ÷ {y}.",
        "How many whole {y}s are there in {x}?",
        "If {x} sweets are shared among {y} kids, how many whole sweets does each kid get?",
        "What's the floor of {x}/{y}?",
    ),
    "gt": (
        "Is {x} a larger value than {y}?",
        "Is {x} more than {y}, yes or no?",
        "Say whether {x} is greater than {y}.",
        "Does {x} come out ahead of {y}?",
        "Is the number {x} greater than the number {y}?",
    ),
    "lt": (
        "Is {x} smaller than {y}, yes or no?",
        "Is the number {x} below the number {y}?",
        "Is {x} a lesser value than {y}?",
        "True or false: {x} is less than {y}.",
        "Does {x} come before {y} when counting up?",
    ),
    "eq": (
        "Is {x} the very same number as {y}?",
        "True or false: {x} equals {y}.",
        "Do {x} and {y} have the same value, yes or no?",
        "Is the number {x} equal to the number {y}?",
        "Are {x} and {y} exactly equal?",
    ),
    CANNOT: (
        "What is {x} raised to the {y}th power?",
        "Work out the remainder of {x} over {y}.",
        "What's the highest factor shared by {x} and {y}?",
        "Which is bigger, {x} or {y}?",
        "My phone PIN is {x} and my locker is {y}.",
        "What is the mean of {x} and {y}?",
        "Multiply {x} by {y} and give the result modulo 1000.",
        "Is {x} an even number, and is {y}?",
    ),
}
#: the wording families :func:`mappings` draws from: the neurosymbolic ones, and ``fresh``
ALIGNER_FAMILIES = ("train", "heldout", "all", "fresh")


@dataclass(frozen=True)
class Mapping:
    """One question and the expression the aligner should write for it (or :data:`CANNOT`)."""

    question: str
    expression: str
    #: the executor operator, or None for a question with no expression
    op: str | None


@cache
def templates(op: str, family: wording.Family) -> tuple[str, ...]:
    """The question templates (``{x}``, ``{y}``) of one executor operator and family."""
    if op not in SYMBOLS:
        raise LmarithError(f"unknown operator {op!r}; known: {', '.join(SYMBOLS)}")
    if family == "fresh":
        return FRESH[op]
    extra: tuple[str, ...] = ()
    if family == "train":
        extra = tuple(f.replace("{e}", e) for f in wording.FRAMES["train"] for e in ALIGNER_EXPRESSIONS.get(op, ()))
        extra += ALIGNER_SENTENCES.get(op, ())
    if op in SHARED_TYPES:
        return wording.templates(SHARED_TYPES[op], family, mod=False) + extra
    return COMPARISONS[op][family] + extra


#: asked mod 1000 (as the paper's data set asks them), these have no executor expression either:
#: the executors would compute the whole product, not what was asked
MOD_1000_TYPES = ("multiplication", "lcm")


@cache
def cannot_groups(family: wording.Family) -> tuple[tuple[str, ...], ...]:
    """Templates of questions with no executor expression, one group per kind (each
    neurosymbolic type the executors lack, each type asked mod 1000, the rest): questions are
    drawn group first, so no kind's many templates crowd out the others."""
    if family == "fresh":
        return (FRESH[CANNOT],)
    neuro = [wording.templates(kind, family, mod=False) for kind in NO_EXECUTOR_TYPES]
    mod = [wording.templates(kind, family, mod=True) for kind in MOD_1000_TYPES]
    return (*neuro, *mod, NOT_EXPRESSIONS[family])


def cannot_templates(family: wording.Family) -> tuple[str, ...]:
    """Every template of questions with no executor expression."""
    return tuple(t for group in cannot_groups(family) for t in group)


def operands(rng: random.Random, op: str, max_digits: int, exact: bool = False) -> tuple[int, int]:
    """Two operands, each of 1..max_digits digits (lengths uniform, so long ones are common;
    ``exact``: of max_digits digits each); a divisor is never 0, and equality is asked of
    equal numbers half the time."""

    def number() -> int:
        digits = max_digits if exact else rng.randint(1, max_digits)
        return rng.randint(10 ** (digits - 1) if digits > 1 else 0, 10**digits - 1)

    x, y = number(), number()
    if op == "div":
        y = y or 1
    if op == "eq" and rng.random() < 0.5:
        y = x
    return x, y


def expression(op: str, x: int, y: int) -> str:
    """What the aligner writes for ``x op y`` (``op`` a key of :data:`SYMBOLS`)."""
    return f"{x}{SYMBOLS[op]}{y}"


def choices(numbers: Sequence[int]) -> tuple[str, ...]:
    """Every text the aligner may write for a question holding ``numbers`` (repeats kept):
    :data:`CANNOT`, or an operator on two of them in either order, each number used as often
    as the question writes it. Constrained decoding picks among these, so a long number is
    copied whole or not at all; which operator and which order stay the model's reading."""
    pairs = dict.fromkeys(permutations(numbers, 2))
    return (CANNOT, *(expression(op, x, y) for x, y in pairs for op in SYMBOLS))


def mappings(
    count: int,
    family: str = "train",
    *,
    max_digits: int = 30,
    cannot_share: float = 0.15,
    ops: tuple[str, ...] = tuple(SYMBOLS),
    seed: int = 0,
    exact_digits: bool = False,
) -> list[Mapping]:
    """``count`` questions worded from ``family`` (one of :data:`ALIGNER_FAMILIES`), operators in
    equal shares, ``cannot_share`` of them with no expression; with surfaces (filler,
    punctuation, casing) of the same family (``fresh``: the held-out ones). Operands have
    1..max_digits digits (``exact_digits``: max_digits each, for a benchmark cell). Reproducible
    from ``seed``."""
    if family not in ALIGNER_FAMILIES:
        raise LmarithError(f"phrasing set must be one of {', '.join(ALIGNER_FAMILIES)}, got {family!r}")
    # the neurosymbolic encoder's extra family stays out: the aligner keeps to its own wordings
    chosen_from = ("fresh",) if family == "fresh" else tuple(f for f in families(family) if f != "neuro")
    if max_digits < 1:
        raise LmarithError(f"max_digits must be >= 1, got {max_digits}")
    if not 0 <= cannot_share < 1:
        raise LmarithError(f"cannot_share must be in [0, 1), got {cannot_share}")
    rng = random.Random(seed)
    out = []
    asked = 0
    for _ in range(count):
        chosen = rng.choice(chosen_from)
        surface = wording.Surface.draw(rng, "heldout" if chosen == "fresh" else chosen)
        if rng.random() < cannot_share:
            if rng.random() < 0.2:
                out.append(Mapping(surface.apply(rng.choice(CHAT[chosen])), CANNOT, None))
                continue
            x, y = operands(rng, "add", max_digits)  # as long as the others: length tells nothing
            template = rng.choice(rng.choice(cannot_groups(chosen)))
            out.append(Mapping(surface.apply(template.format(x=x, y=y)), CANNOT, None))
            continue
        op = ops[asked % len(ops)]
        asked += 1
        x, y = operands(rng, op, max_digits, exact_digits)
        template = rng.choice(templates(op, chosen))
        out.append(Mapping(surface.apply(template.format(x=x, y=y)), expression(op, x, y), op))
    rng.shuffle(out)
    return out
