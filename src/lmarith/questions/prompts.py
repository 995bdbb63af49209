"""Prompts for a question and the replies they get: chat messages, chain of thought, answers.

Every format here is written and read in this module: the two-shot chat with bare-integer
answers, the worked answers ending in ``Final Answer: N`` (written by :func:`worked_solution`,
read by :func:`parse_answer` and :func:`cot_prefix`), and the rendering of a chat for a model.
"""

from __future__ import annotations

import math
import random
import re
from typing import TYPE_CHECKING, Literal

from lmarith.questions.question import Question, in_chat_context, make_question, phrasings
from lmarith.questions.rules import MOD_1000_TYPES, OPS, TRAIN_TYPES

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

Messages = list[dict[str, str]]

FINAL = "Final Answer:"
SYSTEM_DIRECT = "You are a calculator. Reply with the answer only, as a bare integer."
SYSTEM_COT = f"You are a careful calculator. Solve the problem step by step, then write '{FINAL}' and the integer."
#: For anything that is not one of our questions: unrelated prompts, chat.
SYSTEM_CHAT = "You are a helpful assistant. Answer in a few words."

_INT = re.compile(r"-?\d+")
_MARKER = re.compile(re.escape(FINAL), re.IGNORECASE)
_FINAL_INT = re.compile(rf"{re.escape(FINAL)}\s*(-?\d+)", re.IGNORECASE)
_BARE = re.compile(r"-?\d+")
#: an integer given as the answer: after =, "is", "equals", "answer:" (digit groups not split)
_MARKED = re.compile(r"(?:=|\bis|\bequals|\banswer:)\s*(-?\d+)(?!\d|,\d)", re.IGNORECASE)


def shots_for(question: Question, *, count: int = 2, other_types: bool = False) -> list[Question]:
    """Worked examples for a few-shot prompt, fixed per question: of the question's own type, or
    (``other_types``) each of another trained type, so the examples tell nothing of the question.

    Drawn from the training phrasings with operands of the question's size, seeded by the
    question itself, so a question's prompt never changes between gather, training and eval.
    """
    rng = random.Random(f"shots:{question.problem_type}:{question.x}:{question.y}" + (":other" if other_types else ""))
    high = 10 ** len(str(max(question.x, question.y))) - 1
    others = [t for t in TRAIN_TYPES if t != question.problem_type]
    shots = []
    for _ in range(count):
        kind = rng.choice(others) if other_types else question.problem_type
        shots.append(
            make_question(
                kind,
                rng.randint(1, high),
                rng.randint(1, high),
                rng.choice(phrasings(kind, "train")),
                mod1000=question.mod1000 if kind == question.problem_type else kind in MOD_1000_TYPES,
            )
        )
    return shots


def worked_solution(question: Question) -> str:
    """A step-by-step answer ending in 'Final Answer: N', for chain-of-thought shots and training."""
    x, y, t, solution = question.x, question.y, question.problem_type, question.solution
    if t in ("bitwise_and", "bitwise_xor", "bitwise_or"):
        width = max(x.bit_length(), y.bit_length(), 1)
        op = {"bitwise_and": "AND", "bitwise_xor": "XOR", "bitwise_or": "OR"}[t]
        steps = [
            f"{x} in binary is {x:0{width}b}.",
            f"{y} in binary is {y:0{width}b}.",
            f"{op} bit by bit gives {solution:0{width}b}, which is {solution}.",
        ]
    elif t == "gcd":
        steps, a, b = [], x, y
        while b:
            steps.append(f"{a} mod {b} = {a % b}.")
            a, b = b, a % b
        steps.append(f"The gcd is {a}.")
    elif t == "lcm":
        g = math.gcd(x, y)
        steps = [f"gcd({x}, {y}) = {g}.", f"lcm = {x} * {y} / {g} = {x * y // g}."]
    elif t == "square_mod":
        steps = [f"{x} squared is {x * x}.", f"{x * x} mod {y} = {solution}."]
    elif t == "multiplication":
        steps = [f"{x} * {y} = {x * y}."]
    elif t == "division":
        steps = [f"{y} * {x // y} = {y * (x // y)}, and {y} * {x // y + 1} = {y * (x // y + 1)} is too big."]
    elif t == "modulo":
        steps = [f"{x} // {y} = {x // y}.", f"{x} - {y} * {x // y} = {x % y}."]
    elif t == "subtraction":
        steps = [f"{x} - {y} = {x - y}."]
    elif t == "comparison":
        steps = [
            f"{x} is {'greater' if x > y else 'not greater'} than {y}, so the answer is {int(x > y)} "
            f"(1 for yes, 0 for no)."
        ]
    else:
        steps = [f"{x} + {y} = {x + y}."]
    if t in MOD_1000_TYPES and solution != OPS[t](x, y):
        steps.append(f"Modulo 1000 that is {solution}.")
    return " ".join(steps) + f"\n{FINAL} {solution}"


