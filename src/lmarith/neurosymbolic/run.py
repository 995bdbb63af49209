"""A run directory of the neurosymbolic method and its baselines: options, layout, data splits.

``run.json`` holds the options; each step skips work whose output is already on disk, so an
interrupted run picks up where it stopped. Layout::

    run.json  data/{train,finetune,test,negatives}.csv  gather/  encoders.json
    neuro/ (encoder + least-squares decoder)  finetune/final/ (the trained intervention)
    lora/  cot/ (baseline adapters)  eval.json

The steps themselves are in :mod:`lmarith.evaluation.neuro_pipeline`; this module is what a
command needs to find a run's intervention (``lmarith neuro ask``) without loading them.
"""

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from lmarith.errors import LmarithError, invalid
from lmarith.models.flags import RUN_FLAGS, by_field
from lmarith.models.shipped import MANIFEST, Manifest, check_manifest, manifest_for, shipped_dir, write_manifest
from lmarith.neurosymbolic.config import EncoderKind, InterventionOptions
from lmarith.neurosymbolic.intervention import CONFIG_FILE, WEIGHTS_FILE, NeuroSymbolic
from lmarith.questions.csv_io import keep_types, read_csv, read_csv_checked, write_csv
from lmarith.questions.question import Question, sample_questions
from lmarith.questions.rules import EXTRA_TYPES, FOREIGN, MOD_1000_TYPES, PROBLEM_TYPES, check_types
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
    scan_layers: tuple[int, ...] = (12, 16, 20)
    encoder: Literal["auto", EncoderKind] = Field("attention", description="auto: the best of both on scan_layers")
    dim: int = Field(2048, gt=0)
    digits: int = Field(3, ge=1, le=6)
    x_greater: bool = False
    train_per_type: int = Field(96, gt=0)
    #: two-number questions about operations we do not train (invented ones, binomials,
    #: shifts, logarithms, NAND/NOR, ...; never addition or division) and sentences with two
    #: numbers that are not problems, train family only, gathered as gate negatives (0: none)
    negatives: int = Field(192, ge=0)
    #: fresh training-family questions per type, gathered to choose the encoder (or --val-csv)
    val_per_type: int = Field(8, ge=0)
    #: held-out-family questions per type (held-out types too), gathered only to *measure* how
    #: the encoder reads wordings it never saw; never used to choose or train anything
    probe_per_type: int = Field(12, ge=0)
    #: how questions are put to the model while gathering and fine-tuning: ``fixed`` (the one
    #: prompt every product path uses, so the encoder learns to read the question itself) or
    #: ``paper`` (two examples of the row's own type) or ``shots`` (the fixed prompt, half the
    #: rows after two worked examples of other types); runs made before the option: ``mixed``
    prompt: Literal["fixed", "paper", "mixed", "shots"] = Field(
        "fixed",
        description="fixed (the product's one prompt), paper (two examples of the row's type) or shots "
        "(fixed, half the rows after two examples of other types)",
    )
    #: operands as digits or English number words (the paper's string_nums)
    numbers: Literal["digits", "words"] = "digits"
    train_csv: str | None = Field(None, description="train on this CSV instead of generated questions")
    val_csv: str | None = Field(None, description="choose the encoder on this CSV")
    test_csv: str | None = Field(None, description="evaluate on this CSV")
    bad_solutions: Literal["error", "drop", "keep"] = "error"
    #: gate negatives beside the invented operations, per kind: questions of the real operations
    #: the run does not train other than the held-out ones (subtraction, comparison), and
    #: questions of the trained types with an operand of 1000 or more (out of the codec's
    #: range), train family only; runs made before the option had none
    extra_negatives: int = Field(
        96, ge=0, description="gate negatives per extra kind: untrained operations, operands of 1000 and up"
    )
    #: with mod1000: --extra-negatives questions of multiplication and lcm that do not ask mod
    #: 1000 as negatives too (the engine would answer mod 1000 what asks for the whole number)
    whole_negatives: bool = Field(False, description="plain multiplication and lcm questions as gate negatives")
    #: questions per held-out type (addition, division) for the gate's held-out measurement, and
    #: the size of the other gate measurements (other untrained arithmetic, operands >= 1000)
    held_out_gate_count: int = Field(50, ge=0)
    #: questions per trained type with operands in English words, for the evaluation (0: none)
    words_per_type: int = Field(10, ge=0)
    finetune_per_type: int = Field(24, gt=0)
    test_per_type: int = Field(25, gt=0)
    #: the wording family of the test split: heldout (never trained on) or train
    test_phrasing: Literal["heldout", "train", "all"] = "heldout"
    encoder_epochs: int = Field(40, gt=0)
    #: 0.15 read unseen wordings of the training family 0.85 exactly against 0.68 without
    #: (bench/neuro_wordings.py); runs written before the option existed trained without it
    position_dropout: float = Field(
        0.15,
        ge=0,
        lt=1,
        description="fraction of window positions the encoder "
        "training hides at each step (not the last; see train_encoder)",
    )
    #: epochs are cheap (prompts cached, only answer tokens run): on SmolLM2 the answer loss
    #: fell 0.83 -> 0.0004 in 4 epochs of 192 questions, then flattened (measured)
    finetune_epochs: int = Field(8, gt=0)
    #: large because SmolLM2's residual stream has an RMS near 90 at layer 16: at 1e-3 the
    #: decoder barely moves in a CPU-sized run; at 0.1 eight steps fit a batch (measured).
    finetune_lr: float = Field(0.1, gt=0)
    lora_rank: int = Field(8, gt=0)
    #: training questions per type for the LoRA baselines (None: the whole training split)
    lora_per_type: int | None = Field(None, gt=0)
    lora_epochs: int = Field(1, gt=0)
    lora_lr: float = Field(1e-3, gt=0)
    cot_train: bool = False
    batch_size: int = Field(8, gt=0)
    seed: int = 0

    @classmethod
    def quick(cls, **overrides: object) -> "RunConfig":
        """CI-sized: a handful of questions, two layers, short training."""
        base = {
            "layer": None,
            "encoder": "auto",
            "scan_layers": (1, 2),
            "dim": 512,
            "train_per_type": 8,
            "finetune_per_type": 2,
            "test_per_type": 2,
            "encoder_epochs": 5,
            "finetune_epochs": 1,
            "lora_epochs": 1,
            "window": 32,
            "negatives": 8,
            "extra_negatives": 2,
            "val_per_type": 1,
            "probe_per_type": 1,
            "held_out_gate_count": 2,
            "words_per_type": 1,
        }
        return cls(**(base | overrides))

    def answer_digits(self) -> int:
        return self.digits + 1 if self.mod1000 else 2 * self.digits

    def all_types(self) -> tuple[str, ...]:
        """The paper's ten types, and ours when the run trains them: what the codec has atoms
        for and the test split asks (a default run is exactly the paper's setting)."""
        return PROBLEM_TYPES + tuple(t for t in EXTRA_TYPES if t in self.types)

    def codec(self) -> CodecConfig:
        return CodecConfig(dim=self.dim, max_digits=self.answer_digits(), types=self.all_types(), seed=self.seed)

    def layers(self) -> list[int]:
        return sorted(set(self.scan_layers) | ({self.layer} if self.layer else set()))


