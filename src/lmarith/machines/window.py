"""The window format: the compact per-step text for small LMs.

The model reads only the machine, its state, the symbols under the heads and the short
registers, and writes only the command; the runtime keeps the tape and applies the command
with ``core.apply``. The text of a step is O(1) in the number of digits, so a model trained on
short operands runs operands of any length.

Input:   ``ADD q1 47 C=1``        (machine, state, symbols under heads, registers)
Output:  ``C=1 OUTPUT+2 >0 >1 q1`` (operations, then the next state)

Operation syntax: ``R=v`` set, ``R+d`` write, ``R~d`` flush, ``R-`` pop, ``R<d`` push,
``R++`` increment, ``R:=S`` copy, ``>i`` / ``<i`` move head i right / left, ``CALL M(x,y)->R``
call (``->`` alone keeps no result; a suffix ``?False:qH`` jumps to qH when M answers False).
A machine with no heads shows ``.`` in the head field.
"""

from __future__ import annotations

import re

from lmarith.errors import LmarithError
from lmarith.machines.core import BLANK, Call, Command, Op, Transition, View, machine

_OP = re.compile(
    r"(?P<set>[A-Z]+)=(?P<setv>[A-Za-z0-9]*)"
    r"|(?P<write>[A-Z]+)\+(?P<writev>\d)"
    r"|(?P<flush>[A-Z]+)~(?P<flushv>\d)"
    r"|(?P<inc>[A-Z]+)\+\+"
    r"|(?P<pop>[A-Z]+)-"
    r"|(?P<push>[A-Z]+)<(?P<pushv>\d)"
    r"|(?P<copy>[A-Z]+):=(?P<copyv>[A-Z]+)"
    r"|(?P<dir>[<>])(?P<track>\d)"
    r"|CALL (?P<callee>[A-Z_]+)\((?P<args>[A-Z@0-9*,]*)\)->(?P<dest>[A-Z]*)"
    r"(?P<exits>(?:\?[A-Za-z0-9]+:q[0-9A-Za-z]+)*)"
)
_STATE = re.compile(r"q[0-9A-Za-z]+")
_EXIT = re.compile(r"\?([A-Za-z0-9]+):(q[0-9A-Za-z]+)")


def render_view(view: View) -> str:
    """The window-format input for one step."""
    heads = "".join(view.under) or "."
    regs = " ".join(f"{name}={value}" for name, value in view.registers)
    return " ".join(part for part in (view.machine, view.state, heads, regs) if part)


def view_pieces(text: str) -> list[str]:
    """The fixed parts of a view's text, each of which a model may read as one added token
    (``--view-tokens``): the machine and state with the space before the heads
    (``ADD q1 ``) and each register with its value (`` C=1``); the heads stay characters."""
    view = parse_view(text)
    return [f"{view.machine} {view.state} ", *(f" {name}={value}" for name, value in view.registers)]


def parse_view(text: str) -> View:
    """Inverse of ``render_view``: ``ADD q1 47 C=1`` -> ``View``."""
    name, state, heads, *registers = text.split(" ")
    if not name or not state or any("=" not in r for r in registers):
        raise LmarithError(f"malformed window view: {text!r}")
    under = () if heads == "." else tuple(heads)
    if any(not (s.isdigit() or s == BLANK) for s in under):
        raise LmarithError(f"malformed heads {heads!r} in window view {text!r}")
    return View(name, state, under, tuple(tuple(r.split("=", 1)) for r in registers))  # type: ignore[misc]


def render_command(command: Command) -> str:
    """The window-format output for one step."""
    parts = [_render_op(op) for op in command.ops]
    if command.call is not None:
        call = command.call
        exits = "".join(f"?{answer}:{state}" for answer, state in call.exits)
        parts.append(f"CALL {call.machine}({','.join(call.args)})->{call.dest}{exits}")
    parts.append(command.next_state)
    return " ".join(parts)


def _render_op(op: Op) -> str:
    if op.kind == "move":
        return (">" if op.value == "1" else "<") + op.target
    suffix = {"set": "=", "write": "+", "flush": "~", "pop": "-", "push": "<", "inc": "++", "copy": ":="}
    return f"{op.target}{suffix[op.kind]}{op.value}"


def parse_command(text: str) -> Command:
    """Parse a window-format command; malformed text (model output) -> ``LmarithError``."""
    tokens = _split(text.strip())
    if not tokens or not _STATE.fullmatch(tokens[-1]):
        raise LmarithError(f"window command must end with a state: {text!r}")
    ops: list[Op] = []
    call: Call | None = None
    for token in tokens[:-1]:
        match = _OP.fullmatch(token)
        if match is None or call is not None:
            raise LmarithError(f"malformed window command item {token!r} in {text!r}")
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        if "callee" in groups:
            args = tuple(a for a in groups["args"].split(",") if a)
            call = Call(groups["callee"], args, groups["dest"], tuple(_EXIT.findall(groups["exits"])))
        elif "dir" in groups:
            ops.append(Op("move", groups["track"], "1" if groups["dir"] == ">" else "-1"))
        else:
            kind = next(k for k in ("set", "write", "flush", "inc", "pop", "push", "copy") if k in groups)
            ops.append(Op(kind, groups[kind], groups.get(kind + "v", "")))  # type: ignore[arg-type]
    return Command(tuple(ops), tokens[-1], call)


def _split(text: str) -> list[str]:
    """Split on spaces, keeping ``CALL M(...)->R`` as one token."""
    tokens: list[str] = []
    for word in text.split(" "):
        if tokens and tokens[-1] == "CALL":
            tokens[-1] = f"CALL {word}"
        else:
            tokens.append(word)
    return tokens


def transition_texts(steps: list[Transition]) -> list[tuple[str, str]]:
    """(input, output) window pairs for one machine's run; callee runs are not included
    (each machine has its own executor: call this on ``step.callee`` for them)."""
    return [
        (render_view(machine(s.config.machine).view(s.config)), render_command(s.command))
        for s in steps
        if s.command is not None
    ]
