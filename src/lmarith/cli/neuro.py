"""`lmarith neuro data|gather|train|eval|run|ask|chat`: the neurosymbolic VSA method and its baselines.

The steps' options are RunConfig's, built from the flag table ``lmarith.models.flags.RUN_FLAGS``
(the one ``run_command`` writes a run's command from): each step takes its own, ``run`` every
step's. ``ask`` and ``chat`` go through ``lmarith.api``. torch, transformers and the method
itself are imported inside the commands, so that ``lmarith --help`` and the other command
groups do not pay for them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lmarith.cli.app import app, print_neuro_answers, questions_from
from lmarith.cli.options import AskRun, Device, flag_options, flag_values
from lmarith.errors import LmarithError
from lmarith.models.flags import EVAL, GATHER, RUN_FLAGS, TRAIN
from lmarith.questions.question import PHRASING_SETS
from lmarith.questions.rules import TRAIN_TYPES

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from lmarith.neurosymbolic.run import RunConfig

neuro_app = typer.Typer(
    help="Neurosymbolic VSA intervention (arXiv 2502.01657) on any HF causal LM, with baselines.", no_args_is_help=True
)
app.add_typer(neuro_app, name="neuro")

# The run's options (RunConfig's fields) come from the flag table ``RUN_FLAGS``: each step takes
# its own, ``run`` takes every step's; None keeps the run's value. These are the steps' others.
Run = Annotated[Path, typer.Option("--run", help="Run directory (created by the first step, resumable).")]
Quick = Annotated[bool, typer.Option("--quick", help="CI-sized run (a few questions, short training).")]
Baselines = Annotated[bool, typer.Option("--baselines/--no-baselines", help="Also train the LoRA baselines.")]
Intervention = Annotated[
    bool,
    typer.Option(
        "--intervention/--no-intervention",
        help="Train the intervention (--no-intervention: the baselines only, which need no gather).",
    ),
]
JsonOut = Annotated[Path | None, typer.Option("--json", help="Also write the report here.")]
Methods = Annotated[
    str | None,
    typer.Option(
        help="Comma-separated parts to (re)compute: base, cot, lora, neurosymbolic, unrelated, held_out_gate, "
        "words, chat (default: all); the others are kept from RUN/eval.json, so two processes can share the work."
    ),
]
WordsCount = Annotated[
    int | None,
    typer.Option("--words-count", help="Questions per trained type with operands in words (default 10; 0: none)."),
]


def _load(config: RunConfig, device: str | None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """The run's model; transformers' loading bars off, so errors stay the only stderr line."""
    import torch
    from transformers.utils import logging as hf_logging

    from lmarith.models.loading import load_model

    hf_logging.disable_progress_bar()
    torch.manual_seed(config.seed)
    return load_model(config.model, device=device)


def _parts(methods: str | None) -> tuple[str, ...]:
    """``--methods``: the evaluation parts to (re)compute, checked before any model loads."""
    from lmarith.evaluation.neuro_pipeline import EVAL_PARTS

    parts = tuple(p.strip() for p in methods.split(",") if p.strip()) if methods else EVAL_PARTS
    unknown = sorted(set(parts) - set(EVAL_PARTS))
    if unknown:
        raise LmarithError(f"unknown --methods part {unknown[0]!r}; choose from {', '.join(EVAL_PARTS)}")
    return parts


@neuro_app.command("data")
@flag_options(
    RUN_FLAGS,
    only=("train_per_type", "types", "digits", "x_greater", "mod1000", "numbers", "seed"),
    defaults={"train_per_type": 100, "digits": 3, "x_greater": False, "mod1000": True, "numbers": "digits", "seed": 0},
)
def data(
    out: Annotated[Path, typer.Argument(help="CSV file to write (problem_type,x,y,question,solution).")],
    phrasing: Annotated[str, typer.Option(help=f"Phrasing set: {', '.join(PHRASING_SETS)}.")] = "train",
    **options: Any,
) -> None:
    """Write a question data set in the paper's CSV format."""
    from lmarith.questions.csv_io import write_csv
    from lmarith.questions.question import sample_questions
    from lmarith.questions.rules import check_types

    values = flag_values(RUN_FLAGS, options)
    questions = sample_questions(
        values["train_per_type"],
        check_types(values.get("types", TRAIN_TYPES)),
        digits=values["digits"],
        x_greater=values["x_greater"],
        phrasing=phrasing,
        mod1000=values["mod1000"],
        numbers=values["numbers"],
        seed=values["seed"],
    )
    write_csv(questions, out)
    typer.echo(f"wrote {len(questions)} questions to {out}")


