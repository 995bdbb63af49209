"""The CAEF composite machines SUB, MUL and DIV: each step calls a basic machine.

A composite machine's operands (and its counter and accumulator) live in registers; every
non-initial step is one ``Call`` whose result lands in a register. Their CAEF layouts follow
the original code byte for byte (see ``docs/machines.md``):

* state lines glue the markers to the digits: ``SUB, q1, [HEAD1]|9|1|8|7|4 [HEAD2]|5|4|3|2|1 ``
  (SUB's lines end with a space until the halt line shows the result);
* a calling step's command line is ``CMD [CALL] <MACHINE>, <next state>``, and the transition
  texts carry the callee's first/halted configuration as lines 3-4 (``caef.transition_texts``).

SUB:  q0 -> q1; q1 REFLECTION(9...9, b); q2 ADD(a, r); q3 ADD(s, 1); q4 LEFT_MASK(t) -> qH.
      Its running value r/s/t is *hidden*: the state lines never show it (the original keeps it
      only in the callee's lines), so ``caef.parse_block`` restores it from lines 3-4.
MUL:  q0 COUNT=1, OUTPUT=a; loop: q1 LESS_THAN(COUNT, b) (False -> qH), q2 OUTPUT=ADD(a, OUTPUT),
      q3 COUNT=ADD(COUNT, 1). The comparison's verdict is not kept: its ``exits`` pick the
      next state, as the original goes from q1 straight to qH when the verdict is False (its
      command line still says q2).
      Fix of the original's a*0 (it returned a): when b's most significant digit is 0 (b == 0)
      q0 writes ``[COUNT] 0, [OUTPUT]|0`` so the loop's first comparison (0 < 0) exits with 0.
      0*b was already right (it adds 0 b-1 times).
DIV:  q0 COUNT=b, OUTPUT=0; loop: q1 GREATER_THAN(COUNT, a) (True -> qH), q2 OUTPUT=ADD(OUTPUT, 1),
      q3 COUNT=ADD(b, COUNT). Floor division; b == 0 is refused.

MUL's cost grows with the value of b, DIV's with the quotient: see ``problems.MAX_CAEF_LOOPS``
and the schoolbook machines in ``long``.
"""

from __future__ import annotations

from lmarith.errors import LmarithError
from lmarith.machines.caef import CaefMachine, bars
from lmarith.machines.core import HALT, Call, Command, Config, Op, View, register, to_tape


class _Composite(CaefMachine):
    """Operands in registers A and B; decisions depend on the state (and MUL's ``B^``)."""

    operand_sources = ("A", "B")
    calls: dict[str, tuple[Call, str]] = {}
    """Per state: the call it makes and the next state its command line names."""

    def init(self, a: int, b: int) -> Config:
        regs = {"A": to_tape(a), "B": to_tape(b)}
        return Config(self.name, "q0", (), tuple((r, regs.get(r, "")) for r in self.registers))

    def decide(self, view: View) -> Command:
        call, next_state = self.calls[view.state]
        return Command((), next_state, call)

    def result(self, config: Config) -> str:
        return config.reg("OUTPUT")

    def caef_command(self, config: Config, command: Command) -> str:
        if command.call is None:
            return "CMD " + ", ".join([*self.q0_items(config, command), command.next_state])
        return f"CMD [CALL] {command.call.machine}, {command.next_state}"

    def q0_items(self, config: Config, command: Command) -> list[str]:
        return []


_SUB_TAPE = "[HEAD1]{bars:A} [HEAD2]{bars:B} "