#: Options that shape the gathered data; they cannot change once a gather has started.
GATHER_OPTIONS = frozenset(
    {
        "extra_negatives",
        "whole_negatives",
        "prompt",
        "model",
        "scan_layers",
        "dim",
        "window",
        "digits",
        "x_greater",
        "mod1000",
        "types",
        "train_per_type",
        "negatives",
        "seed",
        "numbers",
        "train_csv",
        "val_csv",
        "val_per_type",
        "probe_per_type",
        "bad_solutions",
    }
)


def read_run(directory: Path) -> RunConfig:
    """The options of the run in ``directory``, read only (a shipped run may be read-only)."""
    path = directory / RUN_FILE
    if not path.is_file():
        raise LmarithError(f"no run in {directory} (start one with `lmarith neuro gather --run {directory}`)")
    try:
        stored = json.loads(path.read_text())
        if isinstance(stored, dict):
            stored.setdefault("position_dropout", 0.0)  # written before the option: trained without it
            stored.setdefault("prompt", "mixed")  # written before the option: trained on mixed prompts
            stored.setdefault("extra_negatives", 0)
        return RunConfig.model_validate(stored)
    except json.JSONDecodeError as err:
        raise LmarithError(f"{path} is not JSON: {err}") from None
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
                raise LmarithError(
                    f"{directory} was gathered with other {', '.join(locked)}; use a fresh --run directory"
                )
        else:
            config = RunConfig.quick(**options) if quick else RunConfig(**options)
    except ValidationError as err:
        raise invalid(err, "option") from None
    check_types(config.types)
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(config.model_dump_json(indent=2) + "\n")
    return config


