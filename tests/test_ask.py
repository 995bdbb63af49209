"""Questions in words to the executors: the question aligner's output decides what runs, a
question it cannot map is an honest "cannot parse", and `lmarith ask` / `train question` work
on any HF causal LM."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lmarith.executors import Completion, OraclePolicy, Request
from lmarith.executors.question_aligner import (
    CANNOT_PARSE,
    align_questions,
    answer_questions,
    numbers_in,
    whole_numbers,
)
from lmarith.executors.recipes import QuestionRecipe, question_pairs
from lmarith.executors.tasks import QUESTION_TASK, prompt
from lmarith.machines.problems import parse_problem
from lmarith.questions.expressions import CANNOT, SYMBOLS, choices


class Scripted(OraclePolicy):
    """The reference machines for every step, and a fixed reply per question for the aligner."""

    def __init__(self, replies: dict[str, str]) -> None:
        super().__init__("window")
        self.replies = replies
        self.asked: list[str] = []
        self.requests: list[Request] = []

    def requests_of(self, questions: list[str], constrained: bool = True) -> list[Request]:
        """The aligner's requests for ``questions``, as ``ask`` sends them."""
        align_questions(self, questions, constrained)
        return self.requests

    def complete(self, adapter: str | None, requests: list[Request], max_new_tokens: int) -> list[Completion]:
        if requests and requests[0].task == QUESTION_TASK:
            self.asked += [r.text for r in requests]
            self.requests = requests
            return [Completion(self.replies[r.text], 3) for r in requests]
        return super().complete(adapter, requests, max_new_tokens)


def test_what_the_aligner_writes_decides_what_runs() -> None:
    policy = Scripted(
        {
            "What is 12 times 34?": "12*34",
            "Is 5000 bigger than 4999?": "5000>4999",
            "Tell me a joke.": CANNOT,
            "Divide 7 by 0.": "7//0",
            "Subtract 17 from 93.": "93 minus 17",
        }
    )
    asked = answer_questions(
        policy,
        [
            "What is 12 times  34?",
            "Is 5000 bigger than 4999?",
            "Tell me a joke.",
            "Divide 7 by 0.",
            "Subtract 17 from 93.",
        ],
    )
    assert policy.asked[0] == "What is 12 times 34?"  # whitespace folded before the aligner reads it
    product, greater, joke, by_zero, words = asked
    assert (product.expression, product.answer, product.verified) == ("12*34", "408", True)
    assert product.result is not None and product.result.calls > 1 and product.seconds > 0
    assert (greater.answer, greater.verified) == ("True", True)
    for item in (joke, by_zero, words):  # never computed anyway
        assert item.expression is None and item.result is None and item.answer is None
        assert item.reason is not None and item.reason.startswith(CANNOT_PARSE)
    assert "93 minus 17" in (words.reason or "") and "zero" in (by_zero.reason or "")
    assert answer_questions(policy, []) == []


class Counting(OraclePolicy):
    """The reference machines, counting the steps it is asked for."""

    def __init__(self, fmt: str) -> None:
        super().__init__(fmt)  # type: ignore[arg-type]
        self.steps = 0

    def complete(self, adapter: str | None, requests: list[Request], max_new_tokens: int) -> list[Completion]:
        self.steps += len(requests)
        return super().complete(adapter, requests, max_new_tokens)


def test_another_policy_can_run_what_the_aligner_wrote() -> None:
    aligner, caef = Scripted({"Subtract 17 from 93.": "93-17"}), Counting("caef")
    (item,) = answer_questions(aligner, ["Subtract 17 from 93."], fmt="caef", align=True, executors=caef)
    assert (item.expression, item.answer, item.verified) == ("93-17", "76", True)
    assert caef.steps == item.result.calls > 1  # type: ignore[union-attr]  # every step ran on the other policy
    assert aligner.asked == ["Subtract 17 from 93."]  # the aligner's policy only aligned


