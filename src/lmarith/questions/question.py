"""One question in words: its phrasings (written here, and read back by :func:`parse_question`).

Mirrors the paper's companion data set: operands 1..999 by default, many phrasings per type,
multiplication and lcm asked mod 1000 with the question saying so, and numbers optionally
written as English words (the paper's ``string_nums`` test, via ``num2words``).

Phrasings are built combinatorially from parts (:mod:`lmarith.questions.wording`): a question
frame ("What is {e}?", "Work out {e}."), an expression of the operation ("{x} times {y}",
"the product of {x} and {y}", ...), for multiplication and lcm a way of asking for the answer
mod 1000 (inline "mod 1000", a clause ", modulo 1000", a separate sentence, abbreviated
"(mod 1000)", ...), then polite filler, punctuation and casing. Every part is assigned to one
of three *families* by construction (``wording``): ``train`` and ``neuro`` (what the
intervention is trained on) and ``heldout`` (disjoint frames, expressions, mod requests and
fillers, never trained on), so the held-out family is genuinely new wording rather than a
resampling of training sentences.
"""

import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from lmarith.errors import LmarithError
from lmarith.questions import wording
from lmarith.questions.rules import ALL_TYPES, MOD_1000_TYPES, OPS, TRAIN_TYPES, check_types, solve

PHRASING_SETS = ("train", "heldout", "all")
#: sampled with x >= y, so every answer is a non-negative integer (the VSA codec's numbers); a
#: question typed with x < y still reads, and the engine then stays out (it cannot answer)
NON_NEGATIVE_ORDER = frozenset({"subtraction"})
NUMBER_STYLES = ("digits", "words")
#: The separate closing sentence of the first versions (still one of the training mod requests).
MOD_SUFFIX = " Give the answer modulo 1000."
_MENTIONS_MOD = re.compile(r"1000|1e3|thousand|three digits", re.IGNORECASE)


def families(which: str) -> tuple[str, ...]:
    """The wording families a phrasing set names: ``train`` is the intervention's training
    wording (the ``train`` and ``neuro`` families), ``all`` every family."""
    if which not in PHRASING_SETS:
        raise LmarithError(f"phrasing set must be one of {', '.join(PHRASING_SETS)}, got {which!r}")
    return {"train": ("train", "neuro"), "heldout": ("heldout",), "all": ("train", "neuro", "heldout")}[which]


@cache
def phrasings(problem_type: str, which: str = "train", *, mod1000: bool = True) -> tuple[str, ...]:
    """Question templates (``{x}``, ``{y}``) of one type: ``train``, ``heldout`` or ``all``,
    before filler, punctuation and casing (see :func:`make_question`).

    For multiplication and lcm with ``mod1000`` every template asks for the answer mod 1000.
    Negatives (:data:`FOREIGN`) keep to their family like every type: a held-out frame seen in
    training, even only around negatives, would teach the gate to shut on held-out wordings.
    """
    check_types([problem_type], foreign=True)
    chosen = families(which)
    out: list[str] = []
    for family in chosen:
        out += wording.templates(problem_type, family, mod=mod1000 and problem_type in MOD_1000_TYPES)
    return tuple(dict.fromkeys(out))


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
        if self.problem_type not in MOD_1000_TYPES:
            return False
        return self.solution != OPS[self.problem_type](self.x, self.y) or bool(_MENTIONS_MOD.search(self.question))


def number_text(n: int, style: str = "digits") -> str:
    """An operand as written in a question: ``312`` or ``three hundred and twelve`` (num2words)."""
    if style == "digits":
        return str(n)
    if style == "words":
        from num2words import num2words

        return num2words(n, lang="en")
    raise LmarithError(f"numbers must be one of {', '.join(NUMBER_STYLES)}, got {style!r}")


