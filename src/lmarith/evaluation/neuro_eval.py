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
from lmarith.questions.prompts import Protocol, conversation, cot_prefix, parse_answer, protocol_messages, render_prompt
from lmarith.questions.question import Question

METHODS = ("base", "cot", "lora", "neurosymbolic")

#: (prompt, accepted answers (empty: not scored for accuracy), kind). Written by hand, none of
#: them in the training negatives; "numbers" are prompts with numbers that are not problems.
UNRELATED: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("What is the capital of France?", ("paris",), "fact"),
    ("What color is the sky on a clear day?", ("blue",), "fact"),
    ("What is the opposite of hot?", ("cold",), "fact"),
    ("Which animal says meow?", ("cat",), "fact"),
    ("What do bees make?", ("honey",), "fact"),
    ("What is frozen water called?", ("ice",), "fact"),
    ("Which planet do we live on?", ("earth",), "fact"),
    ("What is the largest ocean on Earth?", ("pacific",), "fact"),
    ("What do you call a baby dog?", ("puppy", "pup"), "fact"),
    ("Which season comes after winter?", ("spring",), "fact"),
    ("What gas do humans need to breathe?", ("oxygen",), "fact"),
    ("What is the color of grass?", ("green",), "fact"),
    ("Who wrote Romeo and Juliet?", ("shakespeare",), "fact"),
    ("What is the capital of Japan?", ("tokyo",), "fact"),
    ("How many legs does a spider have?", ("8", "eight"), "fact"),
    ("What is the chemical symbol for gold?", ("au",), "fact"),
    ("Which is the tallest mountain in the world?", ("everest",), "fact"),
    ("What language is spoken in Brazil?", ("portuguese",), "fact"),
    ("Write a haiku about autumn.", (), "instruction"),
    ("Translate 'good morning' into Spanish.", ("buenos",), "instruction"),
    ("Give me three tips for better sleep.", (), "instruction"),
    ("Summarize the plot of Cinderella in one sentence.", (), "instruction"),
    ("List two primary colors.", (), "instruction"),
    ("Suggest a name for a pet goldfish.", (), "instruction"),
    ("Rewrite this sentence politely: give me the salt.", (), "instruction"),
    ("Explain what photosynthesis is in simple words.", (), "instruction"),
    ("Write a Python function that reverses a string.", (), "code"),
    ("What does the len function do in Python?", (), "code"),
    ("How do I print hello world in JavaScript?", (), "code"),
    ("What is a for loop?", (), "code"),
    ("Fix this code: print('hi'", (), "code"),
    ("What does HTML stand for?", ("hypertext",), "code"),
    ("In SQL, what does SELECT * FROM users do?", (), "code"),
    ("def f(x): return x\nWhat does f do?", (), "code"),
    ("Hello! How are you today?", (), "chat"),
    ("Tell me a joke.", (), "chat"),
    ("What is your favorite color?", (), "chat"),
    ("I'm feeling a bit tired today.", (), "chat"),
    ("Good night!", (), "chat"),
    ("Can you recommend a good book?", (), "chat"),
    ("What should I cook for dinner?", (), "chat"),
    ("Thanks for your help yesterday.", (), "chat"),
    ("I was born in 1990 in a small town.", (), "numbers"),
    ("My phone number ends in 4417.", (), "numbers"),
    ("The meeting is in room 214 at 3 pm.", (), "numbers"),
    ("World War II ended in 1945. Why did it start?", (), "numbers"),
    ("I ran 5 kilometers in 31 minutes this morning.", (), "numbers"),
    ("Flight 808 to Boston leaves from gate 12.", (), "numbers"),
    ("My zip code is 90210 and I live on 5th Avenue.", (), "numbers"),
    ("Chapter 7 starts on page 153.", (), "numbers"),
    ("The year 2000 was a leap year. Is 2100 one too?", (), "numbers"),
    ("I have 2 cats and 3 dogs at home.", (), "numbers"),
    ("Apollo 11 landed on the Moon in 1969.", (), "numbers"),
    ("Highway 101 runs along the coast for 1540 miles.", (), "numbers"),
)