Split = Literal[
    "train", "finetune", "val", "probe", "test", "negatives", "held_out_gate", "untrained_gate", "big_operand_gate"
]
SPLITS: tuple[str, ...] = (
    "train",
    "finetune",
    "test",
    "negatives",
    "val",
    "probe",
    "held_out_gate",
    "untrained_gate",
    "big_operand_gate",
)
#: the gate's measurements beside the held-out types: held-out wordings only, never trained on
GATE_SPLITS: tuple[str, ...] = ("held_out_gate", "untrained_gate", "big_operand_gate")
#: real operations a run may leave untrained besides the paper's held-out ones
UNTRAINED_KINDS: tuple[str, ...] = ("subtraction", "comparison")
#: the splits gathered (hidden states recorded), in shard order
GATHERED: tuple[str, ...] = ("train", "negatives", "val", "probe")


def _from_csv(
    path: str, config: RunConfig, types: tuple[str, ...] | None, what: str, notes: list[str] | None
) -> list[Question]:
    read = read_csv_checked(Path(path), mod1000=config.mod1000, bad_solutions=config.bad_solutions)
    rows = read.questions
    if read.bad_solutions and notes is not None:
        verb = "dropped" if config.bad_solutions == "drop" else "kept"
        notes.append(
            f"{path}: {verb} {read.bad_solutions} row(s) whose solution disagrees with the rule "
            f"(first at {read.first_bad})"
        )
    if types is not None:
        rows, dropped = keep_types(rows, types)
        if dropped and notes is not None:
            notes.append(
                f"{path}: dropped {sum(dropped.values())} {what} row(s) of types not being trained ("
                + ", ".join(f"{t} {n}" for t, n in sorted(dropped.items()))
                + ")"
            )
    if not rows:
        raise LmarithError(f"{path}: no rows of the trained types ({', '.join(types or ())})")
    return rows


def split_questions(directory: Path, config: RunConfig, split: Split, notes: list[str] | None = None) -> list[Question]:
    """The split's questions, written to ``data/SPLIT.csv`` on first use (seeds differ per split).

    With ``train_csv`` (``val_csv``, ``test_csv``) the split comes from that file instead:
    rows of types not being trained are dropped from training (counted in ``notes``). The
    test split is rewritten when ``test_per_type`` changed, so a finished run can be
    evaluated again on more questions.
    """
    path = directory / "data" / f"{split}.csv"
    source = {
        "train": config.train_csv,
        "finetune": config.train_csv,
        "val": config.val_csv,
        "test": config.test_csv,
    }.get(split)
    if source is not None:
        rows = _from_csv(source, config, None if split == "test" else config.types, split, notes)
        if split == "finetune":  # the first finetune_per_type rows of each trained type
            seen: dict[str, int] = {}
            rows = [
                q
                for q in rows
                if seen.setdefault(q.problem_type, 0) < config.finetune_per_type
                and not seen.__setitem__(q.problem_type, seen[q.problem_type] + 1)
            ]
        if not path.is_file():
            write_csv(rows, path)
        return rows
    if split in ("untrained_gate", "big_operand_gate") or (split == "negatives" and config.extra_negatives):
        if not path.is_file():
            write_csv(_gate_questions(config, split), path)
        return read_csv(path)
    count = {
        "train": config.train_per_type,
        "finetune": config.finetune_per_type,
        "test": config.test_per_type,
        "negatives": config.negatives,
        "val": config.val_per_type,
        "probe": config.probe_per_type,
        "held_out_gate": config.held_out_gate_count,
    }[split]
    types = {
        "test": config.all_types(),
        "negatives": (FOREIGN,),
        "probe": config.all_types(),
        "held_out_gate": tuple(t for t in PROBLEM_TYPES if t not in config.types),
    }.get(split, config.types)
    phrasing = {"test": config.test_phrasing, "probe": "heldout", "held_out_gate": "heldout"}.get(split, "train")
    rows = read_csv(path) if path.is_file() else []
    if (not rows and count) or (split == "test" and len(rows) != count * len(types)):
        rows = _drawn(config, types, count, phrasing, config.seed * 10 + SPLITS.index(split))
        write_csv(rows, path)
    return rows


