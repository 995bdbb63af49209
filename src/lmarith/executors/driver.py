"""The driver: ONE loop that runs every operator's machines with a policy writing the steps.

Problems are batched. Each problem keeps a call stack (any depth); at every tick the active
problems are grouped by the adapter their top frame's task needs, and each group is one
``Policy.complete`` call, so problems at different operators and call depths advance together.

Window format: the policy writes the command; the runtime parses it (``window.parse_command``)
and carries it out (``core.apply``). A ``Call`` pushes a callee frame, whose operands are read
off the caller's configuration before the command's ops (``core.call_operands``); when the
callee halts, the caller's pending command is applied with the callee's result. The runtime
builds the first configuration from the problem and reads the answer with ``Machine.answer``:
aligners are a CAEF-format concept (the window model never sees a whole tape).

CAEF format: the policy writes the whole next configuration (2 lines, or 4 on a call) and is
fed its own text; the runtime parses it (``caef.parse_block``) only to notice calls, halts and
the answer. After a callee halts, the caller's input is its own 2 lines plus the callee's
halted 2 lines, as in ``caef.transition_texts``. With ``align=True`` the aligner tasks turn
``a+b=`` into the first configuration and the halted one into ``a+b=c``; otherwise both are
done symbolically.

Output that does not parse, or that the runtime cannot carry out, fails its problem with a
recorded reason, as does running past the step cap; nothing a policy writes can crash the loop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from time import perf_counter
from typing import ClassVar, Literal, get_args

from lmarith.errors import LmarithError
from lmarith.executors.policy import Completion, Policy, Request
from lmarith.executors.reference import reference_output
from lmarith.executors.tasks import aligner_task
from lmarith.formats import DEFAULT_FORMAT, Format, text_format
from lmarith.machines import caef, window
from lmarith.machines.core import Command, Config, apply, call_operands, count_transitions, machine, run
from lmarith.machines.problems import Problem, parse_answer_text

MODEL_ERRORS = (LmarithError, KeyError, ValueError, IndexError)
"""What carrying out a model's malformed step can raise: it fails the problem, nothing more."""
WINDOW_MAX_NEW_TOKENS = 96
"""A window command is a handful of items; anything longer is a runaway."""
REASON_CHARS = 200
Failure = Literal["bad output", "step cap", "no adapter"]
"""Why a problem stopped without an answer: output the runtime could not carry out, the step
cap, or a step no adapter of the policy serves."""
Outcome = Literal["exact", "recovered", "wrong answer", Failure]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)


@dataclass(frozen=True)
class Step:
    """One policy completion, for traces: the task, the call depth, what it read and wrote."""

    task: str
    depth: int
    input: str
    output: str


@dataclass
class Result:
    """How one problem went.

    ``strict``: every step equals the reference machine's step from the same input, and the
    answer is correct. ``calls`` counts policy completions (LM decoding calls); ``seconds`` is
    this problem's share of the wall time of the batches it was in. ``reason`` says why a
    problem failed (``None`` when it halted with an answer, right or wrong), ``failure`` which
    kind of failure that was. ``deviation`` is the first step that differs from the reference
    machine's step from the same input: where a wrong answer, or a failure, began; ``deviated_at``
    says where in short, ``TASK line N`` (in the CAEF format line 1 is the state line, a copy of
    the tape, and line 2 the command, where the digit arithmetic is).
    """

    problem: Problem
    machine: str
    expected: str
    answer: str | None = None
    correct: bool = False
    strict: bool = True
    calls: int = 0
    tokens: int = 0
    seconds: float = 0.0
    reason: str | None = None
    failure: Failure | None = None
    deviation: str | None = None
    deviated_at: str | None = None
    trace: list[Step] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        """How it ended: ``exact`` (every step the reference's), ``recovered`` (right answer
        after a deviation), ``wrong answer`` (halted with it), or the failure's kind."""
        if self.failure is not None:
            return self.failure
        if self.correct:
            return "exact" if self.strict else "recovered"
        return "wrong answer"


def step_cap(problem: Problem, long: bool) -> int:
    """Twice the reference's transitions, plus slack: room for a model that wanders a little,
    and a stop for one that loops (the aligners' two calls fit in the slack)."""
    return 2 * count_transitions(run(problem.start(long))) + 16


