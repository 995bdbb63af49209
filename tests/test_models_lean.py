"""The lean runtime computes what transformers computes, and the CLI path needs no transformers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from lmarith.errors import LmarithError
from lmarith.models import build_char_tokenizer, load_model, prepare_tokenizer, save_model
from lmarith.models.checkpoint import LeanTokenizer
from lmarith.models.decoding import greedy, left_pad
from lmarith.models.lean import LeanLlama

WORDS = ("C=1 OUTPUT+2 >0 >1 q1", "q1", "OUTPUT~0 qH")
TEXTS = ["ADD q1 66 C=0\n", "LONG_MUL q1 3\n", "x", "SUB q1 6 C=0 q1\n"]


def random_llama(tmp_path: Path, *, kv_heads: int, tied: bool) -> Path:
    """A random Llama with large weights (varied argmaxes), grouped-query attention optional."""
    tokenizer = prepare_tokenizer(build_char_tokenizer(words=WORDS))
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=48,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=kv_heads,
        intermediate_size=96,
        max_position_embeddings=128,
        tie_word_embeddings=tied,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        rope_theta=500.0,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        for param in model.parameters():
            param.normal_(0, 0.5)
    return save_model(model, tokenizer, tmp_path / f"llama-{kv_heads}-{tied}")


@pytest.mark.parametrize("kv_heads,tied", [(4, True), (2, False)])
def test_lean_logits_and_greedy_equal_transformers(tmp_path: Path, kv_heads: int, tied: bool) -> None:
    path = random_llama(tmp_path, kv_heads=kv_heads, tied=tied)
    hf, tokenizer = load_model(str(path))
    lean, lean_tokenizer = load_model(str(path), runtime="lean")
    rows = [tokenizer(text)["input_ids"] for text in TEXTS]
    ids, mask = left_pad(rows, tokenizer.pad_token_id, torch.device("cpu"))
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        expected = hf(input_ids=ids, attention_mask=mask, position_ids=positions).logits
    got = lean(ids, mask, positions).logits
    real = mask.bool()
    assert torch.allclose(got[real], expected[real], atol=1e-4), (got[real] - expected[real]).abs().max()
    assert not got.isnan().any()  # padded positions included
    stop = tokenizer.eos_token_id
    expected_replies = greedy(hf, rows, stop=stop, pad=0, max_new_tokens=12)
    assert greedy(lean, rows, stop=stop, pad=0, max_new_tokens=12) == expected_replies
    assert [lean_tokenizer(t)["input_ids"] for t in TEXTS] == rows
    # the numpy runtime: the same last-position logits, one row at a time, and the same replies
    numpy_model, _ = load_model(str(path), runtime="numpy")
    for i, row in enumerate(rows):
        last = torch.from_numpy(numpy_model.last_logits(row))
        assert torch.allclose(last, expected[i, -1], atol=1e-4), (last - expected[i, -1]).abs().max()
    assert numpy_model.greedy(rows, stop={stop}, max_new_tokens=12) == expected_replies


def test_lean_tokenizer_matches_the_transformers_one(tmp_path: Path) -> None:
    tokenizer = build_char_tokenizer(words=WORDS)
    tokenizer.save_pretrained(tmp_path)
    lean = LeanTokenizer(tmp_path)
    assert (lean.eos_token_id, lean.pad_token_id, len(lean)) == (
        tokenizer.eos_token_id,
        tokenizer.pad_token_id,
        len(tokenizer),
    )
    for text in [*TEXTS, *WORDS, "C=1 OUTPUT+2 >0 >1 q1q1 é"]:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert lean(text, add_special_tokens=False)["input_ids"] == ids
        assert lean.decode(ids) == tokenizer.decode(ids)
    assert tokenizer("q1", add_special_tokens=False)["input_ids"] == [tokenizer.convert_tokens_to_ids("q1")]


def test_lean_refuses_what_it_does_not_compute(tmp_path: Path) -> None:
    path = random_llama(tmp_path, kv_heads=4, tied=True)
    config = (path / "config.json").read_text().replace('"model_type": "llama"', '"model_type": "gpt2"')
    (path / "config.json").write_text(config)
    with pytest.raises(LmarithError, match="plain Llama"):
        LeanLlama.load(path)


@pytest.mark.parametrize(
    "runtime,absent",
    [
        ("auto", ("torch", "transformers", "peft", "accelerate", "torchhd")),  # one problem: numpy
        ("lean", ("transformers", "peft", "accelerate", "torchhd")),
    ],
)
def test_the_default_imports_only_its_runtime(runtime: str, absent: tuple[str, ...]) -> None:
    """What `lmarith solve` on the default pays for: numpy alone, or torch on --runtime lean."""
    code = (
        f"import sys; from lmarith.cli import main; sys.argv = ['lmarith', 'solve', '12+34', '--runtime', {runtime!r}]\n"  # noqa: E501
        "try:\n    main()\nexcept SystemExit as stop:\n    assert stop.code == 0, stop.code\n"
        f"heavy = [m for m in {absent!r} if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "46"


@pytest.mark.parametrize("args", [["--help"], ["trace", "2+2"], ["generate", "--help"]])
def test_light_commands_import_no_torch(args: list[str]) -> None:
    code = (
        f"import sys; from lmarith.cli import main; sys.argv = ['lmarith', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "heavy = [m for m in ('torch', 'transformers', 'peft', 'accelerate', 'matplotlib') if m in sys.modules]\n"  # noqa: E501 (typer itself loads pydantic)
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
