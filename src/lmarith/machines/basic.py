"""The CAEF basic machines: one pass over the digits, no calls.

Their CAEF layouts reproduce the paper's text byte for byte (see ``docs/machines.md``).
"""

from __future__ import annotations

from lmarith.errors import LmarithError
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
        return Config(self.name, "q0", (Track(to_tape(a)), Track(to_tape(b))), (("C", ""), ("OUTPUT", "")))

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


def _caef_moves(command: Command, markers: tuple[str, ...] = _HEADS) -> list[str]:
    return [f"{markers[int(op.target)]} RIGHT" for op in command.ops if op.kind == "move"]


class _Compare(CaefMachine):
    """Shared layout of EQUAL, GREATER_THAN and LESS_THAN: both heads scan from the least
    significant digit; the verdict starts at ``initial`` and the halt line shows it bare.

    Command items: head moves, then a written verdict (``[OUTPUT] True``), then a bare
    ``[OUTPUT]`` when the machine halts.
    """

    registers = ("OUTPUT",)
    initial: str

    def init(self, a: int, b: int) -> Config:
        return Config(self.name, "q0", (Track(to_tape(a)), Track(to_tape(b))), (("OUTPUT", ""),))

    @classmethod
    def _templates(cls, name: str) -> dict[str, str]:
        return {
            "q0": f"{name}, q0, [HEAD1] {{pre0}}[HEAD2] {{pre1}} [OUTPUT]",
            "q1": f"{name}, q1,  {{h0:HEAD1}} {{h1:HEAD2}} [OUTPUT]{{raw:OUTPUT}}",
            HALT: f"{name}, qH,  {{h0:HEAD1}} {{h1:HEAD2}} {{raw:OUTPUT}}",
        }

    def verdict(self, a: str, b: str) -> str | None:
        """The verdict to write for head symbols a, b (``BLANK`` off the tape); None: keep."""
        raise NotImplementedError

    def halts(self, a: str, b: str) -> bool:
        """Whether the scan stops at head symbols a, b (an operand ran out)."""
        return BLANK in (a, b)

    def decide(self, view: View) -> Command:
        both = (Op("move", "0", "1"), Op("move", "1", "1"))
        if view.state == "q0":
            return Command((*both, Op("set", "OUTPUT", self.initial)), "q1")
        a, b = view.under
        verdict = self.verdict(a, b)
        write = () if verdict is None else (Op("set", "OUTPUT", verdict),)
        if self.halts(a, b):
            return Command(write, HALT)
        return Command((*both, *write), "q1")

    def result(self, config: Config) -> str:
        return config.reg("OUTPUT")

    def caef_command(self, config: Config, command: Command) -> str:
        items = _caef_moves(command)
        items += [f"[OUTPUT] {op.value}" for op in command.ops if op.kind == "set"]
        if command.next_state == HALT:
            items.append("[OUTPUT]")
        return "CMD " + ", ".join([*items, command.next_state])


@register
class Equal(_Compare):
    """EQUAL: verdict True; the first differing digit pair, or one operand running out before
    the other, writes False and halts at once (the heads stay where they are)."""

    name = "EQUAL"
    initial = "True"
    state_templates = _Compare._templates("EQUAL")

    def verdict(self, a: str, b: str) -> str | None:
        return None if a == b else "False"

    def halts(self, a: str, b: str) -> bool:
        return a != b or a == BLANK


@register
class GreaterThan(_Compare):
    """GREATER_THAN: verdict False; every differing digit pair overwrites it (the most
    significant difference is written last); a longer operand decides at once."""

    name = "GREATER_THAN"
    initial = "False"
    state_templates = _Compare._templates("GREATER_THAN")

    def verdict(self, a: str, b: str) -> str | None:
        if a == b:
            return None
        if BLANK in (a, b):
            return "True" if b == BLANK else "False"
        return "True" if a > b else "False"


@register
class LessThan(_Compare):
    """LESS_THAN: GREATER_THAN with the verdicts swapped."""

    name = "LESS_THAN"
    initial = "False"
    state_templates = _Compare._templates("LESS_THAN")

    def verdict(self, a: str, b: str) -> str | None:
        if a == b:
            return None
        if BLANK in (a, b):
            return "True" if a == BLANK else "False"
        return "True" if a < b else "False"