def shot_turns(shots: list[Question], *, cot: bool = False) -> Messages:
    """Worked examples as earlier chat turns: each question, then its answer (bare, or worked)."""
    return [
        {"role": role, "content": content}
        for shot in shots
        for role, content in (
            ("user", shot.question),
            ("assistant", worked_solution(shot) if cot else str(shot.solution)),
        )
    ]


def chat_messages(question: Question, *, cot: bool = False, shots: int = 2) -> Messages:
    """The two-shot chat (system, shot pairs, question) as a list of role/content messages."""
    system = {"role": "system", "content": SYSTEM_COT if cot else SYSTEM_DIRECT}
    return [
        system,
        *shot_turns(shots_for(question, count=shots), cot=cot),
        {"role": "user", "content": question.question},
    ]


def conversation(turns: Messages) -> Messages:
    """A conversation (user and assistant turns) under the general-purpose system prompt."""
    return [{"role": "system", "content": SYSTEM_CHAT}, *turns]


#: How a question is put to the model. ``fixed``: the one prompt of every product path, the
#: same whatever the question (nothing is parsed out of it first); ``paper``: the original
#: evaluation's two-shot chat, whose examples are of the row's own type (a protocol for
#: reproducing the paper: it tells the model the type); ``shots``: for training only, the fixed
#: prompt, with two worked examples of *other* types as earlier turns on half the rows, so the
#: encoder learns to read the question and not whatever comes before it; ``mixed``: how runs
#: made before the fixed prompt were trained (``paper``, and ``fixed`` for one row in four).
Protocol = Literal["fixed", "paper", "mixed", "shots"]
PROTOCOLS: tuple[str, ...] = ("fixed", "paper")


def fixed_messages(text: str) -> Messages:
    """The one prompt every product path gives a question (``neuro ask``, ``neuro chat``'s first
    turn, ``ask --method neuro``, the API): the general-purpose system prompt and the question,
    whatever it asks."""
    return conversation([{"role": "user", "content": text.strip()}])


def protocol_messages(question: Question, protocol: Protocol, *, cot: bool = False) -> Messages:
    """The prompt of ``question`` under ``protocol``; ``cot``: chain of thought (``paper``: its
    worked two-shot chat; ``fixed``: the step-by-step system prompt and the question alone)."""
    if protocol == "fixed" and cot:
        return [{"role": "system", "content": SYSTEM_COT}, {"role": "user", "content": question.question}]
    if protocol == "shots" and not cot and not in_chat_context(question, share=2):
        turns = shot_turns(shots_for(question, other_types=True))
        return conversation([*turns, {"role": "user", "content": question.question.strip()}])
    if protocol in ("fixed", "shots") or (protocol == "mixed" and not cot and in_chat_context(question)):
        return fixed_messages(question.question)
    return chat_messages(question, cot=cot)


def render_prompt(tokenizer: PreTrainedTokenizerBase, messages: Messages) -> str:
    """The chat as the model's own chat template renders it, ready for the assistant's turn.

    Tokenizers without a template (the tiny character-level ones) get a plain transcript.
    """
    if tokenizer.chat_template:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "


def parse_answer(reply: str, *, cot: bool = False) -> int | None:
    """The integer a reply gives as its answer, or None when it gives none we can point to.

    Chain of thought: the one after 'Final Answer:' (any case). Otherwise, in this order: the one
    after 'Final Answer:'; a reply that is a bare integer; the integer right after the last
    ``=``, "is", "equals" or "answer:" ("The gcd of 84 and 126 is 12" -> 12, "512 * 384 =
    196608" -> 196608); the only integer in the reply. A reply with several integers and no
    such marker gives None: which one it meant is a guess.
    """
    final = _FINAL_INT.search(reply)
    if cot or final:
        return int(final.group(1)) if final else None
    text = reply.strip().rstrip(".!")
    if _BARE.fullmatch(text):
        return int(text)
    marked = _MARKED.findall(reply)
    if marked:
        return int(marked[-1])
    numbers = _INT.findall(reply)
    return int(numbers[0]) if len(numbers) == 1 else None


def cot_prefix(reply: str) -> str:
    """The model's own reasoning up to its 'Final Answer:', so CoT cross-entropy scores the gold
    answer there; a reply that never got there gets the marker appended."""
    found = _MARKER.search(reply)
    return f"{reply[: found.start()]}{FINAL} " if found else f"{reply.rstrip()}\n{FINAL} "