class _Run(ABC):
    """One problem in flight: what to ask the policy next, and what to do with the answer."""

    fmt: ClassVar[Format]

    def __init__(self, problem: Problem, long: bool, cap: int, keep_trace: bool) -> None:
        self.cap = cap
        self.keep_trace = keep_trace
        self.done = False
        self.result = Result(problem, problem.machine_name(long), problem.answer())

    @abstractmethod
    def request(self) -> tuple[Request, int]:
        """The next request and the call depth it is made at."""

    def ask(self, task: str, text: str) -> Request:
        return Request(task, text, self.result.problem.op.name)

    @abstractmethod
    def advance(self, text: str) -> None:
        """Carry out the policy's output; raises one of ``MODEL_ERRORS`` when it cannot."""

    @abstractmethod
    def max_new_tokens(self, request: Request) -> int:
        """A generous bound on the output's length: only a runaway model reaches it."""

    def take(self, request: Request, depth: int, completion: Completion) -> None:
        result = self.result
        result.calls += 1
        result.tokens += completion.tokens
        if result.deviation is None:
            due = _reference(self.fmt, request)
            if completion.text != due:
                result.strict = False
                line, difference = _difference(completion.text, due)
                result.deviation = f"step {result.calls} ({request.task}), line {line}: {difference}"
                result.deviated_at = f"{request.task} line {line}"
        if self.keep_trace:
            result.trace.append(Step(request.task, depth, request.text, completion.text))
        try:
            self.advance(completion.text)
        except MODEL_ERRORS as err:
            detail = str(err) if isinstance(err, LmarithError) else f"{type(err).__name__} {err}"
            self.fail("bad output", f"step {result.calls} ({request.task}): {detail}"[:REASON_CHARS])
        if not self.done and result.calls >= self.cap:
            self.fail("step cap", f"step cap of {self.cap} reached")

    def finish(self, answer: str) -> None:
        result = self.result
        result.answer = answer
        result.correct = answer == result.expected
        result.strict = result.strict and result.correct
        self.done = True

    def fail(self, kind: Failure, reason: str) -> None:
        self.result.failure = kind
        self.result.reason = reason
        self.result.strict = False
        self.done = True


def _reference(fmt: Format, request: Request) -> str | None:
    try:
        return reference_output(fmt, request.task, request.text)
    except MODEL_ERRORS:
        return None


def _difference(written: str, due: str | None) -> tuple[int, str]:
    """The first line where a step's text differs from the reference's, and how: a CAEF step is
    a whole configuration, and only the line that went wrong tells a copy slip from a wrong sum."""
    if due is None:
        return 1, f"wrote {written[:REASON_CHARS]!r} where the reference machine has no step"
    pairs = zip_longest(written.split("\n"), due.split("\n"))
    number, (mine, theirs) = next((i, pair) for i, pair in enumerate(pairs, 1) if pair[0] != pair[1])

    def shown(line: str | None) -> str:
        return "no line" if line is None else repr(line[:REASON_CHARS])

    return number, f"wrote {shown(mine)}, not {shown(theirs)}"


@dataclass
class _WindowFrame:
    config: Config
    pending: Command | None = None
    """The command that made the call this frame waits on."""


class _WindowRun(_Run):
    fmt = "window"

    def __init__(self, problem: Problem, long: bool, cap: int, keep_trace: bool) -> None:
        super().__init__(problem, long, cap, keep_trace)
        self.stack = [_WindowFrame(problem.start(long))]

    def max_new_tokens(self, request: Request) -> int:
        return WINDOW_MAX_NEW_TOKENS

    def request(self) -> tuple[Request, int]:
        config = self.stack[-1].config
        view = machine(config.machine).view(config)
        return self.ask(config.machine, window.render_view(view)), len(self.stack) - 1

    def advance(self, text: str) -> None:
        command = window.parse_command(text)
        top = self.stack[-1]
        if command.call is not None:
            callee = machine(command.call.machine).start(*call_operands(top.config, command.call))
            top.pending = command
            self.stack.append(_WindowFrame(callee))
            return
        config = apply(top.config, command)
        while config.halted:
            finished = machine(config.machine)
            self.stack.pop()
            if not self.stack:
                self.finish(finished.answer(config))
                return
            caller = self.stack[-1]
            assert caller.pending is not None
            config = apply(caller.config, caller.pending, finished.result(config))
            caller.pending = None
        self.stack[-1].config = config


Phase = Literal["align_in", "run", "align_out"]


