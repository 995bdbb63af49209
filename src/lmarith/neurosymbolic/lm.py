"""Talking to the LM: render prompts, batch greedy generation, answer parsing, answer-token loss.

Shared by the neurosymbolic method and every baseline, so all of them see identical prompts
and are scored identically. Prompt and answer are tokenized the way the shared trainer does
(``lmarith.models.training.encode_pair``), so training and scoring agree on token boundaries.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext

import torch
from torch import Tensor
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.models.training import IGNORE, encode_pair, pad_batch

Around = Callable[[dict[str, Tensor]], AbstractContextManager]

_INT = re.compile(r"-?\d+")
_FINAL = re.compile(r"Final Answer:\s*(-?\d+)", re.IGNORECASE)


def render_prompt(tokenizer: PreTrainedTokenizerBase, messages: list[dict[str, str]]) -> str:
    """The chat as the model's own chat template renders it, ready for the assistant's turn.

    Tokenizers without a template (the tiny character-level ones) get a plain transcript.
    """
    if tokenizer.chat_template:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "


def parse_answer(text: str, *, cot: bool = False) -> int | None:
    """The integer a reply gives: after 'Final Answer:' for chain of thought, else the first one."""
    if cot:
        found = _FINAL.search(text)
        return int(found.group(1)) if found else None
    found = _INT.search(text)
    return int(found.group()) if found else None


def batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@torch.no_grad()
def generate(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    *,
    max_new_tokens: int = 8,
    batch_size: int = 8,
    around: "Around | None" = None,
) -> list[str]:
    """Greedy continuations of ``prompts`` (left-padded batches), special tokens stripped.

    ``around(batch)`` gives a context manager entered around each batch's ``generate``, e.g.
    an intervention hook that must start afresh on each batch's prompt pass.
    """
    tokenizer.padding_side = "left"
    out: list[str] = []
    for chunk in batches(prompts, batch_size):
        enc = tokenizer(list(chunk), return_tensors="pt", padding=True).to(model.device)
        with around(dict(enc)) if around is not None else nullcontext():
            ids = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id)
        out += tokenizer.batch_decode(ids[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
    return out


def teacher_forced(tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], answers: Sequence[str]) -> dict[str, Tensor]:
    """A right-padded batch of prompt + answer + EOS with labels on the answer only."""
    return pad_batch([encode_pair(tokenizer, p, a) for p, a in zip(prompts, answers)], tokenizer.pad_token_id)


def prompt_ends(labels: Tensor) -> Tensor:
    """Index of each row's last prompt token: the one that predicts the first answer token."""
    return (labels != IGNORE).int().argmax(dim=1) - 1


def token_losses(model: PreTrainedModel, batch: dict[str, Tensor]) -> Tensor:
    """Per-token cross-entropy of the labels (next-token shifted); IGNORE positions give 0."""
    batch = {k: v.to(model.device) for k, v in batch.items()}
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
    labels = batch["labels"][:, 1:]
    return torch.nn.functional.cross_entropy(
        logits.float().transpose(1, 2), labels, ignore_index=IGNORE, reduction="none"
    )


def answer_digit_mask(tokenizer: PreTrainedTokenizerBase, labels: Tensor) -> Tensor:
    """Which (shifted) label positions are answer tokens proper: labelled, and not EOS."""
    shifted = labels[:, 1:]
    return (shifted != IGNORE) & (shifted != tokenizer.eos_token_id)


@torch.no_grad()
def answer_cross_entropy(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    answers: Sequence[str],
    *,
    batch_size: int = 8,
    around: Around | None = None,
) -> list[float]:
    """Mean cross-entropy (nats) of each gold answer's digit tokens, teacher-forced after its prompt."""
    out: list[float] = []
    for chunk in batches(list(zip(prompts, answers)), batch_size):
        batch = teacher_forced(tokenizer, [p for p, _ in chunk], [a for _, a in chunk])
        with around(batch) if around is not None else nullcontext():
            losses = token_losses(model, batch)
        mask = answer_digit_mask(tokenizer, batch["labels"]).to(losses.device)
        out += ((losses * mask).sum(1) / mask.sum(1).clamp_min(1)).tolist()
    return out