def summarize(
    questions: Sequence[Question],
    replies: Sequence[str],
    losses: Sequence[float],
    *,
    trained_types: Sequence[str],
    cot: bool = False,
) -> dict:
    """``{accuracy, cross_entropy, per_type, examples}``; the two means are over ``trained_types`` only.

    ``per_type`` holds every type present (held-out types too) with its own accuracy,
    cross-entropy and question count.
    """
    groups: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    for question, reply, loss in zip(questions, replies, losses, strict=True):
        groups[question.problem_type].append((parse_answer(reply, cot=cot) == question.solution, loss))
    per_type = {
        t: {
            "accuracy": fmean(ok for ok, _ in rows),
            "cross_entropy": fmean(loss for _, loss in rows),
            "count": len(rows),
        }
        for t, rows in sorted(groups.items())
    }
    trained = [per_type[t] for t in trained_types if t in per_type]
    return {
        "accuracy": fmean(r["accuracy"] for r in trained) if trained else None,
        "cross_entropy": fmean(r["cross_entropy"] for r in trained) if trained else None,
        "per_type": per_type,
        "examples": [
            {"question": q.question, "solution": q.solution, "reply": r} for q, r in zip(questions[:3], replies[:3])
        ],
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
    protocol: Protocol = "fixed",
) -> dict:
    """Greedy replies and teacher-forced answer losses of one method, :func:`summarize`-d.

    For chain of thought the gold answer is scored after the model's own reasoning.
    ``protocol``: how the questions are put (``questions.prompts.protocol_messages``).
    """
    prompts = [render_prompt(tokenizer, protocol_messages(q, protocol, cot=cot)) for q in questions]
    budget = max_new_tokens or (160 if cot else 8)
    replies = generate(model, tokenizer, prompts, max_new_tokens=budget, batch_size=batch_size, around=around_generate)
    if cot:
        prompts = [prompt + cot_prefix(reply) for prompt, reply in zip(prompts, replies)]
    losses = answer_cross_entropy(
        model, tokenizer, prompts, [str(q.solution) for q in questions], batch_size=batch_size, around=around_score
    )
    return summarize(questions, replies, losses, trained_types=trained_types, cot=cot)


def _correct(reply: str, accepted: Sequence[str]) -> bool:
    words = reply.lower().replace(".", " ").replace(",", " ").split()
    return any(a in words or (len(a) > 1 and a in reply.lower()) for a in accepted)


def unrelated(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, neuro: NeuroSymbolic, *, batch_size: int = 8
) -> dict:
    """The unrelated prompts with the hook off and on: accuracy (where there is a right answer),
    identical replies, and how often the gate opened, overall and per kind."""
    prompts = [render_prompt(tokenizer, conversation([{"role": "user", "content": q}])) for q, _, _ in UNRELATED]
    off = generate(model, tokenizer, prompts, max_new_tokens=16, batch_size=batch_size)
    opened: list[tuple[bool, int]] = []
    on = generate(
        model,
        tokenizer,
        prompts,
        max_new_tokens=16,
        batch_size=batch_size,
        around=lambda: _recording(model, neuro, opened),
    )
    scored = [i for i, (_, a, _) in enumerate(UNRELATED) if a]
    accuracy = lambda replies: sum(_correct(replies[i], UNRELATED[i][1]) for i in scored) / len(scored)  # noqa: E731
    kinds = sorted({k for _, _, k in UNRELATED})
    per_kind = {
        k: {
            "prompts": sum(kind == k for _, _, kind in UNRELATED),
            "identical": sum(a == b for a, b, (_, _, kind) in zip(off, on, UNRELATED) if kind == k),
            "gate_open": sum(g for (g, _), (_, _, kind) in zip(opened, UNRELATED) if kind == k),
        }
        for k in kinds
    }
    return {
        "hook_off": accuracy(off),
        "hook_on": accuracy(on),
        "identical": sum(a == b for a, b in zip(off, on)) / len(UNRELATED),
        "identical_count": sum(a == b for a, b in zip(off, on)),
        "gate_open": sum(gate for gate, _ in opened) / len(UNRELATED),
        "gate_open_count": sum(gate for gate, _ in opened),
        "prompts": len(UNRELATED),
        "scored_prompts": len(scored),
        "per_kind": per_kind,
        "changed": [
            {"prompt": q, "hook_off": a, "hook_on": b} for (q, _, _), a, b in zip(UNRELATED, off, on) if a != b
        ],
    }


