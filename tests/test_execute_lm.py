"""LMPolicy on tiny Llamas: batched greedy decoding, adapter switching, and a trained model
computing through the driver and through `lmarith solve` / `lmarith eval`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import torch

from lmarith.data import executor_samples, problems, sample_problems
from lmarith.errors import LmarithError
from lmarith.executors import Request, execute, pair
from lmarith.executors.lm_policy import LMPolicy
from lmarith.models import (
    TrainConfig,
    add_adapter,
    build_char_tokenizer,
    build_tiny_llama,
    lora_config,
    prepare_tokenizer,
    save_model,
    train,
)

PROMPTS = [
    "ADD q1 47 C=1",
    "X",
    "LONG_MUL q1 3",
    "ADD, q1,  |5[HEAD1]|4|3 |8[HEAD2]|7|6 [C]1 |3[OUTPUT]",
    "ADD q0 __ C=",
    "MUL_DIGIT q1 7 D=3 C=0",
    "q",
]


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


def scrambled_llama(seed: int = 0):  # type: ignore[no-untyped-def]
    """A random tiny Llama with large weights: varied outputs, unlike a freshly initialised one
    (which just repeats its last input token)."""
    tokenizer = prepare_tokenizer(build_char_tokenizer())
    model = build_tiny_llama(tokenizer, hidden=64, layers=2, heads=4, seed=seed).eval()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * 0.3)
    return model, tokenizer


def requests(task: str = "ADD") -> list[Request]:
    return [Request(task, text) for text in PROMPTS]


def test_batched_greedy_equals_unbatched_generate() -> None:
    model, tokenizer = scrambled_llama()
    free = LMPolicy(model, tokenizer, naive=True).complete(None, requests(), 16)
    # make a token it writes often the EOS, so rows stop at different steps
    tokenizer.eos_token = Counter(ch for c in free for ch in c.text[:6]).most_common(1)[0][0]
    expected = LMPolicy(model, tokenizer, naive=True).complete(None, requests(), 16)
    assert len({c.tokens for c in expected}) >= 3 and min(c.tokens for c in expected) < 16
    for batch_size in (1, 3, 64):
        assert LMPolicy(model, tokenizer, batch_size=batch_size).complete(None, requests(), 16) == expected


def test_choices_constrain_each_row_and_leave_free_rows_free() -> None:
    model, tokenizer = scrambled_llama(2)
    free = LMPolicy(model, tokenizer, batch_size=4).complete(None, requests(), 16)
    options = ("12+34", "12*34", "34-12", "CANNOT")
    constrained = [Request("ADD", r.text, choices=options if i % 2 else None) for i, r in enumerate(requests())]
    out = LMPolicy(model, tokenizer, batch_size=4).complete(None, constrained, 16)
    for i, (got, alone) in enumerate(zip(out, free)):
        if i % 2:
            assert got.text in options and got.tokens == len(got.text) + 1  # the whole choice, then EOS
        else:
            assert got == alone  # a free row in the same batch writes what it writes alone
    # where the model's own path is a choice, it is the one taken: the mask never moves an argmax it allows
    own = [Request("ADD", r.text, choices=(alone.text[:5], "~~~~~")) for r, alone in zip(requests(), free)]
    assert [c.text for c in LMPolicy(model, tokenizer).complete(None, own, 16)] == [c.text[:5] for c in free]
    only = [Request("ADD", r.text, choices=("7//7",)) for r in requests()]
    assert {c.text for c in LMPolicy(model, tokenizer).complete(None, only, 16)} == {"7//7"}
    with pytest.raises(LmarithError, match="constrained"):
        LMPolicy(model, tokenizer, naive=True).complete(None, only, 16)


def test_adapters_switch_per_task() -> None:
    model, tokenizer = scrambled_llama(1)
    peft_model = add_adapter(model, "first", lora_config(rank=4))
    add_adapter(peft_model, "second", lora_config(rank=4))
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B.second" in name:
                param.normal_(0, 0.5)
    policy = LMPolicy(
        peft_model, tokenizer, {"ADD": "first", "MUL_DIGIT": "second", "SUB": "first", "ALIGN_SUB": "second"}
    )
    assert policy.adapter_for(Request("MUL_DIGIT", "", "mul")) == "second"  # per machine
    assert policy.adapter_for(Request("LESS_THAN", "", "sub")) == "first"  # per operator
    assert policy.adapter_for(Request("ALIGN_LONG_SUB", "", "sub")) == "second"
    with pytest.raises(LmarithError, match="no adapter for LONG_MUL"):
        policy.adapter_for(Request("LONG_MUL", "", "mul"))
    on_a = policy.complete("first", requests(), 12)
    on_b = policy.complete("second", requests(), 12)
    assert on_a != on_b
    assert policy.complete("first", requests(), 12) == on_a  # switching back restores the first
    peft_model.set_adapter("second")
    assert LMPolicy(peft_model, tokenizer, naive=True).complete(None, requests(), 12) == on_b


def test_a_policy_sets_its_threads_only_while_it_computes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded models run on one thread; a big model asked in between (the SmolLM2
    question aligner) must keep the process's threads."""
    model, tokenizer = scrambled_llama()
    policy = LMPolicy(model, tokenizer, threads=1)
    torch.set_num_threads(2)
    seen = []
    greedy = policy.greedy
    monkeypatch.setattr(policy, "greedy", lambda *a: seen.append(torch.get_num_threads()) or greedy(*a))
    policy.complete(None, requests(), 4)
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("fmt", ["window", "caef"])
def test_garbage_from_a_model_fails_problems_without_crashing(fmt: str) -> None:
    model, tokenizer = scrambled_llama(2)
    problems_ = [p for op in ("add", "sub", "mul") for p in sample_problems(op, 2, 2, seed=1, long=True)]
    results = execute(problems_, LMPolicy(model, tokenizer), fmt=fmt, long=True)  # type: ignore[arg-type]
    assert all(r.reason and not r.correct and not r.strict for r in results)


