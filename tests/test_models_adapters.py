"""Named LoRA adapters on one base: add, train one at a time, save, reload, switch."""

import pytest
import torch

from lmarith.errors import LmarithError
from lmarith.models import (
    TrainConfig,
    add_adapter,
    build_char_tokenizer,
    build_tiny_llama,
    find_adapters,
    load_adapters,
    lora_config,
    prepare_tokenizer,
    save_adapters,
    set_adapter,
    train,
)

torch.set_num_threads(1)
TOKENIZER = prepare_tokenizer(build_char_tokenizer())
PROMPTS = TOKENIZER([f"{d}>" for d in range(10)], return_tensors="pt", padding=True)
TASKS = {  # one toy "operator" per adapter
    "succ": [(f"{d}>", str((d + 1) % 10)) for d in range(10)],
    "pred": [(f"{d}>", str((d - 1) % 10)) for d in range(10)],
}


def tiny_base() -> torch.nn.Module:
    return build_tiny_llama(TOKENIZER, hidden=32, layers=2, seed=0)


def logits(model: torch.nn.Module) -> torch.Tensor:
    with torch.no_grad():
        return model.eval()(**PROMPTS).logits


def lora_weights(model: torch.nn.Module, name: str) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.named_parameters() if f".{name}." in k}


def base_weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.named_parameters() if "lora_" not in k}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two adapters on one tiny base, each trained a few steps on its own task."""
    base = tiny_base()
    plain = logits(base)
    model = add_adapter(base, "succ", lora_config(rank=4))
    add_adapter(model, "pred", lora_config(rank=4))
    assert torch.equal(logits(model), plain)  # fresh adapters start as the identity
    runs = tmp_path_factory.mktemp("runs")
    for name, pairs in TASKS.items():
        set_adapter(model, name)
        before_base = base_weights(model)
        before_other = lora_weights(model, "pred" if name == "succ" else "succ")
        before_own = lora_weights(model, name)
        config = TrainConfig(out_dir=runs / name, lr=1e-2, max_steps=6, batch_size=5, progress=False)
        train(model, TOKENIZER, pairs, config)
        after_own = lora_weights(model, name)
        assert any(not torch.equal(before_own[k], after_own[k]) for k in before_own)
        # only the active adapter trains: the base and the other adapter are untouched
        assert all(torch.equal(v, base_weights(model)[k]) for k, v in before_base.items())
        other = "pred" if name == "succ" else "succ"
        assert all(torch.equal(v, lora_weights(model, other)[k]) for k, v in before_other.items())
    outputs = {}
    for name in TASKS:
        set_adapter(model, name)
        outputs[name] = logits(model)
    return model, outputs, runs, plain


def test_adapters_give_different_outputs(trained) -> None:
    _, outputs, _, plain = trained
    assert not torch.allclose(outputs["succ"], outputs["pred"])
    assert not torch.allclose(outputs["succ"], plain)


def test_save_reload_switch_gives_the_same_outputs(trained, tmp_path) -> None:
    model, outputs, _, _ = trained
    save_adapters(model, tmp_path)
    assert sorted(find_adapters(tmp_path)) == ["pred", "succ"]
    assert (tmp_path / "succ" / "adapter_config.json").is_file()
    reloaded = load_adapters(tiny_base(), tmp_path)
    for name in ("pred", "succ", "pred"):  # switching back and forth
        set_adapter(reloaded, name)
        assert torch.allclose(logits(reloaded), outputs[name], atol=1e-6)


def test_training_leaves_the_trained_adapter_in_final(trained) -> None:
    _, outputs, runs, _ = trained
    final = runs / "pred" / "final"
    assert list(find_adapters(final)) == ["pred"]
    reloaded = load_adapters(tiny_base(), final, ["pred"])
    assert torch.allclose(logits(reloaded), outputs["pred"], atol=1e-6)


def test_adapter_named_default_lives_at_the_root(tmp_path) -> None:
    model = add_adapter(tiny_base(), "default", lora_config(rank=2))
    save_adapters(model, tmp_path)
    assert find_adapters(tmp_path) == {"default": tmp_path}


def test_errors(trained, tmp_path) -> None:
    model = trained[0]
    with pytest.raises(LmarithError, match="no adapter named 'mul'"):
        set_adapter(model, "mul")
    with pytest.raises(LmarithError, match="already exists"):
        add_adapter(model, "succ")
    with pytest.raises(LmarithError, match="no adapters"):
        load_adapters(tiny_base(), tmp_path)
    with pytest.raises(LmarithError, match="not found"):
        load_adapters(tiny_base(), tmp_path / "missing")
    save_adapters(model, tmp_path)
    with pytest.raises(LmarithError, match="adapters mul not in"):
        load_adapters(tiny_base(), tmp_path, ["succ", "mul"])
    with pytest.raises(LmarithError, match="rank must be positive"):
        lora_config(rank=0)


def test_default_targets_cover_every_llama_projection() -> None:
    model = add_adapter(tiny_base(), "x", lora_config(rank=2))
    wrapped = {k.split(".lora_A")[0].rsplit(".", 1)[-1] for k, _ in model.named_parameters() if "lora_A" in k}
    assert wrapped == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