@register
class Reflection(CaefMachine):
    """REFLECTION (SUB's first helper): a - b for a = 9...9, the nine's complement of b digit
    by digit (q1), then leading zeros stripped one per step from the top (q2). An all-zero
    result is written as one 0 on the halt step."""

    name = "REFLECTION"
    registers = ("OUTPUT",)
    view_by_state = {"q2": ("OUTPUT^",)}
    state_templates = {
        "q0": "REFLECTION, q0, [HEAD1] {pre0}[HEAD2] {pre1} [OUTPUT]",
        "q1": "REFLECTION, q1,  {h0:HEAD1} {h1:HEAD2} {bars:OUTPUT}[OUTPUT]",
        "q2": "REFLECTION, q2,  {post0}[HEAD1] {post1}[HEAD2] {bars:OUTPUT=|}[OUTPUT]",
        HALT: "REFLECTION, qH,  {post0}[HEAD1] {post1}[HEAD2] {bars:OUTPUT}",
    }

    def check_operands(self, *operands: int) -> None:
        super().check_operands(*operands)
        a, b = operands
        if set(str(a)) != {"9"} or b > a:
            raise LmarithError("REFLECTION takes a = 9...9 and b <= a")

    def init(self, a: int, b: int) -> Config:
        return Config(self.name, "q0", (Track(to_tape(a)), Track(to_tape(b))), (("OUTPUT", ""),))

    def decide(self, view: View) -> Command:
        if view.state == "q0":
            return Command((Op("move", "0", "1"), Op("move", "1", "1")), "q1")
        if view.state == "q1":
            if view.under == (BLANK, BLANK):
                return Command((), "q2")
            b = 0 if view.under[1] == BLANK else int(view.under[1])
            return Command((*_move(view, 0, 1), Op("write", "OUTPUT", str(9 - b))), "q1")
        top = view.reg("OUTPUT^")[0]
        if top == "0":
            return Command((Op("pop", "OUTPUT"),), "q2")
        return Command((Op("write", "OUTPUT", "0"),) if top == BLANK else (), HALT)

    def result(self, config: Config) -> str:
        return config.reg("OUTPUT")

    def caef_command(self, config: Config, command: Command) -> str:
        if config.state == "q2":
            items = ["[OUTPUT] LEFT"] if command.next_state == "q2" else ["[OUTPUT]"]
        else:
            items = _caef_moves(command)
            items += [f"[OUTPUT] {op.value}, [OUTPUT] RIGHT" for op in command.ops if op.kind == "write"]
        return "CMD " + ", ".join([*items, command.next_state])


@register
class LeftMask(CaefMachine):
    """LEFT_MASK (SUB's last helper): copy the number digit by digit (q1), drop its most
    significant digit, strip leading zeros one per step (q2). An empty result reads as 0."""

    name = "LEFT_MASK"
    arity = 1
    operand_sources = ("@0",)
    registers = ("OUTPUT",)
    view_by_state = {"q2": ("OUTPUT^",)}
    state_templates = {
        "q0": "LEFT_MASK, q0, [HEAD] {pre0} [OUTPUT]",
        "q1": "LEFT_MASK, q1,  {h0:HEAD} {bars:OUTPUT}[OUTPUT]",
        "q2": "LEFT_MASK, q2,  {post0}[HEAD] {bars:OUTPUT}[OUTPUT]",
        HALT: "LEFT_MASK, qH,  {post0}[HEAD] {bars:OUTPUT=0}",
    }

    def init(self, a: int) -> Config:
        return Config(self.name, "q0", (Track(to_tape(a)),), (("OUTPUT", ""),))

    def decide(self, view: View) -> Command:
        if view.state == "q0":
            return Command((Op("move", "0", "1"),), "q1")
        if view.state == "q1":
            if view.under[0] == BLANK:
                return Command((Op("pop", "OUTPUT"),), "q2")
            return Command((Op("move", "0", "1"), Op("write", "OUTPUT", view.under[0])), "q1")
        if view.reg("OUTPUT^")[0] == "0":
            return Command((Op("pop", "OUTPUT"),), "q2")
        return Command((), HALT)

    def result(self, config: Config) -> str:
        return config.reg("OUTPUT") or "0"

    def caef_command(self, config: Config, command: Command) -> str:
        kinds = [op.kind for op in command.ops]
        if "write" in kinds:
            items = ["[HEAD] RIGHT", f"[OUTPUT] {command.ops[1].value}", "[OUTPUT] RIGHT"]
        elif "pop" in kinds:
            items = ["[OUTPUT] LEFT", "[OUTPUT] 0"] if config.state == "q1" else ["[OUTPUT] LEFT"]
        else:
            items = _caef_moves(command, ("[HEAD]",))
        return "CMD " + ", ".join([*items, command.next_state])
