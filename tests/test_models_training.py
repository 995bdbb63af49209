"""The trainer: prompt-masked labels, dynamic padding, learning, early stop, exact resume."""

import csv

import pytest
import torch

from lmarith.errors import LmarithError
from lmarith.models import (
    TrainConfig,
    build_char_tokenizer,
    build_tiny_llama,
    encode_pair,
    latest_checkpoint,
    length_groups,
    load_model,
    pad_batch,
    prepare_tokenizer,
    train,
)

torch.set_num_threads(1)
TOKENIZER = prepare_tokenizer(build_char_tokenizer())
SUCCESSOR = [(f"{d}>", str((d + 1) % 10)) for d in range(10)]  # "3>" -> "4", mod 10


def tiny() -> torch.nn.Module:
    return build_tiny_llama(TOKENIZER, hidden=32, layers=2, seed=0)


def successor_accuracy(model: torch.nn.Module) -> dict[str, float]:
    """Exact greedy answers to every successor prompt, by plain ``generate``."""
    batch = TOKENIZER([p for p, _ in SUCCESSOR], return_tensors="pt", padding=True)
    out = model.generate(**batch, max_new_tokens=3, do_sample=False)
    answers = TOKENIZER.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
    return {"exact": sum(a == r for a, (_, r) in zip(answers, SUCCESSOR)) / len(SUCCESSOR)}


