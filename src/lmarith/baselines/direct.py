"""The base model answering ``a+b=`` directly, with a few solved examples before it: what an
executor is compared with (the paper's baselines answer directly too)."""

from __future__ import annotations

from collections.abc import Sequence

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.data import sample_problems
from lmarith.machines.problems import Problem
from lmarith.models.decoding import greedy
from lmarith.models.loading import stop_ids


def few_shot_prompt(problem: Problem, shots: Sequence[Problem]) -> str:
    """``a+b=c`` lines for the shots, then the question's ``a+b=``; no chat template."""
    return "".join(f"{s.prompt()}{s.answer()}\n" for s in shots) + problem.prompt()


def few_shot_accuracy(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    op: str,
    digits: int,
    n: int,
    shots: int = 3,
    seed: int = 0,
) -> float:
    """Greedy direct answers to ``n`` test-split problems (one batch); the shots come from the train split."""
    examples = sample_problems(op, digits, shots, seed, split="train")
    problems = sample_problems(op, digits, n, seed, split="test")
    rows = [tokenizer(few_shot_prompt(p, examples))["input_ids"] for p in problems]
    replies = greedy(
        model, rows, stop=stop_ids(model, tokenizer), pad=tokenizer.pad_token_id, max_new_tokens=2 * digits + 4
    )
    decoded = tokenizer.batch_decode(replies, skip_special_tokens=True)
    return sum(reply.split("\n")[0].strip() == p.answer() for p, reply in zip(problems, decoded)) / n
