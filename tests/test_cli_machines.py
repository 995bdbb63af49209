"""`lmarith trace` and `lmarith generate` as a user runs them."""

import json

import pytest


def test_trace_prints_the_caef_trace_and_the_answer(cli) -> None:  # type: ignore[no-untyped-def]
    code, stdout, _ = cli("trace", "345+678", "--format", "caef")
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0] == "ADD, q0, [HEAD1] |5|4|3[HEAD2] |8|7|6 [C] [OUTPUT]"
    assert lines[-1] == "1023"


def test_trace_defaults_to_solves_window_format(cli) -> None:  # type: ignore[no-untyped-def]
    """What a window-format model reads -> the command it writes, callees indented; the
    schoolbook machines, so a negative difference is an answer, not an error."""
    code, stdout, stderr = cli("trace", "3-5")
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[0].startswith("LONG_SUB q0 ") and "  ->  " in lines[0]
    assert any(line.startswith("    ") for line in lines)  # a callee
    assert lines[-2].startswith("# LONG_SUB: ") and lines[-1] == "-2"


def test_trace_window_json_long(cli) -> None:  # type: ignore[no-untyped-def]
    _, stdout, _ = cli("trace", "123*45", "--format", "window", "--json", "--long")
    record = json.loads(stdout)
    assert record["answer"] == "5535" and record["machine"] == "LONG_MUL"
    assert record["steps"][0] == {
        "depth": 0,
        "machine": "LONG_MUL",
        "state": "q0",
        "input": "LONG_MUL q0 _",
        "output": "OUTPUT=0 >0 q1",
    }


@pytest.mark.parametrize(
    "problem",
    ["12+", "-5+3", "7//0", "abc+1", "1" * 100_000 + "+1", "3^4"],
    ids=["incomplete", "negative", "div0", "letters", "huge", "unknown-op"],
)
def test_bad_input_is_one_line_and_exit_2(cli, problem: str) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr = cli("trace", problem)
    assert code == 2
    assert stdout == "" and len(stderr.strip().splitlines()) == 1
    assert stderr.startswith("error: ") and "Traceback" not in stderr


def test_generate_writes_the_file_and_a_summary(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "add.json"
    code, stdout, stderr = cli(
        "generate",
        "executor",
        "--op",
        "add",
        "--min",
        "1",
        "--max",
        "2",
        "--num",
        "5",
        "--split",
        "train",
        "--out",
        str(path),
        "--format",
        "window",
    )
    assert code == 0, stderr
    records = json.loads(path.read_text())
    assert set(records[0]) == {"instruction", "input", "output"}
    assert "total" in stdout and str(len(records)) in stdout


def test_generate_rejects_unknown_operator(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, _, stderr = cli("generate", "raw", "--op", "pow", "--out", str(tmp_path / "x"))
    assert code == 2 and "unknown operator" in stderr


@pytest.mark.parametrize(
    "args,machine",
    [
        (["--format", "window"], "LONG_MUL"),  # the window format runs the schoolbook machines
        (["--format", "caef"], "MUL"),  # the paper's format runs the paper's machines
        ([], "LONG_MUL"),  # trace's default format is solve's: window
        (["--format", "window", "--caef-machines"], "MUL"),
        (["--format", "caef", "--long"], "LONG_MUL"),
    ],
)
def test_the_format_decides_the_machines_unless_told(cli, args: list[str], machine: str) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr = cli("trace", "12*34", "--json", *args)
    assert code == 0, stderr
    assert json.loads(stdout)["machine"] == machine


def test_generate_follows_the_same_machine_rule(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mul.jsonl"
    code, _, stderr = cli(
        "generate",
        "executor",
        "--op",
        "mul",
        "--min",
        "1",
        "--max",
        "1",
        "--num",
        "2",
        "--split",
        "test",
        "--out",
        str(path),
        "--format",
        "window",
    )
    assert code == 0, stderr
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert any(row["prompt"].startswith("LONG_MUL") for row in rows)
    assert not any(row["prompt"].startswith("MUL ") for row in rows)
