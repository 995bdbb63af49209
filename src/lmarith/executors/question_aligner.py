"""A question in words, answered by the executors: the question aligner writes the expression,
the driver runs it.

The aligner is one more LM step (task ``QUESTION``, its own adapter): it reads the question
and writes the expression the executors run (``4817*9023``) or ``CANNOT``. What it writes is
read with the executors' own parser; anything that is not an expression they can run ends the
question as an honest "cannot parse", never computed anyway. The expression is then solved
like any ``lmarith solve`` problem: every step computed by the same model.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter

from lmarith.errors import LmarithError
from lmarith.executors.driver import Result, execute
from lmarith.executors.policy import Policy, Request
from lmarith.executors.tasks import QUESTION_TASK
from lmarith.formats import DEFAULT_FORMAT, Format, default_long
from lmarith.machines import count_transitions, run
from lmarith.machines.problems import Problem, parse_problem
from lmarith.questions.expressions import CANNOT, choices

#: the longest expression the aligner may write: two 30-digit operands and more, with room
MAX_EXPRESSION_TOKENS = 160
CANNOT_PARSE = "cannot parse"


@dataclass
class Asked:
    """How one question went: what the aligner wrote, the executors' run of it, and why there
    is no answer when there is none."""

    question: str
    #: the aligner's output, as written
    aligned: str
    #: that output when it is an expression the executors run, else None
    expression: str | None = None
    result: Result | None = None
    reason: str | None = None
    #: aligner and executors together, this question's share of the batches
    seconds: float = 0.0
    #: numbers of the question that the expression leaves out (then it is not computed)
    left_out: tuple[int, ...] = ()

    @property
    def answer(self) -> str | None:
        return None if self.result is None else self.result.answer

    @property
    def verified(self) -> bool:
        """Whether the reference machines give the executors' answer for ``expression``. It says
        nothing of whether ``expression`` is what the question asked: that is the aligner's
        reading, which no machine checks."""
        return self.result is not None and self.result.correct

    @property
    def strict(self) -> bool:
        """Whether every step the executors wrote was the reference machine's."""
        return self.result is not None and self.result.strict


#: a thousands separator between digits ("4,817,000"), read as part of the number
_SEPARATOR = re.compile(r"(?<=\d)[,_](?=\d{3}(?!\d))")


def reading(question: str) -> str:
    """The question as the aligner reads it: whitespace folded, numbers without thousands
    separators (it learnt to copy plain digit strings), and, in a question with fewer than two
    numbers in digits, numbers in English words written in digits ("three times four",
    "seven hundred plus two hundred and five": text2num's ``alpha2digit``; a question that
    already gives its numbers in digits keeps its words, "the last three digits")."""
    text = " ".join(_SEPARATOR.sub("", question).split())
    if len(_digit_numbers(text)) < 2:
        from text_to_num import alpha2digit

        text = alpha2digit(text, "en")
    return text


#: a number written in digits, with a sign or decimals when it has them
_NUMBER = re.compile(r"(?<![\d.])-?\d+(?:\.\d+)?")


def whole_numbers(question: str) -> list[int]:
    """The whole non-negative numbers of ``question`` as the aligner reads it (:func:`reading`),
    in order; a negative (``-5``) or decimal (``4.5``) number is none of them (the executors
    take neither), while the ``-`` of ``93-17`` or ``93 - 17`` is an operator."""
    return _digit_numbers(reading(question))


def _digit_numbers(text: str) -> list[int]:
    return [int(n) for n in _NUMBER.findall(text) if not n.startswith("-") and "." not in n]


def numbers_in(question: str) -> Counter[int]:
    """:func:`whole_numbers`, with how often each occurs."""
    return Counter(whole_numbers(question))


def _problem(text: str, long: bool, question: str) -> tuple[Problem | None, str | None, tuple[int, ...]]:
    """(the problem, None, ()) when ``text`` is an expression the executors run on the question's
    own numbers, all of them; else (None, why not, the question's numbers it leaves out):
    operands the question does not contain are a misreading (a dropped digit, one number copied
    twice), a number left out is never dropped silently; neither is computed."""
    if text == CANNOT:
        return None, f"{CANNOT_PARSE}: the question asks for nothing the executors compute", ()
    try:
        problem = parse_problem(text)
    except LmarithError as err:
        return None, f"{CANNOT_PARSE}: the aligner wrote {text[:80]!r} ({err})", ()
    have, used = numbers_in(question), Counter((problem.a, problem.b))
    left = tuple(sorted((have - used).elements()))
    try:
        problem.start(long)
    except LmarithError as err:
        return None, f"{CANNOT_PARSE}: the aligner wrote {text[:80]!r} ({err})", left
    if used - have:
        return None, f"{CANNOT_PARSE}: the aligner wrote {text[:80]!r}, not the question's own numbers", left
    if left:  # "the sum of 11111, 22222 and 33333" read as 22222+33333
        shown = ", ".join(map(str, left))
        return None, f"{CANNOT_PARSE}: the aligner wrote {text[:80]!r}, which leaves out {shown} of the question", left
    return problem, None, ()


def align_questions(policy: Policy, questions: Sequence[str], constrained: bool = True) -> tuple[list[str], float]:
    """What the question aligner writes for each question (one batched pass), and the seconds
    per question; no aligner among the policy's adapters is one clear error, before any work.

    ``constrained``: the aligner picks among the expressions on the question's own numbers and
    ``CANNOT`` (``expressions.choices``), so it copies a number whole or not at all; without it,
    it writes freely and a misread number ends the question later, in :func:`answer_questions`."""
    adapter = policy.adapter_for(Request(QUESTION_TASK, ""))
    if not questions:
        return [], 0.0
    started = perf_counter()
    read = [reading(q) for q in questions]
    requests = [Request(QUESTION_TASK, r, choices=choices(_digit_numbers(r)) if constrained else None) for r in read]
    completions = policy.complete(adapter, requests, MAX_EXPRESSION_TOKENS)
    return [c.text.strip() for c in completions], (perf_counter() - started) / len(questions)


def answer_questions(
    policy: Policy,
    questions: Sequence[str],
    *,
    fmt: Format = DEFAULT_FORMAT,
    long: bool | None = None,
    align: bool = False,
    trace: bool = False,
    constrained: bool = True,
    executors: Policy | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> list[Asked]:
    """Answer ``questions``: one batched aligner pass (``constrained``: see
    :func:`align_questions`), then one ``execute`` over every expression it wrote (``align``:
    with the CAEF aligners, as ``execute`` takes it) by ``executors`` (default: ``policy``'s own,
    on the same model; another policy lets another model run what this aligner wrote);
    ``on_step(done, expected)``: the executors' steps so far against the reference machines'
    transitions (a progress bar)."""
    long = default_long(fmt) if long is None else long
    written, share = align_questions(policy, questions, constrained)
    if not questions:
        return []
    asked, runnable, problems = [], [], []
    for question, text in zip(questions, written, strict=True):
        problem, reason, left = _problem(text, long, question)
        asked.append(
            Asked(question, text, None if problem is None else text, reason=reason, seconds=share, left_out=left)
        )
        if problem is not None:
            runnable.append(asked[-1])
            problems.append(problem)
    tick = None
    if on_step is not None:
        expected = sum(count_transitions(run(p.start(long))) for p in problems)

        def tick(done: int) -> None:
            on_step(done, expected)

    results = execute(problems, executors or policy, fmt=fmt, long=long, align=align, trace=trace, on_tick=tick)
    for item, result in zip(runnable, results, strict=True):
        item.result, item.reason = result, result.reason
        item.seconds += result.seconds
    return asked
