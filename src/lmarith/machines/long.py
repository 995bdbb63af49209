"""Schoolbook machines: long multiplication, borrow subtraction, signed subtraction, long
division. Beyond the paper, under their own names so the CAEF machines stay faithful.

CAEF's MUL and DIV loop once per unit of b (or of the quotient): 10^20 steps for 20-digit
operands. These machines cost a number of transitions polynomial in the digit counts:

* ``MUL_DIGIT``  a * d for one digit d: one digit per step with a carry (like ADD)
* ``LONG_MUL``   for each digit d of b (high to low): OUTPUT = 10*OUTPUT, then if d > 0:
  P = MUL_DIGIT(A, d); OUTPUT = ADD(OUTPUT, P).
* ``BORROW_SUB`` a - b for a >= b: one digit per step with a borrow, then strip leading zeros.
* ``LONG_SUB``   signed a - b: compare (LESS_THAN), then BORROW_SUB the right way round.
* ``LONG_DIV``   a // b: bring down a's digits (most significant first) into R; for each, count
  how often b fits (LESS_THAN, BORROW_SUB) and push that digit onto the quotient.

Their text layouts follow the CAEF composite style; command lines are rendered generically
from the command's operations (``CMD`` then comma-separated items, the next state last).
The digit tracks that LONG_MUL and LONG_DIV scan (b, and a) are written most significant
first, the order those algorithms read them in; every register stays least significant first.
"""

from __future__ import annotations

from typing import ClassVar

from lmarith.errors import LmarithError
from lmarith.machines.caef import CaefMachine
from lmarith.machines.core import (
    BLANK,
    HALT,
    Call,
    Command,
    Config,
    Op,
    Track,
    View,
    register,
    to_tape,
)


class LongMachine(CaefMachine):
    """Shared generic command wording for the schoolbook machines."""

    markers: ClassVar[tuple[str, ...]] = ()

    def caef_command(self, config: Config, command: Command) -> str:
        items: list[str] = []
        for op in command.ops:
            if op.kind == "move":
                items.append(f"[{self.markers[int(op.target)]}] {'RIGHT' if op.value == '1' else 'LEFT'}")
            else:
                items.extend(_OP_WORDS[op.kind](f"[{op.target}]", op.value))
        if command.call is not None:
            items.append(f"[CALL] {command.call.machine}")
        return "CMD " + ", ".join([*items, command.next_state])

    def result(self, config: Config) -> str:
        return config.reg("OUTPUT")


_OP_WORDS = {
    "set": lambda r, v: [f"{r} {v}"],
    "write": lambda r, v: [f"{r} {v}", f"{r} RIGHT"],
    "flush": lambda r, v: [f"{r} {v}", r],
    "pop": lambda r, v: [f"{r} LEFT"],
    "push": lambda r, v: [f"{r} PUSH {v}"],
    "inc": lambda r, v: [f"{r} +1"],
}


def _digits(view: View) -> tuple[int, ...]:
    return tuple(0 if s == BLANK else int(s) for s in view.under)


