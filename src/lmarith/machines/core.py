"""One model of a Turing-machine configuration, shared by every machine and every text format.

A machine is a decision function: from a small *view* of the configuration (the state, the
symbols under the heads, a few short registers) it chooses a ``Command``: a list of generic
tape operations, an optional call to another machine, and the next state. The generic
interpreter ``apply`` carries the command out on the full configuration. Splitting "decide"
from "apply" is what lets one machine definition serve two text formats:

* CAEF format: the LM sees the whole configuration and writes the whole next one (it does the
  decision *and* the tape copying);
* window format: the LM sees only the view and writes only the command; the runtime applies it
  to the tape, so the text per step is O(1) in the number of digits.

Numbers live on tapes least-significant digit first, as strings of decimal digits.

Calls (composite machines): a ``Call`` argument is a register, ``@i`` (the digit under head i),
a digit literal (``1``) or ``d*R`` (digit d repeated as many times as R has digits: SUB
passes ``9*A``, i.e. ``99999`` for a 5-digit a). A call may keep no result (``dest == ""``) and may
branch on it: ``exits`` maps a callee answer to the caller's next state, overriding the
command's (CAEF's MUL/DIV leave their loop straight from the comparison's halt line).

Pure Python on purpose: this is the oracle, it must stay fast and obviously right.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from lmarith.errors import LmarithError

BLANK = "_"
"""What a head reads past the end of its tape (window view)."""

HALT = "qH"


def to_tape(n: int) -> str:
    """Decimal digits of a non-negative integer, least-significant first."""
    return str(n)[::-1]


def from_tape(digits: str) -> int:
    """Inverse of ``to_tape``; an empty tape reads as 0."""
    return int(digits[::-1]) if digits else 0


@dataclass(frozen=True)
class Track:
    """An operand tape (digits least-significant first) and the position of its head.

    ``head == -1``: the machine has not started (q0); ``head == len(digits)``: past the end.
    """

    digits: str
    head: int = -1

    def under(self) -> str:
        """The symbol under the head, ``BLANK`` off the tape."""
        return self.digits[self.head] if 0 <= self.head < len(self.digits) else BLANK


@dataclass(frozen=True)
class Config:
    """A full machine configuration: state, head tracks and named registers.

    Register values are strings: digit strings (least-significant first) for numbers, words
    such as ``True`` for verdicts, ``""`` for an unset register.
    """

    machine: str
    state: str
    tracks: tuple[Track, ...] = ()
    registers: tuple[tuple[str, str], ...] = ()

    @property
    def halted(self) -> bool:
        return self.state == HALT

    def reg(self, name: str) -> str:
        for key, value in self.registers:
            if key == name:
                return value
        raise KeyError(f"{self.machine} has no register {name}")

    def with_reg(self, name: str, value: str) -> Config:
        if all(key != name for key, _ in self.registers):
            raise KeyError(f"{self.machine} has no register {name}")
        # the constructor, not dataclasses.replace: this runs for every op of every step, and
        # replace's field introspection was a third of a batched evaluation's Python time
        registers = tuple((k, value if k == name else v) for k, v in self.registers)
        return Config(self.machine, self.state, self.tracks, registers)

    def with_track(self, index: int, track: Track) -> Config:
        tracks = list(self.tracks)
        tracks[index] = track
        return Config(self.machine, self.state, tuple(tracks), self.registers)

    def with_state(self, state: str) -> Config:
        return Config(self.machine, state, self.tracks, self.registers)


OpKind = Literal["set", "write", "flush", "pop", "move", "push", "inc", "copy"]


@dataclass(frozen=True)
class Op:
    """One generic tape operation; ``target`` is a register name or a track index as text.

    * ``set R v``    register R := v
    * ``write R d``  append digit d at the most-significant end of register R
    * ``flush R d``  like write, but a final ``0`` is not written (a spent carry)
    * ``pop R``      drop the most-significant digit of R (strip a leading zero)
    * ``push R d``   R := 10*R + d, as a number (no leading zeros; empty R counts as 0)
    * ``inc R``      R := R + 1 for a one-digit counter register
    * ``copy R S``   register R := register S (``value`` names S)
    * ``move i d``   move the head of track i by d (+1 right, -1 left)
    """

    kind: OpKind
    target: str
    value: str = ""


@dataclass(frozen=True)
class Call:
    """Run machine ``machine`` on ``args`` and store its result in register ``dest``.

    An argument is a register name, ``@i`` for the symbol under the head of track i, a digit
    literal such as ``1``, or ``d*R``: digit d repeated as many times as register R has digits.
    ``dest == ""`` keeps no result. ``exits`` pairs a callee answer with the caller's next
    state, used instead of the command's ``next_state`` when the callee answers it.
    """

    machine: str
    args: tuple[str, ...]
    dest: str
    exits: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Command:
    """What a machine does in one transition."""

    ops: tuple[Op, ...]
    next_state: str
    call: Call | None = None


@dataclass(frozen=True)
class View:
    """What the window-format LM sees: state, symbols under heads, short registers."""

    machine: str
    state: str
    under: tuple[str, ...]
    registers: tuple[tuple[str, str], ...]

    def reg(self, name: str) -> str:
        return dict(self.registers)[name]


class Machine:
    """A Turing machine: its initial configuration, decision rule and result.

    Subclasses set ``name``, ``arity``, ``registers`` and ``view_registers`` and implement
    ``init``, ``decide`` and ``result``. ``decide`` sees only the ``View``, which guarantees
    the window format carries everything a decision needs.
    """

    name: ClassVar[str]
    arity: ClassVar[int] = 2
    registers: ClassVar[tuple[str, ...]] = ()
    view_registers: ClassVar[tuple[str, ...]] = ()
    """Registers the window view shows in every state. ``R^`` shows only the most significant
    digit of R, followed by ``+`` when R has more digits (enough to strip leading zeros)."""
    view_by_state: ClassVar[dict[str, tuple[str, ...]]] = {}
    """States whose view shows exactly these items instead (``@i``: head i's symbol; else a
    register as above). Showing only what a decision reads keeps the window table small, so
    training on short operands covers all of it."""
    operand_sources: ClassVar[tuple[str, ...]] = ("@0", "@1")
    """Where the operands stay readable in a halted configuration (for the output aligner):
    ``@i`` track i (least significant first), ``#i`` track i (most significant first), else a
    register."""

    def init(self, *operands: int) -> Config:
        raise NotImplementedError

    def decide(self, view: View) -> Command:
        raise NotImplementedError

    def result(self, config: Config) -> str:
        """The answer read off a halted configuration (digits least-significant first)."""
        raise NotImplementedError

    def answer(self, config: Config) -> str:
        """The answer as people write it: a decimal number, or ``True``/``False``."""
        value = self.result(config)
        return str(from_tape(value)) if value.isdigit() or not value else value

    def operands(self, config: Config) -> tuple[int, ...]:
        """The operands, read back off a configuration (any state after q0 keeps them)."""
        values = []
        for source in self.operand_sources:
            if source[0] in "@#":
                digits = config.tracks[int(source[1:])].digits
                values.append(int(digits) if source[0] == "#" else from_tape(digits))
            else:
                values.append(from_tape(config.reg(source)))
        return tuple(values)

    def check_operands(self, *operands: int) -> None:
        """Raise ``LmarithError`` for operands this machine cannot take."""
        if len(operands) != self.arity:
            raise LmarithError(f"{self.name} takes {self.arity} operands, got {len(operands)}")
        if any(n < 0 for n in operands):
            raise LmarithError(f"{self.name} takes non-negative integers")

    def start(self, *operands: int) -> Config:
        self.check_operands(*operands)
        return self.init(*operands)

    def view(self, config: Config) -> View:
        shown = self.view_by_state.get(config.state)
        if shown is None:
            under = tuple(t.under() for t in config.tracks)
            names: tuple[str, ...] = self.view_registers
        else:
            under = tuple(config.tracks[int(s[1:])].under() for s in shown if s.startswith("@"))
            names = tuple(s for s in shown if not s.startswith("@"))
        return View(config.machine, config.state, under, tuple((n, _shown(config, n)) for n in names))

    def command(self, config: Config) -> Command | None:
        """The command for ``config``; None once halted."""
        return None if config.halted else self.decide(self.view(config))


def _shown(config: Config, name: str) -> str:
    """A register as the window view shows it (see ``Machine.view_registers``)."""
    if not name.endswith("^"):
        return config.reg(name)
    digits = config.reg(name[:-1])
    return (digits[-1:] or BLANK) + ("+" if len(digits) > 1 else "")


MACHINES: dict[str, Machine] = {}


def register(cls: type[Machine]) -> type[Machine]:
    """Class decorator: make a machine known by its CAEF name."""
    MACHINES[cls.name] = cls()
    return cls


def machine(name: str) -> Machine:
    try:
        return MACHINES[name]
    except KeyError:
        raise LmarithError(f"unknown machine {name!r}; known: {', '.join(sorted(MACHINES))}") from None


def apply(config: Config, command: Command, returned: str | None = None) -> Config:
    """Carry ``command`` out on ``config``; ``returned`` is the callee's result, if it called."""
    for op in command.ops:
        config = _apply_op(config, op)
    if command.call is not None:
        if returned is None:
            raise ValueError(f"{config.machine}: a call needs the callee's result")
        if command.call.dest:
            config = config.with_reg(command.call.dest, returned)
        for answer, state in command.call.exits:
            if returned == answer:
                return config.with_state(state)
    return config.with_state(command.next_state)


