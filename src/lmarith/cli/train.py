"""`lmarith train default|executor|aligner`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lmarith.cli.app import app
from lmarith.cli.options import DEFAULT, Fmt, FormatName, Machines, schoolbook
from lmarith.errors import invalid
from lmarith.formats import text_format

if TYPE_CHECKING:
    from lmarith.executors.recipes import ExecutorRecipe
    from lmarith.models import TrainResult

train_app = typer.Typer(help="Train the embedded default, executors and aligners.", no_args_is_help=True)
app.add_typer(train_app, name="train")

SCRATCH = "scratch"
#: ``--into-package`` of every training command that installs
IntoPackage = Annotated[
    bool,
    typer.Option(
        "--into-package",
        help="maintainers: install into the package's own assets (a checkout's tracked weights) instead of "
        "the user directory",
    ),
]
#: ``--bf16`` of every training command that takes a ``Schedule``
Bf16 = Annotated[
    bool, typer.Option(help="bf16 autocast (weights stay fp32): faster on CPUs with AVX512-BF16 or AMX and on GPUs")
]


def _precision(bf16: bool) -> str:
    return "bf16" if bf16 else "no"


def _report(result: TrainResult, saved: str = "saved") -> None:
    """The run's last lines; a run resumed at its last step trained nothing, so has no loss."""
    loss = "-" if result.loss is None else f"{result.loss:.4g}"
    typer.echo(f"steps {result.steps}, loss {loss}, metrics {result.metrics}")
    typer.echo(f"{saved}: {result.final_dir}")


@train_app.command("default")
def train_default_cmd(
    out: Annotated[
        Path | None,
        typer.Option(
            help="run directory: loss log, checkpoints, final model (default: runs/default, runs/default-caef)"
        ),
    ] = None,
    fmt: Annotated[
        FormatName, typer.Option("--format", help="window: the shipped default; caef: the embedded CAEF-format model")
    ] = DEFAULT,
    resume: Annotated[bool, typer.Option(help="continue from the latest checkpoint in --out")] = False,
    max_steps: Annotated[
        int | None, typer.Option(help="the (first) schedule's length (default: the recipe's); stops earlier once exact")
    ] = None,
    install: Annotated[
        bool,
        typer.Option(
            help="copy the result into the user directory ($LMARITH_CACHE, default ~/.cache/lmarith), where "
            "`solve` finds it before the shipped model"
        ),
    ] = True,
    into_package: IntoPackage = False,
) -> None:
    """Reproduce an embedded model, trained from scratch: the window default on every window
    transition, until greedy decoding is exact on all of them; or (``--format caef``) the CAEF
    model on the paper's nine machines and its aligners, until exact on held-out samples, then a
    second phase in rounds (``OUT/polish``, ``OUT/polish2``, ...: fresh problems each, more *
    and //, operands with runs of one digit)."""
    from lmarith.executors.recipes import CaefDefaultRecipe, DefaultRecipe, train_caef_default, train_default

    steps = {} if max_steps is None else {"max_steps": max_steps}
    if text_format(fmt.value).aligners:  # the paper's format: the model also writes the aligners' texts
        result = train_caef_default(
            out or Path("runs/default-caef"), _config(CaefDefaultRecipe, **steps), resume, install, into_package
        )
    else:
        result = train_default(
            out or Path("runs/default"), _config(DefaultRecipe, **steps), resume, install, into_package
        )
    _report(result, saved="model")


def _train_recipe(
    recipe: ExecutorRecipe, model: str, out: Path, resume: bool, install: bool, into_package: bool
) -> None:
    """Build or load the model the recipe trains, train it, report where it landed."""
    from lmarith.executors.recipes import train_executor
    from lmarith.models import build_char_tokenizer, build_tiny_llama, load_model

    if model == SCRATCH:
        tokenizer = build_char_tokenizer()
        lm = build_tiny_llama(tokenizer, hidden=192, layers=4, heads=6, max_positions=1024)
    else:
        lm, tokenizer = load_model(model)
    lm.train()
    result = train_executor(
        lm,
        tokenizer,
        recipe,
        out,
        resume,
        base_model=None if model == SCRATCH else model,
        install=install,
        into_package=into_package,
    )
    _report(result)


def _config(cls, **values):  # type: ignore[no-untyped-def]
    """Build a pydantic recipe, turning validation errors into one clear line."""
    from pydantic import ValidationError

    try:
        return cls(**values)
    except ValidationError as err:
        raise invalid(err, "option") from None


_MODEL_HELP = f"'default', 'smollm2', a local HF model directory, or '{SCRATCH}' (a fresh tiny Llama)"