@pytest.fixture(scope="module")
def adder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Llama trained for ~10 s on window ADD transitions of 1-3 digit additions."""
    torch.set_num_threads(1)
    tokenizer = prepare_tokenizer(build_char_tokenizer())
    model = build_tiny_llama(tokenizer, hidden=64, layers=2, heads=4, seed=0)
    samples = executor_samples("add", problems("add", 1, 3, 40, "train", seed=0), "window")
    pairs = sorted({pair(s.input, s.output) for s in samples})
    out = tmp_path_factory.mktemp("adder")
    config = TrainConfig(out_dir=out / "run", lr=5e-3, max_steps=300, batch_size=32, warmup_steps=10, progress=False)
    train(model, tokenizer, pairs, config)
    return save_model(model.eval(), tokenizer, out / "model")


def test_a_trained_tiny_model_adds_through_the_driver(adder: Path) -> None:
    from lmarith.models import load_model

    model, tokenizer = load_model(str(adder), device="cpu")
    test = sample_problems("add", 3, 40, seed=0)
    results = execute(test, LMPolicy(model, tokenizer), fmt="window")
    final = sum(r.correct for r in results) / len(results)
    assert final > 0.15
    assert sum(r.strict for r in results) <= sum(r.correct for r in results)
    assert all(r.calls >= 1 and r.tokens >= r.calls for r in results)


def test_solve_and_eval_with_a_model_directory(adder: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("solve", "12+34", "--model", str(adder), "--trace")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "ADD q0 __ C=  ->  C=0 >0 >1 q1" and lines[-1].isdigit()
    code, out, _ = cli("solve", "12+34", "--model", str(adder), "--json")
    record = json.loads(out)
    assert record["answer"] == lines[-1] and record["calls"] == 4

    rows_path = tmp_path / "rows.json"
    code, out, err = cli(
        "eval",
        "--op",
        "add,gt",
        "--digits",
        "2,3",
        "--n",
        "5",
        "--model",
        str(adder),
        "--json",
        str(rows_path),
        "--plot",
        str(tmp_path / "acc.png"),
    )
    assert code == 0, err
    rows = json.loads(rows_path.read_text())
    assert [(r["op"], r["digits"], r["n"]) for r in rows] == [("add", 2, 5), ("add", 3, 5), ("gt", 2, 5), ("gt", 3, 5)]
    keys = {
        "op",
        "digits",
        "n",
        "strict_accuracy",
        "final_accuracy",
        "calls_per_problem",
        "tokens_per_problem",
        "seconds_per_problem",
    }
    assert all(keys <= set(r) for r in rows)
    assert (tmp_path / "acc.png").stat().st_size > 0
    assert "final" in out
