"""The parts questions are worded from, in three disjoint families, and the surface around them.

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
- ``neuro``: more training wordings of the neurosymbolic encoder alone: the first held-out
  family, retired on 2026-12-07 once its misses had been read while improving the
  intervention; the second held-out family, written and retired on 2026-12-07 after its
  per-type misses were read while tuning the intervention; more wordings written with the
  third family (2026-12-07), and negatives near division. The question aligner's training
  keeps to ``train`` so its shipped weights stay reproducible;
- ``heldout``: the third held-out family, written on 2026-12-07 (session 29) before any model
  was measured on it, never trained on and never used to choose anything; held-out questions
  are worded in ways training never saw.

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
        "Figure out {e} for me.",
        "What's the result of {e}?",
        "Tell me the outcome of {e}.",
        "Please solve {e} for me.",
        "{e} gives?",
        "Result of {e}?",
        "Do the math: {e}",
        "Could you work out {e} for me?",
        "What's {e} equal to?",
        "Can you do {e}?",
    ),
    "heldout": (
        "Any idea what {e} is?",
        "Crunch the numbers on {e}.",
        "Would you mind computing {e}?",
        "Mental maths: {e}?",
        "Can I get {e}?",
        "I'm stuck on {e}, what is it?",
        "{e}, anyone?",
        "What result does {e} give?",
        "Write down {e}.",
        "Just give me the number for {e}.",
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
        "Yes or no: {e}?",
        "Is this correct: {e}?",
        "Would it be right to say {e}?",
        "Say yes or no: {e}.",
        "Is the statement that {e} true?",
        "Does {e} hold?",
        "Please confirm: {e}?",
        "Is the following true: {e}?",
        "Can we say that {e}?",
    ),
    "heldout": (
        "Am I right that {e}?",
        "Correct me if I'm wrong, but {e}?",
        "{e}, right?",
        "Determine whether or not {e}.",
        "Return 1 if {e}, else 0.",
    ),
}
YES_NO_TYPES = frozenset({"comparison"})

# Per type and family: noun-phrase expressions (go into a frame) and whole sentences (frame
# included). "{m}" marks where an inline mod request goes (default: after the expression).
EXPRESSIONS: dict[str, dict[Family, tuple[str, ...]]] = {
    "addition": {
        "train": ("{x} plus {y}", "{x} + {y}", "the sum of {x} and {y}", "{x} added to {y}"),
        "neuro": (
            "the total of {x} and {y}",
            "{x} and {y} added together",
            "{x} increased by {y}",
            "{x}+{y}",
            "{x} enlarged by {y}",
            "the sum when {y} is added to {x}",
            "{x} plus the number {y}",
            "the grand total of {x} and {y}",
            "plus({x}, {y})",
            "{x} plus {y} altogether",
            "{x} summed with {y}",
            "{x} and {y} totalled",
            "total({x}, {y})",
            "the result of adding {x} and {y}",
            "the combined value of {x} and {y}",
        ),
        "heldout": (
            "x + y for x = {x} and y = {y}",
            "the running total after {x} and then {y}",
            "the total you get by adding {x} and {y}",
            "np.add({x}, {y})",
            "whatever {x} and {y} add up to",
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
        "neuro": (
            "{x} x {y}",
            "{x} × {y}",
            "the result of multiplying {x} by {y}",
            "{x} lots of {y}",
            "{x}*{y}",
            "{x} rows of {y}",
            "times({x}, {y})",
            "the product formed by {x} and {y}",
            "the product you get from {x} and {y}",
            "{x} taken {y} times over",
            "product_of({x}, {y})",
            "{x} trays of {y}",
            "the result of {x} times {y}",
            "{x} bags with {y} in each",
            "{x} and {y} multiplied",
            "the product that {x} and {y} give",
            "{x} multiply {y}",
            "{x} shelves of {y} books",
            "the number {x} multiplied by the number {y}",
            "{x} bundles of {y}",
        ),
        "heldout": (
            "np.multiply({x}, {y})",
            "the area of a {x} by {y} rectangle",
            "the cost of {x} items at {y} each",
            "{x} times as much as {y}",
            "what you get multiplying {x} and {y}",
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
            "the quotient of {x} and {y} with the remainder thrown away",
            "{x} over {y}, keeping only whole units",
            "quotient({x}, {y})",
            "the count of whole {y}s inside {x}",
            "{x} split into groups of {y}, counting full groups",
            "int({x} / {y})",
            "{x} / {y} rounded down",
            "the floor of {x} divided by {y}",
            "{x} divided by {y}, decimals discarded",
            "how many {y}s go into {x} fully",
            "the integer quotient when {x} is divided by {y}",
        ),
        "heldout": (
            "divmod({x}, {y})[0]",
            "Math.trunc({x} / {y})",
            "the number of complete teams of {y} you can form from {x} players",
            "{x} ÷ {y}, ignoring the fraction",
            "{x} split {y} ways, whole units only",
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
            "the remainder left by {x} over {y}",
            "{x} rem {y}",
            "rem({x}, {y})",
            "the remainder upon dividing {x} by {y}",
            "what remains of {x} after taking out every whole {y}",
            "remainder({x}, {y})",
            "the mod of {x} by {y}",
            "{x} modded by {y}",
            "the bit left over after dividing {x} by {y}",
            "the excess of {x} over the biggest multiple of {y} not exceeding it",
            "the remainder after {x} is divided by {y}",
        ),
        "heldout": (
            "math.fmod({x}, {y})",
            "divmod({x}, {y})[1]",
            "how many are left over if {x} are packed {y} to a box",
            "the remainder of the division {x} ÷ {y}",
            "the remainder r in {x} = q·{y} + r",
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
            "the greatest shared divisor of {x} and {y}",
            "gcf({x}, {y})",
            "the largest factor that {x} and {y} have in common",
            "the biggest common factor of {x} and {y}",
            "the HCF of {x} and {y}",
            "the highest common divisor of {x} and {y}",
            "the greatest divisor shared by {x} and {y}",
            "the biggest factor both {x} and {y} have",
            "Euclid's algorithm on {x} and {y}",
            "greatest_common_divisor({x}, {y})",
            "the largest integer dividing both {x} and {y} exactly",
        ),
        "heldout": (
            "the biggest whole number both {x} and {y} are multiples of",
            "the largest number you can divide both {x} and {y} by with nothing left over",
            "the greatest number that is a factor of {x} and also of {y}",
            "{x} `gcd` {y}",
            "the longest length that measures both {x} and {y} exactly",
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
            "the least shared multiple of {x} and {y}",
            "the smallest multiple shared by {x} and {y}",
            "the lowest number both {x} and {y} divide into",
            "the least number that {x} and {y} both divide",
            "lcmult({x}, {y})",
            "lowest_common_multiple({x}, {y})",
            "the LCM for {x} and {y}",
            "the least multiple common to {x} and {y}",
            "the smallest number both {x} and {y} divide evenly",
            "the minimum common multiple of {x} and {y}",
            "the first shared multiple of {x} and {y}",
        ),
        "heldout": (
            "the first number that appears in both the {x} times table and the {y} times table",
            "{x} `lcm` {y}",
            "the number of seconds until lights blinking every {x} and every {y} seconds blink together again",
            "the smallest number that has both {x} and {y} as factors",
            "the smallest multiple of {x} that {y} also divides",
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
            "the square of {x} reduced modulo {y}",
            "({x}^2) mod {y}",
            "{x} times itself, mod {y}",
            "the remainder of the square of {x} on division by {y}",
            "{x} squared then reduced mod {y}",
            "{x} squared % {y}",
            "sq({x}) mod {y}",
            "{x}·{x} mod {y}",
            "{x}² modulo {y}",
            "the square of {x} modulo the number {y}",
            "pow({x}, 2) % {y}",
        ),
        "heldout": (
            "what {x} squared leaves after dividing by {y}",
            "square({x}) % {y}",
            "{x} squared, remainder by {y}",
            "the remainder left over from {x}² ÷ {y}",
            "the modular square of {x} with modulus {y}",
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
            "the bitwise conjunction of {x} and {y}",
            "{x} masked with {y}",
            "{x} and-ed bitwise with {y}",
            "the bits set in both {x} and {y}",
            "band({x}, {y})",
            "{x} bitand {y}",
            "{x} ∧ {y}",
            "the AND result of {x} and {y}",
            "the bits {x} and {y} have in common, as a number",
            "the logical AND of {x} and {y} bit by bit",
            "{x} & {y} in binary",
            "bitwise {x} AND {y}",
            "{x} and {y} with AND applied bitwise",
            "the mask {x} & {y}",
            "what survives when {x} is ANDed with {y}",
        ),
        "heldout": (
            "np.bitwise_and({x}, {y})",
            "the number whose binary digits are 1 only where {x} and {y} both have a 1",
            "the intersection of the bit sets of {x} and {y}",
            "the AND combination of the binary forms of {x} and {y}",
            "the bits that {x} and {y} share, read as a number",
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
            "the bitwise exclusive or of {x} with {y}",
            "{x} xor'd with {y}",
            "bxor({x}, {y})",
            "the bits set in exactly one of {x} and {y}",
            "{x} bitwise exclusive-or {y}",
            "{x} bitxor {y}",
            "the XOR result of {x} and {y}",
            "{x} ⊻ {y}",
            "the logical XOR of {x} and {y} bit by bit",
            "{x} ^ {y} in binary",
            "bitwise {x} XOR {y}",
            "{x} and {y} with XOR applied bitwise",
            "{x} EOR {y}",
            "the exclusive disjunction of {x} and {y}",
            "what {x} turns into when XORed with {y}",
        ),
        "heldout": (
            "np.bitwise_xor({x}, {y})",
            "the number whose binary digits are 1 exactly where {x} and {y} differ",
            "{x} ⊕ {y}",
            "the symmetric difference of the bit sets of {x} and {y}",
            "{x} with its bits flipped wherever {y} has a 1",
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
            "the bitwise union of {x} and {y}",
            "{x} or'd with {y}",
            "bor({x}, {y})",
            "the bits set in either {x} or {y}",
            "{x} bitwise inclusive-or {y}",
            "{x} ∨ {y}",
            "{x} bitor {y}",
            "the OR result of {x} and {y}",
            "bitwise {x} OR {y}",
            "{x} | {y} in binary",
            "the logical OR of {x} and {y} bit by bit",
        ),
        "heldout": (
            "np.bitwise_or({x}, {y})",
            "the number whose binary digits are 1 wherever {x} or {y} has a 1",
            "{x} with every bit that is on in {y} switched on too",
            "the bit flags of {x} merged with those of {y}",
            "the OR combination of the binary forms of {x} and {y}",
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
        "neuro": (
            "{x} less {y}",
            "{x}-{y}",
            "what remains when {y} is taken from {x}",
            "{x} decreased by {y}",
            "{x} lessened by {y}",
            "minus({x}, {y})",
            "{x} once {y} is gone",
            "{x} docked by {y}",
            "subtract({x}, {y})",
            "{x} with {y} subtracted",
            "{y} deducted from {x}",
            "{x} net of {y}",
            "{x} after a {y} discount",
            "{x} sub {y}",
        ),
        "heldout": (
            "x - y for x = {x} and y = {y}",
            "what's left of {x} once {y} is spent",
            "the change from {x} after paying {y}",
            "the amount by which {x} exceeds {y}",
        ),
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
        "neuro": (
            "{x} exceeds {y}",
            "{x} is above {y}",
            "{x}>{y}",
            "{x} is higher than {y}",
            "{x} outnumbers {y}",
            "{x} is larger in size than {y}",
            "{x} is more than the number {y}",
            "{x} ranks above {y}",
            "{x} comes out on top against {y}",
            "{x} outsizes {y}",
            "{x} is superior to {y}",
            "{x} surpasses {y}",
            "{x} > {y} holds",
            "{x} is bigger in value than {y}",
            "{x} overtops {y}",
            "{x} is numerically larger than {y}",
        ),
        "heldout": (
            "{x} lies to the right of {y} on the number line",
            "{x} -gt {y}",
            "{x} - {y} is positive",
            "the first of {x} and {y} is the bigger one",
            "{x} trumps {y} in size",
        ),
    },
    # Negatives: invented operations and real operations we do not train, each family its own
    # ("neuro": powers, max/min, means, ...; "heldout": roots, digits, tetration, lattice
    # paths, ...), never addition or division.
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
            "the blorf of {x} and {y}",
            "{x} ¤ {y}",
            "{x} quibbled by {y}",
            "{x} in hexadecimal followed by {y}",
            "the probability of {x} heads in {y} coin flips",
            "the exponent of {y} in the factorisation of {x}",
        ),
        "heldout": (
            "the {y}th root of {x}",
            "atan2({y}, {x})",
            "the {y}th digit of {x}",
            "{x} tetrated to height {y}",
            "ackermann({x}, {y})",
            "the number of trailing zeros of {x} in base {y}",
            "the interest on {x} dollars at {y} percent a year",
            "the Stirling number S({x}, {y})",
            "the number of lattice paths from the origin to ({x}, {y})",
            "the number of partitions of {x} into {y} parts",
        ),
    },
}

SENTENCES: dict[str, dict[Family, tuple[str, ...]]] = {
    "addition": {
        "train": ("Add {x} and {y}.",),
        "neuro": (
            "If I have {x} and get {y} more, how many is that?",
            "Combine {x} and {y} into one total.",
            "Sum {x} and {y}.",
            "Put {x} and {y} together; how many is that?",
            "How many is {x} with {y} more?",
            "Total {x} and {y}.",
            "There are {x} red and {y} blue marbles. How many marbles in all?",
            "{x} and {y}, added up, make?",
        ),
        "heldout": ("I scored {x} in the first game and {y} in the second; what's my combined score?",),
    },
    "multiplication": {
        "train": ("Multiply {x} by {y}{m}.", "What do you get when you multiply {x} by {y}{m}?"),
        "neuro": (
            "If you multiply {x} and {y} together{m}, what do you get?",
            "Take {x} times {y}{m}.",
            "Stack {y} layers of {x} each{m}; how many in total?",
            "Repeat {y} {x} times and add it all up{m}.",
            "Multiply {x} with {y}{m}.",
            "What is the product when you multiply {x} and {y}{m}?",
            "A farmer plants {x} rows of {y} trees. How many trees are there{m}?",
            "How much do {x} and {y} come to when multiplied{m}?",
            "Each of {x} shelves holds {y} books; how many books are there{m}?",
            "Multiply these: {x} and {y}{m}.",
            "If {x} friends each bring {y} apples, how many apples are there{m}?",
            "Take the product of {x} and {y}{m}.",
            "Do the multiplication {x} times {y}{m}.",
            "Multiply the two numbers {x} and {y}{m}.",
        ),
        "heldout": (
            "I buy {x} packs of {y} cards each; how many cards do I have{m}?",
            "For {x} weeks I save {y} a week; how much have I saved{m}?",
        ),
    },
    "division": {
        "train": ("Divide {x} by {y} and drop the remainder.",),
        "neuro": (
            "How many whole times does {y} go into {x}?",
            "Pack {x} eggs into boxes of {y}: how many boxes are filled?",
            "Integer divide {x} by {y}.",
            "How many {y}s fit into {x} without going over?",
            "Divide {x} by {y}, whole number only.",
            "Floor-divide {x} by {y}.",
            "If {x} cookies go into bags of {y}, how many bags are full?",
            "Give the whole-number quotient of {x} divided by {y}.",
        ),
        "heldout": ("A rope of {x} metres is cut into {y}-metre pieces; how many full pieces are there?",),
    },
    "modulo": {
        "train": ("Divide {x} by {y} and give the remainder.", "What remainder does {x} leave when divided by {y}?"),
        "neuro": (
            "Modulo {y}, what is {x}?",
            "When {x} is divided by {y}, what remainder is left?",
            "Take away as many {y}s from {x} as you can; what is left?",
            "After dividing {x} by {y}, what is the remainder?",
            "Reduce {x} modulo {y}.",
            "What's the remainder of {x} by {y}?",
            "How much is left when {x} is split into {y}s?",
            "With modulus {y}, reduce {x}.",
            "Divide {x} by {y}; I only need the remainder.",
            "Take {x} mod {y}.",
        ),
        "heldout": (
            "Deal {x} cards out evenly to {y} players: how many cards stay undealt?",
            "Work out {x} ÷ {y} and write down only the remainder.",
        ),
    },
    "gcd": {
        "train": ("What is the largest number dividing both {x} and {y}?",),
        "neuro": (
            "Which is the greatest integer that divides {x} and {y} evenly?",
            "Name the largest whole number dividing {x} and {y} with no remainder.",
            "Find the biggest factor that {x} and {y} share.",
            "What number is the highest common factor of {x} and {y}?",
            "Name the greatest divisor common to {x} and {y}.",
            "Using Euclid's algorithm, get the gcd of {x} and {y}.",
            "Which divisor of {x} also divides {y} and is the biggest?",
            "Factor {x} and {y} and give their largest shared factor.",
        ),
        "heldout": ("To reduce the fraction {x}/{y}, what is the largest number you can divide top and bottom by?",),
    },
    "lcm": {
        "train": ("What is the smallest number that both {x} and {y} divide{m}?",),
        "neuro": (
            "Find the first number that is a multiple of both {x} and {y}{m}.",
            "Which smallest number do {x} and {y} both go into{m}?",
            "Find the lowest number that both {x} and {y} go into evenly{m}.",
            "Give the smallest shared multiple of {x} and {y}{m}.",
            "Two gears with {x} and {y} teeth start together; after how many teeth do they line up again{m}?",
            "What's the lowest multiple common to {x} and {y}{m}?",
            "Tell me the least multiple that {x} and {y} have in common{m}.",
            "Which number is the least common multiple of {x} and {y}{m}?",
        ),
        "heldout": (
            "Hot dogs come in packs of {x}, buns in packs of {y}: what's the smallest equal number of each to buy{m}?",
        ),
    },
    "square_mod": {
        "train": ("Square {x} and reduce it mod {y}.", "What is left when {x} times {x} is divided by {y}?"),
        "neuro": (
            "Square {x}, then take the result modulo {y}.",
            "Modulo {y}, what is {x} squared?",
            "Multiply {x} by itself and give the remainder modulo {y}.",
            "Reduce the square of {x} modulo {y}.",
            "Square {x} modulo {y}.",
            "Take {x} squared mod {y}.",
            "Raise {x} to the second power and give the remainder on division by {y}.",
            "Multiply {x} by {x} and take what is left over after dividing by {y}.",
            "For modulus {y}, what is the square of {x}?",
            "Square the number {x}, then reduce mod {y}.",
        ),
        "heldout": (
            "If you square {x} and divide by {y}, what remainder do you get?",
            "In the integers mod {y}, which residue is {x}²?",
        ),
    },
    "bitwise_and": {
        "train": ("Which bits do {x} and {y} share, as a number?",),
        "neuro": (
            "Apply a bitwise AND to {x} and {y}.",
            "Compute the AND of the bits of {x} and {y}.",
            "AND {x} with {y}.",
            "Bitwise-AND {x} and {y} together.",
            "In binary, which bits are on in both {x} and {y}? Give the number.",
            "Mask {x} with {y} using AND.",
            "Do a bitwise AND between {x} and {y}.",
            "Combine {x} and {y} with a bitwise AND.",
            "Take {x} AND {y}, bit by bit.",
            "Which number do you get by ANDing {x} and {y}?",
            "Keep only the bits of {x} that are also set in {y}.",
            "Bitwise AND: {x}, {y}.",
        ),
        "heldout": ("Write {x} and {y} in binary and put a 1 wherever both have a 1: what number results?",),
    },
    "bitwise_xor": {
        "train": ("What do you get when you XOR {x} with {y}?",),
        "neuro": (
            "Apply a bitwise XOR to {x} and {y}.",
            "Compute the XOR of the bits of {x} and {y}.",
            "XOR {x} with {y}.",
            "Bitwise-XOR {x} and {y} together.",
            "In binary, which bits are on in exactly one of {x} and {y}? Give the number.",
            "Do a bitwise XOR between {x} and {y}.",
            "Combine {x} and {y} with a bitwise XOR.",
            "Take {x} XOR {y}, bit by bit.",
            "Which number do you get by XORing {x} and {y}?",
            "Exclusive-or {x} and {y} bitwise.",
            "Bitwise XOR: {x}, {y}.",
            "Apply exclusive or to the bits of {x} and {y}.",
        ),
        "heldout": ("Which number has a 1 bit exactly where {x} and {y} disagree?",),
    },
    "bitwise_or": {
        "train": ("What do you get when you OR {x} with {y}?",),
        "neuro": (
            "Apply a bitwise OR to {x} and {y}.",
            "Compute the OR of the bits of {x} and {y}.",
            "OR {x} with {y}.",
            "Do a bitwise OR between {x} and {y}.",
            "Combine {x} and {y} with a bitwise OR.",
            "Which number do you get by ORing {x} and {y}?",
            "Bitwise OR: {x}, {y}.",
            "In binary, which bits are on in {x} or {y}? Give the number.",
        ),
        "heldout": ("Turn on every bit that is on in {x} or in {y}; what number is that?",),
    },
    "subtraction": {
        "train": ("Subtract {y} from {x}.", "Take {y} away from {x}.", "How much is left if you remove {y} from {x}?"),
        "neuro": (
            "Deduct {y} from {x}.",
            "If I have {x} and give away {y}, how many are left?",
            "Lose {y} out of {x}: how many remain?",
            "Drop {x} down by {y}.",
            "Minus {y} from {x}.",
            "If {y} people leave a room of {x}, how many stay?",
            "Find the difference when {y} is subtracted from {x}.",
            "Lower {x} by {y}.",
            "Subtract: {x} minus {y}.",
            "A bus has {x} riders and {y} get off; how many remain on board?",
        ),
        "heldout": (
            "A tank holds {x} litres and {y} litres leak out. How much is still in the tank?",
            "What do you add to {y} to get {x}?",
        ),
    },
    "comparison": {
        "train": (
            "Is {x} greater than {y}?",
            "Is {x} bigger than {y}?",
            "Is {x} larger than {y}?",
            "{x} > {y}?",
            "Is {x} more than {y}?",
        ),
        "neuro": (
            "Does {x} exceed {y}?",
            "Is {x} above {y}?",
            "{x}>{y}, true or false?",
            "Is {x} bigger than the number {y}?",
            "Is {x} higher up than {y}?",
            "Would {x} win against {y} in size?",
            "Is {x} bigger than {y} or not?",
            "Does {x} outnumber {y}?",
            "Is {x} higher in value than {y}?",
            "Is {x} a greater number than {y}?",
            "Does {x} go above {y}?",
            "Does {x} surpass {y} in value?",
        ),
        "heldout": (
            "{x} vs {y}: is the left one bigger? Answer 1 or 0.",
            "If I have {x} and you have {y}, do I have more?",
            "Is {x} kg heavier than {y} kg?",
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
            # the second held-out family's, retired on 2026-12-07
            "I live at number {x} and I am {y} years old.",
            "Flight {x} departs from gate {y}.",
            "My score was {x} out of {y}.",
            "Cube {x} and add {y}.",
            "Which is larger, {x} or {y}?",
            "Average {x} and {y}.",
            "Call me at {x} after {y} pm.",
            # added on 2026-12-07
            "Bake at {x} degrees for {y} minutes.",
            "The score was {x} to {y} at half time.",
            "Find the {x}th prime and the {y}th prime.",
            "My password has {x} letters and {y} digits.",
            "Translate {x} and {y} into Roman numerals.",
            "Is {x} a perfect square, and is {y}?",
        ),
        "heldout": (
            "Bus {x} stops here every {y} minutes.",
            "I was born in {x} and have {y} cousins.",
            "The recipe serves {x} and needs {y} grams of flour.",
            "Room {x} has {y} chairs.",
            "Reverse the digits of {x} and then of {y}.",
            "Spell out {x} and {y} in French.",
            "Which of {x} and {y} is prime?",
        ),
    },
}

# Mod-1000 requests: inline after the expression, before the question, after it as a sentence.
MOD_INLINE: dict[Family, tuple[str, ...]] = {
    "train": (" mod 1000", " modulo 1000", ", modulo 1000", " (mod 1000)", ", mod 1000"),
    "neuro": (
        ", taken mod 1000",
        " reduced modulo 1000",
        " (modulo 1000)",
        " % 1000",
        " mod 1e3",
        " mod one thousand",
        ", reduced mod 1000",
        " under mod 1000",
        ", all mod 1000",
        " in mod-1000 arithmetic",
        " (mod a thousand)",
        ", remainder mod 1000",
        " with mod 1000 applied",
        " in modular arithmetic with modulus 1000",
    ),
    "heldout": (
        ", last three digits only",
        ", as its remainder after division by 1000",
        " in Z/1000Z",
        " wrapped around at 1000",
        " as a residue mod 1000",
    ),
}
MOD_PREFIX: dict[Family, tuple[str, ...]] = {
    "train": ("Modulo 1000, ",),
    "neuro": (
        "Working mod 1000, ",
        "In arithmetic modulo 1000, ",
        "Mod 1000: ",
        "Using modulus 1000, ",
        "Mod one thousand: ",
        "In mod-1000 terms, ",
        "Reducing modulo 1000, ",
        "Keeping only the last three digits, ",
    ),
    "heldout": ("If we only care about the result mod 1000, ", "On a counter that wraps at 1000, "),
}
MOD_SENTENCE: dict[Family, tuple[str, ...]] = {
    "train": (" Give the answer modulo 1000.", " Reduce the result mod 1000.", " Answer mod 1000."),
    "neuro": (
        " I only need it modulo 1000.",
        " Express the result mod 1000.",
        " Just give the last three digits.",
        " Take the answer mod 1000.",
        " Only the remainder mod 1000, please.",
        " Reduce modulo 1000 at the end.",
        " The last three digits are enough.",
        " Answer modulo one thousand.",
        " Give it to me mod 1000.",
        " Please reduce it modulo 1000.",
        " Keep the answer below 1000 by reducing mod 1000.",
        " Use mod 1000 for the answer.",
    ),
    "heldout": (
        " I'm after the remainder when it's divided by 1000.",
        " Drop all but the final three digits.",
        " Work modulo 1000 throughout.",
        " A thousand is the modulus here.",
    ),
}
# Expressions that carry the mod request themselves (used only when asking mod 1000).
MOD_EXPRESSIONS: dict[str, dict[Family, tuple[str, ...]]] = {
    "multiplication": {
        "train": ("({x} * {y}) % 1000", "{x}*{y} mod 1000"),
        "neuro": (
            "({x} x {y}) mod 1000",
            "{x} * {y} % 1000",
            "the product of {x} and {y} mod a thousand",
            "mod({x} * {y}, 1000)",
            "({x} × {y}) modulo 1000",
        ),
        "heldout": ("the last three digits of {x} × {y}", "{x}·{y} in Z/1000Z"),
    },
    "lcm": {
        "train": ("lcm({x}, {y}) % 1000",),
        "neuro": (
            "lcm({x},{y}) mod 1000",
            "LCM of {x} & {y} modulo a thousand",
            "mod(lcm({x}, {y}), 1000)",
            "the lcm of {x} and {y} modulo one thousand",
        ),
        "heldout": ("the last three digits of the least common multiple of {x} and {y}", "{x} `lcm` {y} `mod` 1000"),
    },
}

PREFIXES: dict[Family, tuple[str, ...]] = {
    "train": ("Please, ", "Hi! ", "Quick question: ", "Hey, "),
    "neuro": (
        "Hello, ",
        "Could you help me? ",
        "I have a question. ",
        "Excuse me, ",
        "Dear assistant: ",
        "Good morning! ",
        "One more: ",
        "Hi there, ",
        "Question: ",
        "Sorry to bother you, ",
        "Greetings! ",
        "Good evening, ",
        "Math question: ",
        "Can you help? ",
    ),
    "heldout": ("Yo, ", "Okay so, ", "Not sure about this one: ", "For my kid's homework: ", "Hmm, "),
}
SUFFIXES: dict[Family, tuple[str, ...]] = {
    "train": (" Thanks!", " Thank you.", " Please."),
    "neuro": (
        " Thanks a lot!",
        " Cheers.",
        " I appreciate it.",
        " Much obliged.",
        " Thx.",
        " Many thanks.",
        " Ta!",
        " Thanks in advance.",
        " Thank you kindly.",
        " Thanks, friend.",
        " Cheers mate!",
        " Thanks heaps.",
    ),
    "heldout": (" Ty!", " You're a star.", " Grateful for the help.", " Lifesaver!"),
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
