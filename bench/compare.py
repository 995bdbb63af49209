"""Every method on the same questions, side by side, on SmolLM2-135M-Instruct (CPU).

Questions are worded by the held-out family (training never saw their wording): addition,
subtraction, multiplication (exact, no mod), integer division and comparison (is x greater
than y: 1 for yes, 0 for no), with operands of 3, 10 and 30 digits, ``--n`` per cell. Methods:

- ``base``: the base model, two-shot chat, bare answers;
- ``cot``: the base model prompted to reason step by step (two worked shots, "Final Answer:");
- ``lora``: a LoRA adapter fine-tuned on direct answers to training-family questions of these
  types and sizes (trained here, ``--lora-per-cell`` per cell);
- ``neuro``: the neurosymbolic intervention of ``--neuro-run``, a run trained on these five
  types (``lmarith neuro run --types addition,subtraction,multiplication,division,comparison
  --no-mod1000``); its codec reads operands of up to its run's digits and questions beyond that
  are counted wrong ("cannot read"), as the method cannot represent them;
- ``executors``: the question aligner writes the expression, the window executors compute it
  (the shipped SmolLM2 adapters, ``lmarith ask``);
- ``caef``: the question aligner writes the expression, the embedded CAEF-format model runs it
  with the paper's machines and its LM aligners (the CAEF-format executors that work: SmolLM2's
  CAEF adapters do not ship). It is trained up to 12 digits, and CAEF's MUL loops ``b`` times
  (3-digit ``b``: up to 999 ADD calls), so multiplication is not run and counted wrong, as are
  negative differences (CAEF's SUB takes a >= b);
- ``default``: the embedded default given the expression itself (no words): an LM-only
  reference point for what exact execution costs.

Columns: accuracy; for the two methods that read with the question aligner, ``aligner_read``,
the share of questions it wrote the question's own expression for (``y+x`` and ``y<x`` count, an
expression that only shares the answer does not), the aligner alone whatever the executors then
did (the report's "question aligner alone" row, the plot's dotted line); seconds per question,
generated tokens per question (a cell is measured in chunks of 25 questions, each kept as it
ends; seconds are the chunks' sum). A cell named in ``--skip`` is listed as not measured (the
window executors' 30-digit ``*`` and ``//`` run 2,247 and 1,200 SmolLM2 steps a question: hours
a cell on 2 CPU cores); a method's mean is then over the types it was measured on, and says how
many. Each (method, cell) is kept as it ends in ``compare.partial.json``, with a hash of the
weights that method runs on and of lmarith's code: an interrupted run (in this session or a
later one, the file committed) goes on from there, and measures again only the methods whose
weights changed; any change of the code measures every cell again. Each cell says when it was
measured. Writes bench/results/compare.json and the page docs/results/compare.md with its plot
(``--quick``: bench/results/compare_quick.*, not committed); ``--render`` writes the page again
from the JSON, measuring nothing.

    python bench/compare.py --neuro-run RUN [--n 50] [--skip METHOD:TYPE:DIGITS,...] [--quick]
    python bench/compare.py --render
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from lmarith.baselines.lora import train_lora, trained  # noqa: E402
from lmarith.errors import LmarithError  # noqa: E402
from lmarith.evaluation.report import (  # noqa: E402
    PAGES,
    Parts,
    command_line,
    run_key,
    shown_path,
    source_files,
    write_report,
)
from lmarith.executors import execute  # noqa: E402
from lmarith.executors.lm_policy import LMPolicy, load_policy  # noqa: E402
from lmarith.executors.question_aligner import Asked, answer_questions  # noqa: E402
from lmarith.machines.problems import parse_problem  # noqa: E402
from lmarith.models.loading import default_model_dir  # noqa: E402
from lmarith.models.shipped import shipped_dir  # noqa: E402
from lmarith.neurosymbolic.intervention import intervene  # noqa: E402
from lmarith.neurosymbolic.lm import generate  # noqa: E402
from lmarith.neurosymbolic.run import intervention_dir, read_run, trained_intervention  # noqa: E402
from lmarith.questions import wording  # noqa: E402
from lmarith.questions.prompts import chat_messages, parse_answer, render_prompt  # noqa: E402
from lmarith.questions.question import Question, make_question, phrasings  # noqa: E402

ROOT = Path(__file__).parent
RESULTS = ROOT / "results"
TYPES = ("addition", "subtraction", "multiplication", "division", "comparison")
SYMBOL = {"addition": "+", "subtraction": "-", "multiplication": "*", "division": "//", "comparison": ">"}
METHODS = ("base", "cot", "lora", "neuro", "executors", "caef", "default")
#: the order cells are measured in, cheapest method first (an interrupted run has the most cells)
MEASURE_ORDER = ("base", "default", "lora", "neuro", "caef", "cot", "executors")
COLUMNS = (
    "method",
    "type",
    "digits",
    "n",
    "accuracy",
    "aligner_read",
    "seconds_per_question",
    "tokens_per_question",
    "measured",
    "skipped",
)
#: the row of the question aligner alone, read off the executors' cells
ALIGNER = "question aligner alone (expression right)"
#: what the report says of its questions and methods: the docstring between its title and usage
ABOUT = "\n\n".join(__doc__.split("\n\n")[1:-1])


def questions(problem_type: str, digits: int, n: int, family: str, seed: int) -> list[Question]:
    """``n`` questions of one type with operands of exactly ``digits`` digits, worded by ``family``."""
    rng = random.Random(f"{problem_type}:{digits}:{family}:{seed}")
    low, high = 10 ** (digits - 1), 10**digits - 1
    out = []
    for _ in range(n):
        x, y = rng.randint(low, high), rng.randint(low, high)
        template = rng.choice(phrasings(problem_type, family, mod1000=False))
        surface = wording.Surface.draw(rng, family)
        out.append(make_question(problem_type, x, y, template, mod1000=False, surface=surface))
    return out


def expression(q: Question) -> str:
    return f"{q.x}{SYMBOL[q.problem_type]}{q.y}"


def as_int(answer: str | None) -> int | None:
    """An executor's answer as the question's integer (a comparison's True/False as 1/0)."""
    if answer in ("True", "False"):
        return int(answer == "True")
    return int(answer) if answer is not None and answer.lstrip("-").isdigit() else None


class Answered(NamedTuple):
    """A method's answers to a chunk of questions, and what it generated for them."""

    answers: list[int | None]
    tokens: int
    #: methods that read the question with the question aligner: how many of the expressions it
    #: wrote are the question's own (``reads_as``; the aligner alone, whatever the executors did)
    read: int | None = None


def reads_as(expression: str, q: Question) -> bool:
    """Whether the aligner's ``expression`` is ``q``'s (``y+x`` for ``x+y``, ``y<x`` for ``x>y``:
    the same question; an expression that only happens to share the answer is not)."""
    try:
        problem = parse_problem(expression)
    except LmarithError:  # CANNOT, or a malformed expression
        return False
    read, op = (problem.a, problem.op.symbol, problem.b), SYMBOL[q.problem_type]
    swapped = {"+": "+", "*": "*", ">": "<"}.get(op)
    return read == (q.x, op, q.y) or (swapped is not None and read == (q.y, swapped, q.x))


def timed(run: Callable[[list[Question]], Answered], qs: list[Question]) -> dict:
    """One chunk of a cell: questions answered right, seconds, generated tokens and when."""
    started = time.perf_counter()
    answered = run(qs)
    return {
        "n": len(qs),
        "right": sum(a == q.solution for a, q in zip(answered.answers, qs, strict=True)),
        "seconds": time.perf_counter() - started,
        "tokens": answered.tokens,
        "read": answered.read,
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
    }  # cells of a resumed run say when


def cell(chunks: list[dict]) -> dict:
    """A cell's row from its chunks: accuracy, seconds and tokens per question, when it ended."""
    n = sum(c["n"] for c in chunks)
    read = {"aligner_read": sum(c["read"] for c in chunks) / n} if chunks[0]["read"] is not None else {}
    return {
        "n": n,
        "accuracy": sum(c["right"] for c in chunks) / n,
        **read,
        "seconds_per_question": sum(c["seconds"] for c in chunks) / n,
        "tokens_per_question": sum(c["tokens"] for c in chunks) / n,
        "measured": max(c["measured"] for c in chunks),
    }


class Methods:
    """The model loaded once, and one function per method: questions -> (answers, tokens)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.policy = load_policy("smollm2", args.adapters, batch_size=64)  # executors + QUESTION
        self.model, self.tokenizer = self.policy.model, self.policy.tokenizer
        self.base = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        self.neuro = trained_intervention(args.neuro_run) if args.neuro_run else None
        self.neuro_digits = read_run(args.neuro_run).digits if args.neuro_run else 0

    # The embedded models load when first used (a run without their methods never loads them).
    @cached_property
    def default(self) -> LMPolicy:
        return load_policy("default", batch_size=256)

    @cached_property
    def caef_default(self) -> LMPolicy:
        return load_policy("default", batch_size=256, fmt="caef")

    def _chat(
        self,
        model: torch.nn.Module,
        qs: list[Question],
        cot: bool,
        around: Callable[[], AbstractContextManager] | None = None,
    ) -> Answered:
        digits = max(len(str(q.solution)) for q in qs)
        prompts = [render_prompt(self.tokenizer, chat_messages(q, cot=cot)) for q in qs]
        replies = generate(
            model,
            self.tokenizer,
            prompts,
            max_new_tokens=(160 if cot else 8) + 2 * digits,
            batch_size=self.args.batch_size,
            around=around,
        )
        tokens = sum(len(self.tokenizer(r, add_special_tokens=False)["input_ids"]) + 1 for r in replies)
        return Answered([parse_answer(r, cot=cot) for r in replies], tokens)

    def base_method(self, qs: list[Question]) -> Answered:
        with self.policy_off():
            return self._chat(self.base, qs, cot=False)

    def cot(self, qs: list[Question]) -> Answered:
        with self.policy_off():
            return self._chat(self.base, qs, cot=True)

    def lora(self, qs: list[Question]) -> Answered:
        """The direct-answer adapter, loaded beside the executors' and active only here."""
        if "answers" not in self.model.peft_config:
            self.model.load_adapter(str(self.args.lora_dir / "final" / "answers"), adapter_name="answers")
        self.model.set_adapter("answers")
        try:
            return self._chat(self.model, qs, cot=False)
        finally:
            self.policy.forget_active()

    def neuro_method(self, qs: list[Question]) -> Answered:
        if self.neuro is None:
            raise SystemExit("--neuro-run RUN is needed for the neurosymbolic rows")
        if max(len(str(v)) for q in qs for v in (q.x, q.y)) > self.neuro_digits:  # beyond its codec: cannot read
            return Answered([None] * len(qs), 0)
        with self.policy_off():
            return self._chat(self.base, qs, cot=False, around=lambda: intervene(self.base, self.neuro))

    def executors(self, qs: list[Question]) -> Answered:
        return self._asked(qs, answer_questions(self.policy, [q.question for q in qs]))

    def caef(self, qs: list[Question]) -> Answered:
        if qs[0].problem_type == "multiplication":  # CAEF's MUL loops b times: out of reach
            return Answered([None] * len(qs), 0)
        return self._asked(
            qs,
            answer_questions(
                self.policy, [q.question for q in qs], fmt="caef", align=True, executors=self.caef_default
            ),
        )

    def _asked(self, qs: list[Question], asked: list[Asked]) -> Answered:
        """Answers and generated tokens (the aligner's expression and every executor step)."""
        tokens = sum((a.result.tokens if a.result else 0) + len(self.tokenizer(a.aligned)["input_ids"]) for a in asked)
        # what it wrote, whether or not these executors can run it (CAEF's SUB takes a >= b)
        read = sum(reads_as(a.aligned, q) for a, q in zip(asked, qs, strict=True))
        return Answered([as_int(a.answer) for a in asked], tokens, read)

    def default_method(self, qs: list[Question]) -> Answered:
        results = execute([parse_problem(expression(q)) for q in qs], self.default, fmt="window", long=True)
        return Answered([as_int(r.answer) for r in results], sum(r.tokens for r in results))

    def policy_off(self) -> AbstractContextManager:
        """The base model without any adapter (peft's context manager)."""
        return self.model.disable_adapter() if hasattr(self.model, "disable_adapter") else nullcontext()


def lora_dir(quick: bool) -> Path:
    """Where the direct-answer LoRA is trained (a --quick run trains its own, on 2 a cell)."""
    return ROOT.parent / "runs" / ("compare-lora-quick" if quick else "compare-lora")


def ensure_lora(out: Path, sizes: tuple[int, ...], per_cell: int) -> None:
    """The direct-answer LoRA of this comparison, trained once (resumable) on training-family
    questions of the same types and sizes, on a fresh copy of the base model."""
    if not trained(out, "direct"):
        from lmarith.models import load_model

        base, tokenizer = load_model("smollm2")
        train_set = [q for t in TYPES for d in sizes for q in questions(t, d, per_cell, "train", seed=1)]
        train_lora(base.train(), tokenizer, train_set, out, style="direct", batch_size=8)


def mean_accuracy(rows: list[dict], method: str, digits: int, column: str = "accuracy") -> str:
    """A method's mean ``column`` over the types measured at ``digits`` (how many, when not all)."""
    measured = [r[column] for r in rows if r["method"] == method and r["digits"] == digits and "skipped" not in r]
    if not measured:
        return "not measured"
    mean = f"{sum(measured) / len(measured):.2f}"
    return mean if len(measured) == len(TYPES) else f"{mean} ({len(measured)} of {len(TYPES)} types)"


def summary_lines(methods: list[str]) -> list[tuple[str, str, str]]:
    """The report's rows: (label, method, column) - each method's accuracy, and the question
    aligner alone on the executors' questions (its share of the questions' own expressions)."""
    return [(m, m, "accuracy") for m in methods] + (
        [(ALIGNER, "executors", "aligner_read")] if "executors" in methods else []
    )


def per_type(rows: list[dict], methods: list[str], digits: int) -> list[dict]:
    """One size's accuracies, a row per method and a column per type."""
    at = {(r["method"], r["type"]): r for r in rows if r["digits"] == digits}
    shown = lambda r, c: "not measured" if "skipped" in r else f"{r[c]:.2f}"  # noqa: E731
    return [{"method": label, **{t: shown(at[m, t], c) for t in TYPES}} for label, m, c in summary_lines(methods)]


def recorded_command(payload: dict) -> str:
    """The command of a JSON written before reports recorded theirs, from its settings."""
    skip = f" --skip {','.join(payload['skip'])}" if payload["skip"] else ""
    return f"python bench/compare.py --neuro-run {payload['neuro_run']} --n {payload['n']}{skip}"


def report(stem: Path, payload: dict, pages: Path, full: bool) -> None:
    """The page of ``payload`` (what ``main`` measured, or the JSON read back by ``--render``):
    with every method measured (``full``), the means and a table per size above every cell."""
    rows, methods, sizes = payload["rows"], payload["methods"], tuple(payload["sizes"])
    tables: dict[str, list[dict]] = {}
    if full:
        tables["Mean accuracy over the five types"] = [
            {"method": label, **{f"{d} digits": mean_accuracy(rows, m, d, c) for d in sizes}}
            for label, m, c in summary_lines(methods)
        ]
        tables |= {f"{d} digits: accuracy per type": per_type(rows, methods, d) for d in sizes}
    tables["Every cell"] = [{c: r.get(c, "") for c in COLUMNS} for r in rows]
    write_report(
        stem,
        payload,
        "Every method on the same questions (SmolLM2-135M-Instruct)",
        tables,
        notes=ABOUT,
        md_dir=pages,
        command=payload.get("command") or recorded_command(payload),
        plot=f"{stem.name}.png",
    )
    plot(rows, sizes, pages / f"{stem.name}.png")


def plot(rows: list[dict], sizes: tuple[int, ...], path: Path) -> None:
    fig, axes = plt.subplots(1, len(TYPES), figsize=(3.2 * len(TYPES), 3.2), sharey=True)
    for ax, problem_type in zip(axes, TYPES):
        for method in METHODS:
            points = [r for r in rows if r["type"] == problem_type and r["method"] == method and "skipped" not in r]
            if points:
                ax.plot([str(r["digits"]) for r in points], [r["accuracy"] for r in points], marker="o", label=method)
            if points and method == "executors":
                ax.plot([str(r["digits"]) for r in points], [r["aligner_read"] for r in points], "k:", label=ALIGNER)
        ax.set(title=problem_type, xlabel="operand digits", ylim=(-0.03, 1.03))
    axes[0].set_ylabel("accuracy")
    axes[-1].legend(fontsize=7, loc="center right")
    fig.suptitle("SmolLM2-135M: every method on the same held-out-wording questions")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50, help="questions per type and size")
    parser.add_argument("--adapters", type=Path, help="SmolLM2 executors + QUESTION (default: the shipped ones)")
    parser.add_argument("--neuro-run", type=Path, help="a neuro run trained on the five types")
    parser.add_argument("--lora-per-cell", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument(
        "--skip",
        default="",
        help="cells not measured, METHOD:TYPE:DIGITS comma-separated "
        "(e.g. executors:multiplication:30); the report lists them as not measured",
    )
    parser.add_argument("--quick", action="store_true", help="2 questions per cell at 3 and 10 digits")
    parser.add_argument("--render", action="store_true", help="write the page again from compare.json, no measuring")
    args = parser.parse_args()
    if args.render:
        payload = json.loads((RESULTS / "compare.json").read_text())
        report(RESULTS / "compare", payload, PAGES, set(payload["methods"]) == set(METHODS))
        return
    args.sizes = (3, 10) if args.quick else (3, 10, 30)
    args.lora_dir = lora_dir(args.quick)
    n = 2 if args.quick else args.n
    methods = [m for m in args.methods.split(",") if m]
    if set(methods) - set(METHODS):
        unknown = sorted(set(methods) - set(METHODS))[0]
        raise SystemExit(f"--methods: no such method {unknown} (one of {', '.join(METHODS)})")
    skip = {tuple(c.split(":")) for c in args.skip.split(",") if c}
    known = {(m, t, str(d)) for m in METHODS for t in TYPES for d in args.sizes}
    if skip - known:
        raise SystemExit(f"--skip: no such cell {':'.join(sorted(skip - known)[0])} (METHOD:TYPE:DIGITS)")
    adapters = args.adapters or shipped_dir("executors", "smollm2")
    if adapters is None:
        raise SystemExit("no SmolLM2 executors ship; pass --adapters DIR")
    stem = RESULTS / ("compare_quick" if args.quick else "compare")
    # the code is in the key: a run resumed in a later session keeps only cells of the same code
    parts = Parts(
        stem.with_suffix(".partial.json"), run_key([n, args.sizes, args.lora_per_cell], source_files(__file__))
    )
    if "lora" in methods:
        ensure_lora(args.lora_dir, args.sizes, 2 if args.quick else args.lora_per_cell)
    # each method's cells are kept for the weights it runs on: retraining one method's weights
    # (the question aligner, say) measures that method again, not the others
    weights = {
        "lora": [args.lora_dir / "final"],
        "neuro": [intervention_dir(args.neuro_run)] if args.neuro_run else [],
        "executors": [adapters],
        "caef": [adapters / "QUESTION", default_model_dir("default-caef")],
        "default": [default_model_dir()],
    }
    key = {m: run_key(m, [f for d in weights.get(m, []) for f in sorted(d.rglob("*.safetensors"))]) for m in methods}
    run = Methods(args)
    calls = {
        "base": run.base_method,
        "cot": run.cot,
        "lora": run.lora,
        "neuro": run.neuro_method,
        "executors": run.executors,
        "caef": run.caef,
        "default": run.default_method,
    }
    rows = []
    for method in sorted(methods, key=MEASURE_ORDER.index):
        for problem_type in TYPES:
            for digits in args.sizes:
                if (method, problem_type, str(digits)) in skip:
                    rows.append(
                        {
                            "method": method,
                            "type": problem_type,
                            "digits": digits,
                            "n": 0,
                            "skipped": "not measured (--skip)",
                        }
                    )
                    continue
                qs = questions(problem_type, digits, n, "heldout", seed=0)  # kept 25 at a time
                chunks = parts.chunks(
                    f"{method} {problem_type} {digits} {key[method]}", qs, lambda part, m=method: timed(calls[m], part)
                )
                rows.append({"method": method, "type": problem_type, "digits": digits, **cell(chunks)})
    rows.sort(key=lambda r: (METHODS.index(r["method"]), TYPES.index(r["type"]), r["digits"]))
    payload = {
        "methods": methods,
        "sizes": args.sizes,
        "n": n,
        "skip": sorted(":".join(c) for c in skip),
        "adapters": str(shown_path(adapters)),
        "neuro_run": str(args.neuro_run),
        "command": command_line(),
        "rows": rows,
    }
    full = not args.quick and set(methods) == set(METHODS)  # the report compares every method
    report(stem, payload, RESULTS if args.quick else PAGES, full)
    parts.done()


if __name__ == "__main__":
    main()
