"""Shared fixtures."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

CliRun = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRun:
    """Run `lmarith ARGS...` in this process (as the console script would, through ``main``):
    returns (exit code, stdout, stderr). In-process, so torch is imported once per session."""

    from lmarith.cli import main  # imported here: the CLI pulls in torch, most tests need not

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["lmarith", *args])
        with pytest.raises(SystemExit) as stop:
            main()
        out = capsys.readouterr()
        return int(stop.value.code or 0), out.out, out.err

    return run


@pytest.fixture(scope="session")
def gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny randomly initialised GPT-2 (not Llama) with the character tokenizer, saved as an
    HF directory: proof that nothing needs a Llama."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from lmarith.models import build_char_tokenizer, prepare_tokenizer, save_model

    tokenizer = prepare_tokenizer(build_char_tokenizer())
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=32,
        n_layer=2,
        n_head=2,
        n_positions=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return save_model(GPT2LMHeadModel(config), tokenizer, tmp_path_factory.mktemp("gpt2") / "model")
