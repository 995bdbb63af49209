"""The scorer behind the headline figures: accuracy and answer cross-entropy per type, means
over the trained types only, chain of thought scored after the model's own reasoning."""

from types import SimpleNamespace

import pytest

import lmarith.evaluation.neuro_eval as scoring
from lmarith.evaluation.neuro_eval import per_type_rows, score, summarize
from lmarith.questions.question import Question

Q = [
    Question("gcd", 12, 8, "What is the gcd of 12 and 8?", 4),
    Question("gcd", 9, 6, "What is the gcd of 9 and 6?", 3),
    Question("modulo", 7, 5, "What is 7 mod 5?", 2),
    Question("addition", 1, 2, "What is 1 plus 2?", 3),
]  # a held-out type


def test_means_are_over_trained_types_per_type_not_per_question() -> None:
    out = summarize(Q, ["4", "5", "2", "3"], [0.5, 1.5, 3.0, 9.0], trained_types=["gcd", "modulo", "lcm"])
    assert out["per_type"] == {
        "addition": {"accuracy": 1.0, "cross_entropy": 9.0, "count": 1},
        "gcd": {"accuracy": 0.5, "cross_entropy": 1.0, "count": 2},
        "modulo": {"accuracy": 1.0, "cross_entropy": 3.0, "count": 1},
    }
    # (0.5 + 1) / 2, not 2 right of 3 trained questions; addition and the absent lcm left out
    assert out["accuracy"] == 0.75 and out["cross_entropy"] == 2.0
    assert [e["reply"] for e in out["examples"]] == ["4", "5", "2"]


def test_no_trained_type_present_gives_no_means() -> None:
    out = summarize(Q[3:], ["3"], [1.0], trained_types=["gcd"])
    assert out["accuracy"] is None and out["cross_entropy"] is None and out["per_type"]["addition"]["accuracy"] == 1.0


def test_replies_are_parsed_as_the_prompt_asked() -> None:
    replies = ["gcd(12, 8): 8 mod 4 = 0.\nFinal Answer: 4", "9 mod 6 = 3.", "2", "Final answer: 3"]
    direct = summarize(Q, replies, [0.0] * 4, trained_types=["gcd", "modulo", "addition"])
    cot = summarize(Q, replies, [0.0] * 4, trained_types=["gcd", "modulo", "addition"], cot=True)
    # a direct reply counts the integer it gives as its answer (after "Final Answer:" or "="), not its first one
    assert [direct["per_type"][t]["accuracy"] for t in ("gcd", "modulo", "addition")] == [1.0, 1.0, 1.0]
    assert [cot["per_type"][t]["accuracy"] for t in ("gcd", "modulo", "addition")] == [0.5, 0.0, 1.0]


def test_replies_and_losses_must_match_the_questions() -> None:
    with pytest.raises(ValueError):
        summarize(Q, ["4"], [0.0], trained_types=["gcd"])


def test_score_decodes_then_scores_the_gold_answer_after_the_reasoning(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict = {}

    def generate(model, tokenizer, prompts, *, max_new_tokens, batch_size, around):
        seen["budget"] = max_new_tokens
        return ["so 4\nFinal Answer: 4", "thinking", "Final Answer: 1", "1 + 2 = 3\nFinal Answer: 3"]

    def answer_cross_entropy(model, tokenizer, prompts, answers, *, batch_size, around):
        seen["prompts"], seen["answers"] = prompts, answers
        return [0.1, 0.2, 0.3, 0.4]

    monkeypatch.setattr(scoring, "generate", generate)
    monkeypatch.setattr(scoring, "answer_cross_entropy", answer_cross_entropy)
    tokenizer = SimpleNamespace(chat_template=None)  # a plain transcript prompt
    out = score(None, tokenizer, Q, trained_types=["gcd", "modulo"], cot=True)
    assert seen["budget"] == 160 and seen["answers"] == ["4", "3", "2", "3"]
    assert seen["prompts"][0].endswith("assistant: so 4\nFinal Answer: ")
    assert seen["prompts"][1].endswith("assistant: thinking\nFinal Answer: ")
    assert out["per_type"]["gcd"] == {"accuracy": 0.5, "cross_entropy": pytest.approx(0.15), "count": 2}
    assert out["accuracy"] == 0.25 and out["cross_entropy"] == pytest.approx(0.225)


def test_one_table_for_terminal_and_markdown() -> None:
    method = summarize(Q, ["4", "5", "2", "3"], [0.5, 1.5, 3.0, 9.0], trained_types=["gcd", "modulo"])
    neuro = {
        **method,
        "per_type": {t: {**r, "gate_open": 1.0, "engine_correct": 0.5} for t, r in method["per_type"].items()},
    }
    report = {
        "base": method,
        "cot": method,
        "neurosymbolic": neuro,
        "lora": {"accuracy": None, "cross_entropy": None, "per_type": {}, "skipped": "no adapter"},
    }
    rows = per_type_rows(report)
    assert [r["type"] for r in rows] == ["addition", "gcd", "modulo", "mean (trained)"]
    assert rows[1] == {
        "type": "gcd",
        "base": "0.50 / 1.00",
        "cot": "0.50 / 1.00",
        "lora": "-",
        "neurosymbolic": "0.50 / 1.00",
        "gate open": "1.00",
        "engine right": "0.50",
    }
    assert rows[-1]["base"] == "0.75 / 2.00" and rows[-1]["lora"] == "-"
