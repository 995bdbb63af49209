"""The parts questions are worded from, in two disjoint families, and the surface around them.

A template is a question *frame* around an *expression* of the operation ("What is {e}?" and
"the product of {x} and {y}"), or a whole *sentence* ("Multiply {x} by {y}{m}."); for
multiplication and lcm asked mod 1000, a *mod request* goes inline after the expression
(" mod 1000", ", modulo 1000", " (mod 1000)", " % 1000"), before the question ("Modulo 1000,
...") or after it as its own sentence (" Give the answer modulo 1000."), or the expression
carries it itself ("({x} * {y}) % 1000"). A :class:`Surface` then adds polite filler, changes
the closing punctuation and the casing.

Every part belongs to exactly one family, ``train`` or ``heldout`` (tests check that no
frame, expression, mod request or filler is shared), so held-out questions are worded in
ways training never saw. Commutative operations keep x before y; modulo and square_mod also
have expressions that name y first ("Modulo {y}, what is {x}?"), where the roles matter.
"""

import random
import re
from dataclasses import dataclass
from functools import cache

from lmarith.questions.rules import FOREIGN

Family = str  # "train" | "heldout"

FRAMES: dict[Family, tuple[str, ...]] = {
    "train": (
        "What is {e}?",
        "Compute {e}.",
        "Calculate {e}.",
        "Find {e}.",
        "What is the value of {e}?",
        "Tell me {e}.",
        "Give {e}.",
        "{e} = ?",
        "Find the value of {e}.",
        "Could you calculate {e}?",
        "What would {e} be?",
        "Give me {e}.",
        "{e}?",
        "Please compute {e}.",
    ),
    "heldout": (
        "What's {e}?",
        "Evaluate {e}.",
        "Work out {e}.",
        "Can you figure out {e}?",
        "Determine {e}.",
        "I'd like to know {e}.",
        "Solve this: {e}",
        "How much is {e}?",
        "{e} equals what?",
        "What do you get for {e}?",
    ),
}

#: Frames of a yes/no question around a clause ("{x} is greater than {y}"); answered 1 or 0.
YES_NO_FRAMES: dict[Family, tuple[str, ...]] = {
    "train": (
        "Is it true that {e}?",
        "True or false: {e}.",
        "Tell me whether {e}.",
        "Check if {e}.",
        "Answer 1 for yes or 0 for no: {e}?",
        "Decide whether {e}.",
    ),
    "heldout": (
        "Would you say {e}?",
        "Is it the case that {e}?",
        "Confirm or deny: {e}.",
        "Can you tell if {e}?",
        "Verify that {e}.",
    ),
}
YES_NO_TYPES = frozenset({"comparison"})

