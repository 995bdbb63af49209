"""The neurosymbolic method reads the question itself: one fixed prompt in the product, the
paper's two-shot protocol only to reproduce the paper, and gate negatives of what it cannot
compute (issue 47)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import torch

from lmarith.models import build_char_tokenizer, build_tiny_llama, prepare_tokenizer
from lmarith.neurosymbolic.gather import NONE, gather, load_gathered
from lmarith.neurosymbolic.run import GATE_SPLITS, open_run, read_run, split_questions
from lmarith.questions import wording
from lmarith.questions.prompts import fixed_messages, protocol_messages, render_prompt
from lmarith.questions.question import parse_question, phrasings, sample_questions
from lmarith.questions.rules import FOREIGN, TRAIN_TYPES
from lmarith.vsa import VSACodec


def _core(question: str, x: int, y: int) -> str:
    return wording.normalise(question.replace(str(x), "#").replace(str(y), "#"))


def test_the_product_prompt_is_the_same_whatever_the_question_asks() -> None:
    gcd, xor = sample_questions(1, ["gcd", "bitwise_xor"], seed=1)
    assert fixed_messages(gcd.question)[0] == fixed_messages(xor.question)[0]  # same system prompt
    assert [m["role"] for m in fixed_messages(gcd.question)] == ["system", "user"]  # no examples at all
    assert protocol_messages(gcd, "fixed") == fixed_messages(gcd.question)
    paper = protocol_messages(gcd, "paper")
    assert len(paper) == 6 and paper[-1]["content"] == gcd.question  # two shots of the row's type before it


def test_new_runs_train_on_the_fixed_prompt_and_old_runs_read_as_mixed(tmp_path: Path) -> None:
    config = open_run(tmp_path / "new", create=True, quick=True)
    assert config.prompt == "fixed" and config.extra_negatives > 0
    old = json.loads((tmp_path / "new" / "run.json").read_text())
    del old["prompt"], old["extra_negatives"]
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "run.json").write_text(json.dumps(old))
    before = read_run(tmp_path / "old")
    assert before.prompt == "mixed" and before.extra_negatives == 0  # what the shipped run was trained with


def test_negatives_hold_untrained_operations_and_big_operands_in_training_wordings(tmp_path: Path) -> None:
    config = open_run(tmp_path, {"extra_negatives": 16, "negatives": 8, "held_out_gate_count": 12}, create=True)
    negatives = split_questions(tmp_path, config, "negatives")
    kinds = Counter(q.problem_type for q in negatives)
    assert kinds[FOREIGN] == 8 and kinds["subtraction"] == 16 and kinds["comparison"] == 16
    big = [q for q in negatives if q.problem_type in TRAIN_TYPES]
    assert len(big) == 16 and all(1000 <= max(q.x, q.y) <= 9999 for q in big)
    assert not {q.problem_type for q in negatives} & {"addition", "division"}  # held out stays held out
    train_cores = {
        wording.normalise(t.format(x="#", y="#"))
        for kind in (*TRAIN_TYPES, "subtraction", "comparison", FOREIGN)
        for t in phrasings(kind, "train")
    }
    for split in ("untrained_gate", "big_operand_gate"):
        rows = split_questions(tmp_path, config, split)
        assert len(rows) == 12
        assert all(_core(q.question, q.x, q.y) not in train_cores for q in rows)  # measured on held-out wordings
    assert all(max(q.x, q.y) >= 1000 for q in split_questions(tmp_path, config, "big_operand_gate"))
    assert set(GATE_SPLITS) == {"held_out_gate", "untrained_gate", "big_operand_gate"}


def test_whole_negatives_add_multiplication_and_lcm_that_do_not_ask_mod_1000(tmp_path: Path) -> None:
    """``--whole-negatives``: a plain product or lcm asks for the whole number, which the
    engine (mod 1000) cannot give: those questions are negatives too, off by default (the
    shipped run has none)."""
    plain = {"extra_negatives": 16, "negatives": 8}
    before = split_questions(tmp_path / "a", open_run(tmp_path / "a", plain, create=True), "negatives")
    config = open_run(tmp_path / "b", {**plain, "whole_negatives": True}, create=True)
    after = split_questions(tmp_path / "b", config, "negatives")
    whole = after[len(before) :]
    assert after[: len(before)] == before and len(whole) == 16
    assert {q.problem_type for q in whole} == {"multiplication", "lcm"}
    assert not any(q.mod1000 for q in whole) and all(max(q.x, q.y) < 1000 for q in whole)


def test_negative_rows_are_gathered_with_no_type(tmp_path: Path) -> None:
    tokenizer = prepare_tokenizer(build_char_tokenizer())
    model = build_tiny_llama(tokenizer, hidden=32, layers=2, heads=2)
    rows = sample_questions(2, ["gcd", "subtraction"], seed=3)
    codec = VSACodec(open_run(tmp_path / "r", {"types": ("gcd",)}, create=True, quick=True).codec())
    flags = [q.problem_type == "subtraction" for q in rows]
    gather(model, tokenizer, rows, tmp_path / "g", layers=[1], window=8, codec=codec, negative=flags)
    _, tensors = load_gathered(tmp_path / "g")
    kinds = tensors["type_index"].tolist()
    assert [k == NONE for k in kinds] == flags
    assert torch.all(tensors["problem_vsa"][torch.tensor(flags)] == 0)  # nothing for the encoder to read


@pytest.mark.parametrize("protocol", ["fixed", "paper"])
def test_each_protocol_renders_a_prompt_ending_in_the_question(protocol: str) -> None:
    tokenizer = prepare_tokenizer(build_char_tokenizer())
    [question] = sample_questions(1, ["modulo"], seed=2)
    text = render_prompt(tokenizer, protocol_messages(question, protocol))  # type: ignore[arg-type]
    assert text.rstrip().endswith("assistant:") and question.question in text


def test_the_answer_line_says_whether_the_engine_computed_it() -> None:
    from lmarith.api import NeuroAnswer
    from lmarith.cli.app import answer_line, neuro_record

    opened = NeuroAnswer("What is the gcd of 84 and 126?", 42, True, "42", True, 0.1, (), 42)
    shut = NeuroAnswer("What is 512 * 384?", None, None, "512 * 384 = ...", False, 0.1)
    assert answer_line(opened) == "answer: 42 (computed: the engine's answer 42 went into the reply)"
    assert answer_line(shut) == "answer: none (not computed: the gate stayed shut; this is the model's own reply)"
    assert neuro_record(opened)["computed"] is True and neuro_record(shut)["computed"] is False
    assert neuro_record(shut)["engine_answer"] is None


def test_the_shots_protocol_puts_other_types_examples_before_half_the_questions() -> None:
    """``shots`` (training only): the fixed prompt, and on about half the rows two worked
    examples of other trained types as earlier turns; their answers are the examples' own."""
    rows = sample_questions(40, seed=3)
    with_shots = 0
    for q in rows:
        messages = protocol_messages(q, "shots")
        assert messages[0] == fixed_messages(q.question)[0] and messages[-1]["content"] == q.question.strip()
        if len(messages) == 2:
            continue
        with_shots += 1
        assert len(messages) == 6
        for asked, answer in zip(messages[1:-1:2], messages[2:-1:2]):
            shot = parse_question(asked["content"])
            assert shot is not None and shot.problem_type != q.problem_type and answer["content"] == str(shot.solution)
    assert 0.35 < with_shots / len(rows) < 0.65