class _CaefRun(_Run):
    fmt = "caef"

    def __init__(self, problem: Problem, long: bool, cap: int, keep_trace: bool, align: bool) -> None:
        super().__init__(problem, long, cap, keep_trace)
        self.align = align
        self.stack: list[tuple[str, str]] = []
        """(machine, its next input text) per frame."""
        self.phase: Phase = "align_in" if align else "run"
        self.align_text = problem.prompt()
        if not align:
            self.enter(caef.render(problem.start(long)))

    def max_new_tokens(self, request: Request) -> int:
        """A CAEF output is at most about twice its input: a call writes the caller's and the
        callee's configurations (an aligner's ``a+b=`` grows into a whole configuration)."""
        return 3 * len(request.text) + 160

    def enter(self, text: str) -> None:
        """Start the top machine at its first configuration (no machine calls on its first step)."""
        self.stack.append((self.result.machine, text))

    def request(self) -> tuple[Request, int]:
        if self.phase != "run":
            return self.ask(aligner_task(self.result.machine), self.align_text), 0
        name, text = self.stack[-1]
        return self.ask(name, text), len(self.stack) - 1

    def advance(self, text: str) -> None:
        if self.phase == "align_out":
            self.finish(parse_answer_text(text))
            return
        frames = caef.parse_block(text)
        head = frames[0]
        if self.phase == "align_in":
            if len(frames) != 1 or head.config.machine != self.result.machine or head.config.halted:
                raise LmarithError(f"the input aligner did not write a {self.result.machine} configuration")
            self.phase = "run"
            self.enter(text)
            return
        name = self.stack[-1][0]
        if head.config.machine != name:
            raise LmarithError(f"wrote a {head.config.machine} configuration while running {name}")
        lines = text.split("\n")
        if len(frames) == 2:
            callee = frames[1].config.machine
            if head.command is None or head.command.call != callee:
                raise LmarithError(f"wrote a {callee} configuration without calling it")
            self.stack[-1] = (name, "\n".join(lines[:2]))
            self.stack.append((callee, "\n".join(lines[2:])))
        elif head.command is None:
            self.stack.pop()
            if self.stack:
                caller, caller_text = self.stack[-1]
                self.stack[-1] = (caller, caller_text + "\n" + text)
            elif self.align:
                self.phase, self.align_text = "align_out", text
            else:
                self.finish(machine(name).answer(head.config))
        elif head.command.call is not None:
            raise LmarithError(f"calls {head.command.call} without writing its first configuration")
        else:
            self.stack[-1] = (name, text)


def execute(
    problems: Sequence[Problem],
    policy: Policy,
    *,
    fmt: Format = DEFAULT_FORMAT,
    long: bool = False,
    align: bool = False,
    max_steps: int | None = None,
    trace: bool = False,
    on_done: Callable[[Result], None] | None = None,
    on_tick: Callable[[int], None] | None = None,
) -> list[Result]:
    """Run every problem to an answer or a failure, batching across problems at every tick.

    ``long`` picks the schoolbook machines for - * // (else CAEF's); ``align`` (CAEF format
    only) uses the aligner tasks; ``max_steps`` caps policy calls per problem (default:
    ``step_cap``); ``trace`` keeps every step; ``on_done`` is called as each problem ends;
    ``on_tick`` after every tick with the steps taken so far, all problems together (progress).
    """
    spec = text_format(fmt)
    if max_steps is not None and max_steps < 1:
        raise LmarithError(f"the step cap must be at least 1, got {max_steps}")
    if align and not spec.aligners:
        raise LmarithError("aligners belong to the CAEF format; the window runtime builds tapes itself")
    runs: list[_Run] = []
    for problem in problems:
        cap = max_steps if max_steps is not None else step_cap(problem, long)
        if spec.reads_own_output:
            runs.append(_CaefRun(problem, long, cap, trace, align))
        else:
            runs.append(_WindowRun(problem, long, cap, trace))
    active = runs
    while active:
        groups: dict[str | None, list[tuple[_Run, Request, int]]] = {}
        for item in active:
            request, depth = item.request()
            try:  # a model may call a machine no adapter serves
                adapter = policy.adapter_for(request)
            except LmarithError as err:
                item.fail("no adapter", str(err)[:REASON_CHARS])
                continue
            groups.setdefault(adapter, []).append((item, request, depth))
        for adapter, members in groups.items():
            started = perf_counter()
            budget = max(item.max_new_tokens(request) for item, request, _ in members)
            completions = policy.complete(adapter, [request for _, request, _ in members], budget)
            for (item, request, depth), completion in zip(members, completions, strict=True):
                item.take(request, depth, completion)
            share = (perf_counter() - started) / len(members)
            for item, _, _ in members:
                item.result.seconds += share
        for item in active:
            if item.done and on_done is not None:
                on_done(item.result)
        active = [item for item in active if not item.done]
        if on_tick is not None:
            on_tick(sum(item.result.calls for item in runs))
    return [item.result for item in runs]
