"""Window format and the CAEF template engine: strict parsing of what a model may write."""

import pytest

from lmarith.errors import LmarithError
from lmarith.machines import caef, machine, run, window
from lmarith.machines.core import Call, Command, Op


def test_window_text_is_constant_size_in_the_number_of_digits() -> None:
    m = machine("ADD")
    short = window.transition_texts(run(m.start(12, 34)))
    long = window.transition_texts(run(m.start(10**500 + 12, 10**499 + 34)))
    assert max(len(i) + len(o) for i, o in long) == max(len(i) + len(o) for i, o in short)
    assert long[1] == ("ADD q1 24 C=0", "C=0 OUTPUT+6 >0 >1 q1")


@pytest.mark.parametrize(
    "command",
    [
        Command((Op("set", "C", "0"), Op("move", "0", "1"), Op("move", "1", "-1")), "q1"),
        Command((Op("write", "OUTPUT", "7"), Op("flush", "OUTPUT", "0"), Op("pop", "OUTPUT")), "qH"),
        Command((Op("push", "R", "4"), Op("inc", "D"), Op("set", "LT", "")), "q2"),
        Command((Op("push", "OUTPUT", "0"),), "q2", Call("MUL_DIGIT", ("A", "@0"), "P")),
    ],
)
def test_window_commands_round_trip(command: Command) -> None:
    assert window.parse_command(window.render_command(command)) == command


@pytest.mark.parametrize(
    "text", ["", "q1 C=0", "C=0 OUTPUT+12 q1", "C=0 >x q1", "CALL ADD(A,B)->R CALL ADD(A,B)->R q1", "C=0 !! q1", "C=0"]
)
def test_window_parse_rejects_malformed_model_output(text: str) -> None:
    with pytest.raises(LmarithError):
        window.parse_command(text)


def test_caef_parse_rejects_mutated_lines() -> None:
    text = caef.render(run(machine("ADD").start(345, 678))[2].config)
    good = caef.parse(text)
    assert caef.render(good.config) == text
    for bad in (
        text.replace("[HEAD1]", "[HEAD]"),
        text.replace("|5", "|x"),
        text.replace(", q1", ", q9", 1),
        text.replace("CMD:", "CMD;"),
        text.split("\n")[0],
        text + "\nextra",
    ):
        with pytest.raises(LmarithError):
            caef.parse(bad)


def test_halt_line_only_with_halt_state() -> None:
    halted = caef.render(run(machine("ADD").start(1, 2))[-1].config)
    assert caef.parse(halted).command is None
    state_line, _ = halted.split("\n")
    with pytest.raises(LmarithError, match="halt"):
        caef.parse(state_line + "\nCMD: [C] 0, q1")
