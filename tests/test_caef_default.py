"""The embedded CAEF-format model's recipe and wiring: a tokenizer that knows the format's
symbols, `train default --format caef`, and `--format caef` picking that model with its
aligners on. (Its accuracy is bench/executors.py's; a tiny run here only proves the path.)"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

import pytest

from lmarith import data
from lmarith.executors.recipes import (
    CAEF_ALIGNERS,
    CaefDefaultRecipe,
    caef_default_pairs,
    caef_operands,
    digit_run,
    leading_zeros,
    shared_prefix,
    train_caef_default,
)
from lmarith.machines.caef import symbols
from lmarith.machines.problems import Problem, operator
from lmarith.models import build_char_tokenizer, loading


def _texts() -> list[str]:
    source = [p for op in ("add", "sub", "mul", "div", "gt") for p in data.problems(op, 1, 3, 2, "train")]
    texts = []
    for cls, problem in source:
        for s in [
            *data.executor_samples(problem.op.name, [(cls, problem)], "caef"),
            *data.aligner_samples([(cls, problem)]),
        ]:
            texts += [s.input, s.output]
    return texts


def test_symbol_tokens_are_exact_and_several_times_shorter() -> None:
    texts = _texts()
    words = symbols(texts)
    assert {"[HEAD1]", "[C]", "|7", "CMD:", "REFLECTION", "qH", "No command to execute. Halt state."} <= set(words)
    tokenizer = build_char_tokenizer(words=words)
    ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    assert [tokenizer.decode(i) for i in ids] == texts
    assert sum(map(len, texts)) > 2.5 * sum(map(len, ids))
    assert tokenizer.convert_ids_to_tokens(tokenizer("|1|2[HEAD1]", add_special_tokens=False)["input_ids"]) == [
        "|1",
        "|2",
        "[HEAD1]",
    ]


def test_the_data_covers_the_nine_machines_and_both_aligner_directions() -> None:
    recipe = CaefDefaultRecipe(max_len=2, mul_div_len=2, num=2)
    pairs = caef_default_pairs(recipe, "train")
    machines = {i.split(",")[0] for i, _ in pairs if "," in i.split("\n")[0]}
    assert machines == {"ADD", "SUB", "MUL", "DIV", "EQUAL", "GREATER_THAN", "LESS_THAN", "REFLECTION", "LEFT_MASK"}
    assert any(i.endswith("=") and "\n" not in i for i, _ in pairs)  # a+b= -> first configuration
    assert any(i.endswith("Halt state.") and "=" in o and "\n" not in o for i, o in pairs)  # halted -> a+b=c
    test = {i for i, _ in caef_default_pairs(recipe, "test")}
    assert not test & {i for i, _ in pairs if i.endswith("=")}  # held-out problems


def test_polish_variants_keep_lengths_and_each_operators_rule() -> None:
    rng = random.Random(0)
    for op in ("add", "sub", "mul", "eq", "gt", "lt"):
        for cls, problem in data.problems(op, 2, 12, 3, "train"):
            variant = digit_run((cls, problem), rng)
            if variant is None:
                assert op == "sub"
                continue
            _, v = variant
            assert (len(str(v.a)), len(str(v.b))) == (len(str(problem.a)), len(str(problem.b)))
            assert op != "sub" or v.a >= v.b
            assert op != "mul" or v.b == problem.b
            assert problem.a != problem.b or v.a == v.b  # an equal pair stays equal (EQUAL's True runs)
    _, v = digit_run(((5, 1), Problem(12345, operator("add"), 6)), rng)  # type: ignore[misc]
    assert re.search(r"(\d)\1", str(v.a))  # a run of one digit where there was none
    for cls, problem in data.problems("sub", 6, 6, 5, "train"):
        _, v = shared_prefix((cls, problem), rng)  # type: ignore[misc]
        assert v.a >= v.b and len(str(v.a - v.b)) < len(str(v.a)) and str(v.a)[0] == str(v.b)[0]
    for cls, problem in data.problems("sub", 2, 12, 3, "train"):
        _, v = leading_zeros((cls, problem), rng)
        assert len(str(v.a)) == len(str(v.b)) == len(str(problem.a)) and len(str(v.a - v.b)) < len(str(v.a))


def test_a_round_can_keep_whole_left_mask_runs_and_add_leading_zero_subtractions() -> None:
    def strips(pairs: list[tuple[str, str]]) -> int:
        return sum(i.startswith("LEFT_MASK, q2") for i, _ in pairs)

    recipe = CaefDefaultRecipe(max_len=5, mul_div_len=1, num=2)
    focused = recipe.model_copy(update={"whole_traces": {1: ["LEFT_MASK"]}, "prefix_subs": {1: 2}})
    assert caef_default_pairs(focused, "train", polish=2) == caef_default_pairs(recipe, "train", polish=2)
    assert strips(caef_default_pairs(focused, "train", polish=1)) > 2 * strips(
        caef_default_pairs(recipe, "train", polish=1)
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_train_default_caef_installs_a_model_that_solve_uses_with_its_aligners(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from lmarith.executors.lm_policy import load_policy
    from lmarith.executors.recipes import exact_rate
    from lmarith.models import load_model

    user = tmp_path / "user"
    monkeypatch.setenv("LMARITH_CACHE", str(user))  # the install goes to the user directory, not the package
    package = loading.install_default_dir("default-caef", into_package=True)
    shipped_before = _digest(package / "model.safetensors")
    recipe = CaefDefaultRecipe(
        hidden=32,
        layers=1,
        heads=2,
        intermediate=64,
        max_len=2,
        mul_div_len=1,
        num=1,
        max_steps=2,
        eval_every=2,
        save_every=2,
        eval_samples=4,
        polish_steps=2,
        polish_mul_div_num=1,
    )
    result = train_caef_default(tmp_path / "run", recipe)
    installed = user / "default-caef"
    assert loading.default_model_dir("default-caef") == installed
    assert _digest(installed / "model.safetensors") == _digest(result.final_dir / "model.safetensors")
    assert _digest(package / "model.safetensors") == shipped_before  # the package's model is untouched
    assert not (user / "default").exists()  # only the CAEF model was installed
    assert result.final_dir == tmp_path / "run" / f"polish{recipe.polish_rounds}" / "final"  # the last round trained
    role = json.loads((installed / "lmarith.json").read_text())
    assert role == {**CAEF_ALIGNERS, "operands": caef_operands(recipe)}  # the range solve holds it to
    assert role["operands"]["digits"] == recipe.max_len and role["operands"]["mul_div_digits"] == recipe.mul_div_len
    # the reported score is the installed model's, on the last round's held-out samples
    test_pairs = caef_default_pairs(recipe, "test", polish=recipe.polish_rounds)
    random.Random(recipe.seed).shuffle(test_pairs)
    test_pairs = test_pairs[: recipe.eval_samples]
    model, tokenizer = load_model(str(installed))
    max_new = max(len(tokenizer(o)["input_ids"]) for _, o in test_pairs) + 8
    assert result.metrics == {"test_exact": exact_rate(model, tokenizer, test_pairs, max_new)}
    assert load_policy("default", fmt="caef", batch_size=1).aligners
    assert not load_policy("default", fmt="window", batch_size=1).aligners  # the window default has no role file
    code, out, err = cli("solve", "12+3", "--format", "caef", "--json", "--trace")
    record = json.loads(out)
    assert record["format"] == "caef" and record["expected"] == "15"
    assert record["steps"][0]["input"] == "12+3="  # the first thing the model read: the aligner's input
    # two steps of training: right, wrong or failed, but said consistently, never a crash
    assert code == (0 if record["reason"] is None else 1), err
    assert (record["answer"] is None) == (record["reason"] is not None)
    assert record["correct"] is (record["answer"] == record["expected"])
    if record["reason"] is not None:
        assert record["outcome"] in ("bad output", "step cap", "no adapter") and "the model failed" in err
    else:
        assert record["outcome"] == (
            "wrong answer" if not record["correct"] else "exact" if record["strict"] else "recovered"
        )
