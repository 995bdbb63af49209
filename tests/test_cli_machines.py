"""`lmarith trace` and `lmarith generate` as a user runs them."""

import json
import subprocess
import sys

import pytest


def lmarith(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from lmarith.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120)


def test_trace_prints_the_caef_trace_and_the_answer() -> None:
    out = lmarith("trace", "345+678")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0] == "ADD, q0, [HEAD1] |5|4|3[HEAD2] |8|7|6 [C] [OUTPUT]"
    assert lines[-1] == "1023"


def test_trace_window_json_long() -> None:
    out = lmarith("trace", "123*45", "--format", "window", "--json", "--long")
    record = json.loads(out.stdout)
    assert record["answer"] == "5535" and record["machine"] == "LONG_MUL"
    assert record["steps"][0] == {"depth": 0, "machine": "LONG_MUL", "state": "q0", "input": "LONG_MUL q0 _",
                                  "output": "OUTPUT=0 >0 q1"}


@pytest.mark.parametrize(
    "problem", ["12+", "-5+3", "7//0", "abc+1", "1" * 100_000 + "+1", "3^4"],
    ids=["incomplete", "negative", "div0", "letters", "huge", "unknown-op"],
)
def test_bad_input_is_one_line_and_exit_2(problem: str) -> None:
    out = lmarith("trace", problem)
    assert out.returncode == 2
    assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr


def test_generate_writes_the_file_and_a_summary(tmp_path) -> None:
    path = tmp_path / "add.json"
    out = lmarith("generate", "executor", "--op", "add", "--min", "1", "--max", "2", "--num", "5",
                  "--split", "train", "--out", str(path), "--format", "window")
    assert out.returncode == 0, out.stderr
    records = json.loads(path.read_text())
    assert set(records[0]) == {"instruction", "input", "output"}
    assert "total" in out.stdout and str(len(records)) in out.stdout


def test_generate_rejects_unknown_operator(tmp_path) -> None:
    out = lmarith("generate", "raw", "--op", "pow", "--out", str(tmp_path / "x"))
    assert out.returncode == 2 and "unknown operator" in out.stderr
