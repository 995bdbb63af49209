"""Is the gate's answer on held-out types a property of the method or of one encoder's seed?

The shipped intervention keeps its gate shut on held-out addition and opens it on held-out
division (read as modulo). This reads held-out-type questions worded in the TRAINING family
(``dev``: 100 per held-out type, gathered once into RUN/gate/dev; never the test questions) and
the run's probe with encoders that differ only in their seed, trained on the run's own
training rows exactly as the pipeline trains its one encoder (cached in RUN/gate), beside the
shipped intervention's encoder (seed 0 of the same recipe) and any ``--intervention`` given.
Held-out types: how often the gate opens (0 is the target). Trained types: read exactly with
the gate open. A second table tries a gate that needs no encoder: the Mahalanobis distance of
the layer's hidden state (last prompt token, or the window's mean) to the nearest trained
type's mean, shut above the 99.5th percentile of the training rows' distances (there, trained
types' cells say how often the gate stays open, exact or not). Writes bench/results/neuro_gate.json
and the page docs/results/neuro_gate.md (``--out`` elsewhere: both there).

    python bench/neuro_gate.py RUN [--seeds 1,2] [--intervention [NAME=]DIR ...] [--out STEM]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from lmarith.errors import LmarithError
from lmarith.evaluation.report import command_line, page_dir, write_report
from lmarith.neurosymbolic.fit import EncoderData, read_metrics
from lmarith.neurosymbolic.gather import NONE, gather, load_gathered
from lmarith.neurosymbolic.intervention import NeuroSymbolic
from lmarith.neurosymbolic.networks import build_encoder
from lmarith.neurosymbolic.pipeline import fit_encoder, gathered_split
from lmarith.neurosymbolic.run import RunConfig, intervention_dir, read_run, shipped_intervention_dir
from lmarith.questions.question import sample_questions
from lmarith.questions.rules import PROBLEM_TYPES
from lmarith.vsa import VSACodec

RESULTS = Path(__file__).parent / "results"
DEV_PER_TYPE, DEV_SEED = 100, 77


def dev_rows(run: Path, config: RunConfig, codec: VSACodec) -> dict[str, torch.Tensor]:
    """Held-out-type questions in the training family, gathered once (the LM loads only then)."""
    out = run / "gate" / "dev"
    try:
        return load_gathered(out)[1]
    except LmarithError:  # not gathered yet, or interrupted: gather resumes at the first missing shard
        from lmarith.models.loading import load_model

        model, tokenizer = load_model(config.model)
        held_out = tuple(t for t in PROBLEM_TYPES if t not in config.types)
        rows = sample_questions(DEV_PER_TYPE, held_out, digits=config.digits, phrasing="train", seed=DEV_SEED)
        gather(model, tokenizer, rows, out, layers=[config.layer], window=config.window, codec=codec)
        return load_gathered(out)[1]


def seed_encoder(run: Path, config: RunConfig, codec: VSACodec, train: EncoderData, seed: int) -> torch.nn.Module:
    """The pipeline's encoder recipe with another seed (trained once, then read from RUN/gate)."""
    path = run / "gate" / f"encoder-seed{seed}.safetensors"
    if path.is_file():
        encoder = build_encoder(
            config.encoder, train.window.shape[-1], codec, config.window, slot_read=config.slot_read
        )
        encoder.load_state_dict(load_file(path))
    else:
        encoder, _ = fit_encoder(config, codec, config.encoder, train, seed=seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in encoder.state_dict().items()}, path)
    return encoder.eval()


def rates(per_type: dict[str, float], trained: tuple[str, ...]) -> dict[str, float]:
    """One table row: the per-type rates rounded, led by the trained types' mean."""
    row = {name: round(value, 3) for name, value in per_type.items()}
    scored = [row[t] for t in trained if t in row]
    return {"trained_mean": round(sum(scored) / len(scored), 3), **row} if scored else row


