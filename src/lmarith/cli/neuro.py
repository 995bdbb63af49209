"""`lmarith neuro data|gather|train|eval|run|ask|chat`: the neurosymbolic VSA method and its baselines.

torch, transformers and the method itself are imported inside the commands, so that
``lmarith --help`` and the other command groups do not pay for them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lmarith.cli.app import app
from lmarith.errors import LmarithError
from lmarith.questions.question import PHRASING_SETS
from lmarith.questions.rules import TRAIN_TYPES

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from lmarith.neurosymbolic.asker import Asker
    from lmarith.neurosymbolic.run import RunConfig

neuro_app = typer.Typer(
    help="Neurosymbolic VSA intervention (arXiv 2502.01657) on any HF causal LM, with baselines.", no_args_is_help=True
)
app.add_typer(neuro_app, name="neuro")

Run = Annotated[Path, typer.Option("--run", help="Run directory (created by the first step, resumable).")]
Quick = Annotated[bool, typer.Option("--quick", help="CI-sized run (a few questions, short training).")]
Model = Annotated[str | None, typer.Option(help="Local HF directory, 'smollm2' or 'default'.")]
Device = Annotated[str | None, typer.Option(help="cpu, cuda, ... (default: cuda when present).")]
Layer = Annotated[int | None, typer.Option(help="Residual-stream layer (default: the best of --scan-layers).")]
ScanLayers = Annotated[str | None, typer.Option(help="Comma-separated layers to gather and compare, e.g. 8,12,16.")]
Encoder = Annotated[str | None, typer.Option(help="auto, attention or linear-last (auto: measure both).")]
Inject = Annotated[str | None, typer.Option(help="answers (last prompt token + answer positions) or last (paper).")]
Strength = Annotated[float | None, typer.Option(help="Mixing strength s in h' = s*Dec + (1-s)*h (paper: 0.5).")]
Threshold = Annotated[float | None, typer.Option(help="Gate threshold on the type similarity (paper: 0.8).")]
DigitMargin = Annotated[
    float | None,
    typer.Option(
        help="Gate: abstain when a digit read is closer to a tie than this (default 0.1; 0: off, as in the paper)."
    ),
]
Types = Annotated[str | None, typer.Option(help=f"Comma-separated trained types (default: {','.join(TRAIN_TYPES)}).")]
Count = Annotated[int | None, typer.Option(help="Questions per type.")]
Digits = Annotated[int | None, typer.Option(help="Operand digit count (default 3: 1..999).")]
XGreater = Annotated[bool | None, typer.Option("--x-greater/--any-order", help="Require x > y.")]
Mod1000 = Annotated[bool | None, typer.Option("--mod1000/--no-mod1000", help="Multiplication and lcm mod 1000.")]
Seed = Annotated[int | None, typer.Option(help="Seed of questions, atoms and training.")]
Batch = Annotated[int | None, typer.Option(help="Batch size for the LM.")]
TrainCsv = Annotated[
    Path | None,
    typer.Option("--train-csv", help="Train on this CSV (problem_type,x,y,question,solution; the paper's type names)."),
]
ValCsv = Annotated[Path | None, typer.Option("--val-csv", help="Choose the encoder on this CSV.")]
TestCsv = Annotated[Path | None, typer.Option("--test-csv", help="Evaluate on this CSV (every type in it).")]
BadSolutions = Annotated[
    str | None,
    typer.Option(
        "--bad-solutions", help="CSV rows whose solution disagrees with the type's rule: error (default), drop or keep."
    ),
]
Numbers = Annotated[str | None, typer.Option(help="Operands of generated questions: digits or words.")]
PositionDropout = Annotated[
    float | None,
    typer.Option(help="Encoder training hides this fraction of the window's positions at each step (default 0.15)."),
]
SlotRead = Annotated[
    str | None,
    typer.Option(
        help="Attention encoder: soft (each digit slot reads its attention's "
        "mixture of positions) or hard (only the position it attends to "
        "most; read time only)."
    ),
]
Baselines = Annotated[bool, typer.Option("--baselines/--no-baselines", help="Also train the LoRA baselines.")]
CotTrain = Annotated[
    bool | None,
    typer.Option("--cot-train/--cot-prompt", help="CoT baseline: train a LoRA on worked answers, or only prompt."),
]


def _options(**given: object) -> dict:
    """CLI values -> RunConfig fields (comma lists split, CSV paths checked and made absolute);
    None means 'keep the run's value'."""
    out = {k: v for k, v in given.items() if v is not None}
    for key in ("train_csv", "val_csv", "test_csv"):
        if key in out:
            path = Path(str(out[key])).expanduser()
            if not path.is_file():
                raise LmarithError(f"--{key.replace('_', '-')}: no such file: {path}")
            out[key] = str(path.resolve())
    for key in ("types", "scan_layers"):
        if key in out:
            parts = [p.strip() for p in str(out[key]).split(",") if p.strip()]
            try:
                out[key] = tuple(int(p) for p in parts) if key == "scan_layers" else tuple(parts)
            except ValueError:
                raise LmarithError(f"--scan-layers takes comma-separated integers, got {given[key]!r}") from None
    return out