# Per type and family: noun-phrase expressions (go into a frame) and whole sentences (frame
# included). "{m}" marks where an inline mod request goes (default: after the expression).
EXPRESSIONS: dict[str, dict[Family, tuple[str, ...]]] = {
    "addition": {
        "train": ("{x} plus {y}", "{x} + {y}", "the sum of {x} and {y}", "{x} added to {y}"),
        "heldout": ("the total of {x} and {y}", "{x} and {y} added together", "{x} increased by {y}", "{x}+{y}"),
    },
    "multiplication": {
        "train": (
            "{x} times {y}",
            "the product of {x} and {y}",
            "{x} * {y}",
            "{x} multiplied by {y}",
            "the product of the numbers {x} and {y}",
            "mul({x}, {y})",
            "{x} · {y}",
            "the multiplication of {x} and {y}",
            "{x} times the number {y}",
        ),
        "heldout": ("{x} x {y}", "{x} × {y}", "the result of multiplying {x} by {y}", "{x} lots of {y}", "{x}*{y}"),
    },
    "division": {
        "train": (
            "{x} divided by {y}, rounded down",
            "{x} // {y}",
            "the integer quotient of {x} and {y}",
            "floor({x} / {y})",
        ),
        "heldout": (
            "the floor of {x} over {y}",
            "{x} div {y}",
            "{x} divided by {y} without the remainder",
            "the whole-number part of {x} / {y}",
        ),
    },
    "modulo": {
        "train": (
            "{x} mod {y}",
            "{x} % {y}",
            "the remainder of {x} divided by {y}",
            "{x} modulo {y}",
            "the remainder after dividing {x} by {y}",
            "mod({x}, {y})",
            "{x} modulus {y}",
            "the leftover when dividing {x} by {y}",
            "{x} remainder {y}",
        ),
        "heldout": (
            "the remainder when {x} is divided by {y}",
            "{x} reduced modulo {y}",
            "the residue of {x} modulo {y}",
            "{x}%{y}",
            "what is left over when {y} goes into {x}",
        ),
    },
    "gcd": {
        "train": (
            "the gcd of {x} and {y}",
            "gcd({x}, {y})",
            "the greatest common divisor of {x} and {y}",
            "the GCD of {x} and {y}",
            "the largest common divisor of {x} and {y}",
            "gcd of {x} and {y}",
            "the greatest common measure of {x} and {y}",
            "the highest number dividing {x} and {y}",
            "gcd {x} {y}",
        ),
        "heldout": (
            "the highest common factor of {x} and {y}",
            "the biggest number that divides both {x} and {y}",
            "hcf({x},{y})",
            "the greatest common factor of {x} and {y}",
            "GCD({x},{y})",
        ),
    },
    "lcm": {
        "train": (
            "the lcm of {x} and {y}",
            "lcm({x}, {y})",
            "the least common multiple of {x} and {y}",
            "the LCM of {x} and {y}",
            "the least common multiple of the numbers {x} and {y}",
            "lcm of {x} and {y}",
            "the lowest number that is a multiple of {x} and of {y}",
            "lcm {x} {y}",
        ),
        "heldout": (
            "the lowest common multiple of {x} and {y}",
            "the smallest positive number divisible by both {x} and {y}",
            "LCM({x},{y})",
            "the least common multiple for {x} and {y}",
            "the smallest common multiple of {x} and {y}",
        ),
    },
    "square_mod": {
        "train": (
            "{x} squared mod {y}",
            "({x} * {x}) % {y}",
            "the remainder of {x} squared divided by {y}",
            "{x}^2 modulo {y}",
            "{x} times {x} modulo {y}",
            "pow({x}, 2, {y})",
            "the remainder of {x}*{x} divided by {y}",
            "{x} squared, modulo {y}",
        ),
        "heldout": (
            "{x}**2 % {y}",
            "the square of {x}, modulo {y}",
            "the remainder when {x} times {x} is divided by {y}",
            "{x} to the second power mod {y}",
            "{x}² reduced mod {y}",
        ),
    },
    "bitwise_and": {
        "train": (
            "{x} AND {y}",
            "{x} & {y}",
            "the bitwise and of {x} and {y}",
            "{x} bitwise-AND {y}",
            "and({x}, {y})",
            "the AND of {x} and {y}",
            "{x} bit-and {y}",
            "the bitwise AND of {x} with {y}",
        ),
        "heldout": (
            "the result of ANDing {x} with {y}",
            "{x} AND-ed with {y}",
            "bitand({x}, {y})",
            "the bitwise AND of the numbers {x} and {y}",
            "{x}&{y}",
        ),
    },
    "bitwise_xor": {
        "train": (
            "{x} XOR {y}",
            "{x} ^ {y}",
            "the bitwise xor of {x} and {y}",
            "{x} bitwise-XOR {y}",
            "xor({x}, {y})",
            "the XOR of {x} and {y}",
            "{x} bit-xor {y}",
            "{x} exclusive-or {y}",
        ),
        "heldout": (
            "the exclusive or of {x} and {y}",
            "{x} XORed with {y}",
            "the result of XORing {x} and {y}",
            "bitxor({x}, {y})",
            "{x}^{y} (bitwise)",
        ),
    },
    "bitwise_or": {
        "train": (
            "{x} OR {y}",
            "{x} | {y}",
            "the bitwise or of {x} and {y}",
            "{x} bitwise-OR {y}",
            "or({x}, {y})",
            "the OR of {x} and {y}",
            "{x} bit-or {y}",
            "{x} inclusive-or {y}",
        ),
        "heldout": (
            "the inclusive or of {x} and {y}",
            "{x} ORed with {y}",
            "the result of ORing {x} and {y}",
            "bitor({x}, {y})",
            "{x}|{y}",
        ),
    },
    "subtraction": {
        "train": (
            "{x} minus {y}",
            "{x} - {y}",
            "the difference of {x} and {y}",
            "{y} subtracted from {x}",
            "{x} take away {y}",
            "{x} with {y} taken off",
        ),
        "heldout": ("{x} less {y}", "{x}-{y}", "what remains when {y} is taken from {x}", "{x} decreased by {y}"),
    },
    "comparison": {  # clauses, in YES_NO_FRAMES
        "train": (
            "{x} is greater than {y}",
            "{x} is bigger than {y}",
            "{x} is larger than {y}",
            "{x} > {y}",
            "{x} is more than {y}",
            "{x} is greater than {y} or not",
        ),
        "heldout": ("{x} exceeds {y}", "{x} is above {y}", "{x}>{y}", "{x} is higher than {y}", "{x} outnumbers {y}"),
    },
    # Negatives: invented operations and real operations we do not train, each family its own
    # ("heldout": powers, max/min, means, ...), never addition or division.
    FOREIGN: {
        "train": (
            "the zorp of {x} and {y}",
            "{x} @ {y}",
            "{x} frimble {y}",
            "the quandle of {x} and {y}",
            "{x} ~ {y}",
            "{x} snarked by {y}",
            "the vext of {x} and {y}",
            "{x} <> {y}",
            # real operations we never train (outlier exposure: the gate learns that an
            # operation word it does not know means "shut", not "the nearest trained type")
            "{x} choose {y}",
            "the binomial coefficient of {x} and {y}",
            "{x} NAND {y}",
            "{x} NOR {y}",
            "the Hamming distance between {x} and {y}",
            "{x} shifted left by {y} bits",
            "{x} << {y}",
            "{x} >> {y}",
            "the logarithm of {x} to base {y}",
            "log base {y} of {x}",
            "the number of primes between {x} and {y}",
            "the median of {x} and {y}",
            "hypot({x}, {y})",
            "{x} written in base {y}",
            "perm({x}, {y})",
            "the hypotenuse of a triangle with legs {x} and {y}",
            "{x} rotated right by {y} bits",
        ),
        "heldout": (
            "{x} to the power of {y}",
            "the larger of {x} and {y}",
            "max({x}, {y})",
            "the minimum of {x} and {y}",
            "the average of {x} and {y}",
            "{x} concatenated with {y}",
            "the number of digits of {x} and {y}",
            "{x} squared minus {y}",
            "the distance between {x} and {y} on a number line",
            "{x} percent of {y}",
            "{x} cubed plus {y}",
        ),
    },
}

