"""One soundness check for any machine run, shared by the machine tests."""

from lmarith.machines import apply, caef, machine, walk, window
from lmarith.machines.core import Transition, call_operands


def _hidden_blanked(config):  # type: ignore[no-untyped-def]
    m = caef.caef_machine(config.machine)
    hidden = set(m.registers) - m.shown_registers(config.state)
    for name in hidden:
        config = config.with_reg(name, "")
    return config


def _check_pairs(steps: list[Transition]) -> None:
    """Every 2- or 4-line transition text parses back to the configurations it came from."""
    for (source, target), prev, step in zip(caef.transition_texts(steps), steps, steps[1:]):
        assert caef.parse_block(source)[0].config == prev.config
        frames = caef.parse_block(target)
        assert frames[0].config == step.config
        if step.callee:
            assert frames[1].config == step.callee[0].config
    for step in steps:
        if step.callee:
            _check_pairs(step.callee)


def assert_sound(steps: list[Transition]) -> None:
    """Both text formats round-trip every configuration and command of the run (callees
    included), and applying each command to its configuration gives the next one."""
    for step in walk(steps):
        text = caef.render(step.config)
        frame = caef.parse(text)
        # exact, except SUB's hidden running value (restored from 4-line blocks below)
        assert frame.config == _hidden_blanked(step.config)
        assert caef.render(frame.config) == text
        if step.command is not None:
            assert window.parse_command(window.render_command(step.command)) == step.command
            assert frame.command is not None and frame.command.next_state == step.command.next_state
    _check_pairs(steps)
    for seq in [steps] + [s.callee for s in walk(steps) if s.callee]:
        for prev, nxt in zip(seq, seq[1:]):
            returned = None
            if prev.command.call is not None:
                callee = machine(prev.command.call.machine)
                assert prev.callee[0].config == callee.start(*call_operands(prev.config, prev.command.call))
                returned = callee.result(prev.callee[-1].config)
            assert apply(prev.config, prev.command, returned) == nxt.config
