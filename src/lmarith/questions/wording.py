"""The parts questions are worded from, in two disjoint families, and the surface around them.

A template is a question *frame* around an *expression* of the operation ("What is {e}?" and
"the product of {x} and {y}"), or a whole *sentence* ("Multiply {x} by {y}{m}."); for
multiplication and lcm asked mod 1000, a *mod request* goes inline after the expression
(" mod 1000", ", modulo 1000", " (mod 1000)", " % 1000"), before the question ("Modulo 1000,
...") or after it as its own sentence (" Give the answer modulo 1000."), or the expression
carries it itself ("({x} * {y}) % 1000"). A :class:`Surface` then adds polite filler, changes
the closing punctuation and the casing.

Every part belongs to exactly one family (tests check that no frame, expression, mod request
or filler is shared, after folding case, spaces and punctuation with :func:`normalise`):

- ``train``: what every model trained on questions reads (the neurosymbolic intervention and
  the question aligner);
- ``neuro``: more training wordings of the neurosymbolic encoder alone (the first held-out
  family, retired on 2026-12-07 once its misses had been read while improving the
  intervention, plus negatives near division); the question aligner's training keeps to
  ``train`` so its shipped weights stay reproducible;
- ``heldout``: written on 2026-12-07 before any model was measured on it, never trained on
  and never used to choose anything; held-out questions are worded in ways training never saw.

 Commutative operations keep x before y; modulo and square_mod also
have expressions that name y first ("Modulo {y}, what is {x}?"), where the roles matter.
"""

import random
import re
from dataclasses import dataclass
from functools import cache

from lmarith.questions.rules import FOREIGN

