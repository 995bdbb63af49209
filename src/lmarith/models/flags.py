"""Which command-line flag sets which option: one table per command that trains what lmarith
ships (a neurosymbolic run, an executor or aligner recipe, the question aligner).

The CLI builds its options from these tables (``lmarith neuro gather|train|eval|run`` take
:data:`RUN_FLAGS`), and the manifests' commands are written from them (``run_command``,
``reproduce_command``), so a flag is spelt in one place. Plain data and no third-party import:
``lmarith --help`` reads the tables before any model library loads, and the library never
imports the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmarith.questions.rules import TRAIN_TYPES


class _Value:
    def __repr__(self) -> str:
        return "VALUE"


#: ``Flag.sets`` of a flag that writes its option's value (``--count 600``), not a switch
VALUE: Any = _Value()


@dataclass(frozen=True)
class Flag:
    """One command-line flag and the option it sets."""

    #: the option: a config field (``train_per_type``) or a command's own (``out``)
    field: str
    #: its spelling: ``--count``
    flag: str
    #: what the command line reads: int, float, str, Path (a file, checked), bool (a switch)
    type: type = str
    #: a switch's spelling for False (``--no-mod1000``, ``--any-order``); None: it has none
    off: str | None = None
    #: a comma list of these (``--types gcd,lcm``) instead of one value
    items: type | None = None
    #: a switch that stands for this value of its option (``--full``: ``lora_rank`` None;
    #: ``--bf16``: ``mixed_precision`` "bf16"); VALUE: the flag writes the value
    sets: Any = VALUE
    #: another option that, when true, leaves this flag out (``--min`` beside ``--table``)
    unless: str | None = None
    #: how a value is written
    text: Callable[[Any], str] = str
    #: the ``lmarith neuro`` steps that take it (``neuro run`` takes every step's)
    steps: tuple[str, ...] = ()
    help: str = ""

    @property
    def name(self) -> str:
        """The CLI's parameter name: the option's, or a value switch's own (``full``, ``bf16``)."""
        return self.field if self.sets is VALUE else self.flag.removeprefix("--").replace("-", "_")

    @property
    def declaration(self) -> str:
        """What the CLI declares: ``--mod1000/--no-mod1000``, ``--count``."""
        return f"{self.flag}/{self.off}" if self.off else self.flag

    def words(self, values: Mapping[str, Any]) -> list[str]:
        """The flag as written for ``values`` (options by name): none, the switch, or flag and value."""
        if self.unless is not None and values.get(self.unless):
            return []
        value = values[self.field]
        if self.sets is not VALUE:
            return [self.flag] if value == self.sets else []
        if value is None:
            return []
        if isinstance(value, bool):
            return [self.flag] if value else [self.off] if self.off else []
        if self.items is not None:
            return [self.flag, ",".join(self.text(item) for item in value)]
        return [self.flag, self.text(value)]


def command_line(program: str, flags: Iterable[Flag], values: Mapping[str, Any]) -> str:
    """``program`` and the flags that write ``values``, in the table's order."""
    return " ".join([program, *(word for flag in flags for word in flag.words(values))])


def by_field(flags: Sequence[Flag]) -> dict[str, Flag]:
    """The flag that writes each option's value (not the value switches)."""
    return {flag.field: flag for flag in flags if flag.sets is VALUE}


def _g(value: float) -> str:
    return f"{value:g}"


GATHER, TRAIN, EVAL = "gather", "train", "eval"
#: every step: the CSV files and how to read them
STEPS = (GATHER, TRAIN, EVAL)

