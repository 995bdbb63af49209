"""The neurosymbolic method's training steps on a run directory, each resumable: gather the
hidden states, choose and train the encoder, fit the decoder, fine-tune it through the LM.

Options, the directory layout, shipping and loading are in :mod:`lmarith.neurosymbolic.run`;
baselines and the side-by-side evaluation in :mod:`lmarith.evaluation.neuro_pipeline`.
"""

import json
from pathlib import Path

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.errors import LmarithError
from lmarith.neurosymbolic.config import InterventionOptions
from lmarith.neurosymbolic.fit import (
    EncoderData,
    encoder_metrics,
    finetune_decoder,
    fit_decoder,
    probe_metrics,
    train_encoder,
)
from lmarith.neurosymbolic.gather import gather, load_gathered
from lmarith.neurosymbolic.hooks import check_layer
from lmarith.neurosymbolic.intervention import CONFIG_FILE, NeuroSymbolic
from lmarith.neurosymbolic.networks import ENCODERS, build_encoder
from lmarith.neurosymbolic.run import GATHERED, INTERVENTION, RunConfig, gathered_questions, split_questions
from lmarith.vsa import VSACodec


def run_gather(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    directory: Path,
    config: RunConfig,
    *,
    progress: bool = True,
) -> int:
    for layer in config.layers():
        check_layer(model, layer)
    notes: list[str] = []
    rows, split_of = gathered_questions(directory, config, notes)
    for note in notes:
        print(note)
    return gather(
        model,
        tokenizer,
        rows,
        directory / "gather",
        layers=config.layers(),
        window=config.window,
        codec=VSACodec(config.codec()),
        batch_size=config.batch_size,
        progress=progress,
        groups=[GATHERED.index(s) for s in split_of],
        protocol=config.prompt,
        negative=[s == "negatives" for s in split_of],
    )


def gathered_split(tensors: dict, split: str) -> dict:
    """The gathered rows of one split (``train`` includes the negatives: both are trained on)."""
    group = tensors.get("group", torch.zeros(len(tensors["x"]), dtype=torch.long))
    wanted = [GATHERED.index(s) for s in (("train", "negatives") if split == "train" else (split,))]
    keep = torch.isin(group, torch.tensor(wanted))
    return {k: v[keep] for k, v in tensors.items()}


def fit_encoder(
    config: RunConfig, codec: VSACodec, kind: str, data: EncoderData, seed: int | None = None
) -> tuple[torch.nn.Module, list[float]]:
    """The pipeline's encoder recipe: ``kind`` built for ``data``'s hidden size and trained on it
    (the run's epochs, position dropout and, unless ``seed`` is given, seed); with its epoch losses."""
    encoder = build_encoder(kind, data.window.shape[-1], codec, config.window, slot_read=config.slot_read)
    losses = train_encoder(
        encoder,
        codec,
        data,
        epochs=config.encoder_epochs,
        seed=config.seed if seed is None else seed,
        position_dropout=config.position_dropout,
    )
    return encoder, losses