def _load(config: RunConfig, device: str | None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """The run's model; transformers' loading bars off, so errors stay the only stderr line."""
    import torch
    from transformers.utils import logging as hf_logging

    from lmarith.models.loading import load_model

    hf_logging.disable_progress_bar()
    torch.manual_seed(config.seed)
    return load_model(config.model, device=device)


@neuro_app.command("data")
def data(
    out: Annotated[Path, typer.Argument(help="CSV file to write (problem_type,x,y,question,solution).")],
    count: Count = 100,
    types: Types = None,
    phrasing: Annotated[str, typer.Option(help=f"Phrasing set: {', '.join(PHRASING_SETS)}.")] = "train",
    digits: Digits = 3,
    x_greater: XGreater = False,
    mod1000: Mod1000 = True,
    numbers: Annotated[str, typer.Option(help="Operands as digits or words (num2words).")] = "digits",
    seed: Seed = 0,
) -> None:
    """Write a question data set in the paper's CSV format."""
    from lmarith.questions.csv_io import write_csv
    from lmarith.questions.question import sample_questions
    from lmarith.questions.rules import check_types

    chosen = check_types(_options(types=types).get("types", TRAIN_TYPES))
    questions = sample_questions(
        count,
        chosen,
        digits=digits,
        x_greater=bool(x_greater),
        phrasing=phrasing,
        mod1000=bool(mod1000),
        numbers=numbers,
        seed=seed,
    )
    write_csv(questions, out)
    typer.echo(f"wrote {len(questions)} questions to {out}")


@neuro_app.command("gather")
def gather_cmd(
    run: Run,
    quick: Quick = False,
    model: Model = None,
    layer: Layer = None,
    scan_layers: ScanLayers = None,
    types: Types = None,
    count: Count = None,
    digits: Digits = None,
    x_greater: XGreater = None,
    mod1000: Mod1000 = None,
    seed: Seed = None,
    batch_size: Batch = None,
    numbers: Numbers = None,
    train_csv: TrainCsv = None,
    val_csv: ValCsv = None,
    test_csv: TestCsv = None,
    bad_solutions: BadSolutions = None,
    device: Device = None,
) -> None:
    """Record hidden states of the training prompts with their problem vectors (resumable)."""
    from lmarith.neurosymbolic.pipeline import run_gather
    from lmarith.neurosymbolic.run import open_run

    config = open_run(
        run,
        _options(
            model=model,
            layer=layer,
            scan_layers=scan_layers,
            types=types,
            train_per_type=count,
            digits=digits,
            x_greater=x_greater,
            mod1000=mod1000,
            seed=seed,
            batch_size=batch_size,
            numbers=numbers,
            train_csv=train_csv,
            val_csv=val_csv,
            test_csv=test_csv,
            bad_solutions=bad_solutions,
        ),
        create=True,
        quick=quick,
    )
    lm, tokenizer = _load(config, device)
    written = run_gather(lm, tokenizer, run, config)
    typer.echo(f"gathered layers {config.layers()} into {run / 'gather'} ({written} new shards)")


@neuro_app.command("train")
def train_cmd(
    run: Run,
    layer: Layer = None,
    encoder: Encoder = None,
    inject: Inject = None,
    strength: Strength = None,
    threshold: Threshold = None,
    digit_margin: DigitMargin = None,
    position_dropout: PositionDropout = None,
    slot_read: SlotRead = None,
    baselines: Baselines = True,
    intervention: Annotated[
        bool,
        typer.Option(
            "--intervention/--no-intervention",
            help="Train the intervention (--no-intervention: the baselines only, which need no gather).",
        ),
    ] = True,
    cot_train: CotTrain = None,
    train_csv: TrainCsv = None,
    val_csv: ValCsv = None,
    test_csv: TestCsv = None,
    bad_solutions: BadSolutions = None,
    device: Device = None,
) -> None:
    """Train encoder and decoder, fine-tune the decoder through the frozen LM, train the baselines."""
    from lmarith.evaluation.neuro_pipeline import run_train
    from lmarith.neurosymbolic.run import open_run

    config = open_run(
        run,
        _options(
            layer=layer,
            encoder=encoder,
            inject=inject,
            strength=strength,
            threshold=threshold,
            digit_margin=digit_margin,
            cot_train=cot_train,
            position_dropout=position_dropout,
            slot_read=slot_read,
            train_csv=train_csv,
            val_csv=val_csv,
            test_csv=test_csv,
            bad_solutions=bad_solutions,
        ),
    )
    lm, tokenizer = _load(config, device)
    summary = run_train(lm, tokenizer, run, config, baselines=baselines, intervention=intervention)
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
def eval_cmd(
    run: Run,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the report here.")] = None,
    test_count: Annotated[
        int | None, typer.Option("--test-count", help="Held-out questions per type (default 25).")
    ] = None,
    methods: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated parts to (re)compute: base, cot, lora, "
            "neurosymbolic, unrelated, held_out_gate, words, chat "
            "(default: all); the others are kept from RUN/eval.json, "
            "so two processes can share the work."
        ),
    ] = None,
    words_count: Annotated[
        int | None,
        typer.Option("--words-count", help="Questions per trained type with operands in words (default 10; 0: none)."),
    ] = None,
    train_csv: TrainCsv = None,
    val_csv: ValCsv = None,
    test_csv: TestCsv = None,
    bad_solutions: BadSolutions = None,
    device: Device = None,
) -> None:
    """Accuracy and answer cross-entropy per type: base, CoT, LoRA, neurosymbolic; unrelated prompts."""
    from lmarith.evaluation.neuro_pipeline import EVAL_PARTS, run_eval
    from lmarith.neurosymbolic.run import open_run

    config = open_run(
        run,
        _options(
            test_per_type=test_count,
            train_csv=train_csv,
            val_csv=val_csv,
            test_csv=test_csv,
            bad_solutions=bad_solutions,
        ),
    )
    parts = tuple(p.strip() for p in methods.split(",") if p.strip()) if methods else EVAL_PARTS
    unknown = sorted(set(parts) - set(EVAL_PARTS))
    if unknown:
        raise LmarithError(f"unknown --methods part {unknown[0]!r}; choose from {', '.join(EVAL_PARTS)}")
    lm, tokenizer = _load(config, device)
    report = run_eval(lm, tokenizer, run, config, parts=parts, words_count=words_count)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=2) + "\n")
    _print(report)


