"""Greedy decoding with a causal LM, batched, for the driver (``LMPolicy``).

Decoding is the shared greedy loop (``lmarith.models.decoding``: left-padded, KV-cached,
finished rows leave the batch). Between driver steps the tokenized prompts are cached:
window-format prompts repeat all the time (only their token ids; every answer is computed).

``naive=True`` is the paper's way, kept for the speed benchmark: one ``model.generate`` call
per prompt, no batching, nothing reused across steps.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from lmarith.errors import LmarithError
from lmarith.executors.policy import Completion, Policy, Request
from lmarith.executors.tasks import QUESTION_TASK, SHARED_TASK, aligned_machine, aligner_task, prompt
from lmarith.formats import DEFAULT_FORMAT, Format, model_for_format, text_format
from lmarith.machines.problems import Problem
from lmarith.models.lean_numpy import NumpyLlama
from lmarith.models.loading import stop_ids

if TYPE_CHECKING:  # torch, peft and transformers cost seconds to import; the numpy runtime needs none
    from peft import PeftModel
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from lmarith.models.decoding import Choices


PROMPT_CACHE = 4096
"""Tokenized prompts kept: every window view of every machine fits; CAEF texts rarely repeat."""


@contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """torch's intra-op threads set to ``threads`` inside the block and put back after it."""
    if threads is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _is_peft(model: object) -> bool:
    """Whether ``model`` is a peft model; peft is never imported for it (a model can only be
    one if peft is loaded already)."""
    peft = sys.modules.get("peft")
    return peft is not None and isinstance(model, peft.PeftModel)


