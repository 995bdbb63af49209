"""The CAEF text format: render and parse configurations, and the call/return line layout.

Each machine declares one *state-line template* per state; both rendering and parsing are
derived from that template, so the two can never drift apart. Placeholders:

* ``{h0:HEAD1}``  track 0 with the marker ``[HEAD1]`` inside its digits at the head position
* ``{pre0}``      track 0's digits, head before the tape (q0 layouts put the marker in front)
* ``{post0}``     track 0's digits, head past the end (halt layouts put the marker behind)
* ``{bars:R}``    register R as ``|d|d|d`` digits
* ``{bars:R=E}``  the same, but an empty register is spelled ``E`` (CAEF prints a lone ``|`` in
                  REFLECTION's q2 and a bare ``0`` in LEFT_MASK's halt line)
* ``{raw:R}``     register R verbatim (a carry, ``True``/``False``)

A composite machine's state line need not show every register: CAEF's SUB keeps its running
value only in the lines of the machine it calls. Such a *hidden* register parses as empty from
two lines; ``parse_block`` restores it from the callee's configuration in a 4-line block (the
call's arguments must be the callee's operands).

Command lines are rendered by each machine (their wording differs per machine) and parsed
here by one grammar: ``CMD`` or ``CMD:``, comma-separated items, the next state last.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from lmarith.errors import LmarithError
from lmarith.machines.core import (
    HALT,
    MACHINES,
    Command,
    Config,
    Machine,
    Track,
    Transition,
    call_operands,
    machine,
    to_tape,
    walk,
)

HALT_LINE = "No command to execute. Halt state."
_PLACEHOLDER = re.compile(r"\{(h\d+:[A-Z0-9]+|pre\d+|post\d+|bars:[A-Z]+(?:=[^}]*)?|raw:[A-Z]+)\}")
_BARS = r"((?:\|\d)*)"


#: What a model that knows the format reads as one symbol: the halt line, bracketed registers
#: and heads (``[HEAD1]``, ``[C]``), a written digit (``|7``), ``CMD:``, state names (``q1``,
#: ``qH``), upper-case words (machine names, ``RIGHT``, ``CALL`` ...), the verdicts, and the
#: item separator ``, ``.
SYMBOL = re.compile(
    re.escape(HALT_LINE) + r"|, |\[[A-Z0-9_]+\]|\|\d|CMD:?|\bq[0-9A-Za-z]+\b|\b[A-Z][A-Z_0-9]+\b|True|False"
)


def symbols(texts: Iterable[str]) -> list[str]:
    """Every :data:`SYMBOL` in ``texts``, sorted: the extra tokens of a tokenizer that gives
    the format's symbols one token each (``tokenizer.build_char_tokenizer(words=...)``), so
    a 10-digit configuration is a few dozen tokens instead of a hundred characters."""
    return sorted({m.group() for text in texts for m in SYMBOL.finditer(text)})


def bars(digits: str) -> str:
    """``"543"`` -> ``"|5|4|3"``: CAEF writes every digit behind a bar."""
    return "".join("|" + d for d in digits)


def unbars(text: str) -> str:
    return text.replace("|", "")


class CaefMachine(Machine):
    """A machine that also knows its CAEF text layout."""

    state_templates: dict[str, str] = {}

    def caef_command(self, config: Config, command: Command) -> str:
        """The command line for ``command`` taken in ``config``."""
        raise NotImplementedError

    def caef_state(self, config: Config) -> str:
        template = self._template(config.state)
        regs = dict(config.registers)

        def fill(match: re.Match[str]) -> str:
            key = match.group(1)
            if key.startswith("h"):
                index, marker = key[1:].split(":")
                track = config.tracks[int(index)]
                head = max(track.head, 0)
                return f"{bars(track.digits[:head])}[{marker}]{bars(track.digits[head:])}"
            if key.startswith(("pre", "post")):
                return bars(config.tracks[int(key.removeprefix("pre").removeprefix("post"))].digits)
            kind, name = key.split(":", 1)
            if kind == "raw":
                return regs[name]
            name, _, empty = name.partition("=")
            return bars(regs[name]) or empty

        return _PLACEHOLDER.sub(fill, template)

    def shown_registers(self, state: str) -> frozenset[str]:
        """The registers that the state line of ``state`` shows (the others are hidden)."""
        keys = _compile(self._template(state))[1]
        return frozenset(k.split(":", 1)[1].partition("=")[0] for k in keys if ":" in k and k[0] != "h")

    def parse_state(self, line: str) -> Config:
        state = _state_of(line)
        regex, keys = _compile(self._template(state))
        match = regex.fullmatch(line)
        if match is None:
            raise LmarithError(f"malformed {self.name} state line: {line!r}")
        tracks: dict[int, Track] = {}
        regs: dict[str, str] = {name: "" for name in self.registers}
        for key, groups in zip(keys, _group_values(match, keys)):
            if key.startswith("h"):
                left, right = unbars(groups[0]), unbars(groups[1])
                tracks[int(key[1:].split(":")[0])] = Track(left + right, len(left))
            elif key.startswith("pre"):
                tracks[int(key[3:])] = Track(unbars(groups[0]), -1)
            elif key.startswith("post"):
                digits = unbars(groups[0])
                tracks[int(key[4:])] = Track(digits, len(digits))
            else:
                kind, name = key.split(":", 1)
                name, _, empty = name.partition("=")
                text = groups[0]
                regs[name] = text if kind == "raw" else "" if empty and text == empty else unbars(text)
        return Config(
            machine=self.name,
            state=state,
            tracks=tuple(tracks[i] for i in sorted(tracks)),
            registers=tuple((name, regs[name]) for name in self.registers),
        )

    def _template(self, state: str) -> str:
        try:
            return self.state_templates[state]
        except KeyError:
            raise LmarithError(f"{self.name} has no state {state!r}") from None


def _state_of(line: str) -> str:
    parts = line.split(",", 2)
    if len(parts) < 3:
        raise LmarithError(f"malformed state line: {line!r}")
    return parts[1].strip()


@cache
def _compile(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    pattern, keys, last = [], [], 0
    for match in _PLACEHOLDER.finditer(template):
        pattern.append(re.escape(template[last : match.start()]))
        key = match.group(1)
        keys.append(key)
        if key.startswith("h"):
            marker = key.split(":")[1]
            pattern.append(_BARS + re.escape(f"[{marker}]") + _BARS)
        elif key.startswith("raw"):
            pattern.append(r"([A-Za-z0-9]*)")
        elif "=" in key:
            pattern.append(r"((?:\|\d)+|" + re.escape(key.partition("=")[2]) + ")")
        else:
            pattern.append(_BARS)
        last = match.end()
    pattern.append(re.escape(template[last:]))
    return re.compile("".join(pattern)), tuple(keys)


def _group_values(match: re.Match[str], keys: tuple[str, ...]) -> list[tuple[str, ...]]:
    values, index = [], 1
    for key in keys:
        width = 2 if key.startswith("h") else 1
        values.append(tuple(match.group(index + i) for i in range(width)))
        index += width
    return values


def caef_machine(name: str) -> CaefMachine:
    m = machine(name)
    if not isinstance(m, CaefMachine):
        raise LmarithError(f"{name} has no CAEF text layout")
    return m


# --- configurations (two lines) -------------------------------------------------------


@dataclass(frozen=True)
class CaefCommand:
    """A parsed command line: its items, the next state, and the machine it calls, if any."""

    colon: bool
    items: tuple[str, ...]
    next_state: str

    @property
    def call(self) -> str | None:
        for item in self.items:
            if item.startswith("[CALL] "):
                return item[len("[CALL] ") :]
        return None

    def render(self) -> str:
        return ("CMD: " if self.colon else "CMD ") + ", ".join((*self.items, self.next_state))


_STATE_NAME = re.compile(r"q[0-9A-Za-z]+")


def parse_command(line: str) -> CaefCommand | None:
    """Parse a command line; ``None`` for the halt line. Malformed text -> ``LmarithError``."""
    if line == HALT_LINE:
        return None
    if line.startswith("CMD: "):
        colon, body = True, line[5:]
    elif line.startswith("CMD "):
        colon, body = False, line[4:]
    else:
        raise LmarithError(f"malformed command line: {line!r}")
    *items, next_state = body.split(", ")
    if not _STATE_NAME.fullmatch(next_state) or any(not i.startswith("[") for i in items):
        raise LmarithError(f"malformed command line: {line!r}")
    return CaefCommand(colon, tuple(items), next_state)


def render(config: Config) -> str:
    """A configuration as CAEF's two lines: state line, then command line (or halt line)."""
    m = caef_machine(config.machine)
    command = m.command(config)
    cmd_line = HALT_LINE if command is None else m.caef_command(config, command)
    return f"{m.caef_state(config)}\n{cmd_line}"


