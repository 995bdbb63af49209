"""Policies: whatever writes the next step's text. The driver only talks to this interface.

A policy maps each request's *task* (a machine name, or an aligner task, see ``prompts``) to
the adapter that serves it; the driver batches all prompts that share an adapter into one ``complete``
call. ``LMPolicy`` (``lm_policy.py``) decodes with a language model; ``OraclePolicy`` answers with the
reference machines (the upper bound, and the driver's tests).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from lmarith.errors import LmarithError
from lmarith.executors.reference import reference_output
from lmarith.formats import Format


@dataclass(frozen=True)
class Completion:
    """The text a policy wrote for one prompt (before EOS) and how many tokens it generated."""

    text: str
    tokens: int


@dataclass(frozen=True)
class Request:
    """One prompt for one task; ``text`` is the input text, without the prompt suffix;
    ``operator`` is the ``--op`` name of the problem the step belongs to (callees included);
    ``choices``, when set, are the only whole texts the policy may write (constrained decoding:
    the model still picks among them, token by token)."""

    task: str
    text: str
    operator: str = ""
    choices: tuple[str, ...] | None = None


class Policy(ABC):
    """Writes outputs for batches of requests that share one adapter."""

    def adapter_for(self, request: Request) -> str | None:
        """The adapter that serves ``request`` (requests with the same one are batched together)."""
        return request.task

    @abstractmethod
    def complete(self, adapter: str | None, requests: list[Request], max_new_tokens: int) -> list[Completion]:
        """One completion per request, in order; decoding stops at EOS or ``max_new_tokens``."""


class OraclePolicy(Policy):
    """Answers every request as the reference machines would.

    Its token count is one per character plus EOS, what the character tokenizer would emit,
    so window and CAEF costs compare without a model. An input the machines cannot continue
    from (a corrupted step fed back) gets an empty answer, which the driver fails on.
    """

    def __init__(self, fmt: Format) -> None:
        self.fmt = fmt

    def complete(self, adapter: str | None, requests: list[Request], max_new_tokens: int) -> list[Completion]:
        texts = [self._answer(r) for r in requests]
        return [Completion(text, len(text) + 1) for text in texts]

    def _answer(self, request: Request) -> str:
        try:
            return reference_output(self.fmt, request.task, request.text)
        except (LmarithError, KeyError, ValueError, IndexError):
            return ""