@neuro_app.command("gather")
@flag_options(RUN_FLAGS, step=GATHER)
def gather_cmd(run: Run, quick: Quick = False, *, device: Device = None, **options: Any) -> None:
    """Record hidden states of the training prompts with their problem vectors (resumable)."""
    from lmarith.neurosymbolic.pipeline import run_gather
    from lmarith.neurosymbolic.run import open_run

    config = open_run(run, flag_values(RUN_FLAGS, options), create=True, quick=quick)
    lm, tokenizer = _load(config, device)
    written = run_gather(lm, tokenizer, run, config)
    typer.echo(f"gathered layers {config.layers()} into {run / 'gather'} ({written} new shards)")


@neuro_app.command("train")
@flag_options(RUN_FLAGS, step=TRAIN)
def train_cmd(
    run: Run,
    *,
    baselines: Baselines = True,
    intervention: Intervention = True,
    device: Device = None,
    **options: Any,
) -> None:
    """Train encoder and decoder, fine-tune the decoder through the frozen LM, train the baselines."""
    from lmarith.evaluation.neuro_pipeline import run_train
    from lmarith.neurosymbolic.run import open_run

    config = open_run(run, flag_values(RUN_FLAGS, options))
    lm, tokenizer = _load(config, device)
    summary = run_train(lm, tokenizer, run, config, baselines=baselines, intervention=intervention)
    _print_trained(summary, run, intervention)


def _print_trained(summary: dict, run: Path, intervention: bool) -> None:
    if not intervention:
        typer.echo(f"baselines trained in {run}")
        return
    chosen = summary["chosen"]
    best = next(c for c in summary["candidates"] if c["layer"] == chosen["layer"] and c["encoder"] == chosen["encoder"])
    typer.echo(
        f"encoder {chosen['encoder']} at layer {chosen['layer']}: held-out exact {best['exact']:.3f}, "
        f"digit accuracy {best['digit_accuracy']:.3f}; intervention in {run / 'finetune' / 'final'}"
    )


@neuro_app.command("eval")
@flag_options(RUN_FLAGS, step=EVAL)
def eval_cmd(
    run: Run,
    *,
    json_out: JsonOut = None,
    methods: Methods = None,
    words_count: WordsCount = None,
    device: Device = None,
    **options: Any,
) -> None:
    """Accuracy and answer cross-entropy per type: base, CoT, LoRA, neurosymbolic; unrelated prompts."""
    from lmarith.evaluation.neuro_pipeline import run_eval
    from lmarith.neurosymbolic.run import open_run

    config = open_run(run, flag_values(RUN_FLAGS, options))
    parts = _parts(methods)
    lm, tokenizer = _load(config, device)
    report = run_eval(lm, tokenizer, run, config, parts=parts, words_count=words_count)
    _write_report(report, json_out)


@neuro_app.command("run")
@flag_options(RUN_FLAGS)
def run_cmd(
    run: Run,
    quick: Quick = False,
    *,
    baselines: Baselines = True,
    intervention: Intervention = True,
    json_out: JsonOut = None,
    methods: Methods = None,
    words_count: WordsCount = None,
    device: Device = None,
    **options: Any,
) -> None:
    """gather, train and eval in one go (each step resumes); takes every option the steps take."""
    from lmarith.evaluation.neuro_pipeline import run_eval, run_train
    from lmarith.neurosymbolic.pipeline import run_gather
    from lmarith.neurosymbolic.run import open_run

    config = open_run(run, flag_values(RUN_FLAGS, options), create=True, quick=quick)
    parts = _parts(methods)
    lm, tokenizer = _load(config, device)
    if intervention:  # the baselines need no gather
        run_gather(lm, tokenizer, run, config)
    run_train(lm, tokenizer, run, config, baselines=baselines, intervention=intervention)
    report = run_eval(lm, tokenizer, run, config, parts=parts, words_count=words_count)
    _write_report(report, json_out)