class LMPolicy(Policy):
    """A language model writing the steps; ``adapters`` maps keys to LoRA adapter names.

    Without ``adapters`` every task runs on the model as it is (one fully fine-tuned model for
    all machines, like the embedded default). With them, a step uses the adapter of its task
    (``LESS_THAN``, ``ALIGN_ADD``: one adapter per machine, as in CAEF), else that of its
    problem's operator (``SUB``, ``ALIGN_SUB``: one adapter per operator, trained on every
    machine the operator runs), else the shared ``ALL`` adapter; the question aligner's task
    (``QUESTION``) only its own. Keys are upper case. A step with none of them is an error,
    not a silent fall-back to the base model.
    """

    def __init__(
        self,
        model: PreTrainedModel | PeftModel | NumpyLlama,
        tokenizer: PreTrainedTokenizerBase,
        adapters: Mapping[str, str] | None = None,
        *,
        batch_size: int = 64,
        naive: bool = False,
        aligners: bool = False,
        threads: int | None = None,
        command_adapters: frozenset[str] = frozenset(),
    ) -> None:
        if tokenizer.eos_token_id is None:
            raise LmarithError("the tokenizer has no EOS token: decoding could never stop")
        if adapters and not _is_peft(model):
            raise LmarithError("adapters were named but the model has none loaded")
        if batch_size <= 0:
            raise LmarithError(f"batch size must be positive, got {batch_size}")
        self.model = model if isinstance(model, NumpyLlama) else model.eval()
        self.tokenizer = tokenizer
        self.adapters = dict(adapters) if adapters is not None else None
        self.batch_size = batch_size
        self.naive = naive
        #: the model itself writes the CAEF aligners' texts (the embedded CAEF model does)
        self.aligners = aligners
        #: torch intra-op threads while this policy computes (None: leave the process's setting);
        #: set only around its own steps, so a big model asked in between keeps its threads
        self.threads = threads
        #: adapters that write a window command as one added token: a step is one token, so
        #: the budget is one (anything else that token could be is a malformed command)
        self.command_adapters = command_adapters
        self.eos = tokenizer.eos_token_id
        self.stops = stop_ids(model, tokenizer)
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.eos
        self.device = "cpu" if isinstance(model, NumpyLlama) else next(model.parameters()).device
        self._active: str | None = None
        self._encode = lru_cache(maxsize=PROMPT_CACHE)(self._tokenize)

    def forget_active(self) -> None:
        """Someone else switched the model's adapter: set it again on the next step."""
        self._active = None

    def adapter_for(self, request: Request) -> str | None:
        if request.task == QUESTION_TASK:  # it reads sentences: neither the base model nor an executor stands in
            if self.adapters is None or QUESTION_TASK not in self.adapters:
                raise LmarithError(
                    "no question aligner (adapter QUESTION) among the model's adapters: train one "
                    "with `lmarith train question --model MODEL --out runs/question --install`, "
                    "or pass --adapters"
                )
            return self.adapters[QUESTION_TASK]
        if self.adapters is None:
            return None
        operator = request.operator.upper()
        keys = (request.task, aligner_task(operator) if aligned_machine(request.task) else operator, SHARED_TASK)
        for key in keys:
            if key in self.adapters:
                return self.adapters[key]
        have = ", ".join(sorted(self.adapters)) or "none"
        raise LmarithError(f"no adapter for {request.task} or {operator or 'its operator'} (adapters: {have})")

    def complete(self, adapter: str | None, requests: list[Request], max_new_tokens: int) -> list[Completion]:
        if adapter is not None and adapter != self._active:
            from lmarith.models.adapters import set_adapter
            from lmarith.models.command_tokens import fold_command_tokens

            set_adapter(self.model, adapter)
            self._active = adapter
            # at each switch: peft unfolded the rows at the other adapter's first forward pass
            fold_command_tokens(self.model, adapter)
        if adapter in self.command_adapters:  # the question aligner's adapter never brings command tokens
            max_new_tokens = 1
        rows = [self._encode(prompt(request.text, request.task)) for request in requests]
        choices = [self._choices(r.choices) for r in requests] if any(r.choices for r in requests) else None
        if choices is not None and (self.naive or isinstance(self.model, NumpyLlama)):
            raise LmarithError("constrained decoding (requests with choices) needs the batched torch decoder")
        with _torch_threads(self.threads):
            if self.naive:
                outputs = [self._generate(row, max_new_tokens) for row in rows]
            else:
                outputs = [[] for _ in rows]
                by_length = sorted(range(len(rows)), key=lambda i: len(rows[i]))  # little padding
                for start in range(0, len(by_length), self.batch_size):
                    chunk = by_length[start : start + self.batch_size]
                    picked = None if choices is None else [choices[i] for i in chunk]
                    for i, out in zip(chunk, self.greedy([rows[i] for i in chunk], max_new_tokens, picked)):
                        outputs[i] = out
        return [Completion(self._decode(out), len(out)) for out in outputs]

    def _tokenize(self, text: str) -> tuple[int, ...]:
        """Prompt ids exactly as the trainer builds them (``encode_pair``: usual specials)."""
        return tuple(self.tokenizer(text)["input_ids"])

    def _choices(self, texts: tuple[str, ...] | None) -> Choices | None:
        """The token sequences of ``texts`` as the trainer writes responses (no specials, EOS)."""
        if texts is None:
            return None
        from lmarith.models.decoding import Choices

        return Choices([*self.tokenizer(t, add_special_tokens=False)["input_ids"], self.eos] for t in texts)

    def _decode(self, ids: list[int]) -> str:
        if ids and ids[-1] == self.eos:
            ids = ids[:-1]
        return self.tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)

    def greedy(
        self, rows: list[tuple[int, ...]], max_new_tokens: int, choices: list[Choices | None] | None = None
    ) -> list[list[int]]:
        """Greedy continuations of a batch of token rows, each up to and including its EOS."""
        if isinstance(self.model, NumpyLlama):
            return self.model.greedy(rows, stop=self.stops, max_new_tokens=max_new_tokens)
        from lmarith.models.decoding import greedy

        return greedy(self.model, rows, stop=self.stops, pad=self.pad, max_new_tokens=max_new_tokens, choices=choices)

    def _generate(self, row: tuple[int, ...], max_new_tokens: int) -> list[int]:
        """The paper's way: one ``generate`` call for one prompt."""
        if not hasattr(self.model, "generate"):
            raise LmarithError("the paper's per-step generate mode needs the transformers runtime")
        import torch
        from transformers import GenerationConfig

        ids = torch.tensor([row], device=self.device)
        config = GenerationConfig(
            max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=sorted(self.stops), pad_token_id=self.pad
        )
        with torch.inference_mode():
            new = self.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=config)
        out = new[0, len(row) :].tolist()
        end = next((i for i, token in enumerate(out) if token in self.stops), len(out) - 1)
        return out[: end + 1]


def executor_adapters(model: str, adapters: Path | None) -> Path | None:
    """``adapters`` checked against the model, else the executors that ship for it (none: the
    model runs as it is, as the embedded default does)."""
    from lmarith.models.shipped import check_manifest, shipped_dir

    if adapters is None:
        adapters = shipped_dir("executors", model)
        if adapters is None:
            return None
    check_manifest(adapters, model, "executors")
    return adapters


