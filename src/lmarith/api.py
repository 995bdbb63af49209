"""lmarith from Python, as short as the CLI.

    from lmarith import ask, solve

    result = solve("123456789*987654321")
    print(result.answer, result.correct, len(result.trace), f"{result.seconds:.3f} s")
    for step in result.trace[:3]:
        print(step.input, "->", step.output)
    print(ask("What is 4817 times 9023?").answer)  # SmolLM2: question aligner, then executors
    print(ask("What is the gcd of 84 and 126?", method="neuro").answer)  # the intervention

``solve`` returns the driver's ``Result``: the answer the language model computed, whether the
reference machine agrees (``correct``; ``strict``: every step agrees), every step the model
wrote (``trace``), LM calls, generated tokens and seconds. ``ask`` returns an ``Asked``: the
expression the question aligner wrote, that ``Result``, and why there is no answer when there
is none ("cannot parse"); with ``method="neuro"`` a ``NeuroAnswer`` (the reply, the integer
it gives, whether the gate opened). The model (and its adapters) is loaded on the first call and kept
for later calls with the same options. ``import lmarith`` imports none of this
(``lmarith/__init__`` resolves names on first use).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Literal

from lmarith.errors import LmarithError
from lmarith.executors import Result, execute
from lmarith.executors.lm_policy import LMPolicy, aligns, load_policy
from lmarith.executors.question_aligner import Asked
from lmarith.executors.question_aligner import ask as ask_questions
from lmarith.formats import DEFAULT_FORMAT, Format, text_format
from lmarith.machines.problems import parse_problem

if TYPE_CHECKING:
    from lmarith.neurosymbolic.asker import Asker


@lru_cache(maxsize=4)
def policy(
    model: str = "default",
    adapters: Path | None = None,
    runtime: str = "auto",
    device: str | None = None,
    fmt: Format = DEFAULT_FORMAT,
) -> LMPolicy:
    """The loaded model for one problem at a time, kept per set of options."""
    return load_policy(model, adapters, device, batch_size=1, runtime=runtime, fmt=fmt)


@dataclass(frozen=True)
class NeuroAnswer:
    """A question answered by the model with the neurosymbolic intervention on."""

    question: str
    #: the integer the reply gives, if any
    answer: int | None
    #: against the exact answer when the question is one of our phrasings; None when unknown
    correct: bool | None
    reply: str
    #: whether the gate opened (the engine's answer went into the residual stream)
    gate: bool
    seconds: float


@lru_cache(maxsize=2)
def asker(run: Path | None = None, device: str | None = None) -> Asker:
    """The model with its intervention (default: the shipped one), kept between calls."""
    from lmarith.neurosymbolic.asker import Asker

    return Asker.from_pretrained(run, device=device)


def ask(
    question: str,
    *,
    method: Literal["executors", "neuro"] = "executors",
    model: str = "smollm2",
    adapters: str | Path | None = None,
    run: str | Path | None = None,
    device: str | None = None,
) -> Asked | NeuroAnswer:
    """Answer a question in words. ``executors``: the question aligner (an adapter of
    ``model``) writes the expression and the executors compute it on the same model (an
    ``Asked``); ``neuro``: the neurosymbolic intervention of ``run`` (default: the shipped one),
    a ``NeuroAnswer``."""
    if not question.strip():
        raise LmarithError("the question is empty")
    if method == "neuro":
        return _ask_neuro(question, None if run is None else Path(run), device)
    if method != "executors":
        raise LmarithError(f"unknown method {method!r}; known: executors, neuro")
    lm = policy(model, None if adapters is None else Path(adapters), "auto", device)
    [asked] = ask_questions(lm, [question], trace=True)
    return asked


def solve(
    problem: str,
    *,
    model: str = "default",
    adapters: str | Path | None = None,
    fmt: Format = DEFAULT_FORMAT,
    long: bool | None = None,
    runtime: str = "auto",
    device: str | None = None,
    max_steps: int | None = None,
) -> Result:
    """The answer a language model computes for ``problem`` (``"47819-12345"``), step by step.

    The options are the CLI's: ``model`` (``default``, ``smollm2``, a directory; the executors
    shipped for it load with it), ``adapters`` (a directory of peft adapters), ``fmt`` (window
    or caef), ``long`` (schoolbook machines; default: the format decides). Bad input raises
    ``LmarithError`` before any model loads; a model that fails the problem returns a result
    whose ``reason`` says why.
    """
    long = text_format(fmt).long if long is None else long
    parsed = parse_problem(problem)
    parsed.start(long)  # operand checks before the model loads
    lm = policy(model, None if adapters is None else Path(adapters), runtime, device, fmt)
    [result] = execute(
        [parsed], lm, fmt=fmt, long=long, align=aligns(lm, fmt, [parsed], long), max_steps=max_steps, trace=True
    )
    return result


def _ask_neuro(question: str, run: Path | None, device: str | None) -> NeuroAnswer:
    from lmarith.questions.prompts import parse_answer
    from lmarith.questions.question import parse_question

    loaded = asker(run, device)
    started = perf_counter()
    reply = loaded.ask(question)
    answer = parse_answer(reply.text)
    known = parse_question(question)
    correct = None if known is None else answer == known.solution
    return NeuroAnswer(question, answer, correct, reply.text.strip(), reply.reading.gate, perf_counter() - started)
