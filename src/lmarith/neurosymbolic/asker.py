"""Questions to a model with a trained intervention on: the reply, and what the engine read.

The model and intervention are loaded once (:class:`Asker`); every question gets the same
fixed prompt (``lmarith.questions.prompts.fixed_messages``: nothing is parsed out of the
question to choose it), and the intervention acts on its prompt pass exactly as in the
evaluation's ``fixed`` protocol. A :class:`Chat` keeps the history and applies the intervention
to each turn.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.errors import LmarithError
from lmarith.neurosymbolic import run as runs
from lmarith.neurosymbolic.intervention import InterventionLog, NeuroSymbolic, intervene
from lmarith.neurosymbolic.lm import generate
from lmarith.questions.prompts import Messages, conversation, fixed_messages, render_prompt

#: why a gate whose every check passed still shut
ENGINE_CANNOT = "the engine cannot answer what it read"


@dataclass(frozen=True)
class Reading:
    """What the engine read off one prompt, and what the gate made of it."""

    problem_type: str
    type_score: float
    a: int
    b: int
    a_margin: float
    b_margin: float
    gate: bool
    #: the engine's answer, when the gate opened
    answer: int | None
    #: the first gate condition that failed (see ``NeuroSymbolic.checks``), when it shut
    shut_because: str | None


@dataclass(frozen=True)
class Reply:
    """The model's reply with the intervention on, what the engine read and, when asked for,
    the reply with the hook off."""

    text: str
    reading: Reading
    hook_off: str | None = None


def reading(neuro: NeuroSymbolic, log: InterventionLog) -> Reading:
    """The first row of the latest prompt pass, in words."""
    problem = log.problem
    if problem is None or log.gate is None:
        raise LmarithError("the intervention never saw a prompt pass")
    failed = [why for why, passed in neuro.checks(problem).items() if not passed[0]]
    gate = bool(log.gate[0])
    return Reading(
        problem_type=neuro.codec.config.types[int(problem.type_index[0])],
        type_score=float(problem.type_score[0]),
        a=int(problem.a[0]),
        b=int(problem.b[0]),
        a_margin=float(problem.a_margin[0]),
        b_margin=float(problem.b_margin[0]),
        gate=gate,
        answer=int(log.answers[0]) if gate else None,
        shut_because=None if gate else (failed[0] if failed else ENGINE_CANNOT),
    )


def explain(reply: Reply, neuro: NeuroSymbolic) -> list[str]:
    """What the engine read and why the gate did what it did, one fact per line."""
    r, config = reply.reading, neuro.config
    trained = "trained" if r.problem_type in config.types else "not trained"
    lines = [
        f"type: {r.problem_type} ({trained}), score {r.type_score:.2f} (threshold {config.threshold:.2f})",
        f"a: {r.a} (digit margin {r.a_margin:.2f}, minimum {config.digit_margin:.2f})",
        f"b: {r.b} (digit margin {r.b_margin:.2f}, minimum {config.digit_margin:.2f})",
        f"gate: open, engine answer {r.answer}" if r.gate else f"gate: shut ({r.shut_because})",
        f"reply, hook on: {' '.join(reply.text.split())}",
    ]
    if reply.hook_off is not None:
        lines.append(f"reply, hook off: {' '.join(reply.hook_off.split())}")
    return lines


class Asker:
    """A model and its trained intervention, loaded once, answering question after question."""

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        neuro: NeuroSymbolic,
        *,
        max_new_tokens: int = 64,
    ) -> None:
        if neuro.config.hidden != model.config.hidden_size:
            raise LmarithError(
                f"the intervention was trained on a model of hidden size {neuro.config.hidden}, "
                f"this one has {model.config.hidden_size}"
            )
        self.model, self.tokenizer, self.neuro = model, tokenizer, neuro
        self.max_new_tokens = max_new_tokens

    @classmethod
    def from_pretrained(
        cls, run: Path | None = None, *, device: str | None = None, max_new_tokens: int = 16
    ) -> "Asker":
        """A run's model and intervention (default: the shipped ones, found by
        ``shipped_intervention_dir``), loaded once for questions; the intervention and the
        shipped manifest are checked before the model loads."""
        from lmarith.models.loading import load_model
        from lmarith.questions.question import parse_question

        if run is None:
            run = runs.shipped_intervention_dir()
            if run is None:
                raise LmarithError(
                    "no trained intervention ships with this lmarith; pass --run RUN "
                    "(a directory made by `lmarith neuro run`)"
                )
            config = runs.read_run(run)
            runs.check_shipped(run, config.model)
        else:
            config = runs.read_run(run)
        neuro = runs.trained_intervention(run)
        model, tokenizer = load_model(config.model, device=device)
        parse_question("")  # builds the table of our phrasings now, as part of the load
        return cls(model, tokenizer, neuro, max_new_tokens=max_new_tokens)

    def reply(self, messages: Messages, *, hook_off: bool = False) -> Reply:
        """The reply to a chat with the intervention on its prompt pass (and with it off, if asked)."""
        prompt = [render_prompt(self.tokenizer, messages)]
        logs: list[InterventionLog] = []

        @contextmanager
        def hooked() -> Iterator[None]:
            with intervene(self.model, self.neuro) as log:
                logs.append(log)
                yield

        [text] = generate(self.model, self.tokenizer, prompt, max_new_tokens=self.max_new_tokens, around=hooked)
        plain = (
            generate(self.model, self.tokenizer, prompt, max_new_tokens=self.max_new_tokens)[0] if hook_off else None
        )
        return Reply(text, reading(self.neuro, logs[0]), plain)

    def ask(self, question: str, *, hook_off: bool = False) -> Reply:
        """One question, in the one fixed prompt (:func:`fixed_messages`): nothing is read out of
        the question before the model reads it."""
        if not question.strip():
            raise LmarithError("the question is empty")
        return self.reply(fixed_messages(question), hook_off=hook_off)


class Chat:
    """A conversation with the intervention applied to each user turn's prompt pass."""

    def __init__(self, asker: Asker) -> None:
        self.asker = asker
        self.turns: Messages = []

    def say(self, text: str) -> Reply:
        self.turns.append({"role": "user", "content": text})
        reply = self.asker.reply(conversation(self.turns))
        self.turns.append({"role": "assistant", "content": reply.text.strip()})
        return reply