def read_csv(path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_labels_mask_the_prompt_and_end_with_eos() -> None:
    example = encode_pair(TOKENIZER, "ADD, q0\n", "q1")
    prompt_len = len("ADD, q0\n")
    assert example["labels"][:prompt_len] == [-100] * prompt_len
    assert example["labels"][prompt_len:] == [*TOKENIZER("q1")["input_ids"], TOKENIZER.eos_token_id]
    assert example["input_ids"][prompt_len:] == example["labels"][prompt_len:]
    assert TOKENIZER.decode(example["input_ids"]) == "ADD, q0\nq1</s>"


def test_padding_is_dynamic_and_on_the_right() -> None:
    short, longer = encode_pair(TOKENIZER, "1>", "2"), encode_pair(TOKENIZER, "12>", "13")
    batch = pad_batch([short, longer], pad_id=TOKENIZER.pad_token_id)
    assert batch["input_ids"].shape == (2, len(longer["input_ids"]))  # batch max, not a global max
    assert batch["attention_mask"][0].tolist() == [1, 1, 1, 1, 0, 0]
    assert batch["labels"][0].tolist()[-2:] == [-100, -100]
    assert batch["input_ids"][0].tolist()[-2:] == [TOKENIZER.pad_token_id] * 2


def test_tiny_model_learns_successor_exactly_and_stops_early(tmp_path) -> None:
    model = tiny()
    assert successor_accuracy(model)["exact"] < 1.0
    config = TrainConfig(
        out_dir=tmp_path,
        lr=3e-3,
        epochs=300,
        batch_size=5,
        eval_every=10,
        stop_metric="exact",
        stop_value=1.0,
        progress=False,
    )
    result = train(model, TOKENIZER, SUCCESSOR, config, eval_fn=successor_accuracy)
    assert result.stopped_early and result.metrics["exact"] == 1.0
    assert result.steps < 300 * 2 and result.steps % 10 == 0
    losses = [float(row["loss"]) for row in read_csv(tmp_path / "loss.csv")]
    assert len(losses) == result.steps
    assert sum(losses[-5:]) < 0.5 * sum(losses[:5])
    evals = read_csv(tmp_path / "eval.csv")
    assert evals[-1] == {"step": str(result.steps), "metric": "exact", "value": "1.0"}
    reloaded, tokenizer = load_model(str(result.final_dir), device="cpu")
    assert successor_accuracy(reloaded)["exact"] == 1.0


def test_length_groups_batch_each_example_once_with_less_padding() -> None:
    examples = [{"input_ids": [1] * n} for n in (1, 9, 2, 8, 3, 7, 4, 6, 5, 10, 1, 9, 2, 8)]
    groups = length_groups(examples, batch_size=3, seed=1, window=2)
    assert sorted(id(e) for g in groups for e in g) == sorted(id(e) for e in examples)
    assert all(1 <= len(g) <= 3 for g in groups) and groups == length_groups(examples, 3, seed=1, window=2)
    padded = sum(len(g) * max(len(e["input_ids"]) for e in g) for g in groups)
    plain = length_groups(examples, batch_size=3, seed=1, window=1)  # a window of one batch: no grouping
    assert padded < sum(len(g) * max(len(e["input_ids"]) for e in g) for g in plain)
    for start in range(0, len(groups), 2):  # within a window, batches follow each other in length
        window = [len(e["input_ids"]) for g in groups[start : start + 2] for e in g]
        assert window == sorted(window)


def run(out_dir, *, crash_at: int | None = None, resume: bool = False, grouped: bool = False) -> torch.nn.Module:
    """20 steps over 24 examples in batches of 4: 6 steps an epoch, so step 10 is mid-epoch."""
    pairs = [(f"{n}>", str(n + 1)) for n in range(24)]

    def crash(_model):
        if crash_at is not None:
            raise KeyboardInterrupt("simulated interruption")
        return {}

    model = tiny()
    config = TrainConfig(
        out_dir=out_dir,
        lr=3e-3,
        max_steps=20,
        batch_size=4,
        warmup_steps=3,
        weight_decay=0.1,
        save_every=5,
        eval_every=crash_at or 100,
        resume=resume,
        progress=False,
        group_by_length=grouped,
    )
    train(model, TOKENIZER, pairs, config, eval_fn=crash)
    return model


@pytest.mark.parametrize("grouped", [False, True])
def test_resume_ends_where_an_uninterrupted_run_ends(tmp_path, grouped: bool) -> None:
    straight = run(tmp_path / "straight", grouped=grouped)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "broken", crash_at=10, grouped=grouped)
    assert latest_checkpoint(tmp_path / "broken") == (tmp_path / "broken" / "checkpoint-10", 10)
    resumed = run(tmp_path / "broken", resume=True, grouped=grouped)
    for (name, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.allclose(a, b, atol=1e-6), name
    # and the resumed log reads as one run: same steps, same losses
    logs = [read_csv(tmp_path / d / "loss.csv") for d in ("straight", "broken")]
    assert [r["step"] for r in logs[1]] == [str(s) for s in range(1, 21)]
    assert [float(r["loss"]) for r in logs[0]] == pytest.approx([float(r["loss"]) for r in logs[1]], abs=1e-5)


def test_resume_checkpoints_hold_only_trainable_weights_for_lora(tmp_path) -> None:
    from safetensors.torch import load_file

    from lmarith.models import add_adapter, lora_config

    model = add_adapter(tiny(), "succ", lora_config(rank=2))
    config = TrainConfig(out_dir=tmp_path, max_steps=2, batch_size=5, save_every=2, progress=False)
    train(model, TOKENIZER, SUCCESSOR, config)
    saved = load_file(tmp_path / "checkpoint-2" / "model.safetensors")
    assert saved and all("lora_" in key for key in saved)


def test_resume_without_checkpoint_starts_fresh(tmp_path) -> None:
    config = TrainConfig(out_dir=tmp_path, max_steps=3, batch_size=5, resume=True, progress=False)
    assert train(tiny(), TOKENIZER, SUCCESSOR, config).steps == 3


def test_bad_requests(tmp_path) -> None:
    config = TrainConfig(out_dir=tmp_path, max_steps=1, eval_every=1, stop_metric="exact", progress=False)
    with pytest.raises(LmarithError, match="no training examples"):
        train(tiny(), TOKENIZER, [], config)
    with pytest.raises(LmarithError, match="no eval_fn"):
        train(tiny(), TOKENIZER, SUCCESSOR, config)
    with pytest.raises(LmarithError, match="reported no 'exact'"):
        train(tiny(), TOKENIZER, SUCCESSOR, config, eval_fn=lambda m: {"loss": 0.0})
    frozen = tiny().requires_grad_(False)
    with pytest.raises(LmarithError, match="no trainable parameters"):
        train(frozen, TOKENIZER, SUCCESSOR, TrainConfig(out_dir=tmp_path, progress=False))
    with pytest.raises(ValueError, match="stop_metric needs eval_every"):
        TrainConfig(out_dir=tmp_path, stop_metric="exact")


def test_fresh_run_refuses_an_out_dir_with_old_checkpoints(tmp_path) -> None:
    config = TrainConfig(out_dir=tmp_path, max_steps=2, batch_size=5, save_every=2, progress=False)
    train(tiny(), TOKENIZER, SUCCESSOR, config)
    with pytest.raises(LmarithError, match="checkpoints of an earlier run"):
        train(tiny(), TOKENIZER, SUCCESSOR, config)


def test_bf16_and_fp32_runs_follow_each_other_in_one_process(tmp_path) -> None:
    """bf16 is autocast around the training forward, not a process-wide accelerate state: a
    bf16 run, then a plain one, in the same process (as a notebook or the test suite does)."""
    for precision in ("bf16", "no"):
        config = TrainConfig(
            out_dir=tmp_path / precision, max_steps=2, batch_size=5, mixed_precision=precision, progress=False
        )
        result = train(tiny(), TOKENIZER, SUCCESSOR, config)
        assert result.steps == 2 and result.loss is not None
