"""Problem parsing, operator table and the generated data sets."""

import pytest

from lmarith.data import class_size, classes, executor_samples, in_test_split, problems, sample_problems
from lmarith.errors import LmarithError
from lmarith.machines.problems import MAX_DIGITS, operator, parse_problem


@pytest.mark.parametrize(
    "text,message",
    [
        ("12+", "cannot read"),
        ("-5+3", "non-negative"),
        ("5+-3", "non-negative"),
        ("7//0", "division by zero"),
        ("ab+1", "not a non-negative"),
        ("1" * (MAX_DIGITS + 1) + "+1", "limit"),
        ("3**4", "not a non-negative"),
        ("3%4", "cannot read"),
    ],
)
def test_bad_problems_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(LmarithError, match=message):
        parse_problem(text)


def test_problem_forms() -> None:
    p = parse_problem(" 45263 == 45263 = ")
    assert (p.a, p.op.name, p.b, p.prompt(), p.answer()) == (45263, "eq", 45263, "45263==45263=", "True")
    assert parse_problem("5-9").answer() == "-4"
    assert operator("//") is operator("div")
    with pytest.raises(LmarithError, match="unknown operator"):
        operator("pow")


def test_caef_loop_machines_refuse_huge_loop_counts() -> None:
    with pytest.raises(LmarithError, match="--long"):
        parse_problem("12*1000000").start(long=False)


def test_train_and_test_never_share_a_pair() -> None:
    train = {(p.a, p.b) for _, p in problems("add", 1, 3, 50, "train", seed=0)}
    test = {(p.a, p.b) for _, p in problems("add", 1, 3, 50, "test", seed=0)}
    assert train and test and not train & test
    assert all(in_test_split("add", a, b) for a, b in test)
    assert not any(in_test_split("add", a, b) for a, b in train)


def test_class_counts_follow_the_balancing_rule() -> None:
    counts: dict[tuple[int, int], int] = {}
    for cls, _ in problems("add", 4, 6, 12, "train"):
        counts[cls] = counts.get(cls, 0) + 1
    assert counts == {c: class_size(12, *c) for c in classes(operator("add"), 4, 6)}
    assert class_size(12, 4, 4) == 12 and class_size(12, 4, 6) == 6 and class_size(12, 2, 2) == 24
    assert class_size(1000, 1, 1) == 45  # capped by the distinct pairs of the class


def test_executor_samples_subsample_long_traces() -> None:
    source = iter([((20, 20), parse_problem("9" * 20 + "+" + "1" * 20))])
    samples = list(executor_samples("add", source, "window", per_trace=3))
    assert len(samples) == 5
    assert samples[0].input == "ADD q0 __ C=" and samples[-1].output.endswith("qH")


def test_sample_problems_has_the_asked_size_and_digits() -> None:
    ps = sample_problems("gt", 10, 30)
    assert len(ps) == 30 and all(len(str(p.a)) == len(str(p.b)) == 10 for p in ps)
    assert all(p.a >= p.b for p in sample_problems("sub", 5, 20))