def _register(kind: str) -> None:
    """`train executor` and `train aligner` take the same options."""

    @train_app.command(kind, help=f"Train one operator's {kind} (LoRA adapter, or full fine-tune).")
    def command(
        op: Annotated[
            str, typer.Option(help="add, sub, mul, div, eq, gt, lt; with --table also 'all' (one shared adapter)")
        ],
        out: Annotated[Path, typer.Option(help="run directory")],
        model: Annotated[str, typer.Option(help=_MODEL_HELP)] = "default",
        fmt: Fmt = DEFAULT,
        long: Machines = None,
        resume: Annotated[bool, typer.Option(help="continue from the latest checkpoint in --out")] = False,
        full: Annotated[bool, typer.Option(help="full fine-tune instead of a LoRA adapter")] = False,
        table: Annotated[bool, typer.Option(help="the whole window table, until exact on every entry")] = False,
        command_tokens: Annotated[
            bool,
            typer.Option(
                help="with --table: every window command one added token (its embedding row trained with the "
                "LoRA), so a transition is one forward pass"
            ),
        ] = False,
        view_tokens: Annotated[
            bool,
            typer.Option(
                help="with --command-tokens: the fixed parts of every view (machine and state, each register "
                "with its value) added tokens too, so a step's prompt is ~5 tokens instead of ~12"
            ),
        ] = False,
        lora_rank: Annotated[int, typer.Option(help="LoRA rank")] = 16,
        min_len: Annotated[int, typer.Option("--min", help="shortest operand")] = 1,
        max_len: Annotated[int, typer.Option("--max", help="longest operand")] = 5,
        num: Annotated[int, typer.Option(help="problems per length class")] = 20,
        max_steps: Annotated[int, typer.Option(help="training steps at most")] = 2000,
        lr: Annotated[float, typer.Option(help="learning rate")] = 1e-3,
        batch_size: Annotated[int, typer.Option(help="examples per step")] = 16,
        eval_every: Annotated[int, typer.Option(help="steps between exactness checks (and checkpoints)")] = 200,
        bf16: Bf16 = False,
        install: Annotated[
            bool,
            typer.Option(
                help="install the adapters (bf16) into the user directory for --model: solve and eval then use "
                "them with no flag, before the shipped ones"
            ),
        ] = False,
        into_package: IntoPackage = False,
    ) -> None:
        from lmarith.executors.recipes import ExecutorRecipe

        recipe = _config(
            ExecutorRecipe,
            op=op,
            kind=kind,
            fmt=fmt.value,
            long=schoolbook(fmt, long),
            min_len=min_len,
            max_len=max_len,
            num=num,
            max_steps=max_steps,
            lr=lr,
            batch_size=batch_size,
            table=table,
            command_tokens=command_tokens,
            view_tokens=view_tokens,
            eval_every=eval_every,
            save_every=eval_every,
            mixed_precision=_precision(bf16),
            lora_rank=None if full or model == SCRATCH else lora_rank,
        )
        _train_recipe(recipe, model, out, resume, install, into_package)


_register("executor")
_register("aligner")


@train_app.command("question")
def train_question_cmd(
    out: Annotated[Path, typer.Option(help="run directory")],
    model: Annotated[str, typer.Option(help="'smollm2' or a local HF model directory")] = "smollm2",
    resume: Annotated[bool, typer.Option(help="continue from the latest checkpoint in --out")] = False,
    count: Annotated[int, typer.Option(help="training questions")] = 6000,
    max_digits: Annotated[int, typer.Option(help="longest operand (digits)")] = 30,
    lora_rank: Annotated[int, typer.Option(help="LoRA rank")] = 4,
    max_steps: Annotated[int, typer.Option(help="training steps at most")] = 1500,
    lr: Annotated[float, typer.Option(help="learning rate")] = 1e-3,
    batch_size: Annotated[int, typer.Option(help="examples per step")] = 16,
    bf16: Bf16 = False,
    install: Annotated[
        bool, typer.Option(help="install the aligner (bf16) beside the installed executors of --model (user directory)")
    ] = False,
    into_package: IntoPackage = False,
) -> None:
    """Train the question aligner: a LoRA adapter that reads a question in words and writes the
    expression the executors run (or CANNOT), until exact on validation questions."""
    from lmarith.executors.recipes import QuestionRecipe, train_question_aligner
    from lmarith.models import load_model

    recipe = _config(
        QuestionRecipe,
        count=count,
        max_digits=max_digits,
        lora_rank=lora_rank,
        max_steps=max_steps,
        lr=lr,
        batch_size=batch_size,
        mixed_precision=_precision(bf16),
    )
    lm, tokenizer = load_model(model)
    lm.train()
    result = train_question_aligner(
        lm, tokenizer, recipe, out, resume, base_model=model, install=install, into_package=into_package
    )
    _report(result)
