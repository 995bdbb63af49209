"""Compare the neurosymbolic intervention with its baselines on the same held-out questions.

Unrelated prompts are a fixed set of simple non-arithmetic questions; each counts as right
when the reply contains one of its accepted answers. They are answered with the hook off and
on: a gate that works leaves them word for word unchanged.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.baselines import adapter, score, trained
from lmarith.neurosymbolic.intervention import NeuroSymbolic, intervene
from lmarith.neurosymbolic.lm import generate, prompt_ends, render_prompt
from lmarith.neurosymbolic.problems import Problem

UNRELATED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("What is the capital of France?", ("paris",)),
    ("What color is the sky on a clear day?", ("blue",)),
    ("What is the opposite of hot?", ("cold",)),
    ("Which animal says meow?", ("cat",)),
    ("What do bees make?", ("honey",)),
    ("What is frozen water called?", ("ice",)),
    ("Which planet do we live on?", ("earth",)),
    ("What is the largest ocean on Earth?", ("pacific",)),
    ("What do you call a baby dog?", ("puppy", "pup")),
    ("Which season comes after winter?", ("spring",)),
    ("What gas do humans need to breathe?", ("oxygen",)),
    ("What is the color of grass?", ("green",)),
)
_SYSTEM = "You are a helpful assistant. Answer in a few words."


def _correct(reply: str, accepted: Sequence[str]) -> bool:
    words = reply.lower().replace(".", " ").replace(",", " ").split()
    return any(a in words or (len(a) > 1 and a in reply.lower()) for a in accepted)


def unrelated(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, neuro: NeuroSymbolic, *, batch_size: int = 8) -> dict:
    """Accuracy on the unrelated prompts with the hook off and on, and how often the gate opened."""
    prompts = [render_prompt(tokenizer, [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": q}]) for q, _ in UNRELATED]
    off = generate(model, tokenizer, prompts, max_new_tokens=16, batch_size=batch_size)
    opened: list[tuple[bool, int]] = []
    on = generate(model, tokenizer, prompts, max_new_tokens=16, batch_size=batch_size,
                  around=lambda _b: _recording(model, neuro, opened))
    accuracy = lambda replies: sum(_correct(r, a) for r, (_, a) in zip(replies, UNRELATED)) / len(UNRELATED)
    return {
        "hook_off": accuracy(off),
        "hook_on": accuracy(on),
        "identical": sum(a == b for a, b in zip(off, on)) / len(UNRELATED),
        "gate_open": sum(gate for gate, _ in opened) / len(UNRELATED),
        "prompts": len(UNRELATED),
    }


@contextmanager
def _recording(model: PreTrainedModel, neuro: NeuroSymbolic, opened: list[tuple[bool, int]]) -> Iterator[None]:
    """The intervention, appending (gate open, engine's answer) per row of the batch to ``opened``."""
    with intervene(model, neuro) as log:
        yield
    opened += list(zip(log.gate.tolist(), log.answers.tolist()))


def evaluate(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    neuro: NeuroSymbolic,
    problems: Sequence[Problem],
    *,
    lora_dir: Path | None = None,
    cot_dir: Path | None = None,
    batch_size: int = 8,
) -> dict:
    """The report: ``base``, ``cot``, ``lora``, ``neurosymbolic`` and ``unrelated``.

    ``cot`` prompts with worked two-shot examples, through the adapter trained on worked
    answers when ``cot_dir`` holds one; ``lora`` needs ``lora_dir``.
    """
    types = neuro.config.types
    report: dict = {"base": score(model, tokenizer, problems, trained_types=types, batch_size=batch_size)}
    opened: list[tuple[bool, int]] = []
    report["neurosymbolic"] = score(
        model, tokenizer, problems, trained_types=types, batch_size=batch_size,
        around_generate=lambda _b: _recording(model, neuro, opened),
        around_score=lambda b: intervene(model, neuro, ends=prompt_ends(b["labels"])),
    )
    for name, row in report["neurosymbolic"]["per_type"].items():
        mine = [(p, gate, answer) for p, (gate, answer) in zip(problems, opened) if p.problem_type == name]
        row["gate_open"] = sum(gate for _, gate, _ in mine) / len(mine)
        # the engine's answer right and let through: what a perfect decoder would score
        row["engine_correct"] = sum(gate and answer == p.solution for p, gate, answer in mine) / len(mine)
    report["unrelated"] = unrelated(model, tokenizer, neuro, batch_size=batch_size)
    if cot_dir is not None and trained(cot_dir, "worked"):
        with adapter(model, cot_dir, "worked") as tuned:
            report["cot"] = score(tuned, tokenizer, problems, trained_types=types, cot=True, batch_size=batch_size)
        report["cot"]["trained"] = True
    else:
        report["cot"] = score(model, tokenizer, problems, trained_types=types, cot=True, batch_size=batch_size)
        report["cot"]["trained"] = False
    if lora_dir is not None and trained(lora_dir, "direct"):
        with adapter(model, lora_dir, "direct") as tuned:
            report["lora"] = score(tuned, tokenizer, problems, trained_types=types, batch_size=batch_size)
    else:
        report["lora"] = {"accuracy": None, "cross_entropy": None, "per_type": {},
                          "skipped": "no trained LoRA adapter (run `lmarith neuro train --baselines`)"}
    return report
