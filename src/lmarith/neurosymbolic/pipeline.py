"""The whole method as resumable steps over one run directory: data, gather, train, eval.

``run.json`` holds the options; each step skips work whose output is already on disk, so an
interrupted run picks up where it stopped. Layout::

    run.json  data/{train,finetune,test}.csv  gather/  encoders.json
    neuro/ (encoder + least-squares decoder)  finetune/final/ (the trained intervention)
    lora/  cot/ (baseline adapters)  eval.json
"""

import json
from pathlib import Path
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.baselines import train_lora, trained
from lmarith.errors import LmarithError, invalid
from lmarith.neurosymbolic.evaluate import evaluate
from lmarith.neurosymbolic.gather import gather, load_gathered
from lmarith.neurosymbolic.hooks import check_layer
from lmarith.neurosymbolic.intervention import NeuroSymbolic
from lmarith.neurosymbolic.networks import ENCODERS, build_encoder
from lmarith.neurosymbolic.problems import (
    FOREIGN,
    PROBLEM_TYPES,
    TRAIN_TYPES,
    check_types,
    generate_problems,
    read_csv,
    write_csv,
)
from lmarith.neurosymbolic.train import (
    EncoderData,
    encoder_metrics,
    finetune_decoder,
    fit_decoder,
    train_encoder,
)
from lmarith.vsa import CodecConfig, VSACodec

RUN_FILE = "run.json"


class RunConfig(BaseModel):
    """Options of a run. ``layer=None`` / ``encoder="auto"``: pick the best on ``scan_layers``.

    Defaults come from measurements on SmolLM2 (bench/neurosymbolic.py): the attention encoder
    reads operands far better than the paper's one-token linear map, at layer 16 of 30.
    """

    model_config = ConfigDict(extra="forbid")

    model: str = "smollm2"
    layer: int | None = 16
    scan_layers: tuple[int, ...] = (8, 12, 16, 20, 24)
    encoder: Literal["auto", "attention", "linear-last"] = "attention"
    inject: Literal["answers", "last"] = "answers"
    strength: float = Field(0.5, ge=0, le=1)
    threshold: float = 0.8
    #: abstain when a digit read is a near tie: a misread is confidently wrong, which costs
    #: far more answer cross-entropy than letting the model answer alone
    digit_margin: float = Field(0.1, ge=0)
    dim: int = Field(2048, gt=0)
    window: int = Field(48, gt=0)
    digits: int = Field(3, ge=1, le=6)
    x_greater: bool = False
    mod1000: bool = True
    types: tuple[str, ...] = TRAIN_TYPES
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


def open_run(directory: Path, options: dict | None = None, *, create: bool = False, quick: bool = False) -> RunConfig:
    """Read the run in ``directory`` back (or create it), applying ``options`` (None values ignored).

    Later steps may change training and evaluation options; options that shape the gathered
    data are refused once a gather exists.
    """
    options = {k: v for k, v in (options or {}).items() if v is not None}
    path = directory / RUN_FILE
    try:
        if path.is_file():
            stored = RunConfig.model_validate_json(path.read_text())
            config = RunConfig(**(stored.model_dump() | options))
            changed = {k for k in options if getattr(config, k) != getattr(stored, k)}
            locked = sorted(changed & GATHER_OPTIONS) if (directory / "gather").is_dir() else []
            if locked:
                raise LmarithError(f"{directory} was gathered with other {', '.join(locked)}; use a fresh --run directory")
        elif create:
            config = RunConfig.quick(**options) if quick else RunConfig(**options)
        else:
            raise LmarithError(f"no run in {directory} (start one with `lmarith neuro gather --run {directory}`)")
    except ValidationError as err:
        raise invalid(err, "option") from None
    check_types(config.types)
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(config.model_dump_json(indent=2) + "\n")
    return config


Split = Literal["train", "finetune", "test", "negatives"]


def problems(directory: Path, config: RunConfig, split: Split) -> list:
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
        rows = generate_problems(count, types, digits=config.digits, x_greater=config.x_greater,
                                 mod1000=config.mod1000, seed=config.seed * 10 + offset)
        write_csv(rows, path)
    return rows


def run_gather(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, directory: Path, config: RunConfig,
               *, progress: bool = True) -> int:
    for layer in config.layers():
        check_layer(model, layer)
    rows = problems(directory, config, "train") + problems(directory, config, "negatives")
    return gather(model, tokenizer, rows, directory / "gather",
                  layers=config.layers(), window=config.window, codec=VSACodec(config.codec()),
                  batch_size=config.batch_size, progress=progress)