@torch.no_grad()
def encoder_row(
    name: str, encoder: torch.nn.Module, codec: VSACodec, config: RunConfig, splits: dict[str, EncoderData]
) -> list[dict]:
    """One row per split: what the gate does with ``encoder``'s reading of its questions."""
    out = []
    for split, data in splits.items():
        report = read_metrics(
            codec, encoder(data.window.float(), data.mask), data, config.threshold, config.types, config.digit_margin
        )
        # held-out types: how often the gate opens; trained types: how often it opens on an exact read
        per_type = {t: r["open_and_exact" if t in config.types else "gate_open"] for t, r in report.items()}
        out.append({"encoder": name, "rows": split, **rates(per_type, config.types)})
        print(out[-1], flush=True)
    return out


def distance_rows(
    train: EncoderData, splits: dict[str, EncoderData], codec: VSACodec, trained: tuple[str, ...]
) -> list[dict]:
    """The Mahalanobis gate (shared covariance, 10% shrinkage to its mean variance) per feature."""
    indices = [codec.type_index(t) for t in trained]
    out = []
    for feature in ("last", "mean"):

        def features(d: EncoderData, feature: str = feature) -> torch.Tensor:
            w = d.window.float()
            return w[:, -1] if feature == "last" else (w * d.mask[..., None]).sum(1) / d.mask.sum(1, keepdim=True)

        x = features(train)
        groups = [x[train.type_index == i] for i in indices]
        means = torch.stack([g.mean(0) for g in groups])
        centred = torch.cat([g - g.mean(0) for g in groups])
        cov = centred.T @ centred / len(centred)
        precision = torch.linalg.inv(0.9 * cov + 0.1 * cov.diagonal().mean() * torch.eye(len(cov)))

        def distance(z: torch.Tensor, means: torch.Tensor = means, precision: torch.Tensor = precision) -> torch.Tensor:
            d = z[:, None] - means[None]
            return torch.einsum("nkd,de,nke->nk", d, precision, d).min(1).values

        limit = torch.quantile(distance(x[train.type_index != NONE]), 0.995)
        for split, data in splits.items():
            opens = distance(features(data)) <= limit
            per_type = {
                codec.config.types[i]: opens[data.type_index == i].float().mean().item()
                for i in data.type_index.unique().tolist()
            }
            out.append({"feature": feature, "rows": split, **rates(per_type, trained)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="a gathered run of the shipped recipe (lmarith neuro gather)")
    parser.add_argument("--seeds", default="1,2", help="encoder seeds to train besides the shipped encoder's 0")
    parser.add_argument(
        "--intervention",
        action="append",
        default=[],
        metavar="[NAME=]DIR",
        help="another trained intervention (or run) to read the same rows with",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "neuro_gate", help="report path, without suffix")
    args = parser.parse_args()
    config = read_run(args.run)
    codec = VSACodec(config.codec())
    _, tensors = load_gathered(args.run / "gather")
    train = EncoderData.from_gathered(gathered_split(tensors, "train"), config.layer)
    splits = {
        "probe (held-out family)": EncoderData.from_gathered(gathered_split(tensors, "probe"), config.layer),
        "dev (held-out types, training family)": EncoderData.from_gathered(
            dev_rows(args.run, config, codec), config.layer
        ),
    }
    rows = []
    shipped = shipped_intervention_dir(config.model)
    for name, directory in ([("shipped (seed 0)", shipped)] if shipped else []) + [
        (name or d, intervention_dir(Path(d))) for name, _, d in (i.rpartition("=") for i in args.intervention)
    ]:
        rows += encoder_row(name, NeuroSymbolic.load(directory).encoder, codec, config, splits)
    for seed in (int(s) for s in args.seeds.split(",") if s):
        rows += encoder_row(f"seed {seed}", seed_encoder(args.run, config, codec, train, seed), codec, config, splits)
    distances = distance_rows(train, splits, codec, config.types)
    write_report(
        args.out,
        {
            "run": str(args.run),
            "layer": config.layer,
            "dev_per_type": DEV_PER_TYPE,
            "encoders": rows,
            "distance_gate": distances,
        },
        "The gate on held-out types, across encoder seeds",
        {
            "gate open (held-out types) and open and exact (trained types), per encoder": rows,
            "a distance gate on the hidden state (no encoder), same rows": distances,
        },
        notes=__doc__.split("\n\n")[1],
        md_dir=page_dir(args.out),
        command=command_line(),
    )


if __name__ == "__main__":
    main()