def _gate_questions(config: RunConfig, split: str) -> list[Question]:
    """Questions the gate must stay shut on. ``negatives`` (train family, gathered with no type):
    the invented operations, the real operations the run does not train (not the held-out
    ones) and trained types with an operand of 1000 or more. ``untrained_gate`` and
    ``big_operand_gate`` (held-out family, measured only): other untrained arithmetic
    (subtraction and the held-out family's powers, percentages, maxima, means ...) and trained
    types with an operand of 1000 to 99,999. With ``whole_negatives`` the training negatives also
    hold multiplication and lcm questions that do not ask mod 1000."""
    seed = config.seed * 10 + SPLITS.index(split)
    untrained = tuple(t for t in UNTRAINED_KINDS if t not in config.types)
    if split == "negatives":
        family, each, rows = (
            "train",
            config.extra_negatives,
            _drawn(config, (FOREIGN,), config.negatives, "train", seed),
        )
    else:
        family, each, rows = "heldout", config.held_out_gate_count, []
    if split in ("negatives", "untrained_gate"):
        kinds = (*untrained, FOREIGN) if split == "untrained_gate" else untrained
        if kinds:  # a run that trains every untrained kind has none of them to shut the gate on
            per_kind = -(-each // len(kinds)) if split == "untrained_gate" else each
            drawn = _drawn(config, kinds, per_kind, family, seed + 1)
            rows += drawn[:each] if split == "untrained_gate" else drawn
    if split in ("negatives", "big_operand_gate"):
        digits = 4 if split == "negatives" else 5  # the training negatives stay within the codec's 4 digits
        per_type = -(-each // len(config.types))
        drawn = sample_questions(
            4 * per_type, config.types, digits=digits, phrasing=family, mod1000=config.mod1000, seed=seed + 2
        )
        big = [q for q in drawn if max(q.x, q.y) >= 1000]
        rows += big[:each]
    whole = tuple(t for t in config.types if t in MOD_1000_TYPES)
    if split == "negatives" and config.whole_negatives and config.mod1000 and whole:
        drawn = sample_questions(-(-each // len(whole)), whole, phrasing=family, mod1000=False, seed=seed + 3)
        rows += drawn[:each]
    return rows


def _drawn(config: RunConfig, types: tuple[str, ...], count: int, family: str, seed: int) -> list[Question]:
    """``count`` questions of each of ``types`` in ``family``, with the run's operand settings."""
    return sample_questions(
        count,
        types,
        digits=config.digits,
        x_greater=config.x_greater,
        phrasing=family,
        mod1000=config.mod1000,
        numbers=config.numbers,
        seed=seed,
    )


def gathered_questions(
    directory: Path, config: RunConfig, notes: list[str] | None = None
) -> tuple[list[Question], list[str]]:
    """The rows a gather records, in shard order, and each row's split."""
    rows, split_of = [], []
    for split in GATHERED:
        if split == "probe" and config.train_csv is not None:
            continue  # a CSV run brings its own wordings; the probe is for our families
        part = split_questions(directory, config, split, notes)  # type: ignore[arg-type]
        rows += part
        split_of += [split] * len(part)
    return rows, split_of


def intervention_dir(directory: Path) -> Path:
    """Where a run keeps its fine-tuned intervention (a shipped directory holds it at the top):
    the only weights of a run that answer questions, so the ones a benchmark's key names."""
    return directory if (directory / CONFIG_FILE).is_file() else directory / INTERVENTION


def trained_intervention(directory: Path) -> NeuroSymbolic:
    """The fine-tuned intervention of a run (or of a shipped directory)."""
    return NeuroSymbolic.load(intervention_dir(directory))


#: the kind of shipped weights (``lmarith.models.shipped``): ``assets/intervention/<model>``
SHIPPED_KIND = "intervention"


def shipped_intervention_dir(model: str = "smollm2") -> Path | None:
    """The intervention that answers without ``--run`` for ``model``: the user's installed one
    (``lmarith neuro ship``: ``<user dir>/intervention/<model>``) or else the one packaged with
    lmarith (``assets/intervention/<model>``: manifest.json, run.json, neuro.json,
    neuro.safetensors); None when neither exists."""
    path = shipped_dir(SHIPPED_KIND, model)
    return path if path is not None and (path / CONFIG_FILE).is_file() else None


def check_shipped(directory: Path, model: str = "smollm2") -> Manifest:
    """The shipped intervention's manifest, checked: its base model's package must be installed
    at the version it was trained on (one clear line otherwise)."""
    manifest = check_manifest(directory, model, SHIPPED_KIND)
    if manifest is None:
        raise LmarithError(f"{directory} has no {MANIFEST}; reinstall lmarith")
    if manifest.package is not None:
        try:
            version(manifest.package)
        except PackageNotFoundError:
            pin = f"=={manifest.version}" if manifest.version else ""
            raise LmarithError(
                f"the shipped intervention needs {manifest.package}{pin}, which is not installed; "
                f"run `pip install --no-deps {manifest.package}{pin}`"
            ) from None
    return manifest


#: options that only shape the evaluation or the baselines, never the intervention
EVAL_ONLY = frozenset(
    {
        "test_per_type",
        "test_phrasing",
        "held_out_gate_count",
        "words_per_type",
        "lora_rank",
        "lora_per_type",
        "lora_epochs",
        "lora_lr",
        "cot_train",
        "test_csv",
    }
)


def run_command(config: RunConfig) -> str:
    """The ``lmarith neuro run`` command that trains this run's intervention again: a flag (from
    ``RUN_FLAGS``, the table the CLI's options are built from) for every option away from its
    default; options with no flag, or None, are named (run.json has them). ``scan_layers`` only
    matters when no layer is fixed."""
    default, flags = RunConfig(), by_field(RUN_FLAGS)
    words, other = ["lmarith neuro run --run RUN"], []
    for name in RunConfig.model_fields:
        value = getattr(config, name)
        if value == getattr(default, name) or name in EVAL_ONLY or (name == "scan_layers" and config.layer):
            continue
        if name not in flags or value is None:
            other.append(name)
        else:
            words += flags[name].words({name: value})
    return " ".join(words) + (f" (with run.json's {', '.join(other)})" if other else "")


def ship(directory: Path, out_dir: Path, *, half: bool = False, command: str) -> dict:
    """Package a run's fine-tuned intervention into ``out_dir`` with its options and manifest
    (safetensors; ``half``: the float weights as fp16, the buffers kept exact)."""
    import torch
    from safetensors.torch import save_file

    config = read_run(directory)
    neuro = trained_intervention(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / CONFIG_FILE, out_dir / WEIGHTS_FILE):
        stale.unlink(missing_ok=True)
    keep = config.model_copy(update={"train_csv": None, "val_csv": None, "test_csv": None})
    (out_dir / RUN_FILE).write_text(keep.model_dump_json(indent=2) + "\n")
    (out_dir / CONFIG_FILE).write_text(neuro.config.model_dump_json(indent=2) + "\n")
    buffers = {name for name, _ in neuro.named_buffers()}
    state = {
        k: (v.half() if half and k not in buffers and v.is_floating_point() else v).contiguous()
        for k, v in neuro.state_dict().items()
    }
    save_file(state, out_dir / WEIGHTS_FILE)
    write_manifest(out_dir, manifest_for(config.model, SHIPPED_KIND, command))
    del torch
    return {"dir": str(out_dir), "bytes": sum(f.stat().st_size for f in out_dir.iterdir() if f.is_file())}
