"""`lmarith solve` and `lmarith eval`: bad input is one line on stderr and exit code 2; the
format decides the machines."""

from __future__ import annotations

import json

import pytest

BAD = [
    ("solve", "12+"),
    ("solve", "7//0"),
    ("solve", "1+2", "--model", "/no/such/model"),
    ("solve", "1+2", "--format", "tape"),
    ("solve", "123*456", "--caef-machines", "--format", "caef", "--model", "/no/such/model"),
    ("eval", "--op", "pow"),
    ("eval", "--op", ""),
    ("eval", "--digits", "5,x"),
    ("eval", "--digits", "0"),
    ("eval", "--n", "0"),
    ("eval", "--digits", "2", "--n", "2", "--model", "/no/such/model"),
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(*args)
    assert code == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith("error: ")


@pytest.mark.parametrize("args,machine", [([], "LONG_SUB"), (["--caef-machines"], "SUB")])
def test_solve_uses_the_machines_the_format_decides(args: list[str], machine: str, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("solve", "52-17", "--json", *args)
    assert code == 0, err
    record = json.loads(out)
    assert (record["machine"], record["answer"], record["correct"]) == (machine, "35", True)