def make_question(
    problem_type: str,
    x: int,
    y: int,
    template: str,
    *,
    mod1000: bool = True,
    surface: wording.Surface | None = None,
    numbers: str = "digits",
) -> Question:
    """Phrase one question (``surface``: filler, punctuation, casing; None: as written) and solve it.

    ``template`` must come from :func:`phrasings` with the same ``mod1000``.
    """
    text = template.format(x=number_text(x, numbers), y=number_text(y, numbers))
    if surface is not None:
        text = surface.apply(text)
    return Question(problem_type, x, y, text, solve(problem_type, x, y, mod1000=mod1000))


def sample_questions(
    count_per_type: int,
    types: Sequence[str] = TRAIN_TYPES,
    *,
    digits: int = 3,
    x_greater: bool = False,
    phrasing: str = "train",
    mod1000: bool = True,
    numbers: str = "digits",
    seed: int = 0,
) -> list[Question]:
    """``count_per_type`` random questions per type, operands 1..10^digits - 1, reproducible from ``seed``.

    Each question draws its template, filler, punctuation and casing from the ``phrasing``
    family (``all``: either family).
    """
    types = check_types(types, foreign=True)
    chosen = families(phrasing)
    number_text(1, numbers)
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
        for _ in range(count_per_type):
            x, y = rng.randint(1, high), rng.randint(1, high)
            while x_greater and x <= y:
                x, y = rng.randint(1, high), rng.randint(1, high)
            if problem_type in NON_NEGATIVE_ORDER and x < y:  # answers the codec can hold
                x, y = y, x
            family = rng.choice(chosen)
            template = rng.choice(
                wording.templates(problem_type, family, mod=mod1000 and problem_type in MOD_1000_TYPES)
            )
            surface = wording.Surface.draw(rng, family)
            out.append(make_question(problem_type, x, y, template, mod1000=mod1000, surface=surface, numbers=numbers))
    rng.shuffle(out)
    return out


def in_chat_context(question: Question, share: int = 4) -> bool:
    """Whether a training row is shown as a plain one-turn chat rather than the two-shot prompt
    (one in ``share``, fixed per question text), so the encoder also reads questions asked the
    way ``lmarith neuro ask`` asks words it does not recognise."""
    return zlib.crc32(f"{question.problem_type}:{question.question}".encode()) % share == 0


# ---------------------------------------------------------------------------------------------
# Reading a question back


_NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.]*\d)|\{[xy]\}")


@cache
def _skeletons() -> dict[str, list[tuple[str, tuple[str | int, ...], bool]]]:
    """Every template of every type and family, keyed by its normalised skeleton (every number
    and operand slot replaced by ``#``): the type, what each ``#`` is (``x``, ``y`` or a literal
    such as the 1000 of "mod 1000"), and whether it asks mod 1000."""
    table: dict[str, list[tuple[str, tuple[str | int, ...], bool]]] = {}
    for problem_type in ALL_TYPES:
        for mod in (True, False) if problem_type in MOD_1000_TYPES else (False,):
            for template in phrasings(problem_type, "all", mod1000=mod):
                slots = tuple(m[1] if m.startswith("{") else int(m) for m in _NUMBER.findall(template))
                table.setdefault(wording.normalise(_NUMBER.sub("#", template)), []).append((problem_type, slots, mod))
    return table


def parse_question(text: str) -> Question | None:
    """The question ``text`` asks, when it is one of our phrasings (either family, with or
    without filler, any punctuation or case, operands in digits); else None.

    A question the rules cannot answer (modulo by zero) is not one of ours either.
    """
    text = " ".join(text.split())
    table = _skeletons()
    for core in wording.strip_surface(text):
        found = [int(n) for n in _NUMBER.findall(core)]
        for problem_type, slots, mod in table.get(wording.normalise(_NUMBER.sub("#", core)), []):
            values: dict[str, int] = {}
            if len(found) != len(slots) or not all(
                (values.setdefault(s, v) == v) if isinstance(s, str) else s == v for s, v in zip(slots, found)
            ):
                continue
            try:
                return Question(
                    problem_type,
                    values["x"],
                    values["y"],
                    text,
                    solve(problem_type, values["x"], values["y"], mod1000=mod),
                )
            except LmarithError:
                return None
    return None