def load_policy(
    model: str = "default",
    adapters: Path | None = None,
    device: str | None = None,
    batch_size: int = 64,
    naive: bool = False,
    runtime: str = "auto",
    fmt: Format = DEFAULT_FORMAT,
) -> LMPolicy:
    """Load a model (and its adapters: ``adapters``, else the shipped ones) once, as a policy;
    tasks map to adapters by folder name. ``default`` is the embedded model of ``fmt``.

    ``runtime="auto"`` on an embedded model is the numpy runtime for one problem at a time
    (``batch_size=1``: importing torch costs more than the whole computation) and the lean
    torch runtime for batches; adapters and ``naive`` need transformers.
    """
    from lmarith.models.checkpoint import read_role
    from lmarith.models.loading import EMBEDDED, Runtime, load_model, resolve_model_dir

    if runtime not in get_args(Runtime):
        raise LmarithError(f"unknown runtime {runtime!r}; known: {', '.join(get_args(Runtime))}")
    model = model_for_format(model, fmt)
    adapters = executor_adapters(model, adapters)
    if runtime in ("lean", "numpy") and (adapters is not None or naive):
        raise LmarithError("adapters and --naive need --runtime transformers")
    if adapters is not None or naive:
        runtime = "transformers"
    if runtime == "auto" and model in EMBEDDED and batch_size == 1:
        runtime = "numpy"
    # a 0.3M-parameter model gains nothing from intra-op threads, and oversubscribed threads on a
    # busy machine made its steps many times slower (measured)
    threads = 1 if model in EMBEDDED and runtime != "numpy" else None
    base, tokenizer = load_model(model, device=device, runtime=runtime)  # type: ignore[arg-type]
    aligners = read_role(resolve_model_dir(model)).get("aligners") is True
    if adapters is None:
        return LMPolicy(base, tokenizer, batch_size=batch_size, naive=naive, aligners=aligners, threads=threads)
    from lmarith.models.adapters import command_token_adapters, find_adapters, load_adapters

    names = list(find_adapters(adapters))
    peft_model = load_adapters(base, adapters, names, tokenizer=tokenizer)
    return LMPolicy(
        peft_model,
        tokenizer,
        {n.upper(): n for n in names},
        batch_size=batch_size,
        naive=naive,
        threads=threads,
        command_adapters=command_token_adapters(adapters),
    )


def trained_operands(model: str, fmt: Format = DEFAULT_FORMAT) -> dict | None:
    """The operand range a model records in its role file (the embedded CAEF model: what it
    was trained on), read without loading it; None when it records none (no limit known)."""
    from lmarith.models.checkpoint import read_role
    from lmarith.models.loading import EMBEDDED, resolve_model_dir

    model = model_for_format(model, fmt)
    if model not in EMBEDDED and not Path(model).is_dir():
        return None
    operands = read_role(resolve_model_dir(model)).get("operands")
    return operands if isinstance(operands, dict) else None


def check_operands(problem: Problem, operands: dict | None, model: str) -> None:
    """One clear line when ``problem`` lies outside the range the model was trained on."""
    if operands is None:
        return
    a, b, op = problem.a, problem.b, problem.op.name
    digits = max(len(str(a)), len(str(b)))
    outside = None
    if op == "mul" and (len(str(a)) > operands["mul_div_digits"] or b > operands["mul_b_max"]):
        outside = f"* with a of at most {operands['mul_div_digits']} digits and b of at most {operands['mul_b_max']}"
    elif op == "div":
        low, high = operands["div_quotients"]
        if len(str(a)) > operands["mul_div_digits"] or not (b and low <= a // b <= high):
            outside = f"// with a of at most {operands['mul_div_digits']} digits and a quotient of {low} to {high}"
    elif digits > operands["digits"]:
        outside = f"operands of at most {operands['digits']} digits"
    if outside is not None:
        raise LmarithError(
            f"the {model} model was trained on {outside}; {problem.prompt()[:-1][:60]} is outside that "
            "range: use --format window (exact far beyond it)"
        )


def aligns(policy: LMPolicy, fmt: Format, problems: Sequence[Problem], long: bool) -> bool:
    """Whether the CAEF aligners run on the LM: every problem's machine has an aligner adapter,
    or the model writes the aligners' texts itself (the embedded CAEF model). The window
    format has no aligners: its first view is built by the runtime."""
    if not text_format(fmt).aligners:
        return False
    if policy.adapters is None:
        return policy.aligners
    try:
        for p in problems:
            policy.adapter_for(Request(aligner_task(p.machine_name(long)), "", p.op.name))
    except LmarithError:
        return False
    return True