def gate_report(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    neuro: NeuroSymbolic,
    questions: Sequence[Question],
    *,
    batch_size: int = 8,
    protocol: Protocol = "fixed",
) -> dict:
    """How often the gate opens on questions it cannot answer (types it was not trained on,
    operands out of its range: it should not), per type, with the engine's answers where it
    opened; ``protocol`` as in :func:`score`."""
    prompts = [render_prompt(tokenizer, protocol_messages(q, protocol)) for q in questions]
    opened: list[tuple[bool, int]] = []
    generate(
        model,
        tokenizer,
        prompts,
        max_new_tokens=1,
        batch_size=batch_size,
        around=lambda: _recording(model, neuro, opened),
    )
    out: dict = {}
    for q, (gate, answer) in zip(questions, opened):
        row = out.setdefault(q.problem_type, {"count": 0, "gate_open": 0, "opened_on": []})
        row["count"] += 1
        if gate:
            row["gate_open"] += 1
            row["opened_on"].append({"question": q.question, "engine_answer": answer, "solution": q.solution})
    return out


def words_report(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    neuro: NeuroSymbolic,
    questions: Sequence[Question],
    *,
    batch_size: int = 8,
    protocol: Protocol = "fixed",
) -> dict:
    """Questions whose operands are English number words: base and intervention accuracy, the gate."""
    types = neuro.config.types
    base = score(model, tokenizer, questions, trained_types=types, batch_size=batch_size, protocol=protocol)
    opened: list[tuple[bool, int]] = []
    mine = score(
        model,
        tokenizer,
        questions,
        trained_types=types,
        batch_size=batch_size,
        protocol=protocol,
        around_generate=lambda: _recording(model, neuro, opened),
        around_score=lambda b: intervene(model, neuro, ends=prompt_ends(b["labels"])),
    )
    _gate_columns(mine, questions, opened)
    return {"base": base, "neurosymbolic": mine, "count": len(questions)}


def chat_report(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    neuro: NeuroSymbolic,
    questions: Sequence[Question],
    *,
    batch_size: int = 8,
) -> dict:
    """The intervention on the test questions asked as a plain one-turn chat, the prompt
    ``lmarith neuro ask`` gives a wording it does not recognise (greedy accuracy and the gate)."""
    prompts = [render_prompt(tokenizer, conversation([{"role": "user", "content": q.question}])) for q in questions]
    opened: list[tuple[bool, int]] = []
    replies = generate(
        model,
        tokenizer,
        prompts,
        max_new_tokens=8,
        batch_size=batch_size,
        around=lambda: _recording(model, neuro, opened),
    )
    out = summarize(questions, replies, [0.0] * len(questions), trained_types=neuro.config.types)
    _gate_columns(out, questions, opened)
    return out