@dataclass(frozen=True)
class Frame:
    """A parsed two-line configuration."""

    config: Config
    command: CaefCommand | None


def parse(text: str) -> Frame:
    """Parse two CAEF lines; rejects malformed text with ``LmarithError`` (model output!)."""
    lines = text.split("\n")
    if len(lines) != 2:
        raise LmarithError(f"a configuration is 2 lines, got {len(lines)}")
    name = lines[0].split(",", 1)[0]
    if name not in MACHINES:
        raise LmarithError(f"unknown machine in state line: {name!r}")
    config = caef_machine(name).parse_state(lines[0])
    command = parse_command(lines[1])
    if (command is None) != (config.state == HALT):
        raise LmarithError("the halt line goes with the halt state and only with it")
    return Frame(config, command)


def parse_block(text: str) -> list[Frame]:
    """Parse 2 or 4 lines (a configuration, or a call/return pair of configurations)."""
    lines = text.split("\n")
    if len(lines) not in (2, 4):
        raise LmarithError(f"expected 2 or 4 lines, got {len(lines)}")
    frames = [parse("\n".join(lines[i : i + 2])) for i in range(0, len(lines), 2)]
    if len(frames) == 2:
        frames[0] = _with_call_operands(*frames)
    return frames


def _with_call_operands(caller: Frame, callee: Frame) -> Frame:
    """Restore the caller's hidden registers from the callee's operands, and check that the
    callee is the machine the caller calls, on the operands the caller passes."""
    m = caef_machine(caller.config.machine)
    try:
        command = m.command(caller.config)
    except (ValueError, KeyError, IndexError):  # a parsed line no run reaches (ADD's empty carry)
        raise LmarithError(f"{caller.config.machine} cannot go on from lines 1-2") from None
    call = None if command is None else command.call
    if call is None or call.machine != callee.config.machine:
        raise LmarithError(f"lines 3-4 are not a configuration of the machine {caller.config.machine} calls")
    config, hidden = caller.config, set(m.registers) - m.shown_registers(caller.config.state)
    try:
        operands = machine(call.machine).operands(callee.config)
        for arg, value in zip(call.args, operands):
            if arg in hidden:
                config = config.with_reg(arg, to_tape(value))
        passed = call_operands(config, call)
    except (ValueError, KeyError, IndexError):  # a blank or a word where a number belongs
        passed = None
    if passed is None or passed != operands:
        raise LmarithError(f"the operands of {call.machine} are not the ones {config.machine} passes")
    return Frame(config, caller.command)


# --- transitions: input text -> output text ----------------------------------------------


def transition_texts(steps: list[Transition]) -> list[tuple[str, str]]:
    """The (input, output) text pairs an executor is trained on, for one machine's run.

    A step that calls another machine outputs 4 lines (the caller's configuration, then the
    callee's first one); the step after the callee halts reads 4 lines (the caller's
    configuration, then the callee's halted one). Callee runs are separate machines and are
    not included: call ``transition_texts`` on ``step.callee`` for them.
    """
    pairs: list[tuple[str, str]] = []
    for prev, step in zip(steps, steps[1:]):
        source = render(prev.config)
        if prev.callee:
            source += "\n" + render(prev.callee[-1].config)
        target = render(step.config)
        if step.callee:
            target += "\n" + render(step.callee[0].config)
        pairs.append((source, target))
    return pairs


def trace_text(steps: list[Transition]) -> str:
    """The whole run as text, callees indented by call depth (for people, not models)."""
    out = []
    for step in walk(steps):
        pad = "    " * step.depth
        out.extend(pad + line for line in render(step.config).split("\n"))
    return "\n".join(out)
