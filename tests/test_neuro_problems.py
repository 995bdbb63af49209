"""lmarith.questions: rules, question sampling, CSV data set and prompts of the neurosymbolic method."""

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


def _gcd_by_subtraction(a: int, b: int) -> int:
    """Euclid's original: subtract the smaller from the larger until they meet."""
    while a != b:
        a, b = (a - b, b) if a > b else (a, b - a)
    return a


def _divmod_by_subtraction(a: int, b: int) -> tuple[int, int]:
    quotient = 0
    while a >= b:
        a, quotient = a - b, quotient + 1
    return quotient, a


def _product_by_addition(a: int, b: int) -> int:
    total = 0
    for _ in range(b):
        total += a
    return total


def _bits(n: int) -> list[int]:
    """Binary digits, least significant first, by halving."""
    out = []
    while n:
        out.append(n - 2 * (n // 2))
        n //= 2
    return out


def _bitwise(a: int, b: int, table: dict[tuple[int, int], int]) -> int:
    """A bitwise operation digit by digit from its truth table."""
    x, y = _bits(a), _bits(b)
    width = max(len(x), len(y))
    x, y = x + [0] * (width - len(x)), y + [0] * (width - len(y))
    return sum(table[p, q] * 2**i for i, (p, q) in enumerate(zip(x, y)))


AND = {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 1}
OR = {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 1}
XOR = {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0}


def _last_three_digits(n: int) -> int:
    return int(str(n)[-3:])


@settings(max_examples=200, deadline=None)
@given(a=st.integers(1, 999), b=st.integers(1, 999))
def test_engine_is_exact(a: int, b: int) -> None:
    """Each type against a definition written here without the operator it names, or a
    property that pins the answer down."""
    product = _product_by_addition(a, b)
    assert solve("addition", a, b) - b == a and solve("addition", a, b) - a == b
    assert solve("multiplication", a, b, mod1000=False) == product
    assert solve("multiplication", a, b) == _last_three_digits(product)
    assert (solve("division", a, b), solve("modulo", a, b)) == _divmod_by_subtraction(a, b)
    q, r = solve("division", a, b), solve("modulo", a, b)
    assert a == q * b + r and 0 <= r < b
    gcd = solve("gcd", a, b)
    assert gcd == _gcd_by_subtraction(a, b)
    assert _divmod_by_subtraction(a, gcd)[1] == _divmod_by_subtraction(b, gcd)[1] == 0  # divides both
    assert all(gcd % d == 0 for d in range(1, min(a, b) + 1) if a % d == 0 and b % d == 0)  # the greatest
    lcm = product // gcd
    assert lcm % a == 0 and lcm % b == 0 and product % lcm == 0  # a multiple of both, dividing a*b
    assert solve("lcm", a, b, mod1000=False) == lcm and solve("lcm", a, b) == _last_three_digits(lcm)
    assert 0 <= solve("lcm", a, b) < 1000 and 0 <= solve("multiplication", a, b) < 1000
    square_mod = solve("square_mod", a, b)
    assert 0 <= square_mod < b and (_product_by_addition(a, a) - square_mod) % b == 0
    assert solve("bitwise_and", a, b) == _bitwise(a, b, AND)
    assert solve("bitwise_or", a, b) == _bitwise(a, b, OR)
    assert solve("bitwise_xor", a, b) == _bitwise(a, b, XOR)


def test_the_independent_definitions_agree_with_known_values() -> None:
    """The definitions above, on values worked by hand: 84 = 1010100b, 126 = 1111110b."""
    assert _gcd_by_subtraction(84, 126) == 42 and _divmod_by_subtraction(126, 84) == (1, 42)
    assert _product_by_addition(25, 48) == 1200 and _last_three_digits(1200) == 200 and _last_three_digits(7) == 7
    assert (_bitwise(84, 126, AND), _bitwise(84, 126, OR), _bitwise(84, 126, XOR)) == (84, 126, 42)
    assert solve("lcm", 84, 126) == 252 and solve("square_mod", 12, 7) == 4


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