def _apply_op(config: Config, op: Op) -> Config:
    if op.kind == "move":
        index = int(op.target)
        track = config.tracks[index]
        return config.with_track(index, Track(track.digits, track.head + int(op.value)))
    value = config.reg(op.target)
    if op.kind == "set":
        value = op.value
    elif op.kind == "write":
        value += op.value
    elif op.kind == "flush":
        value += "" if op.value == "0" else op.value
    elif op.kind == "pop":
        value = value[:-1]
    elif op.kind == "push":
        value = to_tape(10 * from_tape(value) + int(op.value))
    elif op.kind == "inc":
        value = str(int(value or "0") + 1)
    elif op.kind == "copy":
        value = config.reg(op.value)
    else:
        raise ValueError(f"unknown op {op.kind}")
    return config.with_reg(op.target, value)


def call_operands(config: Config, call: Call) -> tuple[int, ...]:
    """The callee's operands, read off the caller's configuration before its command's ops."""
    values = []
    for arg in call.args:
        if arg.startswith("@"):
            values.append(int(config.tracks[int(arg[1:])].under()))
        elif arg.isdigit():
            values.append(int(arg))
        elif "*" in arg:
            digit, name = arg.split("*")
            values.append(int(digit * len(config.reg(name)) or "0"))
        else:
            values.append(from_tape(config.reg(arg)))
    return tuple(values)


