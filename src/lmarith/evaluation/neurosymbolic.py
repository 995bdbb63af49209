"""Score the neurosymbolic intervention and its baselines the same way, and render the report.

A method is a model plus optional hooks around decoding and scoring; base, chain of thought,
LoRA and the intervention all go through :func:`score`, so the numbers in one report are
comparable: accuracy of the greedy answer and the gold answer's token cross-entropy, per
problem type, with means over the trained types only.

Unrelated prompts are a fixed set of simple non-arithmetic questions; each counts as right
when the reply contains one of its accepted answers. They are answered with the hook off and
on: a gate that works leaves them word for word unchanged.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from statistics import fmean

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.baselines.lora import adapter, trained
from lmarith.neurosymbolic.intervention import NeuroSymbolic, intervene
from lmarith.neurosymbolic.lm import Around, AroundDecoding, answer_cross_entropy, generate, prompt_ends
from lmarith.questions.prompts import chat_messages, conversation, cot_prefix, parse_answer, render_prompt
from lmarith.questions.question import Question

METHODS = ("base", "cot", "lora", "neurosymbolic")

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


def summarize(questions: Sequence[Question], replies: Sequence[str], losses: Sequence[float], *,
              trained_types: Sequence[str], cot: bool = False) -> dict:
    """``{accuracy, cross_entropy, per_type, examples}``; the two means are over ``trained_types`` only.

    ``per_type`` holds every type present (held-out types too) with its own accuracy,
    cross-entropy and question count.
    """
    groups: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    for question, reply, loss in zip(questions, replies, losses, strict=True):
        groups[question.problem_type].append((parse_answer(reply, cot=cot) == question.solution, loss))
    per_type = {
        t: {"accuracy": fmean(ok for ok, _ in rows), "cross_entropy": fmean(loss for _, loss in rows), "count": len(rows)}
        for t, rows in sorted(groups.items())
    }
    trained = [per_type[t] for t in trained_types if t in per_type]
    return {
        "accuracy": fmean(r["accuracy"] for r in trained) if trained else None,
        "cross_entropy": fmean(r["cross_entropy"] for r in trained) if trained else None,
        "per_type": per_type,
        "examples": [{"question": q.question, "solution": q.solution, "reply": r} for q, r in zip(questions[:3], replies[:3])],
    }


def score(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    questions: Sequence[Question],
    *,
    trained_types: Sequence[str],
    cot: bool = False,
    around_generate: AroundDecoding | None = None,
    around_score: Around | None = None,
    batch_size: int = 8,
    max_new_tokens: int | None = None,
) -> dict:
    """Greedy replies and teacher-forced answer losses of one method, :func:`summarize`-d.

    For chain of thought the gold answer is scored after the model's own reasoning.
    """
    prompts = [render_prompt(tokenizer, chat_messages(q, cot=cot)) for q in questions]
    budget = max_new_tokens or (160 if cot else 8)
    replies = generate(model, tokenizer, prompts, max_new_tokens=budget, batch_size=batch_size, around=around_generate)
    if cot:
        prompts = [prompt + cot_prefix(reply) for prompt, reply in zip(prompts, replies)]
    losses = answer_cross_entropy(model, tokenizer, prompts, [str(q.solution) for q in questions],
                                  batch_size=batch_size, around=around_score)
    return summarize(questions, replies, losses, trained_types=trained_types, cot=cot)


def _correct(reply: str, accepted: Sequence[str]) -> bool:
    words = reply.lower().replace(".", " ").replace(",", " ").split()
    return any(a in words or (len(a) > 1 and a in reply.lower()) for a in accepted)


def unrelated(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, neuro: NeuroSymbolic, *, batch_size: int = 8) -> dict:
    """Accuracy on the unrelated prompts with the hook off and on, and how often the gate opened."""
    prompts = [render_prompt(tokenizer, conversation([{"role": "user", "content": q}])) for q, _ in UNRELATED]
    off = generate(model, tokenizer, prompts, max_new_tokens=16, batch_size=batch_size)
    opened: list[tuple[bool, int]] = []
    on = generate(model, tokenizer, prompts, max_new_tokens=16, batch_size=batch_size,
                  around=lambda: _recording(model, neuro, opened))
    accuracy = lambda replies: sum(_correct(r, a) for r, (_, a) in zip(replies, UNRELATED)) / len(UNRELATED)  # noqa: E731
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
    questions: Sequence[Question],
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
    report: dict = {"base": score(model, tokenizer, questions, trained_types=types, batch_size=batch_size)}
    opened: list[tuple[bool, int]] = []
    report["neurosymbolic"] = score(
        model, tokenizer, questions, trained_types=types, batch_size=batch_size,
        around_generate=lambda: _recording(model, neuro, opened),
        around_score=lambda b: intervene(model, neuro, ends=prompt_ends(b["labels"])),
    )
    for name, row in report["neurosymbolic"]["per_type"].items():
        mine = [(q, gate, answer) for q, (gate, answer) in zip(questions, opened) if q.problem_type == name]
        row["gate_open"] = sum(gate for _, gate, _ in mine) / len(mine)
        # the engine's answer right and let through: what a perfect decoder would score
        row["engine_correct"] = sum(gate and answer == q.solution for q, gate, answer in mine) / len(mine)
    report["unrelated"] = unrelated(model, tokenizer, neuro, batch_size=batch_size)
    if cot_dir is not None and trained(cot_dir, "worked"):
        with adapter(model, cot_dir, "worked") as tuned:
            report["cot"] = score(tuned, tokenizer, questions, trained_types=types, cot=True, batch_size=batch_size)
        report["cot"]["trained"] = True
    else:
        report["cot"] = score(model, tokenizer, questions, trained_types=types, cot=True, batch_size=batch_size)
        report["cot"]["trained"] = False
    if lora_dir is not None and trained(lora_dir, "direct"):
        with adapter(model, lora_dir, "direct") as tuned:
            report["lora"] = score(tuned, tokenizer, questions, trained_types=types, batch_size=batch_size)
    else:
        report["lora"] = {"accuracy": None, "cross_entropy": None, "per_type": {},
                          "skipped": "no trained LoRA adapter (run `lmarith neuro train --baselines`)"}
    return report


# ---------------------------------------------------------------------------------------------
# The report in words: the same rows for the terminal (``lmarith neuro eval``) and for
# markdown (``bench/neurosymbolic.py``).

TABLE_TITLE = "accuracy / answer cross-entropy (held-out questions)"
GATE_COLUMNS = ("gate open", "engine right")


def _cell(row: dict | None) -> str:
    return "-" if row is None or row.get("accuracy") is None else f"{row['accuracy']:.2f} / {row['cross_entropy']:.2f}"


def per_type_rows(report: dict) -> list[dict[str, str]]:
    """One row per problem type, then the trained-type means: 'accuracy / cross-entropy' of
    every method, and how often the intervention's gate opened and its engine was right (what
    a perfect decoder would score)."""
    methods = [m for m in METHODS if report.get(m)]
    rows = []
    for t in sorted(report["base"]["per_type"]):
        neuro = report["neurosymbolic"]["per_type"].get(t, {})
        rows.append({"type": t, **{m: _cell(report[m]["per_type"].get(t)) for m in methods},
                     **{label: f"{neuro[k]:.2f}" if k in neuro else "-"
                        for label, k in zip(GATE_COLUMNS, ("gate_open", "engine_correct"))}})
    rows.append({"type": "mean (trained)", **{m: _cell(report[m]) for m in methods}, **dict.fromkeys(GATE_COLUMNS, "")})
    return rows


def method_rows(report: dict) -> list[dict[str, str]]:
    """Each method's means over the trained types."""
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    return [{"method": m + (" (trained on worked answers)" if m == "cot" and report[m].get("trained") else ""),
             "accuracy": fmt(report[m].get("accuracy")),
             "answer cross-entropy (nats/token)": fmt(report[m].get("cross_entropy"))} for m in METHODS]


def unrelated_line(report: dict) -> str:
    u = report["unrelated"]
    return (f"unrelated prompts: hook off {u['hook_off']:.2f}, hook on {u['hook_on']:.2f}, "
            f"identical {u['identical']:.2f}, gate opened {u['gate_open']:.2f}")
