"""The CAEF basic machines: one pass over the digits, no calls.

Their CAEF layouts reproduce the paper's text byte for byte (see ``docs/machines.md``).
"""

from __future__ import annotations

from lmarith.machines.caef import CaefMachine
from lmarith.machines.core import BLANK, HALT, Command, Config, Op, Track, View, register, to_tape


def _move(view: View, *tracks: int) -> tuple[Op, ...]:
    """Move the given heads right, but only those still on their tape (as CAEF does)."""
    return tuple(Op("move", str(i), "1") for i in tracks if view.under[i] != BLANK)


_HEADS = ("[HEAD1]", "[HEAD2]")


@register
class Add(CaefMachine):
    """ADD: one digit per step with a carry; a final carry of 0 is not written."""

    name = "ADD"
    registers = ("C", "OUTPUT")
    view_registers = ("C",)
    state_templates = {
        "q0": "ADD, q0, [HEAD1] {pre0}[HEAD2] {pre1} [C]{raw:C} [OUTPUT]{bars:OUTPUT}",
        "q1": "ADD, q1,  {h0:HEAD1} {h1:HEAD2} [C]{raw:C} {bars:OUTPUT}[OUTPUT]",
        HALT: "ADD, qH,  {post0}[HEAD1] {post1}[HEAD2] [C]{raw:C} {bars:OUTPUT}",
    }

    def init(self, a: int, b: int) -> Config:
        return Config(
            self.name, "q0", (Track(to_tape(a)), Track(to_tape(b))), (("C", ""), ("OUTPUT", ""))
        )

    def decide(self, view: View) -> Command:
        if view.state == "q0":
            return Command((Op("set", "C", "0"), Op("move", "0", "1"), Op("move", "1", "1")), "q1")
        a, b = (0 if s == BLANK else int(s) for s in view.under)
        total = a + b + int(view.reg("C"))
        if view.under == (BLANK, BLANK):
            return Command((Op("flush", "OUTPUT", str(total)),), HALT)
        ops = (Op("set", "C", str(total // 10)), Op("write", "OUTPUT", str(total % 10)))
        return Command(ops + _move(view, 0, 1), "q1")

    def result(self, config: Config) -> str:
        return config.reg("OUTPUT")

    def caef_command(self, config: Config, command: Command) -> str:
        ops = {op.kind: op for op in command.ops if op.kind != "move"}
        moves = [f"{_HEADS[int(op.target)]} RIGHT" for op in command.ops if op.kind == "move"]
        if config.state == "q0":
            items = ["[C] 0", *moves]
        elif command.next_state == HALT:
            items = [f"[OUTPUT] {ops['flush'].value}", "[OUTPUT]", "[C]"]
        else:
            d = ops["write"].value
            items = [f"[C] {ops['set'].value}", f"[OUTPUT] {d}", "[OUTPUT] RIGHT", *moves]
        return "CMD: " + ", ".join([*items, command.next_state])
