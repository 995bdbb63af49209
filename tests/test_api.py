"""The Python API: `from lmarith import solve`, light to import, the model loaded once."""

from __future__ import annotations

import subprocess
import sys

import pytest

import lmarith
from lmarith import api
from lmarith.errors import LmarithError


def test_import_lmarith_is_light() -> None:
    code = (
        "import sys, lmarith\n"
        "heavy = [m for m in ('numpy', 'torch', 'transformers', 'peft', 'typer') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "from lmarith import ask, solve\n"
        "assert 'torch' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_solve_returns_the_answer_the_check_and_the_steps() -> None:
    api.policy.cache_clear()
    result = lmarith.solve("98765-4321")
    assert (result.answer, result.correct, result.strict) == (str(98765 - 4321), True, True)
    assert len(result.trace) == result.calls > 5 and result.seconds > 0
    first = result.trace[0]
    assert first.input.startswith("LONG_SUB") and first.output  # what the model read and wrote
    again = lmarith.solve("12*34")
    assert again.answer == "408"
    assert api.policy.cache_info().misses == 1  # one model load for both calls


def test_solve_refuses_bad_input_before_loading() -> None:
    api.policy.cache_clear()
    with pytest.raises(LmarithError, match="cannot read"):
        lmarith.solve("12+")
    with pytest.raises(LmarithError, match="unknown format"):
        lmarith.solve("1+2", fmt="text")  # type: ignore[arg-type]
    assert api.policy.cache_info().misses == 0
    with pytest.raises(LmarithError, match="empty"):
        lmarith.ask("  ")
    assert api.policy.cache_info().misses == 0
    with pytest.raises(AttributeError):
        lmarith.no_such_name  # noqa: B018


def test_ask_needs_a_question_aligner(gpt2_dir) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LmarithError, match="no question aligner"):
        lmarith.ask("What is 1 plus 2?", model=str(gpt2_dir))


def test_trace_is_the_reference_run_in_the_format_solve_uses() -> None:
    window = api.trace("12*34")
    assert (window.machine, window.answer, window.fmt) == ("LONG_MUL", "408", "window")
    rows = list(window.rows())
    assert rows[0] == {
        "depth": 0,
        "machine": "LONG_MUL",
        "state": "q0",
        "input": "LONG_MUL q0 _",
        "output": "OUTPUT=0 >0 q1",
    }
    assert max(row["depth"] for row in rows) == 1  # the callees, in place
    assert next(window.lines()).startswith("LONG_MUL q0 _  ->  ")
    caef = api.trace("345+678", fmt="caef")
    assert caef.machine == "ADD" and set(next(caef.rows())) == {"depth", "machine", "state", "text"}
    assert next(caef.lines()).startswith("ADD, q0, [HEAD1] |5|4|3[HEAD2] |8|7|6 [C] [OUTPUT]")
    assert api.trace("12*34", fmt="caef", long=True).machine == "LONG_MUL"
    with pytest.raises(LmarithError, match="non-negative"):
        api.trace("-5+3")


def test_solve_reports_progress_in_steps_against_the_reference_count() -> None:
    from lmarith import api

    seen: list[tuple[int, int]] = []
    result = api.solve("4817*9023", on_step=lambda done, expected: seen.append((done, expected)))
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and dones[-1] == result.calls  # one report per tick, steps so far
    assert {e for _, e in seen} == {result.calls} and result.strict  # exact: as many steps as the reference
