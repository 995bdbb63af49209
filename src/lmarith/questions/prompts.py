"""Prompts for a question and the replies they get: chat messages, chain of thought, answers.

Every format here is written and read in this module: the two-shot chat with bare-integer
answers, the worked answers ending in ``Final Answer: N`` (written by :func:`worked_solution`,
read by :func:`parse_answer` and :func:`cot_prefix`), and the rendering of a chat for a model.
"""

from __future__ import annotations

import math
import random
import re
from typing import TYPE_CHECKING

from lmarith.questions.question import Question, in_chat_context, make_question, parse_question, phrasings
from lmarith.questions.rules import MOD_1000_TYPES, OPS

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


def shots_for(question: Question, *, count: int = 2) -> list[Question]:
    """Worked examples of the same type for a few-shot prompt, fixed per question.

    Drawn from the training phrasings with operands of the question's size, seeded by the
    question itself, so a question's prompt never changes between gather, training and eval.
    """
    rng = random.Random(f"shots:{question.problem_type}:{question.x}:{question.y}")
    high = 10 ** len(str(max(question.x, question.y))) - 1
    templates = phrasings(question.problem_type, "train")
    return [
        make_question(
            question.problem_type,
            rng.randint(1, high),
            rng.randint(1, high),
            rng.choice(templates),
            mod1000=question.mod1000,
        )
        for _ in range(count)
    ]


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


def chat_messages(question: Question, *, cot: bool = False, shots: int = 2) -> Messages:
    """The two-shot chat (system, shot pairs, question) as a list of role/content messages."""
    messages = [{"role": "system", "content": SYSTEM_COT if cot else SYSTEM_DIRECT}]
    for shot in shots_for(question, count=shots):
        answer = worked_solution(shot) if cot else str(shot.solution)
        messages += [{"role": "user", "content": shot.question}, {"role": "assistant", "content": answer}]
    messages.append({"role": "user", "content": question.question})
    return messages


def conversation(turns: Messages) -> Messages:
    """A conversation (user and assistant turns) under the general-purpose system prompt."""
    return [{"role": "system", "content": SYSTEM_CHAT}, *turns]


def training_messages(question: Question) -> Messages:
    """The prompt a training row is gathered and fine-tuned with: the two-shot chat, or for one
    question in four (fixed per question, :func:`in_chat_context`) the plain one-turn chat
    that ``lmarith neuro ask`` gives wordings it does not recognise."""
    if in_chat_context(question):
        return conversation([{"role": "user", "content": question.question}])
    return chat_messages(question)


def question_messages(text: str) -> Messages:
    """The prompt for a question typed by someone: the evaluation's two-shot chat when it is one
    of our phrasings (so it gets exactly the prompt the intervention was trained on), else a
    plain one-turn chat."""
    question = parse_question(text)
    return chat_messages(question) if question else conversation([{"role": "user", "content": text.strip()}])


def render_prompt(tokenizer: PreTrainedTokenizerBase, messages: Messages) -> str:
    """The chat as the model's own chat template renders it, ready for the assistant's turn.

    Tokenizers without a template (the tiny character-level ones) get a plain transcript.
    """
    if tokenizer.chat_template:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "


def parse_answer(reply: str, *, cot: bool = False) -> int | None:
    """The integer a reply gives: after 'Final Answer:' (any case) for chain of thought, else the first one."""
    found = (_FINAL_INT if cot else _INT).search(reply)
    return int(found.group(found.lastindex or 0)) if found else None


def cot_prefix(reply: str) -> str:
    """The model's own reasoning up to its 'Final Answer:', so CoT cross-entropy scores the gold
    answer there; a reply that never got there gets the marker appended."""
    found = _MARKER.search(reply)
    return f"{reply[: found.start()]}{FINAL} " if found else f"{reply.rstrip()}\n{FINAL} "
