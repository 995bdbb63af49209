"""The base model answering ``a+b=`` directly, with a few solved examples before it: what an
executor is compared with (the paper's baselines answer directly too)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.data import sample_problems
from lmarith.machines.problems import Problem


def few_shot_prompt(problem: Problem, shots: Sequence[Problem]) -> str:
    """``a+b=c`` lines for the shots, then the question's ``a+b=``; no chat template."""
    return "".join(f"{s.prompt()}{s.answer()}\n" for s in shots) + problem.prompt()


@torch.inference_mode()
def few_shot_accuracy(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, op: str, digits: int, n: int,
                      shots: int = 3, seed: int = 0) -> float:
    """Greedy direct answers to ``n`` test-split problems; the shots come from the train split."""
    examples = sample_problems(op, digits, shots, seed, split="train")
    correct = 0
    for problem in sample_problems(op, digits, n, seed, split="test"):
        ids = tokenizer(few_shot_prompt(problem, examples), return_tensors="pt").to(model.device)
        out = model.generate(**ids, max_new_tokens=2 * digits + 4, do_sample=False,
                             pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
        reply = tokenizer.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
        correct += reply.split("\n")[0].strip() == problem.answer()
    return correct / n
