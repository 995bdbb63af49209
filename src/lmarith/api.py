"""lmarith from Python, as short as the CLI (which calls these functions and only prints).

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
expression the question aligner wrote, that ``Result``, whether the reference machines give
the same answer for that expression (``verified``: not whether the expression is what the
question asked), and why there is no answer when there is none ("cannot parse"); with
``method="neuro"`` a ``NeuroAnswer`` (the reply, the integer it gives as its answer, whether
the engine computed it: ``computed``). ``ask_each`` answers questions one by one as they come;
``trace`` is the reference machine's run, no model; ``chat`` a conversation with the
intervention. The model (and its adapters) is loaded on the first call and kept for later
calls with the same options (``cache=False``: loaded for this call alone, as the CLI does).
``import lmarith`` imports none of this (``lmarith/__init__`` resolves names on first use).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from copy import copy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Literal

from lmarith.errors import LmarithError
from lmarith.executors import Request, Result, execute
from lmarith.executors.expression import execute_expression
from lmarith.executors.lm_policy import LMPolicy, aligns, check_operands, load_policy, trained_operands
from lmarith.executors.question_aligner import Asked, answer_questions
from lmarith.executors.tasks import QUESTION_TASK
from lmarith.formats import DEFAULT_FORMAT, Format, model_for_format, text_format
from lmarith.machines import caef, count_transitions, machine, run, walk, window
from lmarith.machines.core import Transition
from lmarith.machines.problems import Expression, parse_expression, parse_problem

if TYPE_CHECKING:
    from lmarith.neurosymbolic.asker import Asker, Chat

Method = Literal["executors", "neuro"]
METHODS: tuple[Method, ...] = ("executors", "neuro")


@dataclass(frozen=True)
class Traced:
    """The reference machine's run of a problem, as a model of the format sees it."""

    problem: str
    fmt: Format
    #: the machine the problem starts (``LONG_MUL``), its answer and how many transitions it took
    machine: str
    answer: str
    transitions: int
    #: the machine's steps (callees nested), as ``lmarith.machines.run`` returns them
    steps: list[Transition]

    def rows(self) -> Iterator[dict[str, object]]:
        """One dict per step, callees in place: depth, machine, state and what the model of the
        format reads and writes (window: ``input`` and ``output``; caef: the configuration's
        ``text``)."""
        reads_own_output = text_format(self.fmt).reads_own_output
        for step in walk(self.steps):
            row: dict[str, object] = {"depth": step.depth, "machine": step.config.machine, "state": step.config.state}
            yield row | ({"text": caef.render(step.config)} if reads_own_output else _window_texts(step))

    def lines(self) -> Iterator[str]:
        """The trace as text: the configurations one after another (caef), or each step's
        ``input  ->  output``, indented by call depth (window)."""
        if text_format(self.fmt).reads_own_output:
            yield from caef.trace_text(self.steps).split("\n")
            return
        for step in walk(self.steps):
            texts = _window_texts(step)
            yield "    " * step.depth + texts["input"] + (f"  ->  {texts['output']}" if texts["output"] else "")


def _window_texts(step: Transition) -> dict[str, str]:
    """What a window-format model reads at a step and the command it writes ("" at a halt)."""
    view = machine(step.config.machine).view(step.config)
    return {"input": window.render_view(view), "output": window.render_command(step.command) if step.command else ""}


def trace(problem: str, *, fmt: Format = DEFAULT_FORMAT, long: bool | None = None) -> Traced:
    """The reference machine's run of ``problem`` (no model): the steps a model of ``fmt`` would
    read and write, the answer and the number of transitions. ``long``: schoolbook machines
    for - * // (default: the format decides)."""
    long = text_format(fmt).long if long is None else long
    steps = run(parse_problem(problem).start(long))
    last = machine(steps[-1].config.machine)
    return Traced(problem, fmt, last.name, last.answer(steps[-1].config), count_transitions(steps), steps)