@dataclass
class Transition:
    """One step of a run: a configuration, the command it executes, and the call it makes.

    ``depth`` is the call depth (0 for the top-level machine); ``callee`` holds the complete
    run of the called machine when ``command.call`` is set.
    """

    config: Config
    command: Command | None
    depth: int = 0
    callee: list[Transition] = field(default_factory=list)


class StepLimitExceeded(LmarithError):
    """A run took more transitions than its cap."""


def run(config: Config, max_steps: int = 10_000_000, depth: int = 0) -> list[Transition]:
    """Run a machine to halt, recursively running callees; the last entry is the halt."""
    budget = [max_steps]
    return _run(config, budget, depth)


def _run(config: Config, budget: list[int], depth: int) -> list[Transition]:
    steps: list[Transition] = []
    m = machine(config.machine)
    while True:
        budget[0] -= 1
        if budget[0] < 0:
            raise StepLimitExceeded(f"{config.machine} exceeded its step cap")
        command = m.command(config)
        step = Transition(config, command, depth)
        steps.append(step)
        if command is None:
            return steps
        returned = None
        if command.call is not None:
            callee = machine(command.call.machine)
            step.callee = _run(callee.start(*call_operands(config, command.call)), budget, depth + 1)
            returned = callee.result(step.callee[-1].config)
        config = apply(config, command, returned)


def walk(steps: list[Transition]) -> Iterator[Transition]:
    """Every transition of a run in execution order, callees inlined after their call."""
    for step in steps:
        yield step
        yield from walk(step.callee)


def machine_runs(steps: list[Transition]) -> Iterator[list[Transition]]:
    """The run of the top machine and of every call it made, recursively: each machine's own
    run, as its executor sees it."""
    yield steps
    for step in steps:
        if step.callee:
            yield from machine_runs(step.callee)


def count_transitions(steps: list[Transition]) -> int:
    """Transitions an executor must predict: every non-halt step, callees included."""
    return sum(1 for step in walk(steps) if step.command is not None)


def compute(name: str, *operands: int, max_steps: int = 10_000_000) -> str:
    """Run machine ``name`` on ``operands`` and return its answer as people write it."""
    m = machine(name)
    steps = run(m.start(*operands), max_steps)
    return m.answer(steps[-1].config)
