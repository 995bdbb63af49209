"""`lmarith solve` and `lmarith eval`: bad input is one line on stderr and exit code 2; the
format decides the machines."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert (record["outcome"], record["deviation"]) == ("exact", None)


@pytest.mark.parametrize("part", ["executor", "aligner-in", "aligner-out", "all"])
def test_eval_parts_give_rows_per_part(part: str, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The paper's harness parts, on the window-trained default (which cannot write CAEF text:
    the rows exist and score 0, nothing crashes)."""
    from lmarith.models import default_model_dir

    path = tmp_path / "rows.json"
    code, _, err = cli(
        "eval",
        "--op",
        "add",
        "--digits",
        "2",
        "--n",
        "3",
        "--format",
        "caef",
        "--part",
        part,
        "--model",
        str(default_model_dir()),
        "--json",
        str(path),
    )
    assert code == 0, err
    [row] = json.loads(path.read_text())
    assert row["part"] == part and row["n"] == 3 and row["final_accuracy"] == 0.0
    if part.startswith("aligner"):  # the first miss names what was written and what was due
        assert "wrote" in row["first_failure"] and "not" in row["first_failure"]
    else:  # how each problem ended, and where the first miss left the machine
        assert sum(row["outcomes"].values()) == 3 and "exact" not in row["outcomes"]
        first = "ALIGN_ADD" if part == "all" else "ADD"  # the LM aligner writes the first configuration
        assert row["first_deviation"].startswith(f"step 1 ({first})") and row["deviations"] == {f"{first} line 1": 3}


def test_aligner_parts_score_the_reference_as_exact() -> None:
    from lmarith.evaluation.executor_eval import evaluate_aligner, grid
    from lmarith.executors import OraclePolicy

    cells = grid(["sub", "gt"], [3], 4, 0, False)
    for part in ("aligner-in", "aligner-out"):
        rows = evaluate_aligner(OraclePolicy("caef"), cells, long=False, part=part)  # type: ignore[arg-type]
        assert [r["final_accuracy"] for r in rows] == [1.0, 1.0]


@pytest.mark.parametrize("args", [("--part", "bogus", "--format", "caef"), ("--part", "aligner-in")])
def test_eval_part_bad_input(args: tuple[str, ...], cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("eval", "--op", "add", "--digits", "2", "--n", "2", *args)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_eval_runs_a_mixed_expression_set(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``--op expr`` (issue 48): expressions of three or four numbers, every operation a
    machine call of the embedded default, beside single operations in one report."""
    out = tmp_path / "rows.json"
    code, _, err = cli("eval", "--op", "expr,add", "--digits", "3", "--n", "4", "--json", str(out))
    assert code == 0, err
    rows = {row["op"]: row for row in json.loads(out.read_text())}
    assert rows["expr"]["n"] == 4 and rows["expr"]["final_accuracy"] == 1.0
    assert rows["expr"]["calls_per_problem"] > 2 * rows["add"]["calls_per_problem"]  # several machine runs each
    code, _, err = cli("eval", "--op", "expr", "--format", "caef", "--part", "aligner-in", "--n", "2")
    assert code == 2 and "--op expr" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("problem", ["12*34", "123*45", "55987//25", "1234567890123+1"])
def test_the_caef_model_refuses_operands_outside_its_training_before_running(cli, problem: str) -> None:  # type: ignore[no-untyped-def]
    """The embedded CAEF-format model records the operands it was trained on: outside them
    `solve` says so in one line (exit 2) instead of failing at some step."""
    code, _, err = cli("solve", "--format", "caef", problem)
    assert code == 2 and "trained on" in err and "--format window" in err and len(err.strip().splitlines()) == 1


def test_the_caef_model_still_solves_inside_its_range(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("solve", "--format", "caef", "12*5")
    assert code == 0 and out.strip().splitlines()[-1] == "60", err