def load(
    model: str = "default",
    adapters: Path | None = None,
    runtime: str = "auto",
    device: str | None = None,
    fmt: Format = DEFAULT_FORMAT,
) -> LMPolicy:
    """The model (and its adapters) for one problem at a time, loaded now."""
    return load_policy(model, adapters, device, batch_size=1, runtime=runtime, fmt=fmt)


#: :func:`load`, kept per set of options
policy = lru_cache(maxsize=4)(load)


def _policy(
    cache: bool, model: str, adapters: str | Path | None, runtime: str, device: str | None, fmt: Format
) -> LMPolicy:
    return (policy if cache else load)(model, None if adapters is None else Path(adapters), runtime, device, fmt)


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
    trace: bool = True,
    cache: bool = True,
    on_step: Callable[[int, int], None] | None = None,
) -> Result:
    """The answer a language model computes for ``problem`` (``"47819-12345"``), step by step.

    The options are the CLI's: ``model`` (``default``, ``smollm2``, a directory; the executors
    shipped for it load with it), ``adapters`` (a directory of peft adapters), ``fmt`` (window
    or caef), ``long`` (schoolbook machines; default: the format decides), ``runtime``,
    ``max_steps`` (default: twice the reference's), ``trace`` (keep every step the model
    wrote), ``on_step(done, expected)`` after every step (steps so far, and the reference
    machine's transition count: a progress bar). Bad input raises ``LmarithError`` before any
    model loads; a model that fails the problem returns a result whose ``reason`` says why.
    """
    long = text_format(fmt).long if long is None else long
    parsed = parse_expression(problem)
    if isinstance(parsed, Expression):  # several operations: each one run by the executors in turn
        lm = _policy(cache, model, adapters, runtime, device, fmt)
        return execute_expression(
            parsed, lm, fmt=fmt, long=long, align=lambda p: aligns(lm, fmt, [p], long), max_steps=max_steps, trace=trace
        )
    parsed.start(long)  # operand checks before the model loads
    check_operands(parsed, trained_operands(model, fmt), model_for_format(model, fmt))
    lm = _policy(cache, model, adapters, runtime, device, fmt)
    tick = None
    if on_step is not None:
        expected = count_transitions(run(parsed.start(long)))

        def tick(done: int) -> None:
            on_step(done, expected)

    [result] = execute(
        [parsed],
        lm,
        fmt=fmt,
        long=long,
        align=aligns(lm, fmt, [parsed], long),
        max_steps=max_steps,
        trace=trace,
        on_tick=tick,
    )
    return result


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
    #: what the engine read and why the gate did what it did, one fact per line, with the reply
    #: with the hook off (asked with ``explain=True``; else empty)
    explanation: tuple[str, ...] = ()
    #: the engine's exact answer, when the gate opened (the reply may still say otherwise)
    engine_answer: int | None = None

    @property
    def computed(self) -> bool:
        """Whether the engine computed the answer that went in (the gate opened)."""
        return self.gate


def load_asker(run: Path | None = None, device: str | None = None, max_new_tokens: int = 16) -> Asker:
    """The model with its intervention (default: the shipped one), loaded now."""
    from lmarith.neurosymbolic.asker import Asker

    return Asker.from_pretrained(run, device=device, max_new_tokens=max_new_tokens)


@lru_cache(maxsize=2)
def asker(run: Path | None = None, device: str | None = None) -> Asker:
    """:func:`load_asker`, kept between calls."""
    return load_asker(run, device)


def _asker(cache: bool, run: str | Path | None, device: str | None, max_new_tokens: int) -> Asker:
    """The loaded intervention with replies of up to ``max_new_tokens`` tokens: the kept one
    (a view of it with its own reply length: the model is not loaded twice), or a fresh one."""
    run = None if run is None else Path(run)
    if not cache:
        return load_asker(run, device, max_new_tokens)
    loaded = asker(run, device)
    if loaded.max_new_tokens != max_new_tokens:
        loaded = copy(loaded)
        loaded.max_new_tokens = max_new_tokens
    return loaded


