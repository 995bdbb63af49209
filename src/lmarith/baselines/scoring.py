"""Score any method the same way: accuracy of the greedy answer and answer-token cross-entropy.

A method is a model plus optional hooks around generation and scoring; base, chain of
thought, LoRA and the neurosymbolic intervention all go through :func:`score`, so the numbers
in one report are comparable.
"""

from collections import defaultdict
from collections.abc import Sequence
from statistics import fmean

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.neurosymbolic.lm import (
    Around,
    answer_cross_entropy,
    generate,
    parse_answer,
    render_prompt,
)
from lmarith.neurosymbolic.problems import Problem, chat_messages

_FINAL = "Final Answer:"


def _cot_prefix(reply: str) -> str:
    """The model's own reasoning up to the answer, so CoT cross-entropy scores the gold answer there."""
    head, found, _ = reply.partition(_FINAL)
    return f"{head}{_FINAL} " if found else f"{reply.rstrip()}\n{_FINAL} "


def score(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    problems: Sequence[Problem],
    *,
    trained_types: Sequence[str],
    cot: bool = False,
    around_generate: Around | None = None,
    around_score: Around | None = None,
    batch_size: int = 8,
    max_new_tokens: int | None = None,
) -> dict:
    """``{accuracy, cross_entropy, per_type}``; the two means are over ``trained_types`` only.

    ``per_type`` holds every type present (held-out types too) with its own accuracy,
    cross-entropy and question count.
    """
    prompts = [render_prompt(tokenizer, chat_messages(p, cot=cot)) for p in problems]
    budget = max_new_tokens or (160 if cot else 8)
    replies = generate(model, tokenizer, prompts, max_new_tokens=budget, batch_size=batch_size, around=around_generate)
    if cot:
        prompts = [prompt + _cot_prefix(reply) for prompt, reply in zip(prompts, replies)]
    losses = answer_cross_entropy(model, tokenizer, prompts, [str(p.solution) for p in problems],
                                  batch_size=batch_size, around=around_score)
    groups: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    for problem, reply, loss in zip(problems, replies, losses):
        groups[problem.problem_type].append((parse_answer(reply, cot=cot) == problem.solution, loss))
    per_type = {
        t: {"accuracy": fmean(ok for ok, _ in rows), "cross_entropy": fmean(loss for _, loss in rows), "count": len(rows)}
        for t, rows in sorted(groups.items())
    }
    trained = [per_type[t] for t in trained_types if t in per_type]
    return {
        "accuracy": fmean(r["accuracy"] for r in trained) if trained else None,
        "cross_entropy": fmean(r["cross_entropy"] for r in trained) if trained else None,
        "per_type": per_type,
        "examples": [{"question": p.question, "solution": p.solution, "reply": r} for p, r in zip(problems[:3], replies[:3])],
    }
