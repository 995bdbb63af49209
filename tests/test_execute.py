"""The driver with the oracle and with policies that corrupt it: no model needed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmarith.data import sample_problems
from lmarith.errors import LmarithError
from lmarith.executors import Completion, OraclePolicy, Request, execute, pair, prompt, reference_output
from lmarith.machines import caef, machine, machine_runs, run, window
from lmarith.machines.problems import OPERATORS, Problem, operator, parse_problem
from lmarith.machines.window import parse_view

OPS = [op.name for op in OPERATORS]


def mixed(long: bool, lengths: tuple[int, ...] = (1, 2, 4)) -> list[Problem]:
    return [p for op in OPS for d in lengths for p in sample_problems(op, d, 3, seed=7, long=long)]


class Corrupting(OraclePolicy):
    """The oracle, with ``rewrite(request, text)`` applied to every answer."""

    def __init__(self, fmt: str, rewrite: Callable[[Request, str], str]) -> None:
        super().__init__(fmt)  # type: ignore[arg-type]
        self.rewrite = rewrite
        self.batches: list[list[str]] = []

    def complete(self, adapter: str | None, requests: list[Request], max_new_tokens: int) -> list[Completion]:
        self.batches.append([r.task for r in requests])
        out = super().complete(adapter, requests, max_new_tokens)
        return [Completion(self.rewrite(r, c.text), c.tokens) for r, c in zip(requests, out)]


@pytest.mark.parametrize("fmt", ["window", "caef"])
@pytest.mark.parametrize("long", [False, True], ids=["caef-machines", "long-machines"])
def test_oracle_solves_a_mixed_batch_of_every_operator(fmt: str, long: bool) -> None:
    problems = mixed(long)
    results = execute(problems, OraclePolicy(fmt), fmt=fmt, long=long)  # type: ignore[arg-type]
    assert {r.machine for r in results} >= ({"SUB", "MUL", "DIV"} if not long else {"LONG_SUB", "LONG_MUL", "LONG_DIV"})
    for r in results:
        assert (r.answer, r.reason) == (r.problem.answer(), None), r.problem
        assert r.correct and r.strict and r.calls > 0 and r.tokens > r.calls
        assert (r.outcome, r.deviation) == ("exact", None)


def test_oracle_counts_the_reference_transitions() -> None:
    problem = parse_problem("345+678")
    [result] = execute([problem], OraclePolicy("window"), fmt="window")
    assert result.calls == 5  # max(len a, len b) + 2


@pytest.mark.parametrize("problem", ["47819-12345", "1234*13", "987//321", "5*3"])
def test_caef_aligners_and_composite_calls(problem: str) -> None:
    parsed = parse_problem(problem)
    [result] = execute([parsed], OraclePolicy("caef"), fmt="caef", align=True, trace=True)
    assert result.correct and result.strict, result.reason
    tasks = [step.task for step in result.trace]
    assert tasks[0] == tasks[-1] == f"ALIGN_{parsed.machine_name()}"
    assert result.trace[-1].output == f"{problem}={parsed.answer()}"
    assert max(step.depth for step in result.trace) == 1  # the callees ran


def test_every_depth_and_operator_advances_in_the_same_tick() -> None:
    """With one adapter for everything, each tick is ONE policy call over all active problems."""

    class OneAdapter(Corrupting):
        def adapter_for(self, request: Request) -> str | None:
            return None

    policy = OneAdapter("window", lambda r, text: text)
    results = execute(mixed(True), policy, fmt="window", long=True)
    assert all(r.correct for r in results)
    assert len(policy.batches) == max(r.calls for r in results)  # one call per tick
    assert any(len(set(batch)) >= 4 for batch in policy.batches)  # machines at several depths together


def test_unparseable_output_fails_that_problem_only() -> None:
    problems = [parse_problem("123+456"), parse_problem("12*34")]
    policy = Corrupting("window", lambda r, text: "garbage!" if r.task == "MUL_DIGIT" else text)
    add, mul = execute(problems, policy, fmt="window", long=True)
    assert add.correct and add.strict
    assert mul.answer is None and not mul.correct and not mul.strict
    assert "MUL_DIGIT" in mul.reason and "garbage!" in mul.reason
    assert (add.outcome, mul.outcome) == ("exact", "bad output")
    assert mul.deviation is not None and "(MUL_DIGIT), line 1: wrote 'garbage!', not '" in mul.deviation


@pytest.mark.parametrize(
    "fmt, bad",
    [
        ("caef", "ADD, q1, nonsense\nCMD: q1"),
        ("caef", "one line"),
        ("window", "C=1 OUTPUT+2"),
        ("window", "Q=1 q1"),
        ("window", ">7 q1"),
        ("window", "CALL NOPE(A)->B q1"),
    ],
)
def test_malformed_steps_are_recorded_never_raised(fmt: str, bad: str) -> None:
    policy = Corrupting(fmt, lambda r, text: bad if r.text.startswith(("ADD, q1", "ADD q1")) else text)
    [result] = execute([parse_problem("57+68")], policy, fmt=fmt)  # type: ignore[arg-type]
    assert result.reason is not None and result.reason.startswith("step 2 (ADD)")
    assert not result.correct and not result.strict


def test_a_step_no_adapter_serves_fails_its_problem() -> None:
    class AddOnly(Corrupting):
        def adapter_for(self, request: Request) -> str | None:
            if request.task != "ADD":
                raise LmarithError(f"no adapter for {request.task}")
            return "ADD"

    add, mul = execute([parse_problem("1+2"), parse_problem("3*4")], AddOnly("window", lambda r, t: t), long=True)
    assert add.correct and mul.reason == "no adapter for LONG_MUL" and mul.outcome == "no adapter"


def test_step_cap_stops_a_looping_policy() -> None:
    policy = Corrupting("window", lambda r, text: "q1")  # never moves, never halts
    [result] = execute([parse_problem("1+1")], policy, fmt="window", max_steps=25)
    assert result.calls == 25 and result.reason == "step cap of 25 reached" and result.outcome == "step cap"


def test_default_step_cap_is_twice_the_reference() -> None:
    [result] = execute([parse_problem("99+1")], Corrupting("window", lambda r, text: "q1"), fmt="window")
    assert result.calls == 2 * 4 + 16


def test_strict_and_final_differ_when_a_policy_deviates_but_recovers() -> None:
    """Moves written in another order (window), or command items reordered (CAEF: the next step
    reads only the state line), change the text but not the computation."""

    def swap_window(request: Request, text: str) -> str:
        return text.replace(">0 >1", ">1 >0")

    def swap_caef(request: Request, text: str) -> str:
        return text.replace("[HEAD1] RIGHT, [HEAD2] RIGHT", "[HEAD2] RIGHT, [HEAD1] RIGHT")

    for fmt, rewrite in (("window", swap_window), ("caef", swap_caef)):
        [result] = execute([parse_problem("456+789")], Corrupting(fmt, rewrite), fmt=fmt)  # type: ignore[arg-type]
        assert result.correct and not result.strict and result.reason is None
        assert result.outcome == "recovered" and result.deviation is not None


def test_a_wrong_digit_gives_a_wrong_answer_not_a_failure() -> None:
    policy = Corrupting("window", lambda r, text: text.replace("OUTPUT+7", "OUTPUT+8"))
    [result] = execute([parse_problem("3+4")], policy, fmt="window")
    assert result.answer == "8" and not result.correct and result.reason is None
    assert result.outcome == "wrong answer"
    assert result.deviation is not None and result.deviation.startswith("step 2 (ADD), line 1: wrote '")
    assert "OUTPUT+8" in result.deviation and "OUTPUT+7" in result.deviation


def test_a_caef_deviation_names_the_line_that_went_wrong() -> None:
    """A CAEF step is a whole configuration: the deviation points at the state line (line 1)
    or the command line (line 2), and a missing line is named as missing."""
    policy = Corrupting("caef", lambda r, text: text.replace("[C]1", "[C]0", 1) if "[C]1" in text else text)
    [result] = execute([parse_problem("9+9")], policy, fmt="caef")
    assert result.outcome == "wrong answer" and result.answer == "8" and result.deviation is not None  # the carry lost
    assert ", line 1: wrote '" in result.deviation and "[C]0" in result.deviation
    assert result.deviated_at == "ADD line 1"
    truncated = Corrupting("caef", lambda r, text: text.split("\n")[0])
    [result] = execute([parse_problem("1+2")], truncated, fmt="caef")
    assert (
        result.outcome == "bad output" and result.deviation is not None and "line 2: wrote no line" in result.deviation
    )
    assert result.deviated_at == "ADD line 2"


def test_broken_aligner_output_fails() -> None:
    policy = Corrupting("caef", lambda r, text: "no equals sign" if "=" in text and "\n" not in text else text)
    [result] = execute([parse_problem("3+4")], policy, fmt="caef", align=True)
    assert result.reason is not None and "aligner" in result.reason


def test_align_is_a_caef_concept() -> None:
    with pytest.raises(LmarithError, match="CAEF"):
        execute([parse_problem("3+4")], OraclePolicy("window"), fmt="window", align=True)


def test_reference_equals_the_training_data() -> None:
    """The oracle (and strict scoring) write exactly what the data module trains on."""
    for text in ("4321-987", "1234*56", "9876//43", "777==777", "12>121"):
        for long in (False, True):
            problem = parse_problem(text)
            for steps in machine_runs(run(problem.start(long))):
                for source, target in window.transition_texts(steps):
                    assert reference_output("window", steps[0].config.machine, source) == target
                for source, target in caef.transition_texts(steps):
                    assert reference_output("caef", steps[0].config.machine, source) == target


def test_parse_view_inverts_render_view() -> None:
    for problem in ("1234*56", "9876//43", "4321-987"):
        for step in run(parse_problem(problem).start(long=True)):
            m = machine(step.config.machine)
            assert parse_view(window.render_view(m.view(step.config))) == m.view(step.config)


def test_prompt_contract() -> None:
    assert prompt("ADD q1 47 C=1") == "ADD q1 47 C=1\n"
    assert pair("ADD q1 47 C=1", "C=1 OUTPUT+2 >0 >1 q1") == ("ADD q1 47 C=1\n", "C=1 OUTPUT+2 >0 >1 q1")


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(OPS),
    st.integers(0, 10**8),
    st.integers(0, 10**8),
    st.sampled_from(["window", "caef"]),
)
def test_oracle_matches_python_on_schoolbook_machines(op: str, a: int, b: int, fmt: str) -> None:
    if op == "div":
        b = b or 1
    problem = Problem(a, operator(op), b)
    [result] = execute([problem], OraclePolicy(fmt), fmt=fmt, long=True)  # type: ignore[arg-type]
    assert result.answer == problem.answer() and result.strict