def test_an_expression_on_numbers_the_question_lacks_is_not_computed() -> None:
    policy = Scripted(
        {
            "What remains when 170 is taken from 93?": "170-170",
            "Add 4817 and 12.": "4817+12",
            "What is 123 plus 45?": "123+46",
            "Is 7 equal to 7?": "7==7",
            "Is 7 equal to 8?": "7==7",
        }
    )
    assert numbers_in("Add 4,817,000 and 12, then 3,4.") == {4817000: 1, 12: 1, 3: 1, 4: 1}
    questions = [q.replace("4817", "4,817") for q in policy.replies]
    copied, separated, misread, equal, once = answer_questions(policy, questions)
    assert "Add 4817 and 12." in policy.asked  # the aligner reads numbers without separators
    for item in (copied, misread, once):  # a number copied twice, a digit changed
        assert item.result is None and "not the question's own numbers" in (item.reason or "")
    assert (separated.answer, equal.answer) == ("4829", "True")


def test_the_aligner_picks_among_expressions_on_the_questions_whole_numbers() -> None:
    assert whole_numbers("Is -5 more than 3.25, or 93-17, or 93 - 8, or 1,000 and 7?") == [93, 17, 93, 8, 1000, 7]
    assert choices([5, 5])[0] == CANNOT and "5==5" in choices([5, 5]) and "5==5" not in choices([5, 6])
    assert set(choices([12, 34])) == {
        CANNOT,
        *(f"{x}{s}{y}" for x, y in ((12, 34), (34, 12)) for s in SYMBOLS.values()),
    }
    assert choices([]) == choices([7]) == (CANNOT,)
    policy = Scripted({"What is 12 times 34?": "12*34", "What is 4.5 plus 3?": CANNOT})
    constrained = policy.requests_of(["What is 12 times 34?", "What is 4.5 plus 3?"])
    assert [r.choices for r in constrained] == [choices([12, 34]), (CANNOT,)]
    assert [r.choices for r in policy.requests_of(["What is 12 times 34?"], constrained=False)] == [None]


def test_validation_questions_are_worded_like_training_but_other_draws() -> None:
    recipe = QuestionRecipe(count=300, eval_samples=100)
    train, val = question_pairs(recipe, "train"), question_pairs(recipe, "val")
    assert len(train) == 300 and len(val) == 100 and not set(train) & set(val)
    assert any(expression == CANNOT for _, expression in train)
    # the aligner's prompt puts something before the question: no operand at position 0
    assert prompt("66860==66860, true or false?", QUESTION_TASK) == "Question: 66860==66860, true or false?\n"
    assert prompt("5+3=") == "5+3=\n"  # other tasks read their input as it is


def _said_consistently(record: dict, code: int, err: str) -> None:
    """One `ask --json` record and the exit code agree: 0 with an answer, else 1 with the
    reason; an expression the executors ran is the aligner's text, anything else cannot parse."""
    assert code == (1 if record["answer"] is None else 0), err
    assert (record["answer"] is None) is (record["reason"] is not None), record
    if record["expression"] is None:
        assert record["reason"].startswith(CANNOT_PARSE) and record["calls"] == 0, record
    else:
        assert record["expression"] == record["aligned"] and record["calls"] >= 1, record
        expected = parse_problem(record["expression"]).answer()
        assert record["verified"] is (record["answer"] == expected), record
        assert "correct" not in record  # nothing here compares with the answer the question wanted


