"""LoRA baselines (peft, via ``lmarith.models``): fine-tune on the same training questions.

``direct`` trains on bare-integer answers (the paper's LoRA baseline, but a real LoRA);
``worked`` trains on step-by-step answers ending in 'Final Answer:', the chain-of-thought
baseline for models too small to be prompted into reasoning.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from peft import PeftModel
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.models.adapters import (
    add_adapter,
    find_adapters,
    load_adapters,
    lora_config,
)
from lmarith.models.training import TrainConfig, train
from lmarith.questions.prompts import Protocol, protocol_messages, render_prompt, worked_solution
from lmarith.questions.question import Question

Style = Literal["direct", "worked"]
ADAPTER = {"direct": "answers", "worked": "worked"}


def training_pairs(
    tokenizer: PreTrainedTokenizerBase, questions: Sequence[Question], style: Style, protocol: Protocol = "fixed"
) -> list[tuple[str, str]]:
    """(prompt, response) pairs with the prompts the evaluation uses under ``protocol``."""
    cot = style == "worked"
    return [
        (
            render_prompt(tokenizer, protocol_messages(p, protocol, cot=cot)),
            worked_solution(p) if cot else str(p.solution),
        )
        for p in questions
    ]


def train_lora(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    questions: Sequence[Question],
    out_dir: Path,
    *,
    style: Style = "direct",
    rank: int = 8,
    epochs: int = 1,
    lr: float = 1e-3,
    batch_size: int = 8,
    resume: bool = True,
    progress: bool = True,
    protocol: Protocol = "fixed",
) -> Path:
    """Train one adapter on ``questions`` (resumable); the base model is left as it was."""
    peft_model = add_adapter(model, ADAPTER[style], lora_config(rank))
    pairs = training_pairs(tokenizer, questions, style, protocol)
    config = TrainConfig(
        out_dir=out_dir,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        resume=resume,
        save_every=max(8, len(pairs) // batch_size // 4),
        progress=progress,
    )
    try:
        result = train(peft_model, tokenizer, pairs, config)
    finally:
        peft_model.unload()
    return result.final_dir


def trained(directory: Path, style: Style) -> bool:
    """Whether ``directory`` holds a finished adapter of this style."""
    return (directory / "final").is_dir() and ADAPTER[style] in find_adapters(directory / "final")


@contextmanager
def adapter(model: PreTrainedModel, directory: Path, style: Style) -> Iterator[PeftModel]:
    """The model with a trained adapter active; the base model is restored afterwards."""
    peft_model = load_adapters(model, directory / "final", [ADAPTER[style]])
    try:
        yield peft_model
    finally:
        peft_model.unload()
