"""Running the LM on questions: batched greedy replies, teacher-forced answer-token loss.

Shared by the intervention's training and by the evaluation of every method, so all of them
decode and are scored identically. Prompt and answer are tokenized the way the shared trainer
does (``lmarith.models.training.encode_pair``), so training and scoring agree on token
boundaries. Prompts themselves come from ``lmarith.questions.prompts``.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext

import torch
from torch import Tensor
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.models.decoding import greedy
from lmarith.models.loading import stop_ids
from lmarith.models.training import IGNORE, encode_pair, pad_batch

#: Context around one scoring batch (given the batch), e.g. the intervention with its rows' prompt ends.
Around = Callable[[dict[str, Tensor]], AbstractContextManager]
#: Context around one batch's decoding, e.g. the intervention, started afresh per batch.
AroundDecoding = Callable[[], AbstractContextManager]


def batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def generate(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    *,
    max_new_tokens: int = 8,
    batch_size: int = 8,
    around: AroundDecoding | None = None,
) -> list[str]:
    """Greedy replies to ``prompts`` (the shared decoder, batches of ``batch_size``), special tokens stripped.

    ``around()`` gives a context manager entered around each batch's decoding, e.g. an
    intervention hook that must start afresh on each batch's prompt pass; rows then stay in
    the batch to the end, since such a hook keeps its state per batch row.
    """
    stop, out = stop_ids(model, tokenizer), []
    for chunk in batches(prompts, batch_size):
        rows = tokenizer(list(chunk))["input_ids"]
        with around() if around is not None else nullcontext():
            replies = greedy(
                model,
                rows,
                stop=stop,
                pad=tokenizer.pad_token_id,
                max_new_tokens=max_new_tokens,
                drop_finished=around is None,
            )
        out += tokenizer.batch_decode(replies, skip_special_tokens=True)
    return out


def teacher_forced(
    tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], answers: Sequence[str]
) -> dict[str, Tensor]:
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