def _write_report(report: dict, json_out: Path | None) -> None:
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=2) + "\n")
    _print(report)


def _print(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from lmarith.evaluation.neuro_eval import GATE_COLUMNS, TABLE_TITLE, per_type_rows, unrelated_line

    if not any(report.get(m) for m in ("base", "neurosymbolic")):
        return
    rows = per_type_rows(report)
    columns = [c for c in rows[0] if c not in GATE_COLUMNS]  # the gate's columns: bench only, to fit 80 columns
    table = Table(title=TABLE_TITLE)
    for column in columns:
        table.add_column(column, justify="left" if column == "type" else "right")
    for row in rows:
        table.add_row(*(row[c] for c in columns))
    console = Console()
    console.print(table)
    if "unrelated" in report:
        console.print(unrelated_line(report))


# ---------------------------------------------------------------------------------------------
# Talking to a trained intervention (through ``lmarith.api``)

MaxNewTokens = Annotated[int, typer.Option(min=1, help="Longest reply, in tokens.")]


@neuro_app.command("ask")
def neuro_ask_command(
    question: Annotated[
        str | None,
        typer.Argument(help="The question; without it, one question per line from stdin, one reply per line."),
    ] = None,
    run: AskRun = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Also print what the engine read, why the gate opened or shut, and the reply with the hook off.",
        ),
    ] = False,
    max_new_tokens: MaxNewTokens = 16,
    timing: Annotated[
        bool, typer.Option("--timing", help="Print the load time and each reply's time to stderr.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="One JSON object per question: question, answer, correct, reply, gate, computed, seconds."
        ),
    ] = False,
    device: Device = None,
) -> None:
    """Answer a question with the intervention on; the answer is the last line."""
    from lmarith import api

    def loaded(model: str, seconds: float) -> None:
        typer.echo(f"loaded {model} and the intervention in {seconds:.2f} s", err=True)

    answers = api.ask_each(
        questions_from(question),
        method="neuro",
        run=run,
        device=device,
        explain=explain,
        max_new_tokens=max_new_tokens,
        cache=False,
        on_load=loaded if timing else None,
    )
    print_neuro_answers(answers, one_line=question is None, explain=explain, as_json=as_json, timing=timing)  # type: ignore[arg-type]


@neuro_app.command("ship")
def ship_cmd(
    run: Run,
    to: Annotated[
        Path | None,
        typer.Option(
            help="Where to write it (default: the user directory's intervention/<model>, "
            "$LMARITH_CACHE or ~/.cache/lmarith, used by ask and chat without --run before the shipped one)."
        ),
    ] = None,
    half: Annotated[
        bool, typer.Option("--half/--full", help="Store the weights as fp16 (buffers stay exact).")
    ] = False,
    into_package: Annotated[
        bool,
        typer.Option(
            "--into-package", help="Maintainers: write into the package's assets/intervention/<model> instead."
        ),
    ] = False,
) -> None:
    """Package a run's trained intervention (weights, options, manifest) for `ask`/`chat` without --run."""
    from lmarith.models.shipped import install_dir
    from lmarith.neurosymbolic.run import SHIPPED_KIND, read_run, run_command, ship

    config = read_run(run)
    out = to or install_dir(SHIPPED_KIND, config.model, into_package)
    flags = (" --half" if half else "") + (" --into-package" if into_package else "")
    done = ship(run, out, half=half, command=f"{run_command(config)} && lmarith neuro ship --run RUN{flags}")
    typer.echo(f"shipped {run} into {done['dir']} ({done['bytes'] / 1e6:.2f} MB)")


@neuro_app.command("chat")
def chat_cmd(run: AskRun = None, max_new_tokens: MaxNewTokens = 64, device: Device = None) -> None:
    """Talk to the model with the intervention on, turn after turn (history kept; end with Ctrl-D)."""
    from lmarith import api

    session = api.chat(run, device=device, max_new_tokens=max_new_tokens, cache=False)
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            typer.echo("> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            break
        if line.strip():
            typer.echo(" ".join(session.say(line.strip()).text.split()))