def choose_encoder(directory: Path, config: RunConfig, tensors: dict) -> tuple[int, str, torch.nn.Module, dict]:
    """Train every candidate (layer, encoder) on 85% of the gathered rows, pick the one the engine
    reads best on the other 15%, and retrain it on all rows."""
    codec = VSACodec(config.codec())
    layers = [config.layer] if config.layer else list(config.scan_layers)
    kinds = ENCODERS if config.encoder == "auto" else (config.encoder,)
    results, best = [], None
    for layer in layers:
        fit, val = EncoderData.from_gathered(tensors, layer).split(0.15, config.seed)
        for kind in kinds:
            encoder = build_encoder(kind, tensors[f"window.{layer}"].shape[-1], codec, config.window)
            losses = train_encoder(encoder, codec, fit, epochs=config.encoder_epochs, seed=config.seed)
            metrics = encoder_metrics(encoder, codec, val) | {"layer": layer, "encoder": kind, "final_loss": losses[-1],
                                                              "train_exact": encoder_metrics(encoder, codec, fit)["exact"]}
            results.append(metrics)
            key = (metrics["exact"], metrics["digit_accuracy"])
            if best is None or key > best[0]:
                best = (key, layer, kind)
    _, layer, kind = best
    # the held-out rows picked the winner; now it learns from them too (measured on SmolLM2:
    # 97.5% of test questions read exactly when trained on all rows)
    encoder = build_encoder(kind, tensors[f"window.{layer}"].shape[-1], codec, config.window)
    train_encoder(encoder, codec, EncoderData.from_gathered(tensors, layer), epochs=config.encoder_epochs,
                  seed=config.seed)
    summary = {"chosen": {"layer": layer, "encoder": kind}, "candidates": results}
    (directory / "encoders.json").write_text(json.dumps(summary, indent=2) + "\n")
    return layer, kind, encoder, summary


def run_train(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, directory: Path, config: RunConfig,
              *, baselines: bool = True, progress: bool = True) -> dict:
    """Encoder and decoder, decoder fine-tune through the LLM, then the LoRA baselines."""
    manifest, tensors = load_gathered(directory / "gather")
    if config.layer and config.layer not in manifest["layers"]:
        raise LmarithError(f"layer {config.layer} was not gathered (gathered: {manifest['layers']})")
    neuro_dir = directory / "neuro"
    if (neuro_dir / "neuro.json").is_file():
        neuro = NeuroSymbolic.load(neuro_dir)
        _check_matches(neuro, config, directory)
        summary = json.loads((directory / "encoders.json").read_text())
    else:
        layer, kind, encoder, summary = choose_encoder(directory, config, tensors)
        neuro = NeuroSymbolic.create(layer=layer, hidden=model.config.hidden_size, types=config.types,
                                     codec=config.codec(), encoder=kind, window=config.window,
                                     strength=config.strength, threshold=config.threshold, inject=config.inject,
                                     digit_margin=config.digit_margin,
                                     mod1000=config.mod1000)
        neuro.encoder.load_state_dict(encoder.state_dict())
        fit_decoder(neuro, tensors)
        neuro.save(neuro_dir)
    finetune_dir = directory / "finetune"
    if not (finetune_dir / "final" / "neuro.json").is_file():
        finetune_decoder(model, tokenizer, neuro, problems(directory, config, "finetune"), finetune_dir,
                         epochs=config.finetune_epochs, lr=config.finetune_lr, batch_size=config.batch_size,
                         resume=True, progress=progress)
    if baselines:
        train_set = problems(directory, config, "train")
        for style, sub, wanted in (("direct", "lora", True), ("worked", "cot", config.cot_train)):
            if wanted and not trained(directory / sub, style):
                train_lora(model, tokenizer, train_set, directory / sub, style=style, rank=config.lora_rank,
                           epochs=config.lora_epochs, lr=config.lora_lr, batch_size=config.batch_size,
                           progress=progress)
    return summary


def _check_matches(neuro: NeuroSymbolic, config: RunConfig, directory: Path) -> None:
    """Refuse to continue a run whose trained parts disagree with the options now asked for."""
    built = neuro.config
    wanted = {"layer": config.layer or built.layer, "encoder": built.encoder if config.encoder == "auto" else config.encoder,
              "inject": config.inject, "strength": config.strength, "threshold": config.threshold,
              "digit_margin": config.digit_margin}
    differs = [k for k, v in wanted.items() if getattr(built, k) != v]
    if differs:
        raise LmarithError(f"{directory}/neuro was trained with other {', '.join(differs)}; "
                           "delete its neuro/ and finetune/ folders to retrain")


def trained_intervention(directory: Path) -> NeuroSymbolic:
    """The fine-tuned intervention of a run."""
    return NeuroSymbolic.load(directory / "finetune" / "final")


def run_eval(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, directory: Path, config: RunConfig) -> dict:
    """Score every method on the test questions; the report is also written to ``eval.json``."""
    neuro = trained_intervention(directory)
    report = evaluate(model, tokenizer, neuro, problems(directory, config, "test"), lora_dir=directory / "lora",
                      cot_dir=directory / "cot", batch_size=config.batch_size)
    encoders = directory / "encoders.json"
    report["setup"] = {
        "model": config.model, "layer": neuro.config.layer, "encoder": neuro.config.encoder,
        "inject": neuro.config.inject, "strength": neuro.config.strength, "threshold": neuro.config.threshold,
        "digit_margin": neuro.config.digit_margin,
        "trained_types": list(config.types), "held_out_types": [t for t in PROBLEM_TYPES if t not in config.types],
        "test_per_type": config.test_per_type, "train_per_type": config.train_per_type,
        "encoder_selection": json.loads(encoders.read_text()) if encoders.is_file() else None,
    }
    (directory / "eval.json").write_text(json.dumps(report, indent=2) + "\n")
    return report

