"""What the reference machines write for a step: the oracle policy and strict scoring in one.

``reference_output(fmt, task, text)`` maps the text a model is given to the text it should
write. Strict scoring compares the model's output with it on the model's own input, and
``OraclePolicy`` answers with it, so the upper bound and the scoring cannot disagree.
"""

from __future__ import annotations

from lmarith.errors import LmarithError
from lmarith.executors.tasks import aligned_machine
from lmarith.formats import Format, text_format
from lmarith.machines import caef, window
from lmarith.machines.core import apply, call_operands, machine
from lmarith.machines.problems import answer_text, parse_problem


def window_next(text: str) -> str:
    """The command the machine decides for a window view."""
    view = window.parse_view(text)
    return window.render_command(machine(view.machine).decide(view))


def caef_next(text: str) -> str:
    """The next CAEF configuration for a 2-line configuration, or a 4-line return block.

    On a call the output is 4 lines: the caller's new configuration, then the callee's first.
    """
    frames = caef.parse_block(text)
    config = frames[0].config
    m = machine(config.machine)
    command = m.command(config)
    if command is None:
        raise LmarithError(f"{config.machine} has halted: there is no next configuration")
    returned = None
    if command.call is not None:
        if len(frames) != 2:
            raise LmarithError(f"{config.machine} calls {command.call.machine}: its result is missing")
        returned = machine(command.call.machine).result(frames[1].config)
    following = apply(config, command, returned)
    out = caef.render(following)
    call = m.command(following)
    if call is not None and call.call is not None:
        callee = machine(call.call.machine).start(*call_operands(following, call.call))
        out += "\n" + caef.render(callee)
    return out


def align_next(name: str, text: str) -> str:
    """The aligner's output: ``a+b=`` -> the first configuration, a halted one -> ``a+b=c``."""
    if "\n" not in text:
        problem = parse_problem(text)
        return caef.render(machine(name).start(problem.a, problem.b))
    config = caef.parse(text).config
    if not config.halted or config.machine != name:
        raise LmarithError(f"the {name} aligner reads a halted {name} configuration")
    return answer_text(machine(name), config)


def reference_output(fmt: Format, task: str, text: str) -> str:
    """What the reference machine writes for input ``text`` of ``task`` (no prompt suffix)."""
    aligned = aligned_machine(task)
    if aligned is not None:
        return align_next(aligned, text)
    return {"window": window_next, "caef": caef_next}[text_format(fmt).name](text)
