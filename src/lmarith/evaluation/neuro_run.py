"""A run directory of the neurosymbolic method and its baselines: options, layout, data splits.

``run.json`` holds the options; each step skips work whose output is already on disk, so an
interrupted run picks up where it stopped. Layout::

    run.json  data/{train,finetune,test,negatives}.csv  gather/  encoders.json
    neuro/ (encoder + least-squares decoder)  finetune/final/ (the trained intervention)
    lora/  cot/ (baseline adapters)  eval.json

The steps themselves are in :mod:`lmarith.evaluation.neuro_pipeline`; this module is what a
command needs to find a run's intervention (``lmarith neuro ask``) without loading them.
"""

from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from lmarith.errors import LmarithError, invalid
from lmarith.neurosymbolic.config import EncoderKind, InterventionOptions
from lmarith.neurosymbolic.intervention import NeuroSymbolic
from lmarith.questions.files import read_csv, write_csv
from lmarith.questions.question import Question, sample_questions
from lmarith.questions.rules import FOREIGN, PROBLEM_TYPES, check_types
from lmarith.vsa import CodecConfig

RUN_FILE = "run.json"
#: where the decoder fine-tune (``finetune_decoder(out_dir=RUN/finetune)``) leaves the intervention
INTERVENTION = Path("finetune") / "final"


class RunConfig(InterventionOptions):
    """Options of a run: the intervention's, plus data and training. ``layer=None`` /
    ``encoder="auto"``: pick the best on ``scan_layers``.

    Defaults come from measurements on SmolLM2 (bench/neurosymbolic.py): the attention encoder
    reads operands far better than the paper's one-token linear map, at layer 16 of 30.
    """

    model: str = "smollm2"
    layer: int | None = Field(16, description="residual-stream layer; None: the best of scan_layers")
    scan_layers: tuple[int, ...] = (8, 12, 16, 20, 24)
    encoder: Literal["auto", EncoderKind] = Field("attention", description="auto: the best of both on scan_layers")
    dim: int = Field(2048, gt=0)
    digits: int = Field(3, ge=1, le=6)
    x_greater: bool = False
    train_per_type: int = Field(64, gt=0)
    #: questions about invented operations gathered as gate negatives (0: none)
    negatives: int = Field(128, ge=0)
    finetune_per_type: int = Field(24, gt=0)
    test_per_type: int = Field(10, gt=0)
    encoder_epochs: int = Field(40, gt=0)
    #: epochs are cheap (prompts cached, only answer tokens run): on SmolLM2 the answer loss
    #: fell 0.83 -> 0.0004 in 4 epochs of 192 questions, then flattened (measured)
    finetune_epochs: int = Field(8, gt=0)
    #: large because SmolLM2's residual stream has an RMS near 90 at layer 16: at 1e-3 the
    #: decoder barely moves in a CPU-sized run; at 0.1 eight steps fit a batch (measured).
    finetune_lr: float = Field(0.1, gt=0)
    lora_rank: int = Field(8, gt=0)
    lora_epochs: int = Field(1, gt=0)
    lora_lr: float = Field(1e-3, gt=0)
    cot_train: bool = False
    batch_size: int = Field(8, gt=0)
    seed: int = 0

    @classmethod
    def quick(cls, **overrides: object) -> "RunConfig":
        """CI-sized: a handful of questions, two layers, short training."""
        base = {"layer": None, "encoder": "auto", "scan_layers": (1, 2), "dim": 512, "train_per_type": 8,
                "finetune_per_type": 2, "test_per_type": 2, "encoder_epochs": 5, "finetune_epochs": 1,
                "lora_epochs": 1, "window": 32, "negatives": 8}
        return cls(**(base | overrides))

    def answer_digits(self) -> int:
        return self.digits + 1 if self.mod1000 else 2 * self.digits

    def codec(self) -> CodecConfig:
        return CodecConfig(dim=self.dim, max_digits=self.answer_digits(), types=PROBLEM_TYPES, seed=self.seed)

    def layers(self) -> list[int]:
        return sorted(set(self.scan_layers) | ({self.layer} if self.layer else set()))


#: Options that shape the gathered data; they cannot change once a gather has started.
GATHER_OPTIONS = frozenset({"model", "scan_layers", "dim", "window", "digits", "x_greater", "mod1000", "types",
                            "train_per_type", "negatives", "seed"})


def read_run(directory: Path) -> RunConfig:
    """The options of the run in ``directory``, read only (a shipped run may be read-only)."""
    path = directory / RUN_FILE
    if not path.is_file():
        raise LmarithError(f"no run in {directory} (start one with `lmarith neuro gather --run {directory}`)")
    try:
        return RunConfig.model_validate_json(path.read_text())
    except ValidationError as err:
        raise invalid(err, "option") from None


def open_run(directory: Path, options: dict | None = None, *, create: bool = False, quick: bool = False) -> RunConfig:
    """Read the run in ``directory`` back (or create it), applying ``options`` (None values ignored).

    Later steps may change training and evaluation options; options that shape the gathered
    data are refused once a gather exists.
    """
    options = {k: v for k, v in (options or {}).items() if v is not None}
    path = directory / RUN_FILE
    try:
        if path.is_file() or not create:
            stored = read_run(directory)
            config = RunConfig(**(stored.model_dump() | options))
            changed = {k for k in options if getattr(config, k) != getattr(stored, k)}
            locked = sorted(changed & GATHER_OPTIONS) if (directory / "gather").is_dir() else []
            if locked:
                raise LmarithError(f"{directory} was gathered with other {', '.join(locked)}; use a fresh --run directory")
        else:
            config = RunConfig.quick(**options) if quick else RunConfig(**options)
    except ValidationError as err:
        raise invalid(err, "option") from None
    check_types(config.types)
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(config.model_dump_json(indent=2) + "\n")
    return config


Split = Literal["train", "finetune", "test", "negatives"]


def split_questions(directory: Path, config: RunConfig, split: Split) -> list[Question]:
    """The split's questions, written to ``data/SPLIT.csv`` on first use (seeds differ per split).

    The test split is rewritten when ``test_per_type`` changed, so a finished run can be
    evaluated again on more questions.
    """
    path = directory / "data" / f"{split}.csv"
    count = {"train": config.train_per_type, "finetune": config.finetune_per_type, "test": config.test_per_type,
             "negatives": config.negatives}[split]
    types = {"test": PROBLEM_TYPES, "negatives": (FOREIGN,)}.get(split, config.types)
    rows = read_csv(path) if path.is_file() else []
    if not rows or (split == "test" and len(rows) != count * len(types)):
        offset = {"train": 0, "finetune": 1, "test": 2, "negatives": 3}[split]
        rows = sample_questions(count, types, digits=config.digits, x_greater=config.x_greater,
                                 mod1000=config.mod1000, seed=config.seed * 10 + offset)
        write_csv(rows, path)
    return rows


def trained_intervention(directory: Path) -> NeuroSymbolic:
    """The fine-tuned intervention of a run."""
    return NeuroSymbolic.load(directory / INTERVENTION)


def shipped_intervention_dir() -> Path | None:
    """The run packaged with lmarith (``assets/neuro``: ``run.json`` and ``finetune/final``), if any.

    None ships yet: the folder is absent or empty until a trained intervention is packaged.
    """
    path = Path(str(files("lmarith") / "assets" / "neuro"))
    return path if path.is_dir() and any(path.iterdir()) else None