SENTENCES: dict[str, dict[Family, tuple[str, ...]]] = {
    "addition": {"train": ("Add {x} and {y}.",), "heldout": ("If I have {x} and get {y} more, how many is that?",)},
    "multiplication": {
        "train": ("Multiply {x} by {y}{m}.", "What do you get when you multiply {x} by {y}{m}?"),
        "heldout": ("If you multiply {x} and {y} together{m}, what do you get?", "Take {x} times {y}{m}."),
    },
    "division": {
        "train": ("Divide {x} by {y} and drop the remainder.",),
        "heldout": ("How many whole times does {y} go into {x}?",),
    },
    "modulo": {
        "train": ("Divide {x} by {y} and give the remainder.", "What remainder does {x} leave when divided by {y}?"),
        "heldout": ("Modulo {y}, what is {x}?", "When {x} is divided by {y}, what remainder is left?"),
    },
    "gcd": {
        "train": ("What is the largest number dividing both {x} and {y}?",),
        "heldout": ("Which is the greatest integer that divides {x} and {y} evenly?",),
    },
    "lcm": {
        "train": ("What is the smallest number that both {x} and {y} divide{m}?",),
        "heldout": ("Find the first number that is a multiple of both {x} and {y}{m}.",),
    },
    "square_mod": {
        "train": ("Square {x} and reduce it mod {y}.", "What is left when {x} times {x} is divided by {y}?"),
        "heldout": ("Square {x}, then take the result modulo {y}.", "Modulo {y}, what is {x} squared?"),
    },
    "bitwise_and": {
        "train": ("Which bits do {x} and {y} share, as a number?",),
        "heldout": ("Apply a bitwise AND to {x} and {y}.",),
    },
    "bitwise_xor": {
        "train": ("What do you get when you XOR {x} with {y}?",),
        "heldout": ("Apply a bitwise XOR to {x} and {y}.",),
    },
    "bitwise_or": {
        "train": ("What do you get when you OR {x} with {y}?",),
        "heldout": ("Apply a bitwise OR to {x} and {y}.",),
    },
    "subtraction": {
        "train": ("Subtract {y} from {x}.", "Take {y} away from {x}.", "How much is left if you remove {y} from {x}?"),
        "heldout": ("Deduct {y} from {x}.", "If I have {x} and give away {y}, how many are left?"),
    },
    "comparison": {
        "train": (
            "Is {x} greater than {y}?",
            "Is {x} bigger than {y}?",
            "Is {x} larger than {y}?",
            "{x} > {y}?",
            "Is {x} more than {y}?",
        ),
        "heldout": ("Does {x} exceed {y}?", "Is {x} above {y}?", "{x}>{y}, true or false?"),
    },
    FOREIGN: {
        "train": (
            "Blick {x} with {y}.",
            "Zorp {x} into {y}.",
            "Convert {x} to base {y}.",
            "Round {x} to {y} significant figures.",
            "Shift {x} left by {y} bits.",
            "How many primes lie between {x} and {y}?",
            "Pick {y} items out of {x}: how many ways?",
            "I bought {x} apples for {y} cents each, is that a good deal?",
        ),
        # two numbers that are not a problem at all
        "heldout": (
            "I have {x} books and {y} pens.",
            "My house number is {x} and my flat is {y}.",
            "The train leaves at platform {x}, coach {y}.",
            "We met in {x} and again {y} days later.",
            "Page {x} of the book mentions {y} birds.",
            "Order {x} ships in {y} days, right?",
            "Raise {x} to the power {y}.",
            "Sort {x} and {y} in order.",
        ),
    },
}