def ask(
    question: str,
    *,
    method: Method = "executors",
    model: str = "smollm2",
    adapters: str | Path | None = None,
    run: str | Path | None = None,
    device: str | None = None,
    constrained: bool = True,
    trace: bool = True,
    explain: bool = False,
    cache: bool = True,
) -> Asked | NeuroAnswer:
    """Answer a question in words. ``executors``: the question aligner (an adapter of
    ``model``) writes the expression and the executors compute it on the same model (an
    ``Asked``; ``constrained``: the aligner picks among the expressions on the question's own
    numbers); ``neuro``: the neurosymbolic intervention of ``run`` (default: the shipped one),
    a ``NeuroAnswer`` (``explain``: with what the engine read)."""
    if not question.strip():
        raise LmarithError("the question is empty")
    [answer] = ask_each(
        [question],
        method=method,
        model=model,
        adapters=adapters,
        run=run,
        device=device,
        constrained=constrained,
        trace=trace,
        explain=explain,
        cache=cache,
    )
    return answer


def ask_each(
    questions: Iterable[str],
    *,
    method: Method = "executors",
    model: str = "smollm2",
    adapters: str | Path | None = None,
    run: str | Path | None = None,
    device: str | None = None,
    constrained: bool = True,
    trace: bool = True,
    explain: bool = False,
    max_new_tokens: int = 16,
    cache: bool = True,
    on_load: Callable[[str, float], None] | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> Iterator[Asked | NeuroAnswer]:
    """:func:`ask` for each question, answered as ``questions`` yields it (a stream such as
    stdin gets each answer as soon as it is known). The model loads before the first question
    is read, so a missing question aligner or intervention is an error before any input;
    ``on_load(model name, seconds)`` is told how long that took. ``max_new_tokens``: the
    intervention's longest reply. ``on_step(done, expected)``: the executors' progress on each
    question (steps so far, the reference machines' transitions)."""
    if method not in METHODS:
        raise LmarithError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    started = perf_counter()
    if method == "neuro":
        loaded = _asker(cache, run, device, max_new_tokens)
        if on_load is not None:
            on_load(Path(loaded.model.config.name_or_path).name or "the model", perf_counter() - started)
        return (_neuro_answer(loaded, question, explain) for question in questions)
    if model == "default":
        raise LmarithError("the embedded default reads expressions, not words: use `lmarith solve`, or --model smollm2")
    lm = _policy(cache, model, adapters, "auto", device, DEFAULT_FORMAT)
    lm.adapter_for(Request(QUESTION_TASK, ""))  # no question aligner: say so before any question
    if on_load is not None:
        on_load(model, perf_counter() - started)
    return (
        answer_questions(lm, [question], trace=trace, constrained=constrained, on_step=on_step)[0]
        for question in _asked(questions)
    )


def _asked(questions: Iterable[str]) -> Iterator[str]:
    for question in questions:
        if not question.strip():
            raise LmarithError("the question is empty")
        yield question


def _neuro_answer(loaded: Asker, question: str, explain: bool) -> NeuroAnswer:
    from lmarith.neurosymbolic.asker import explain as explanation
    from lmarith.questions.prompts import parse_answer
    from lmarith.questions.question import parse_question

    started = perf_counter()
    reply = loaded.ask(question, hook_off=explain)
    seconds = perf_counter() - started
    answer = parse_answer(reply.text)
    known = parse_question(question)
    correct = None if known is None else answer == known.solution
    lines = tuple(explanation(reply, loaded.neuro)) if explain else ()
    return NeuroAnswer(
        question, answer, correct, reply.text.strip(), reply.reading.gate, seconds, lines, reply.reading.answer
    )


def chat(
    run: str | Path | None = None, *, device: str | None = None, max_new_tokens: int = 64, cache: bool = True
) -> Chat:
    """A conversation with the intervention on (default: the shipped one): ``chat().say(text)``
    returns each reply, the history kept."""
    from lmarith.neurosymbolic.asker import Chat

    return Chat(_asker(cache, run, device, max_new_tokens))


__all__ = [
    "METHODS",
    "Asked",
    "NeuroAnswer",
    "Result",
    "Traced",
    "ask",
    "ask_each",
    "asker",
    "chat",
    "load",
    "load_asker",
    "policy",
    "solve",
    "trace",
]