Family = str  # "train" | "neuro" | "heldout"

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
    "neuro": (
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
    "heldout": (
        "What does {e} come to?",
        "Show me {e}.",
        "I need {e}.",
        "What is the answer to {e}?",
        "Could you tell me {e}?",
        "Help me find {e}.",
        "Report {e}.",
        "{e} is what?",
        "Do you know {e}?",
        "What comes out of {e}?",
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
    "neuro": (
        "Would you say {e}?",
        "Is it the case that {e}?",
        "Confirm or deny: {e}.",
        "Can you tell if {e}?",
        "Verify that {e}.",
    ),
    "heldout": (
        "Yes or no: {e}?",
        "Is this correct: {e}?",
        "Would it be right to say {e}?",
        "Say yes or no: {e}.",
        "Is the statement that {e} true?",
    ),
}
YES_NO_TYPES = frozenset({"comparison"})

# Per type and family: noun-phrase expressions (go into a frame) and whole sentences (frame
# included). "{m}" marks where an inline mod request goes (default: after the expression).
EXPRESSIONS: dict[str, dict[Family, tuple[str, ...]]] = {
    "addition": {
        "train": ("{x} plus {y}", "{x} + {y}", "the sum of {x} and {y}", "{x} added to {y}"),
        "neuro": ("the total of {x} and {y}", "{x} and {y} added together", "{x} increased by {y}", "{x}+{y}"),
        "heldout": (
            "{x} enlarged by {y}",
            "the sum when {y} is added to {x}",
            "{x} plus the number {y}",
            "the grand total of {x} and {y}",
            "plus({x}, {y})",
        ),
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
        "neuro": ("{x} x {y}", "{x} × {y}", "the result of multiplying {x} by {y}", "{x} lots of {y}", "{x}*{y}"),
        "heldout": (
            "{x} rows of {y}",
            "times({x}, {y})",
            "the product formed by {x} and {y}",
            "the product you get from {x} and {y}",
            "{x} taken {y} times over",
        ),
    },
    "division": {
        "train": (
            "{x} divided by {y}, rounded down",
            "{x} // {y}",
            "the integer quotient of {x} and {y}",
            "floor({x} / {y})",
        ),
        "neuro": (
            "the floor of {x} over {y}",
            "{x} div {y}",
            "{x} divided by {y} without the remainder",
            "the whole-number part of {x} / {y}",
        ),
        "heldout": (
            "the quotient of {x} and {y} with the remainder thrown away",
            "{x} over {y}, keeping only whole units",
            "quotient({x}, {y})",
            "the count of whole {y}s inside {x}",
            "{x} split into groups of {y}, counting full groups",
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
        "neuro": (
            "the remainder when {x} is divided by {y}",
            "{x} reduced modulo {y}",
            "the residue of {x} modulo {y}",
            "{x}%{y}",
            "what is left over when {y} goes into {x}",
        ),
        "heldout": (
            "the remainder left by {x} over {y}",
            "{x} rem {y}",
            "rem({x}, {y})",
            "the remainder upon dividing {x} by {y}",
            "what remains of {x} after taking out every whole {y}",
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
        "neuro": (
            "the highest common factor of {x} and {y}",
            "the biggest number that divides both {x} and {y}",
            "hcf({x},{y})",
            "the greatest common factor of {x} and {y}",
            "GCD({x},{y})",
        ),
        "heldout": (
            "the greatest shared divisor of {x} and {y}",
            "gcf({x}, {y})",
            "the largest factor that {x} and {y} have in common",
            "the biggest common factor of {x} and {y}",
            "the HCF of {x} and {y}",
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
        "neuro": (
            "the lowest common multiple of {x} and {y}",
            "the smallest positive number divisible by both {x} and {y}",
            "LCM({x},{y})",
            "the least common multiple for {x} and {y}",
            "the smallest common multiple of {x} and {y}",
        ),
        "heldout": (
            "the least shared multiple of {x} and {y}",
            "the smallest multiple shared by {x} and {y}",
            "the lowest number both {x} and {y} divide into",
            "the least number that {x} and {y} both divide",
            "lcmult({x}, {y})",
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
        "neuro": (
            "{x}**2 % {y}",
            "the square of {x}, modulo {y}",
            "the remainder when {x} times {x} is divided by {y}",
            "{x} to the second power mod {y}",
            "{x}² reduced mod {y}",
        ),
        "heldout": (
            "the square of {x} reduced modulo {y}",
            "({x}^2) mod {y}",
            "{x} times itself, mod {y}",
            "the remainder of the square of {x} on division by {y}",
            "{x} squared then reduced mod {y}",
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
        "neuro": (
            "the result of ANDing {x} with {y}",
            "{x} AND-ed with {y}",
            "bitand({x}, {y})",
            "the bitwise AND of the numbers {x} and {y}",
            "{x}&{y}",
        ),
        "heldout": (
            "the bitwise conjunction of {x} and {y}",
            "{x} masked with {y}",
            "{x} and-ed bitwise with {y}",
            "the bits set in both {x} and {y}",
            "band({x}, {y})",
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
        "neuro": (
            "the exclusive or of {x} and {y}",
            "{x} XORed with {y}",
            "the result of XORing {x} and {y}",
            "bitxor({x}, {y})",
            "{x}^{y} (bitwise)",
        ),
        "heldout": (
            "the bitwise exclusive or of {x} with {y}",
            "{x} xor'd with {y}",
            "bxor({x}, {y})",
            "the bits set in exactly one of {x} and {y}",
            "{x} bitwise exclusive-or {y}",
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
        "neuro": (
            "the inclusive or of {x} and {y}",
            "{x} ORed with {y}",
            "the result of ORing {x} and {y}",
            "bitor({x}, {y})",
            "{x}|{y}",
        ),
        "heldout": (
            "the bitwise union of {x} and {y}",
            "{x} or'd with {y}",
            "bor({x}, {y})",
            "the bits set in either {x} or {y}",
            "{x} bitwise inclusive-or {y}",
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
        "neuro": ("{x} less {y}", "{x}-{y}", "what remains when {y} is taken from {x}", "{x} decreased by {y}"),
        "heldout": ("{x} lessened by {y}", "minus({x}, {y})", "{x} once {y} is gone", "{x} docked by {y}"),
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
        "neuro": ("{x} exceeds {y}", "{x} is above {y}", "{x}>{y}", "{x} is higher than {y}", "{x} outnumbers {y}"),
        "heldout": (
            "{x} is larger in size than {y}",
            "{x} is more than the number {y}",
            "{x} ranks above {y}",
            "{x} comes out on top against {y}",
            "{x} outsizes {y}",
        ),
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
        "neuro": (
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
            "the ratio of {x} to {y}",
        ),
        "heldout": (
            "{x} raised to the {y}th power",
            "the greater of {x} and {y}",
            "min({x}, {y})",
            "the mean of {x} and {y}",
            "{y}% of {x}",
            "the cube of {x} minus {y}",
            "{x} rounded to the nearest {y}",
            "the square root of {x} plus {y}",
            "{x} factorial over {y}",
            "the midpoint of {x} and {y}",
        ),
    },
}

SENTENCES: dict[str, dict[Family, tuple[str, ...]]] = {
    "addition": {
        "train": ("Add {x} and {y}.",),
        "neuro": ("If I have {x} and get {y} more, how many is that?",),
        "heldout": ("Combine {x} and {y} into one total.",),
    },
    "multiplication": {
        "train": ("Multiply {x} by {y}{m}.", "What do you get when you multiply {x} by {y}{m}?"),
        "neuro": ("If you multiply {x} and {y} together{m}, what do you get?", "Take {x} times {y}{m}."),
        "heldout": (
            "Stack {y} layers of {x} each{m}; how many in total?",
            "Repeat {y} {x} times and add it all up{m}.",
        ),
    },
    "division": {
        "train": ("Divide {x} by {y} and drop the remainder.",),
        "neuro": ("How many whole times does {y} go into {x}?",),
        "heldout": ("Pack {x} eggs into boxes of {y}: how many boxes are filled?",),
    },
    "modulo": {
        "train": ("Divide {x} by {y} and give the remainder.", "What remainder does {x} leave when divided by {y}?"),
        "neuro": ("Modulo {y}, what is {x}?", "When {x} is divided by {y}, what remainder is left?"),
        "heldout": (
            "Take away as many {y}s from {x} as you can; what is left?",
            "After dividing {x} by {y}, what is the remainder?",
        ),
    },
    "gcd": {
        "train": ("What is the largest number dividing both {x} and {y}?",),
        "neuro": ("Which is the greatest integer that divides {x} and {y} evenly?",),
        "heldout": ("Name the largest whole number dividing {x} and {y} with no remainder.",),
    },
    "lcm": {
        "train": ("What is the smallest number that both {x} and {y} divide{m}?",),
        "neuro": ("Find the first number that is a multiple of both {x} and {y}{m}.",),
        "heldout": ("Which smallest number do {x} and {y} both go into{m}?",),
    },
    "square_mod": {
        "train": ("Square {x} and reduce it mod {y}.", "What is left when {x} times {x} is divided by {y}?"),
        "neuro": ("Square {x}, then take the result modulo {y}.", "Modulo {y}, what is {x} squared?"),
        "heldout": (
            "Multiply {x} by itself and give the remainder modulo {y}.",
            "Reduce the square of {x} modulo {y}.",
        ),
    },
    "bitwise_and": {
        "train": ("Which bits do {x} and {y} share, as a number?",),
        "neuro": ("Apply a bitwise AND to {x} and {y}.",),
        "heldout": ("Compute the AND of the bits of {x} and {y}.",),
    },
    "bitwise_xor": {
        "train": ("What do you get when you XOR {x} with {y}?",),
        "neuro": ("Apply a bitwise XOR to {x} and {y}.",),
        "heldout": ("Compute the XOR of the bits of {x} and {y}.",),
    },
    "bitwise_or": {
        "train": ("What do you get when you OR {x} with {y}?",),
        "neuro": ("Apply a bitwise OR to {x} and {y}.",),
        "heldout": ("Compute the OR of the bits of {x} and {y}.",),
    },
    "subtraction": {
        "train": ("Subtract {y} from {x}.", "Take {y} away from {x}.", "How much is left if you remove {y} from {x}?"),
        "neuro": ("Deduct {y} from {x}.", "If I have {x} and give away {y}, how many are left?"),
        "heldout": ("Lose {y} out of {x}: how many remain?", "Drop {x} down by {y}."),
    },
    "comparison": {
        "train": (
            "Is {x} greater than {y}?",
            "Is {x} bigger than {y}?",
            "Is {x} larger than {y}?",
            "{x} > {y}?",
            "Is {x} more than {y}?",
        ),
        "neuro": ("Does {x} exceed {y}?", "Is {x} above {y}?", "{x}>{y}, true or false?"),
        "heldout": (
            "Is {x} bigger than the number {y}?",
            "Is {x} higher up than {y}?",
            "Would {x} win against {y} in size?",
        ),
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
        "neuro": (
            "I have {x} books and {y} pens.",
            "My house number is {x} and my flat is {y}.",
            "The train leaves at platform {x}, coach {y}.",
            "We met in {x} and again {y} days later.",
            "Page {x} of the book mentions {y} birds.",
            "Order {x} ships in {y} days, right?",
            "Raise {x} to the power {y}.",
            "Sort {x} and {y} in order.",
            # near division but not the integer quotient (division itself stays held out)
            "Is {x} divisible by {y}?",
            "Does {y} divide {x} evenly?",
            "Write {x}/{y} as a fraction in lowest terms.",
            "What percentage of {x} is {y}?",
        ),
        "heldout": (
            "I live at number {x} and I am {y} years old.",
            "Flight {x} departs from gate {y}.",
            "My score was {x} out of {y}.",
            "Cube {x} and add {y}.",
            "Which is larger, {x} or {y}?",
            "Average {x} and {y}.",
            "Call me at {x} after {y} pm.",
        ),
    },
}

# Mod-1000 requests: inline after the expression, before the question, after it as a sentence.
MOD_INLINE: dict[Family, tuple[str, ...]] = {
    "train": (" mod 1000", " modulo 1000", ", modulo 1000", " (mod 1000)", ", mod 1000"),
    "neuro": (", taken mod 1000", " reduced modulo 1000", " (modulo 1000)", " % 1000", " mod 1e3"),
    "heldout": (
        " mod one thousand",
        ", reduced mod 1000",
        " under mod 1000",
        ", all mod 1000",
        " in mod-1000 arithmetic",
    ),
}
MOD_PREFIX: dict[Family, tuple[str, ...]] = {
    "train": ("Modulo 1000, ",),
    "neuro": ("Working mod 1000, ", "In arithmetic modulo 1000, "),
    "heldout": ("Mod 1000: ", "Using modulus 1000, "),
}
MOD_SENTENCE: dict[Family, tuple[str, ...]] = {
    "train": (" Give the answer modulo 1000.", " Reduce the result mod 1000.", " Answer mod 1000."),
    "neuro": (
        " I only need it modulo 1000.",
        " Express the result mod 1000.",
        " Just give the last three digits.",
        " Take the answer mod 1000.",
    ),
    "heldout": (
        " Only the remainder mod 1000, please.",
        " Reduce modulo 1000 at the end.",
        " The last three digits are enough.",
        " Answer modulo one thousand.",
    ),
}
# Expressions that carry the mod request themselves (used only when asking mod 1000).
MOD_EXPRESSIONS: dict[str, dict[Family, tuple[str, ...]]] = {
    "multiplication": {
        "train": ("({x} * {y}) % 1000", "{x}*{y} mod 1000"),
        "neuro": ("({x} x {y}) mod 1000", "{x} * {y} % 1000", "the product of {x} and {y} mod a thousand"),
        "heldout": ("mod({x} * {y}, 1000)", "({x} × {y}) modulo 1000"),
    },
    "lcm": {
        "train": ("lcm({x}, {y}) % 1000",),
        "neuro": ("lcm({x},{y}) mod 1000", "LCM of {x} & {y} modulo a thousand"),
        "heldout": ("mod(lcm({x}, {y}), 1000)", "the lcm of {x} and {y} modulo one thousand"),
    },
}

PREFIXES: dict[Family, tuple[str, ...]] = {
    "train": ("Please, ", "Hi! ", "Quick question: ", "Hey, "),
    "neuro": ("Hello, ", "Could you help me? ", "I have a question. ", "Excuse me, ", "Dear assistant: "),
    "heldout": ("Good morning! ", "One more: ", "Hi there, ", "Question: ", "Sorry to bother you, "),
}
SUFFIXES: dict[Family, tuple[str, ...]] = {
    "train": (" Thanks!", " Thank you.", " Please."),
    "neuro": (" Thanks a lot!", " Cheers.", " I appreciate it.", " Much obliged."),
    "heldout": (" Thx.", " Many thanks.", " Ta!", " Thanks in advance."),
}


_FOLDED = re.compile(r"[\s,.;:!?'\"()\[\]]+")


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


#: closing punctuation and casing of each family's surfaces (the neurosymbolic encoder's extra
#: training surfaces take every kind: case and punctuation are not what makes a wording new)
PUNCTUATION: dict[Family, tuple[str, ...]] = {
    "train": ("keep", "keep", "drop"),
    "neuro": ("keep", "drop", "double", "spaced"),
    "heldout": ("keep", "keep", "double", "spaced"),
}
CASING: dict[Family, tuple[str, ...]] = {
    "train": ("keep", "keep", "first-lower"),
    "neuro": ("keep", "first-lower", "lower"),
    "heldout": ("keep", "keep", "lower"),
}


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
        punctuation = rng.choice(PUNCTUATION[family])
        casing = rng.choice(CASING[family])
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
    """Case, spaces and punctuation folded away, for comparing wordings: ``GCD({x},{y})`` and
    ``gcd({x}, {y})`` are one wording. Operator symbols (+ - * / % & | ^ < > = ...) stay."""
    return _FOLDED.sub("", text.lower())


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