@neuro_app.command("run")
def run_cmd(
    run: Run,
    quick: Quick = False,
    model: Model = None,
    layer: Layer = None,
    encoder: Encoder = None,
    inject: Inject = None,
    position_dropout: PositionDropout = None,
    slot_read: SlotRead = None,
    count: Count = None,
    seed: Seed = None,
    types: Types = None,
    digits: Digits = None,
    mod1000: Mod1000 = None,
    numbers: Numbers = None,
    train_csv: TrainCsv = None,
    val_csv: ValCsv = None,
    test_csv: TestCsv = None,
    bad_solutions: BadSolutions = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the report here.")] = None,
    device: Device = None,
) -> None:
    """gather, train and eval in one go (each step resumes)."""
    from lmarith.evaluation.neuro_pipeline import run_eval, run_train
    from lmarith.neurosymbolic.pipeline import run_gather
    from lmarith.neurosymbolic.run import open_run

    config = open_run(
        run,
        _options(
            model=model,
            layer=layer,
            encoder=encoder,
            inject=inject,
            position_dropout=position_dropout,
            slot_read=slot_read,
            train_per_type=count,
            seed=seed,
            types=types,
            digits=digits,
            mod1000=mod1000,
            numbers=numbers,
            train_csv=train_csv,
            val_csv=val_csv,
            test_csv=test_csv,
            bad_solutions=bad_solutions,
        ),
        create=True,
        quick=quick,
    )
    lm, tokenizer = _load(config, device)
    run_gather(lm, tokenizer, run, config)
    run_train(lm, tokenizer, run, config)
    report = run_eval(lm, tokenizer, run, config)
    if json_out is not None:
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
# Talking to a trained intervention