def _gate_columns(result: dict, questions: Sequence[Question], opened: list[tuple[bool, int]]) -> None:
    for name, row in result["per_type"].items():
        mine = [(q, gate, answer) for q, (gate, answer) in zip(questions, opened) if q.problem_type == name]
        row["gate_open"] = sum(gate for _, gate, _ in mine) / len(mine)
        # the engine's answer right and let through: what a perfect decoder would score
        row["engine_correct"] = sum(gate and answer == q.solution for q, gate, answer in mine) / len(mine)


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
    parts: Sequence[str] = ("base", "neurosymbolic", "cot", "lora", "unrelated"),
    protocol: Protocol = "fixed",
) -> dict:
    """The report: ``base``, ``cot``, ``lora``, ``neurosymbolic`` and ``unrelated`` (those in ``parts``).

    ``cot`` prompts with worked two-shot examples, through the adapter trained on worked
    answers when ``cot_dir`` holds one; ``lora`` needs ``lora_dir``. ``protocol``: how every
    method is asked (``fixed``: the product's one prompt; ``paper``: two examples of the row's type).
    """
    types = neuro.config.types
    report: dict = {}
    if "base" in parts:
        report["base"] = score(
            model, tokenizer, questions, trained_types=types, batch_size=batch_size, protocol=protocol
        )
    if "neurosymbolic" in parts:
        opened: list[tuple[bool, int]] = []
        report["neurosymbolic"] = score(
            model,
            tokenizer,
            questions,
            trained_types=types,
            batch_size=batch_size,
            protocol=protocol,
            around_generate=lambda: _recording(model, neuro, opened),
            around_score=lambda b: intervene(model, neuro, ends=prompt_ends(b["labels"])),
        )
        _gate_columns(report["neurosymbolic"], questions, opened)
    if "unrelated" in parts:
        report["unrelated"] = unrelated(model, tokenizer, neuro, batch_size=batch_size)
    if "cot" not in parts:
        pass
    elif cot_dir is not None and trained(cot_dir, "worked"):
        with adapter(model, cot_dir, "worked") as tuned:
            report["cot"] = score(
                tuned, tokenizer, questions, trained_types=types, cot=True, batch_size=batch_size, protocol=protocol
            )
        report["cot"]["trained"] = True
    else:
        report["cot"] = score(
            model, tokenizer, questions, trained_types=types, cot=True, batch_size=batch_size, protocol=protocol
        )
        report["cot"]["trained"] = False
    if "lora" not in parts:
        pass
    elif lora_dir is not None and trained(lora_dir, "direct"):
        with adapter(model, lora_dir, "direct") as tuned:
            report["lora"] = score(
                tuned, tokenizer, questions, trained_types=types, batch_size=batch_size, protocol=protocol
            )
    else:
        report["lora"] = {
            "accuracy": None,
            "cross_entropy": None,
            "per_type": {},
            "skipped": "no trained LoRA adapter (run `lmarith neuro train --baselines`)",
        }
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
    for t in sorted(max((report[m].get("per_type") or {} for m in methods), key=len)):
        neuro = report.get("neurosymbolic", {}).get("per_type", {}).get(t, {})
        rows.append(
            {
                "type": t,
                **{m: _cell(report[m]["per_type"].get(t)) for m in methods},
                **{
                    label: f"{neuro[k]:.2f}" if k in neuro else "-"
                    for label, k in zip(GATE_COLUMNS, ("gate_open", "engine_correct"))
                },
            }
        )
    rows.append({"type": "mean (trained)", **{m: _cell(report[m]) for m in methods}, **dict.fromkeys(GATE_COLUMNS, "")})
    return rows


def method_rows(report: dict) -> list[dict[str, str]]:
    """Each method's means over the trained types."""
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    return [
        {
            "method": m + (" (trained on worked answers)" if m == "cot" and report[m].get("trained") else ""),
            "accuracy": fmt(report[m].get("accuracy")),
            "answer cross-entropy (nats/token)": fmt(report[m].get("cross_entropy")),
        }
        for m in METHODS
    ]


def unrelated_line(report: dict) -> str:
    u = report["unrelated"]
    counts = (
        f" ({u['identical_count']}/{u['prompts']} identical, gate opened on {u['gate_open_count']})"
        if "identical_count" in u
        else ""
    )
    return (
        f"unrelated prompts: hook off {u['hook_off']:.2f}, hook on {u['hook_on']:.2f}, "
        f"identical {u['identical']:.2f}, gate opened {u['gate_open']:.2f}{counts}"
    )