@register
class Sub(_Composite):
    """SUB (a >= b): a - b = LEFT_MASK((a + (10^n - 1 - b)) + 1), n = len(a); 5 caller steps."""

    name = "SUB"
    registers = ("A", "B", "OUTPUT")
    state_templates = {
        **{q: f"SUB, {q}, {_SUB_TAPE}" for q in ("q0", "q1", "q2", "q3", "q4")},
        HALT: "SUB, qH, " + _SUB_TAPE + "{bars:OUTPUT}",
    }
    calls = {
        "q1": (Call("REFLECTION", ("9*A", "B"), "OUTPUT"), "q2"),
        "q2": (Call("ADD", ("A", "OUTPUT"), "OUTPUT"), "q3"),
        "q3": (Call("ADD", ("OUTPUT", "1"), "OUTPUT"), "q4"),
        "q4": (Call("LEFT_MASK", ("OUTPUT",), "OUTPUT"), HALT),
    }

    def check_operands(self, *operands: int) -> None:
        super().check_operands(*operands)
        if operands[0] < operands[1]:
            raise LmarithError("SUB needs a >= b (CAEF's subtraction has no negative results)")

    def decide(self, view: View) -> Command:
        return Command((), "q1") if view.state == "q0" else super().decide(view)


def _loop_templates(name: str) -> dict[str, str]:
    tape = "[HEAD1]{bars:A} [HEAD2]{bars:B} [COUNT]{bars:COUNT}"
    return {
        **{q: f"{name}, {q}, {tape} [OUTPUT]{{bars:OUTPUT}}" for q in ("q0", "q1", "q2", "q3")},
        HALT: f"{name}, qH, {tape} {{bars:OUTPUT}}",
    }


@register
class Mul(_Composite):
    """MUL by repeated addition: COUNT = 1, OUTPUT = a; while COUNT < b: OUTPUT += a; COUNT += 1."""

    name = "MUL"
    registers = ("A", "B", "COUNT", "OUTPUT")
    view_by_state = {"q0": ("B^",)}
    state_templates = _loop_templates("MUL")
    calls = {
        "q1": (Call("LESS_THAN", ("COUNT", "B"), "", (("False", HALT),)), "q2"),
        "q2": (Call("ADD", ("A", "OUTPUT"), "OUTPUT"), "q3"),
        "q3": (Call("ADD", ("COUNT", "1"), "COUNT"), "q1"),
    }

    def decide(self, view: View) -> Command:
        if view.state != "q0":
            return super().decide(view)
        if view.reg("B^")[0] == "0":  # b == 0: an empty loop with result 0
            return Command((Op("set", "COUNT", "0"), Op("set", "OUTPUT", "0")), "q1")
        return Command((Op("set", "COUNT", "1"), Op("copy", "OUTPUT", "A")), "q1")

    def q0_items(self, config: Config, command: Command) -> list[str]:
        count, output = command.ops
        value = config.reg(output.value) if output.kind == "copy" else output.value
        return [f"[COUNT] {count.value}", f"[OUTPUT]{bars(value)}"]


@register
class Div(_Composite):
    """DIV (floor): COUNT = b, OUTPUT = 0; while not COUNT > a: OUTPUT += 1; COUNT += b."""

    name = "DIV"
    registers = ("A", "B", "COUNT", "OUTPUT")
    state_templates = _loop_templates("DIV")
    calls = {
        "q1": (Call("GREATER_THAN", ("COUNT", "A"), "", (("True", HALT),)), "q2"),
        "q2": (Call("ADD", ("OUTPUT", "1"), "OUTPUT"), "q3"),
        "q3": (Call("ADD", ("B", "COUNT"), "COUNT"), "q1"),
    }

    def check_operands(self, *operands: int) -> None:
        super().check_operands(*operands)
        if operands[1] == 0:
            raise LmarithError("division by zero")

    def decide(self, view: View) -> Command:
        if view.state != "q0":
            return super().decide(view)
        return Command((Op("copy", "COUNT", "B"), Op("set", "OUTPUT", "0")), "q1")

    def q0_items(self, config: Config, command: Command) -> list[str]:
        return [f"[COUNT]{bars(config.reg('B'))}", "[OUTPUT] 0"]