# Mod-1000 requests: inline after the expression, before the question, after it as a sentence.
MOD_INLINE: dict[Family, tuple[str, ...]] = {
    "train": (" mod 1000", " modulo 1000", ", modulo 1000", " (mod 1000)", ", mod 1000"),
    "heldout": (", taken mod 1000", " reduced modulo 1000", " (modulo 1000)", " % 1000", " mod 1e3"),
}
MOD_PREFIX: dict[Family, tuple[str, ...]] = {
    "train": ("Modulo 1000, ",),
    "heldout": ("Working mod 1000, ", "In arithmetic modulo 1000, "),
}
MOD_SENTENCE: dict[Family, tuple[str, ...]] = {
    "train": (" Give the answer modulo 1000.", " Reduce the result mod 1000.", " Answer mod 1000."),
    "heldout": (
        " I only need it modulo 1000.",
        " Express the result mod 1000.",
        " Just give the last three digits.",
        " Take the answer mod 1000.",
    ),
}
# Expressions that carry the mod request themselves (used only when asking mod 1000).
MOD_EXPRESSIONS: dict[str, dict[Family, tuple[str, ...]]] = {
    "multiplication": {
        "train": ("({x} * {y}) % 1000", "{x}*{y} mod 1000"),
        "heldout": ("({x} x {y}) mod 1000", "{x} * {y} % 1000", "the product of {x} and {y} mod a thousand"),
    },
    "lcm": {
        "train": ("lcm({x}, {y}) % 1000",),
        "heldout": ("lcm({x},{y}) mod 1000", "LCM of {x} & {y} modulo a thousand"),
    },
}

PREFIXES: dict[Family, tuple[str, ...]] = {
    "train": ("Please, ", "Hi! ", "Quick question: ", "Hey, "),
    "heldout": ("Hello, ", "Could you help me? ", "I have a question. ", "Excuse me, ", "Dear assistant: "),
}
SUFFIXES: dict[Family, tuple[str, ...]] = {
    "train": (" Thanks!", " Thank you.", " Please."),
    "heldout": (" Thanks a lot!", " Cheers.", " I appreciate it.", " Much obliged."),
}


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _with_mod(expression: str, mod: str) -> str:
    return expression.replace("{m}", mod) if "{m}" in expression else expression + mod