AskRun = Annotated[
    Path | None,
    typer.Option("--run", help="Run directory with a trained intervention (default: the one shipped with lmarith)."),
]
MaxNewTokens = Annotated[int, typer.Option(min=1, help="Longest reply, in tokens.")]


def _asker(run: Path | None, device: str | None, max_new_tokens: int, timing: bool = False) -> Asker:
    """The run's model and intervention (default: the shipped ones), loaded once; ``timing``:
    the load time goes to stderr."""
    import time

    from lmarith.neurosymbolic.asker import Asker

    start = time.perf_counter()
    asker = Asker.from_pretrained(run, device=device, max_new_tokens=max_new_tokens)
    if timing:
        model = Path(asker.model.config.name_or_path).name or "the model"
        typer.echo(f"loaded {model} and the intervention in {time.perf_counter() - start:.2f} s", err=True)
    return asker


@neuro_app.command("ask")
def ask_cmd(
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
    device: Device = None,
) -> None:
    """Answer a question with the intervention on; the answer is the last line."""
    import time

    from lmarith.neurosymbolic.asker import explain as explanation
    from lmarith.questions.prompts import parse_answer

    if question is not None and not question.strip():
        raise LmarithError("the question is empty")
    asker = _asker(run, device, max_new_tokens, timing)
    for text in [question] if question is not None else (line for line in sys.stdin if line.strip()):
        start = time.perf_counter()
        reply = asker.ask(text, hook_off=explain)
        if timing:
            typer.echo(f"replied in {time.perf_counter() - start:.2f} s", err=True)
        if question is None and not explain:  # stdin: one reply per line, as each is ready
            typer.echo(" ".join(reply.text.split()))
            sys.stdout.flush()
            continue
        typer.echo("\n".join(explanation(reply, asker.neuro)) if explain else reply.text.strip())
        answer = parse_answer(reply.text)
        typer.echo(f"answer: {'none' if answer is None else answer}")


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
    from lmarith.neurosymbolic.asker import Chat

    session = Chat(_asker(run, device, max_new_tokens))
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            typer.echo("> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            break
        if line.strip():
            typer.echo(" ".join(session.say(line.strip()).text.split()))