def choose_encoder(directory: Path, config: RunConfig, tensors: dict) -> tuple[int, str, torch.nn.Module, dict]:
    """Train every candidate (layer, encoder) on 85% of the gathered rows, pick the one the engine
    reads best on the other 15%, and retrain it on all rows."""
    codec = VSACodec(config.codec())
    layers = [config.layer] if config.layer else list(config.scan_layers)
    kinds = ENCODERS if config.encoder == "auto" else (config.encoder,)
    results, best = [], None
    train, val, probe = (gathered_split(tensors, s) for s in ("train", "val", "probe"))
    single = len(layers) * len(kinds) == 1
    for layer in layers:
        if len(val["x"]):
            fit, held = EncoderData.from_gathered(train, layer), EncoderData.from_gathered(val, layer)
        else:
            fit, held = EncoderData.from_gathered(train, layer).split(0.15, config.seed)
        for kind in kinds:
            # one candidate: nothing to choose, so train it on every training row right away
            encoder, losses = fit_encoder(
                config, codec, kind, EncoderData.from_gathered(train, layer) if single else fit
            )
            metrics = encoder_metrics(encoder, codec, held) | {
                "layer": layer,
                "encoder": kind,
                "final_loss": losses[-1],
                "train_exact": encoder_metrics(encoder, codec, fit)["exact"],
            }
            if len(probe["x"]):
                metrics["probe"] = probe_metrics(
                    encoder,
                    codec,
                    EncoderData.from_gathered(probe, layer),
                    config.threshold,
                    config.types,
                    config.digit_margin,
                )
            results.append(metrics)
            if single:
                summary = {
                    "chosen": {"layer": layer, "encoder": kind},
                    "candidates": results,
                    "selection": "val" if len(val["x"]) else "15% of the training rows",
                }
                (directory / "encoders.json").write_text(json.dumps(summary, indent=2) + "\n")
                return layer, kind, encoder, summary
            key = (metrics["exact"], metrics["digit_accuracy"])
            if best is None or key > best[0]:
                best = (key, layer, kind)
    _, layer, kind = best
    # the held-out rows picked the winner; now it learns from them too (measured on SmolLM2:
    # 97.5% of test questions read exactly when trained on all rows)
    encoder, _ = fit_encoder(config, codec, kind, EncoderData.from_gathered(train, layer))
    summary = {
        "chosen": {"layer": layer, "encoder": kind},
        "candidates": results,
        "selection": "val" if len(val["x"]) else "15% of the training rows",
    }
    (directory / "encoders.json").write_text(json.dumps(summary, indent=2) + "\n")
    return layer, kind, encoder, summary


def train_intervention(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    directory: Path,
    config: RunConfig,
    *,
    progress: bool = True,
) -> dict:
    """Encoder and decoder on the gather, then the decoder fine-tuned through the frozen LM
    (each part skipped when already on disk); the encoder choice's summary."""
    manifest, tensors = load_gathered(directory / "gather")
    if config.layer and config.layer not in manifest["layers"]:
        raise LmarithError(f"layer {config.layer} was not gathered (gathered: {manifest['layers']})")
    neuro_dir = directory / "neuro"
    if (neuro_dir / CONFIG_FILE).is_file():
        neuro = NeuroSymbolic.load(neuro_dir)
        _check_matches(neuro, config, directory)
        summary = json.loads((directory / "encoders.json").read_text())
    else:
        layer, kind, encoder, summary = choose_encoder(directory, config, tensors)
        shared = config.model_dump(include=set(InterventionOptions.model_fields) - {"types"})
        neuro = NeuroSymbolic.create(
            layer=layer,
            hidden=model.config.hidden_size,
            types=config.types,
            codec=config.codec(),
            encoder=kind,
            **shared,
        )
        neuro.encoder.load_state_dict(encoder.state_dict())
        fit_decoder(neuro, gathered_split(tensors, "train"))
        neuro.save(neuro_dir)
    if not (directory / INTERVENTION / CONFIG_FILE).is_file():
        finetune_decoder(
            model,
            tokenizer,
            neuro,
            split_questions(directory, config, "finetune"),
            directory / INTERVENTION.parent,
            epochs=config.finetune_epochs,
            lr=config.finetune_lr,
            batch_size=config.batch_size,
            resume=True,
            progress=progress,
            protocol=config.prompt,
        )
    return summary


def _check_matches(neuro: NeuroSymbolic, config: RunConfig, directory: Path) -> None:
    """Refuse to continue a run whose trained parts disagree with the options now asked for."""
    built = neuro.config
    wanted = {k: getattr(config, k) for k in InterventionOptions.model_fields} | {
        "layer": config.layer or built.layer,
        "encoder": built.encoder if config.encoder == "auto" else config.encoder,
    }
    differs = [k for k, v in wanted.items() if getattr(built, k) != v]
    if differs:
        raise LmarithError(
            f"{directory}/neuro was trained with other {', '.join(differs)}; "
            "delete its neuro/ and finetune/ folders to retrain"
        )