@cache
def templates(problem_type: str, family: Family, *, mod: bool) -> tuple[str, ...]:
    """Every template of one type and family, combinatorially (frames x expressions x mod requests)."""
    frames = (YES_NO_FRAMES if problem_type in YES_NO_TYPES else FRAMES)[family]
    expressions = EXPRESSIONS[problem_type][family]
    sentences = SENTENCES[problem_type][family]
    out: list[str] = []
    if not mod:
        out += [f.replace("{e}", e.replace("{m}", "")) for f in frames for e in expressions]
        out += [s.replace("{m}", "") for s in sentences]
        return tuple(out)
    for request in MOD_INLINE[family]:
        out += [f.replace("{e}", _with_mod(e, request)) for f in frames for e in expressions]
        out += [_with_mod(s, request) if "{m}" in s else s.replace("{m}", "") for s in sentences if "{m}" in s]
    plain = [f.replace("{e}", e.replace("{m}", "")) for f in frames for e in expressions]
    plain += [s.replace("{m}", "") for s in sentences]
    for prefix in MOD_PREFIX[family]:
        out += [prefix + _first_lower(t) for t in plain if not t.startswith("{")]
    for sentence in MOD_SENTENCE[family]:
        out += [t + sentence for t in plain]
    for e in MOD_EXPRESSIONS.get(problem_type, {}).get(family, ()):
        out += [f.replace("{e}", e) for f in frames]
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class Surface:
    """Filler, closing punctuation and casing put around a worded question."""

    prefix: str = ""
    suffix: str = ""
    punctuation: str = "keep"  # keep | drop | double | spaced
    casing: str = "keep"  # keep | first-lower | lower

    @classmethod
    def draw(cls, rng: random.Random, family: Family) -> "Surface":
        """A random surface of ``family``: about half the questions get a filler."""
        prefix = rng.choice(PREFIXES[family]) if rng.random() < 0.3 else ""
        suffix = rng.choice(SUFFIXES[family]) if rng.random() < 0.25 else ""
        punctuation = rng.choice(
            {"train": ("keep", "keep", "drop"), "heldout": ("keep", "keep", "double", "spaced")}[family]
        )
        casing = rng.choice({"train": ("keep", "keep", "first-lower"), "heldout": ("keep", "keep", "lower")}[family])
        return cls(prefix, suffix, punctuation, casing)

    def apply(self, text: str) -> str:
        end = len(text) - len(text.rstrip("?.!"))
        body, mark = (text[:-end], text[-end:]) if end else (text, "")
        mark = {"keep": mark, "drop": "", "double": mark * 2, "spaced": f" {mark}" if mark else ""}[self.punctuation]
        text = body + mark
        if self.casing == "lower":
            text = text.lower()
        elif self.casing == "first-lower":
            text = _first_lower(text)
        if self.prefix:
            text = self.prefix + (_first_lower(text) if self.prefix.endswith((", ", ": ")) else text)
        return text + self.suffix


def normalise(text: str) -> str:
    """Case, spacing and closing punctuation folded away, for comparing wordings."""
    text = " ".join(text.lower().split())
    text = re.sub(r"\s+([?.!])", r"\1", text)
    return text.rstrip("?.! ")


def strip_surface(text: str) -> list[str]:
    """The candidate cores of ``text`` with any known filler taken off (the text itself first)."""
    lowered = text.lower()
    prefixes = [""] + [p for fam in PREFIXES.values() for p in fam if lowered.startswith(p.lower())]
    suffixes = [""] + [s for fam in SUFFIXES.values() for s in fam if lowered.endswith(s.lower().strip())]
    out = []
    for p in prefixes:
        for s in suffixes:
            core = text[len(p) :]
            if s:
                core = core[: len(core) - len(s.strip())].rstrip()
            out.append(core.strip())
    return list(dict.fromkeys(out))