def test_train_question_and_ask_on_any_model(gpt2_dir: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(
        "train",
        "question",
        "--model",
        str(gpt2_dir),
        "--out",
        str(tmp_path / "q"),
        "--count",
        "40",
        "--max-steps",
        "2",
        "--batch-size",
        "4",
        "--lora-rank",
        "2",
        "--bf16",
    )
    assert code == 0, err
    manifest = json.loads((tmp_path / "q" / "final" / "manifest.json").read_text())
    assert manifest["command"].startswith(f"lmarith train question --model {gpt2_dir}")
    assert manifest["command"].endswith("--bf16")  # the precision is part of the recipe it replays
    code, _, err = cli(
        "train",
        "executor",
        "--model",
        str(gpt2_dir),
        "--op",
        "all",
        "--table",
        "--max-steps",
        "1",
        "--batch-size",
        "4",
        "--lora-rank",
        "2",
        "--out",
        str(tmp_path / "x"),
    )
    assert code == 0, err
    both = tmp_path / "both"
    shutil.copytree(tmp_path / "x" / "final" / "ALL", both / "ALL")
    shutil.copytree(tmp_path / "q" / "final" / QUESTION_TASK, both / QUESTION_TASK)
    shutil.copy(tmp_path / "q" / "final" / "manifest.json", both / "manifest.json")
    code, out, err = cli("ask", "What is 12 times 34?", "--model", str(gpt2_dir), "--adapters", str(both), "--json")
    record = json.loads(out.splitlines()[-1])
    assert record["question"] == "What is 12 times 34?" and record["aligned"] in choices([12, 34])  # constrained
    # an untrained aligner rarely writes an expression, untrained executors rarely finish: said, not crashed
    _said_consistently(record, code, err)
    code, out, err = cli(
        "ask", "What is 12 times 34?", "--model", str(gpt2_dir), "--adapters", str(both), "--json", "--free-aligner"
    )
    free = json.loads(out.splitlines()[-1])
    _said_consistently(free, code, err)  # writing freely, an untrained aligner rarely writes an expression
    if free["expression"] is not None:  # run only on the question's own numbers
        problem = parse_problem(free["expression"])
        assert sorted((problem.a, problem.b)) == [12, 34]
    # executors without a question aligner: one line that says how to get one
    code, _, err = cli(
        "ask", "What is 1 plus 2?", "--model", str(gpt2_dir), "--adapters", str(tmp_path / "x" / "final")
    )
    assert code == 2 and "lmarith train question" in err and len(err.strip().splitlines()) == 1


def test_ask_refuses_what_cannot_read_words(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("ask", "What is 1 plus 2?", "--model", "default")
    assert code == 2 and "lmarith solve" in err
    code, _, err = cli("ask", "   ")
    assert code == 2 and "empty" in err


def test_a_number_the_expression_leaves_out_is_never_dropped_silently() -> None:
    policy = Scripted(
        {
            "What is the sum of 11111, 22222 and 33333?": "22222+33333",
            "What is 15 times 200?": "15*200",
        }
    )
    three, two = answer_questions(policy, ["What is the sum of 11111, 22222 and 33333?", "What is 15 times 200?"])
    assert three.answer is None and three.result is None and three.left_out == (11111,)  # not computed
    assert three.reason is not None and three.reason.startswith(CANNOT_PARSE) and "leaves out 11111" in three.reason
    assert (two.answer, two.left_out) == ("3000", ())


def test_numbers_in_words_and_with_separators_are_read_as_numbers() -> None:
    assert whole_numbers("How much is three times four?") == [3, 4]
    assert whole_numbers("What is seven hundred plus two hundred and five?") == [700, 205]
    assert whole_numbers("What do you get if you add 12,345 and 67,890?") == [12345, 67890]
    # a question that gives its numbers in digits keeps its words: "three" is not an operand here
    assert whole_numbers("What is 12 x 34? Just give the last three digits.") == [12, 34]
    assert whole_numbers("Tell me a joke.") == []


def test_the_executors_progress_is_reported_against_the_reference_steps() -> None:
    seen: list[tuple[int, int]] = []
    policy = Scripted({"What is 12 times 34?": "12*34"})
    [item] = answer_questions(
        policy, ["What is 12 times 34?"], on_step=lambda done, expected: seen.append((done, expected))
    )
    assert item.strict and seen[-1] == (item.result.calls, item.result.calls)  # exact: the reference's count
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