@register
class MulDigit(LongMachine):
    """a * d for a single digit d, one digit of a per step."""

    name = "MUL_DIGIT"
    markers = ("HEAD",)
    operand_sources = ("@0", "D")
    registers = ("D", "C", "OUTPUT")
    view_registers = ("D", "C")
    state_templates = {
        "q0": "MUL_DIGIT, q0, [HEAD] {pre0} [D]{raw:D} [C]{raw:C} [OUTPUT]{bars:OUTPUT}",
        "q1": "MUL_DIGIT, q1,  {h0:HEAD} [D]{raw:D} [C]{raw:C} {bars:OUTPUT}[OUTPUT]",
        HALT: "MUL_DIGIT, qH,  {post0}[HEAD] [D]{raw:D} [C]{raw:C} {bars:OUTPUT}",
    }

    def check_operands(self, *operands: int) -> None:
        super().check_operands(*operands)
        if operands[1] > 9:
            raise LmarithError("MUL_DIGIT multiplies by one digit (0-9)")

    def init(self, a: int, d: int) -> Config:
        return Config(self.name, "q0", (Track(to_tape(a)),), (("D", str(d)), ("C", ""), ("OUTPUT", "")))

    def decide(self, view: View) -> Command:
        if view.state == "q0":
            return Command((Op("set", "C", "0"), Op("move", "0", "1")), "q1")
        carry = int(view.reg("C"))
        if view.under[0] == BLANK:
            return Command((Op("flush", "OUTPUT", str(carry)),), HALT)
        total = int(view.under[0]) * int(view.reg("D")) + carry
        ops = (Op("set", "C", str(total // 10)), Op("write", "OUTPUT", str(total % 10)))
        return Command(ops + (Op("move", "0", "1"),), "q1")


_MUL_TAPE = "[HEAD1]{bars:A} {h0:HEAD2} [P]{bars:P} [OUTPUT]{bars:OUTPUT} "


@register
class LongMul(LongMachine):
    """Schoolbook a * b by Horner's rule over b's digits, most significant first:
    OUTPUT = 10*OUTPUT + MUL_DIGIT(A, d). A and b stay on the tape for the output aligner."""

    name = "LONG_MUL"
    markers = ("HEAD2",)
    operand_sources = ("A", "#0")
    registers = ("A", "P", "OUTPUT")
    state_templates = {
        "q0": "LONG_MUL, q0, [HEAD1]{bars:A} [HEAD2] {pre0} [P]{bars:P} [OUTPUT]{bars:OUTPUT} ",
        **{q: f"LONG_MUL, {q}, {_MUL_TAPE}" for q in ("q1", "q2")},
        HALT: "LONG_MUL, qH, [HEAD1]{bars:A} {post0}[HEAD2] [P]{bars:P} {bars:OUTPUT}",
    }

    def init(self, a: int, b: int) -> Config:
        return Config(self.name, "q0", (Track(str(b)),), (("A", to_tape(a)), ("P", ""), ("OUTPUT", "")))

    def decide(self, view: View) -> Command:
        right = Op("move", "0", "1")
        if view.state == "q0":
            return Command((Op("set", "OUTPUT", "0"), right), "q1")
        if view.state == "q2":
            return Command((right,), "q1", Call("ADD", ("OUTPUT", "P"), "OUTPUT"))
        if view.under[0] == BLANK:
            return Command((), HALT)
        shift = Op("push", "OUTPUT", "0")
        if view.under[0] == "0":
            return Command((shift, right), "q1")
        return Command((shift,), "q2", Call("MUL_DIGIT", ("A", "@0"), "P"))


@register
class BorrowSub(LongMachine):
    """a - b for a >= b, one digit per step with a borrow, then leading zeros stripped."""

    name = "BORROW_SUB"
    markers = ("HEAD1", "HEAD2")
    registers = ("C", "OUTPUT")
    view_registers = ("C",)
    view_by_state = {"q2": ("OUTPUT^",)}
    state_templates = {
        "q0": "BORROW_SUB, q0, [HEAD1] {pre0}[HEAD2] {pre1} [C]{raw:C} [OUTPUT]{bars:OUTPUT}",
        "q1": "BORROW_SUB, q1,  {h0:HEAD1} {h1:HEAD2} [C]{raw:C} {bars:OUTPUT}[OUTPUT]",
        "q2": "BORROW_SUB, q2,  {post0}[HEAD1] {post1}[HEAD2] [C]{raw:C} {bars:OUTPUT}[OUTPUT]",
        HALT: "BORROW_SUB, qH,  {post0}[HEAD1] {post1}[HEAD2] [C]{raw:C} {bars:OUTPUT}",
    }

    def check_operands(self, *operands: int) -> None:
        super().check_operands(*operands)
        if operands[0] < operands[1]:
            raise LmarithError(f"{self.name} needs a >= b; use LONG_SUB for a signed result")

    def init(self, a: int, b: int) -> Config:
        return Config(self.name, "q0", (Track(to_tape(a)), Track(to_tape(b))), (("C", ""), ("OUTPUT", "")))

    def decide(self, view: View) -> Command:
        if view.state == "q0":
            return Command((Op("set", "C", "0"), Op("move", "0", "1"), Op("move", "1", "1")), "q1")
        if view.state == "q2":
            strip = view.reg("OUTPUT^") == "0+"  # a leading zero, not the last digit
            return Command((Op("pop", "OUTPUT"),), "q2") if strip else Command((), HALT)
        if view.under == (BLANK, BLANK):
            return Command((), "q2")
        a, b = _digits(view)
        diff = a - b - int(view.reg("C"))
        ops = (Op("set", "C", str(int(diff < 0))), Op("write", "OUTPUT", str(diff % 10)))
        moves = tuple(Op("move", str(i), "1") for i in (0, 1) if view.under[i] != BLANK)
        return Command(ops + moves, "q1")


_SUB_TAPE = "[HEAD1]{bars:A} [HEAD2]{bars:B} [NEG]{raw:NEG} [OUTPUT]{bars:OUTPUT} "


@register
class LongSub(LongMachine):
    """Signed a - b: LESS_THAN decides the order, BORROW_SUB does the work."""

    name = "LONG_SUB"
    operand_sources = ("A", "B")
    registers = ("A", "B", "NEG", "OUTPUT")
    view_registers = ("NEG",)
    state_templates = {q: f"LONG_SUB, {q}, {_SUB_TAPE}" for q in ("q0", "q1", "q2", HALT)}

    def init(self, a: int, b: int) -> Config:
        regs = (("A", to_tape(a)), ("B", to_tape(b)), ("NEG", ""), ("OUTPUT", ""))
        return Config(self.name, "q0", (), regs)

    def decide(self, view: View) -> Command:
        if view.state == "q0":  # a first step that calls nothing, as CAEF's SUB: an aligner's
            return Command((), "q1")  # output is then always one plain configuration
        if view.state == "q1":
            return Command((), "q2", Call("LESS_THAN", ("A", "B"), "NEG"))
        args = ("B", "A") if view.reg("NEG") == "True" else ("A", "B")
        return Command((), HALT, Call("BORROW_SUB", args, "OUTPUT"))

    def answer(self, config: Config) -> str:
        magnitude = super().answer(config)
        return f"-{magnitude}" if config.reg("NEG") == "True" else magnitude


_DIV_REGS = "[HEAD2]{bars:B} [R]{bars:R} [D]{raw:D} [LT]{raw:LT} "


@register
class LongDiv(LongMachine):
    """Floor a // b, one quotient digit per digit of a."""

    name = "LONG_DIV"
    markers = ("HEAD1",)
    operand_sources = ("#0", "B")
    registers = ("B", "R", "D", "LT", "OUTPUT")
    view_by_state = {"q2": (), "q3": ("D", "LT")}
    state_templates = {
        "q0": "LONG_DIV, q0, [HEAD1] {pre0} " + _DIV_REGS + "[OUTPUT]{bars:OUTPUT} ",
        **{q: f"LONG_DIV, {q}, {{h0:HEAD1}} {_DIV_REGS}[OUTPUT]{{bars:OUTPUT}} " for q in ("q1", "q2", "q3")},
        HALT: "LONG_DIV, qH, {post0}[HEAD1] " + _DIV_REGS + "{bars:OUTPUT}",
    }

    def check_operands(self, *operands: int) -> None:
        super().check_operands(*operands)
        if operands[1] == 0:
            raise LmarithError("division by zero")

    def init(self, a: int, b: int) -> Config:
        regs = (("B", to_tape(b)), ("R", ""), ("D", ""), ("LT", ""), ("OUTPUT", ""))
        return Config(self.name, "q0", (Track(str(a)),), regs)

    def decide(self, view: View) -> Command:
        if view.state == "q0":
            return Command((Op("set", "R", "0"), Op("set", "OUTPUT", "0"), Op("move", "0", "1")), "q1")
        if view.state == "q1":
            if view.under[0] == BLANK:
                return Command((), HALT)
            return Command((Op("push", "R", view.under[0]), Op("set", "D", "0")), "q2")
        if view.state == "q2":
            return Command((), "q3", Call("LESS_THAN", ("R", "B"), "LT"))
        if view.reg("LT") == "True":
            return Command((Op("push", "OUTPUT", view.reg("D")), Op("move", "0", "1")), "q1")
        return Command((Op("inc", "D"),), "q2", Call("BORROW_SUB", ("R", "B"), "R"))