#: ``lmarith neuro gather|train|eval|run``: RunConfig's options (``neuro run`` takes them all)
RUN_FLAGS: tuple[Flag, ...] = (
    Flag("model", "--model", steps=(GATHER,), help="Local HF directory, 'smollm2' or 'default'."),
    Flag(
        "layer",
        "--layer",
        int,
        steps=(GATHER, TRAIN),
        help="Residual-stream layer (default: the best of --scan-layers).",
    ),
    Flag(
        "scan_layers",
        "--scan-layers",
        items=int,
        steps=(GATHER,),
        help="Comma-separated layers to gather and compare, e.g. 8,12,16.",
    ),
    Flag(
        "types",
        "--types",
        items=str,
        steps=(GATHER,),
        help=f"Comma-separated trained types (default: {','.join(TRAIN_TYPES)}).",
    ),
    Flag("train_per_type", "--count", int, steps=(GATHER,), help="Questions per type."),
    Flag("digits", "--digits", int, steps=(GATHER,), help="Operand digit count (default 3: 1..999)."),
    Flag("x_greater", "--x-greater", bool, off="--any-order", steps=(GATHER,), help="Require x > y."),
    Flag("mod1000", "--mod1000", bool, off="--no-mod1000", steps=(GATHER,), help="Multiplication and lcm mod 1000."),
    Flag("numbers", "--numbers", steps=(GATHER,), help="Operands of generated questions: digits or words."),
    Flag(
        "prompt",
        "--prompt",
        steps=(GATHER,),
        help="How questions are put to the model while gathering and fine-tuning: fixed (the one prompt "
        "every product path uses), paper (two examples of the row's own type) or shots (fixed, half the rows "
        "after two worked examples of other types).",
    ),
    Flag(
        "negatives",
        "--negatives",
        int,
        steps=(GATHER,),
        help="Gate negatives about invented and other operations (train wording family).",
    ),
    Flag(
        "extra_negatives",
        "--extra-negatives",
        int,
        steps=(GATHER,),
        help="Gate negatives per extra kind: untrained real operations, trained types with an operand of 1000 "
        "and up (0: none, as runs before the option).",
    ),
    Flag(
        "whole_negatives",
        "--whole-negatives",
        bool,
        steps=(GATHER,),
        help="With --mod1000: multiplication and lcm questions that do not ask mod 1000 are gate negatives too "
        "(the engine answers mod 1000, they ask for the whole number).",
    ),
    Flag("seed", "--seed", int, steps=(GATHER,), help="Seed of questions, atoms and training."),
    Flag("encoder", "--encoder", steps=(TRAIN,), help="auto, attention or linear-last (auto: measure both)."),
    Flag("inject", "--inject", steps=(TRAIN,), help="answers (last prompt token + answer positions) or last (paper)."),
    Flag(
        "strength", "--strength", float, steps=(TRAIN,), help="Mixing strength s in h' = s*Dec + (1-s)*h (paper: 0.5)."
    ),
    Flag("threshold", "--threshold", float, steps=(TRAIN,), help="Gate threshold on the type similarity (paper: 0.8)."),
    Flag(
        "digit_margin",
        "--digit-margin",
        float,
        steps=(TRAIN,),
        help="Gate: abstain when a digit read is closer to a tie than this (default 0.1; 0: off, as in the paper).",
    ),
    Flag(
        "position_dropout",
        "--position-dropout",
        float,
        steps=(TRAIN,),
        help="Encoder training hides this fraction of the window's positions at each step (default 0.15).",
    ),
    Flag(
        "slot_read",
        "--slot-read",
        steps=(TRAIN,),
        help="Attention encoder: soft (each digit slot reads its attention's mixture of positions) or hard "
        "(only the position it attends to most; read time only).",
    ),
    Flag("encoder_epochs", "--encoder-epochs", int, steps=(TRAIN,), help="Encoder training epochs (default 40)."),
    Flag(
        "finetune_epochs",
        "--finetune-epochs",
        int,
        steps=(TRAIN,),
        help="Epochs of the decoder fine-tune through the frozen LM (default 8).",
    ),
    Flag("finetune_lr", "--finetune-lr", float, steps=(TRAIN,), help="Learning rate of that fine-tune (default 0.1)."),
    Flag("lora_rank", "--lora-rank", int, steps=(TRAIN,), help="LoRA baselines: rank (default 8)."),
    Flag("lora_epochs", "--lora-epochs", int, steps=(TRAIN,), help="LoRA baselines: epochs (default 1)."),
    Flag("lora_lr", "--lora-lr", float, steps=(TRAIN,), help="LoRA baselines: learning rate (default 0.001)."),
    Flag(
        "cot_train",
        "--cot-train",
        bool,
        off="--cot-prompt",
        steps=(TRAIN,),
        help="CoT baseline: train a LoRA on worked answers, or only prompt.",
    ),
    Flag("test_per_type", "--test-count", int, steps=(EVAL,), help="Held-out questions per type (default 25)."),
    Flag("batch_size", "--batch-size", int, steps=STEPS, help="Batch size for the LM (default 8)."),
    Flag(
        "train_csv",
        "--train-csv",
        Path,
        steps=STEPS,
        help="Train on this CSV (problem_type,x,y,question,solution; the paper's type names).",
    ),
    Flag("val_csv", "--val-csv", Path, steps=STEPS, help="Choose the encoder on this CSV."),
    Flag("test_csv", "--test-csv", Path, steps=STEPS, help="Evaluate on this CSV (every type in it)."),
    Flag(
        "bad_solutions",
        "--bad-solutions",
        steps=STEPS,
        help="CSV rows whose solution disagrees with the type's rule: error (default), drop or keep.",
    ),
)

#: the end of every training command's line: where its result is installed
_INSTALL = (
    Flag("mixed_precision", "--bf16", bool, sets="bf16"),
    Flag("into_package", "--into-package", bool),
    Flag("install", "--install", bool, unless="into_package"),
)

#: ``lmarith train executor|aligner``: an ``ExecutorRecipe`` and the command's model, run
#: directory and install target
EXECUTOR_FLAGS: tuple[Flag, ...] = (
    Flag("model", "--model"),
    Flag("op", "--op"),
    Flag("out", "--out", Path),
    Flag("fmt", "--format"),
    Flag("long", "--long", bool, off="--caef-machines"),
    Flag("table", "--table", bool),
    Flag("command_tokens", "--command-tokens", bool),
    Flag("view_tokens", "--view-tokens", bool),
    Flag("min_len", "--min", int, unless="table"),
    Flag("max_len", "--max", int, unless="table"),
    Flag("num", "--num", int, unless="table"),
    Flag("lora_rank", "--full", bool, sets=None),
    Flag("lora_rank", "--lora-rank", int),
    Flag("max_steps", "--max-steps", int),
    Flag("lr", "--lr", float, text=_g),
    Flag("batch_size", "--batch-size", int),
    Flag("eval_every", "--eval-every", int),
    *_INSTALL,
)

#: ``lmarith train question``: a ``QuestionRecipe`` and the command's model, run directory and
#: install target
QUESTION_FLAGS: tuple[Flag, ...] = (
    Flag("model", "--model"),
    Flag("out", "--out", Path),
    Flag("count", "--count", int),
    Flag("max_digits", "--max-digits", int),
    Flag("lora_rank", "--lora-rank", int),
    Flag("max_steps", "--max-steps", int),
    Flag("lr", "--lr", float, text=_g),
    Flag("batch_size", "--batch-size", int),
    *_INSTALL,
)

__all__ = [
    "EVAL",
    "EXECUTOR_FLAGS",
    "GATHER",
    "QUESTION_FLAGS",
    "RUN_FLAGS",
    "STEPS",
    "TRAIN",
    "VALUE",
    "Flag",
    "by_field",
    "command_line",
]
