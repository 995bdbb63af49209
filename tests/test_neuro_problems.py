"""lmarith.questions: rules, question sampling, CSV data set and prompts of the neurosymbolic method."""

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmarith.errors import LmarithError
from lmarith.questions.csv_io import COLUMNS, read_csv, write_csv
from lmarith.questions.prompts import chat_messages, parse_answer, worked_solution
from lmarith.questions.question import parse_question, phrasings, sample_questions
from lmarith.questions.rules import FOREIGN, HELD_OUT_TYPES, PROBLEM_TYPES, TRAIN_TYPES, check_types, solve


def test_ten_types_and_the_paper_split() -> None:
    assert len(PROBLEM_TYPES) == 10
    assert set(HELD_OUT_TYPES) == {"addition", "division"}
    assert len(TRAIN_TYPES) == 8 and not set(TRAIN_TYPES) & set(HELD_OUT_TYPES)


@settings(max_examples=200, deadline=None)
@given(a=st.integers(1, 999), b=st.integers(1, 999))
def test_engine_is_exact(a: int, b: int) -> None:
    assert solve("addition", a, b) == a + b
    assert solve("multiplication", a, b) == (a * b) % 1000
    assert solve("multiplication", a, b, mod1000=False) == a * b
    assert solve("division", a, b) == a // b
    assert solve("modulo", a, b) == a % b
    assert solve("gcd", a, b) == math.gcd(a, b)
    assert solve("lcm", a, b) == math.lcm(a, b) % 1000
    assert solve("square_mod", a, b) == (a * a) % b
    assert (solve("bitwise_and", a, b), solve("bitwise_xor", a, b), solve("bitwise_or", a, b)) == (a & b, a ^ b, a | b)


@pytest.mark.parametrize("kind", ["division", "modulo", "square_mod"])
def test_zero_divisor_is_a_clear_error(kind: str) -> None:
    with pytest.raises(LmarithError, match="by zero"):
        solve(kind, 5, 0)


def test_unknown_type_is_rejected() -> None:
    with pytest.raises(LmarithError, match="unknown problem type"):
        solve("power", 2, 3)


def test_generation_is_reproducible_and_respects_options() -> None:
    first = sample_questions(20, TRAIN_TYPES, digits=2, x_greater=True, seed=4)
    assert first == sample_questions(20, TRAIN_TYPES, digits=2, x_greater=True, seed=4)
    assert len(first) == 160
    assert all(1 <= p.y < p.x <= 99 for p in first)
    assert all(p.solution == solve(p.problem_type, p.x, p.y) for p in first)


def test_held_out_phrasings_never_appear_in_training() -> None:
    for kind in PROBLEM_TYPES:
        train, held = set(phrasings(kind, "train")), set(phrasings(kind, "heldout"))
        assert len(train) >= 3 and len(held) >= 2 and not train & held
    for p in sample_questions(30, PROBLEM_TYPES, seed=1):
        assert not any(p.question.startswith(t.format(x=p.x, y=p.y)) for t in phrasings(p.problem_type, "heldout"))


def test_csv_round_trip(tmp_path: Path) -> None:
    problems = sample_questions(3, PROBLEM_TYPES, seed=2)
    write_csv(problems, tmp_path / "d.csv")
    assert (tmp_path / "d.csv").read_text().splitlines()[0] == ",".join(COLUMNS)
    assert read_csv(tmp_path / "d.csv") == problems


def test_bad_csv_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(LmarithError, match="missing column"):
        read_csv(tmp_path / "bad.csv")
    with pytest.raises(LmarithError, match="no such data set"):
        read_csv(tmp_path / "missing.csv")


def test_two_shot_prompt_and_worked_answers() -> None:
    problem = sample_questions(1, ["gcd"], seed=0)[0]
    messages = chat_messages(problem)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages == chat_messages(problem)  # the shots are fixed per question
    assert messages[-1]["content"] == problem.question
    assert messages[2]["content"].isdigit()
    cot = chat_messages(problem, cot=True)
    assert "Final Answer:" in cot[2]["content"]
    for p in sample_questions(5, PROBLEM_TYPES, seed=3):
        assert parse_answer(worked_solution(p), cot=True) == p.solution


def test_foreign_negatives_are_internal_and_name_no_known_operation() -> None:
    with pytest.raises(LmarithError, match="unknown problem type"):
        check_types([FOREIGN])  # users cannot train on or ask for it
    negatives = sample_questions(30, (FOREIGN,), seed=1)
    assert {p.problem_type for p in negatives} == {FOREIGN}
    words = {w.strip("?.,{}").lower() for t in phrasings(FOREIGN) for w in t.split()}
    known = {w.strip("?.,{}").lower() for t in PROBLEM_TYPES for q in phrasings(t, "all") for w in q.split()}
    assert not {"zorp", "@", "frimble", "vext"} & known and {"zorp", "@"} <= words
    assert chat_messages(negatives[0])[1]["content"] != negatives[0].question  # shots work for them too
    # training negatives never carry a held-out frame: it would teach the gate to shut on held-out wordings
    assert not set(phrasings(FOREIGN, "train")) & set(phrasings(FOREIGN, "heldout"))
    assert "What's {x} choose {y}?" not in phrasings(FOREIGN) and "Compute {x} choose {y}." in phrasings(FOREIGN)


def test_our_extra_types_answer_and_read_back_but_stay_out_of_the_paper_setting() -> None:
    from lmarith.questions.rules import ALL_TYPES, EXTRA_TYPES

    assert solve("subtraction", 5, 12) == -7 and solve("comparison", 12, 5) == 1 and solve("comparison", 5, 5) == 0
    assert set(EXTRA_TYPES) <= set(ALL_TYPES) and not set(EXTRA_TYPES) & set(PROBLEM_TYPES + TRAIN_TYPES)
    for q in sample_questions(20, EXTRA_TYPES, phrasing="all", seed=9):
        read = parse_question(q.question)
        assert read is not None and (read.problem_type, read.x, read.y, read.solution) == (
            q.problem_type,
            q.x,
            q.y,
            q.solution,
        ), q.question
