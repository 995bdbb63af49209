"""lmarith.questions: every answer parser, the phrasings read back, and no torch anywhere."""

import subprocess
import sys

import pytest

from lmarith.questions.prompts import (
    FINAL,
    SYSTEM_CHAT,
    chat_messages,
    cot_prefix,
    fixed_messages,
    parse_answer,
    protocol_messages,
    worked_solution,
)
from lmarith.questions.question import MOD_SUFFIX, parse_question, phrasings, sample_questions
from lmarith.questions.rules import FOREIGN, PROBLEM_TYPES, solve


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("42", 42),
        (" 42\n", 42),
        ("The answer is 42.", 42),
        ("-7", -7),
        ("12 then 13", None),  # two integers, neither given as the answer: no guess
        ("x=007", 7),
        ("no number here", None),
        ("", None),
        ("Final Answer: 5", 5),
        ("The gcd of 84 and 126 is 12", 12),  # the answer, not the first number
        ("The gcd of 84 and 126 is 12.", 12),
        ("512 * 384 = 196608", 196608),
        ("512 * 384 = ...", None),  # the operands are not the answer
        ("So 7 + 5 equals 12, I think.", 12),
        ("The result is 12,345.", None),  # a digit group is not cut into an answer
    ],
)
def test_plain_replies_give_the_integer_given_as_the_answer(reply: str, answer: int | None) -> None:
    assert parse_answer(reply) == answer


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("12 mod 5 = 2.\nFinal Answer: 2", 2),
        ("step 5, step 6\nFinal Answer: 9", 9),
        ("Final Answer: -3", -3),
        ("final answer: 8", 8),
        ("FINAL ANSWER:   11", 11),
        ("Final Answer:4 and then 5", 4),
        ("5 + 6 = 11", None),
        ("Final Answer: none", None),
        ("", None),
    ],
)
def test_chain_of_thought_replies_give_the_integer_after_final_answer(reply: str, answer: int | None) -> None:
    assert parse_answer(reply, cot=True) == answer


@pytest.mark.parametrize(
    ("reply", "prefix"),
    [
        ("a b\nFinal Answer: 9", "a b\nFinal Answer: "),
        ("a b final answer: 9 Final Answer: 10", "a b Final Answer: "),  # the first marker, in our casing
        ("a b  \n", "a b\nFinal Answer: "),  # never got there: the marker is appended
        ("", "\nFinal Answer: "),
    ],
)
def test_cot_prefix_stops_at_the_models_own_final_answer(reply: str, prefix: str) -> None:
    assert cot_prefix(reply) == prefix


def test_worked_solutions_are_read_back_by_the_cot_parsers() -> None:
    for q in sample_questions(3, PROBLEM_TYPES, seed=3):
        solution = worked_solution(q)
        assert solution.splitlines()[-1] == f"{FINAL} {q.solution}"
        assert parse_answer(solution, cot=True) == q.solution
        assert cot_prefix(solution) + str(q.solution) == solution


def test_every_phrasing_is_read_back() -> None:
    for kind in PROBLEM_TYPES:
        for mod in (False, True) if kind in ("multiplication", "lcm") else (False,):
            for template in phrasings(kind, "all", mod1000=mod):
                text = template.format(x=37, y=12)
                q = parse_question(text)
                assert q is not None, text
                assert (q.problem_type, q.x, q.y, q.question) == (kind, 37, 12, text)
                assert q.solution == solve(kind, 37, 12, mod1000=mod) and q.mod1000 == mod, text


def test_sampled_questions_with_filler_punctuation_and_casing_are_read_back() -> None:
    for q in sample_questions(40, PROBLEM_TYPES, phrasing="all", seed=9):
        got = parse_question(q.question)
        assert got is not None and (got.problem_type, got.x, got.y, got.solution) == (
            q.problem_type,
            q.x,
            q.y,
            q.solution,
        ), q.question


def test_what_is_not_one_of_our_questions_is_not_read() -> None:
    typed = parse_question("what is   the GCD of 12 and 8? ")  # any case and spacing; the words kept
    assert typed is not None and (typed.problem_type, typed.x, typed.y, typed.solution) == ("gcd", 12, 8, 4)
    assert typed.question == "what is the GCD of 12 and 8?"
    assert parse_question("Compute (3 * 4) % 5.") is None  # square_mod repeats x
    assert parse_question("What is 7 mod 0?") is None  # the rules cannot answer it
    assert all(parse_question(t.format(x=1, y=2)) is None for t in phrasings(FOREIGN))  # negatives are internal
    assert parse_question("What is the capital of France?") is None
    assert parse_question("What is 3 plus 4? And 5?") is None
    assert parse_question("What is 12 times 34?" + MOD_SUFFIX).solution == 408  # the first versions' suffix


def test_a_typed_question_gets_one_fixed_prompt_whatever_it_asks() -> None:
    ours = sample_questions(1, ["gcd"], seed=4)[0]
    other = sample_questions(1, ["bitwise_xor"], seed=4)[0]
    for text in (ours.question, other.question, "  Hello there "):  # nothing depends on the question's type
        assert fixed_messages(text) == [
            {"role": "system", "content": SYSTEM_CHAT},
            {"role": "user", "content": text.strip()},
        ]
    assert protocol_messages(ours, "fixed") == fixed_messages(ours.question)
    assert protocol_messages(ours, "paper") == chat_messages(ours)  # the paper's shots: the row's own type
    shots = [m["content"] for m in chat_messages(ours)[1:-1:2]]
    assert all(parse_question(s).problem_type == "gcd" for s in shots)


def test_questions_import_no_torch() -> None:
    code = (
        "import sys, lmarith.questions.csv_io, lmarith.questions.prompts, lmarith.questions.question, "
        "lmarith.questions.rules; print(sorted({'torch', 'transformers', 'numpy'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
