"""Nothing is Llama-specific, and training runs distributed: a tiny GPT-2 trains the table recipe
and solves through the CLI; `accelerate launch` with two CPU processes trains an adapter."""

from __future__ import annotations

import csv
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lmarith.errors import LmarithError
from lmarith.executors.recipes import ExecutorRecipe, adapter_name, table_pairs
from lmarith.models import (
    find_adapters,
    load_adapters,
    load_model,
    ship_adapters,
)
from lmarith.models.command_tokens import fold_command_tokens
from lmarith.models.shipped import Manifest, check_manifest, write_manifest


def test_table_recipe_covers_the_operators_machines() -> None:
    sub = dict(table_pairs(ExecutorRecipe(op="sub", table=True)))
    assert {view.split()[0] for view in sub} == {"LONG_SUB", "BORROW_SUB", "LESS_THAN"}  # callees included
    shared = dict(table_pairs(ExecutorRecipe(op="all", table=True)))
    assert set(sub) <= set(shared) and len(shared) > 1400
    assert adapter_name(ExecutorRecipe(op="all", table=True)) == "ALL"
    with pytest.raises(LmarithError, match="not finite"):
        table_pairs(ExecutorRecipe(op="add", table=True, fmt="caef"))


def test_a_tiny_gpt2_trains_the_table_recipe_and_solves(gpt2_dir: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "run"
    code, _, err = cli(
        "train",
        "executor",
        "--model",
        str(gpt2_dir),
        "--op",
        "add",
        "--table",
        "--max-steps",
        "3",
        "--batch-size",
        "8",
        "--lora-rank",
        "4",
        "--bf16",
        "--out",
        str(out),
    )
    assert code == 0, err
    manifest = json.loads((out / "final" / "manifest.json").read_text())
    assert manifest["base_model"] == str(gpt2_dir) and "--table" in manifest["command"]
    assert "--bf16" in manifest["command"]  # bf16 autocast is part of the recipe it replays
    code, stdout, err = cli(
        "solve", "12+34", "--model", str(gpt2_dir), "--adapters", str(out / "final"), "--json", "--max-steps", "6"
    )
    record = json.loads(stdout)  # an untrained model may fail the problem; it must say so, not crash
    assert code == (0 if record["reason"] is None else 1), err
    assert (record["answer"] is None) == (record["reason"] is not None)
    assert record["correct"] is (record["answer"] == record["expected"] == "46")
    assert record["machine"] == "ADD" and record["calls"] >= 1
    # the same adapters refused on another base model: one line, exit 2
    code, _, err = cli("solve", "12+34", "--adapters", str(out / "final"))
    assert code == 2 and "trained for --model" in err and len(err.strip().splitlines()) == 1
    # the manifest's command is one the CLI takes, and trains the same adapter again
    again = tmp_path / "again"
    words = shlex.split(manifest["command"].replace(str(out), str(again)))
    assert words[:3] == ["lmarith", "train", "executor"] and "--lora-rank" in words
    code, _, err = cli(*words[1:])
    assert code == 0, err
    assert set(find_adapters(again / "final")) == set(find_adapters(out / "final")) == {"ADD"}
    # shipped in bf16: half the bytes, loads onto the base model
    shipped = tmp_path / "shipped"
    written = ship_adapters(out / "final", shipped)
    assert 0 < written < sum(f.stat().st_size for f in (out / "final" / "ADD").iterdir())
    assert {t.dtype for t in load_file(shipped / "ADD" / "adapter_model.safetensors").values()} == {torch.bfloat16}
    base, _ = load_model(str(gpt2_dir))
    assert "ADD" in load_adapters(base, shipped).peft_config


def test_command_tokens_make_a_transition_one_token_and_travel_with_the_adapter(  # type: ignore[no-untyped-def]
    gpt2_dir: Path, tmp_path: Path, cli
) -> None:
    """``--command-tokens``: every command of the table one added token, trained with the LoRA,
    saved (and shipped) beside it; loading adds the same tokens at the same ids, and each LM
    call then writes one token (two: the command and EOS, at most, for an untrained model)."""
    out = tmp_path / "run"
    args = ["--model", str(gpt2_dir), "--op", "add", "--table", "--max-steps", "2", "--lora-rank", "2"]
    code, _, err = cli("train", "executor", *args, "--command-tokens", "--batch-size", "8", "--out", str(out))
    assert code == 0, err
    recorded = json.loads((out / "final" / "ADD" / "command_tokens.json").read_text())
    commands = dict(table_pairs(ExecutorRecipe(op="add", table=True))).values()
    assert recorded["commands"] == sorted(set(commands)) and len(recorded["ids"]) == len(recorded["commands"])
    assert "--command-tokens" in json.loads((out / "final" / "manifest.json").read_text())["command"]
    shipped = tmp_path / "shipped"
    ship_adapters(out / "final", shipped)
    assert (shipped / "ADD" / "command_tokens.json").read_text() == (
        out / "final" / "ADD" / "command_tokens.json"
    ).read_text()
    base, tokenizer = load_model(str(gpt2_dir))
    with pytest.raises(LmarithError, match="tokenizer must be loaded"):
        load_adapters(base, shipped)
    model = load_adapters(base, shipped, tokenizer=tokenizer)
    first = recorded["commands"][0]
    assert tokenizer(first, add_special_tokens=False)["input_ids"] == [recorded["ids"][0]]
    assert set(recorded["ids"]) <= set(model.generation_config.eos_token_id)  # a command ends the step
    # folding the trained rows into the weights (inference) gives the same logits, and peft puts
    # the original rows back once a forward pass runs without the adapter
    prompt = torch.tensor([tokenizer("ADD q1 47 C=1")["input_ids"] + recorded["ids"][:2]])
    embedding = model.get_input_embeddings().token_adapter  # peft's TrainableTokensLayer
    with torch.no_grad():
        unfolded = model(input_ids=prompt).logits
        original = embedding.base_layer.weight[recorded["ids"]].clone()
        fold_command_tokens(model, "ADD")
        assert torch.equal(model(input_ids=prompt).logits, unfolded)
        assert torch.equal(embedding.base_layer.weight[recorded["ids"]], embedding.trainable_tokens_delta["ADD"])
        assert not torch.equal(original, embedding.trainable_tokens_delta["ADD"])  # training moved them
        with model.disable_adapter():
            model(input_ids=prompt)
        assert torch.equal(embedding.base_layer.weight[recorded["ids"]], original)
    code, stdout, err = cli(
        "solve", "12+34", "--model", str(gpt2_dir), "--adapters", str(shipped), "--json", "--max-steps", "4"
    )
    record = json.loads(stdout)
    assert record["calls"] >= 1 and record["tokens_per_transition"] <= 2, err
    assert record["seconds_per_transition"] > 0
    # without the table there is no finite set of commands to add
    code, _, err = cli("train", "executor", *args[:4], "--command-tokens", "--out", str(tmp_path / "bad"))
    assert code == 2 and "--table" in err and len(err.strip().splitlines()) == 1


def test_view_tokens_shorten_the_prompt_and_travel_with_the_adapter(  # type: ignore[no-untyped-def]
    gpt2_dir: Path, tmp_path: Path, cli
) -> None:
    """``--view-tokens``: the views' fixed parts (machine and state, each register) are added
    tokens too, read in prompts and never a stop; loading adds them at the same ids."""
    out = tmp_path / "run"
    args = ["--model", str(gpt2_dir), "--op", "add", "--table", "--max-steps", "2", "--lora-rank", "2"]
    code, _, err = cli("train", "executor", *args, "--command-tokens", "--view-tokens", "--out", str(out))
    assert code == 0, err
    recorded = json.loads((out / "final" / "ADD" / "command_tokens.json").read_text())
    assert "ADD q1 " in recorded["pieces"] and " C=1" in recorded["pieces"]
    assert len(recorded["ids"]) == len(recorded["commands"]) + len(recorded["pieces"])
    assert "--view-tokens" in json.loads((out / "final" / "manifest.json").read_text())["command"]
    base, tokenizer = load_model(str(gpt2_dir))
    before = len(tokenizer("ADD q1 47 C=1\n")["input_ids"])
    model = load_adapters(base, out / "final", tokenizer=tokenizer)
    assert tokenizer.tokenize("ADD q1 47 C=1\n")[:4] == ["ADD q1 ", "4", "7", " C=1"]
    assert before > 5
    pieces = set(recorded["ids"][len(recorded["commands"]) :])
    assert not pieces & set(model.generation_config.eos_token_id)  # a piece never ends a step
    code, _, err = cli("train", "executor", *args, "--view-tokens", "--out", str(tmp_path / "bad"))
    assert code == 2 and "--command-tokens" in err and len(err.strip().splitlines()) == 1


def test_install_needs_a_named_model(gpt2_dir: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(
        "train",
        "executor",
        "--model",
        str(gpt2_dir),
        "--op",
        "add",
        "--table",
        "--install",
        "--out",
        str(tmp_path / "run"),
    )
    assert code == 2 and "packaged" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_manifest_version_mismatch_is_one_clear_line(tmp_path: Path) -> None:
    write_manifest(
        tmp_path,
        Manifest(
            base_model="smollm2",
            package="pytest",
            version="0.0.1",
            kind="executors",
            command="lmarith train executor --table",
        ),
    )
    with pytest.raises(LmarithError, match="pytest 0.0.1, but"):
        check_manifest(tmp_path, "smollm2", "executors")
    with pytest.raises(LmarithError, match="holds executors, not intervention"):
        check_manifest(tmp_path, "smollm2", "intervention")
    assert check_manifest(tmp_path / "none", "smollm2", "executors") is None


def test_accelerate_launch_with_two_cpu_processes(gpt2_dir: Path, tmp_path: Path) -> None:
    """How a user with several GPUs trains: the loss is logged once per step, the adapter loads."""
    out = tmp_path / "ddp"
    launch = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--cpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "-m",
        "lmarith.cli",
        "train",
        "executor",
        "--model",
        str(gpt2_dir),
        "--op",
        "eq",
        "--table",
        "--max-steps",
        "4",
        "--batch-size",
        "4",
        "--lora-rank",
        "4",
        "--out",
        str(out),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(launch, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    with (out / "loss.csv").open() as handle:
        steps = [int(row["step"]) for row in csv.DictReader(handle)]
    assert steps == [1, 2, 3, 4]
    base, _ = load_model(str(gpt2_dir))
    model = load_adapters(base, out / "final")
    assert "EQ" in model.peft_config
