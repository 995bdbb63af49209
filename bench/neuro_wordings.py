"""Encoder training choices judged on wordings the encoder never saw, without the held-out family.

Every gathered training row of a run is matched to the training-family expression (or whole
sentence) it was worded from; every third expression of each type (and of the negatives) is
held out of encoder training, and the engine's read-out of those rows scores the choice: type
and both operands exact with the gate's read-out checks passing (``open_and_exact``), and how
often held-out negative wordings would open the gate. The run's probe (held-out family) is
reported beside it for the record; nothing here reads the test questions. With several
``--seeds`` the encoders' mean vector (an ensemble) is scored too; ``--thresholds`` scores
the same vectors at other gate thresholds, ``--hard`` also reads each encoder with hard slot
attention, and "why the gate shut" says which read-out check failed on the unseen rows of
each type. Writes bench/results/neuro_wordings.json and the page docs/results/neuro_wordings.md
(``--out bench/results/NAME``: NAME.json and docs/results/NAME.md; elsewhere: both there).

    python bench/neuro_wordings.py RUN [--dropouts 0,0.15] [--seeds 0] [--thresholds 0.8] [--layer L] [--hard]
        [--out STEM]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from lmarith.evaluation.report import command_line, page_dir, write_report
from lmarith.neurosymbolic.fit import EncoderData, read_metrics, train_encoder
from lmarith.neurosymbolic.gather import load_gathered
from lmarith.neurosymbolic.networks import build_encoder
from lmarith.neurosymbolic.pipeline import gathered_split
from lmarith.neurosymbolic.run import gathered_questions, read_run
from lmarith.questions import wording
from lmarith.questions.question import Question
from lmarith.vsa import VSACodec

RESULTS = Path(__file__).parent / "results"


def train_parts(problem_type: str) -> tuple[str, ...]:
    """The training family's expressions and whole sentences of one type, in their order."""
    return (*wording.EXPRESSIONS[problem_type]["train"], *wording.SENTENCES[problem_type]["train"])


def expression_of(q: Question) -> str:
    """The training-family expression or sentence ``q`` was worded from (the longest that fits; '' if none)."""
    text, best = wording.normalise(q.question), ""
    for part in train_parts(q.problem_type):
        core = wording.normalise(part.replace("{m}", "").replace("{x}", str(q.x)).replace("{y}", str(q.y)))
        if core in text and len(core) > len(best):
            best = part
    return best


def held_out(q: Question) -> bool:
    """Whether ``q`` is worded from one of every third training part of its type (kept out of training)."""
    return expression_of(q) in train_parts(q.problem_type)[1::3]


def scores(report: dict, types: tuple[str, ...]) -> dict:
    trained = [report[t]["open_and_exact"] for t in types if t in report]
    return {
        "mean": sum(trained) / len(trained),
        "negatives_open": report.get("negative", {}).get("gate_open"),
        **{t: report[t]["open_and_exact"] for t in types if t in report},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--dropouts", default="0,0.15", help="position dropouts to compare")
    parser.add_argument("--seeds", default="0", help="encoder seeds per dropout; several also score their mean vector")
    parser.add_argument("--thresholds", default=None, help="gate thresholds to score (default: the run's)")
    parser.add_argument("--layer", type=int, default=None, help="a gathered layer (default: the run's)")
    parser.add_argument("--hard", action="store_true", help="also score each encoder with hard slot attention")
    parser.add_argument("--out", type=Path, default=RESULTS / "neuro_wordings", help="report path, without suffix")
    args = parser.parse_args()
    config = read_run(args.run)
    _, tensors = load_gathered(args.run / "gather")
    rows, split_of = gathered_questions(args.run, config)
    training = torch.tensor([s in ("train", "negatives") for s in split_of])
    unseen = torch.tensor([held_out(q) for q in rows]) & training
    layer, codec = args.layer or config.layer or config.scan_layers[0], VSACodec(config.codec())
    data = {
        name: EncoderData.from_gathered({k: v[keep] for k, v in tensors.items()}, layer)
        for name, keep in (("fit", training & ~unseen), ("unseen", unseen))
    }
    data["probe"] = EncoderData.from_gathered(gathered_split(tensors, "probe"), layer)
    seeds = [int(s) for s in args.seeds.split(",")]
    thresholds = [float(t) for t in args.thresholds.split(",")] if args.thresholds else [config.threshold]
    results, shut = [], []

    def score(dropout: float, seed: str, vectors: dict[str, torch.Tensor], minutes: float | None) -> None:
        for threshold in thresholds:
            for split in ("unseen", "probe"):
                report = read_metrics(codec, vectors[split], data[split], threshold, config.types, config.digit_margin)
                results.append(
                    {
                        "position_dropout": dropout,
                        "seed": seed,
                        "threshold": threshold,
                        "rows": split,
                        "count": len(data[split].x),
                        **{
                            k: round(v, 3) if isinstance(v, float) else v
                            for k, v in scores(report, config.types).items()
                        },
                    }
                )
                print(results[-1], flush=True)
                if split == "unseen" and threshold == config.threshold:
                    shut.extend(
                        {
                            "position_dropout": dropout,
                            "seed": seed,
                            "type": t,
                            **{why: round(v, 3) for why, v in r["shut_by"].items()},
                        }
                        for t, r in report.items()
                    )
        results[-1]["minutes"] = minutes

    @torch.no_grad()
    def read(encoder: torch.nn.Module) -> dict[str, torch.Tensor]:
        return {split: encoder(data[split].window.float(), data[split].mask) for split in ("unseen", "probe")}

    for dropout in (float(d) for d in args.dropouts.split(",")):
        outputs = []
        for seed in seeds:
            started = time.perf_counter()
            encoder = build_encoder("attention", tensors[f"window.{layer}"].shape[-1], codec, config.window)
            train_encoder(
                encoder, codec, data["fit"], epochs=config.encoder_epochs, seed=seed, position_dropout=dropout
            )
            outputs.append(read(encoder))
            score(dropout, str(seed), outputs[-1], round((time.perf_counter() - started) / 60, 1))
            if args.hard:
                encoder.hard = True
                score(dropout, f"{seed} hard", read(encoder), None)
        if len(outputs) > 1:
            score(
                dropout,
                f"mean of {len(outputs)}",
                {split: torch.stack([o[split] for o in outputs]).mean(0) for split in ("unseen", "probe")},
                None,
            )
    write_report(
        args.out,
        {"run": str(args.run), "layer": layer, "fit_rows": len(data["fit"].x), "results": results, "shut_by": shut},
        "Encoder choices on training-family wordings held out of encoder training",
        {
            "open and exact (mean over the trained types), per type": results,
            f"why the gate shut on unseen rows (fraction failing each check, threshold {config.threshold})": shut,
        },
        notes=__doc__.split("\n\n")[1],
        md_dir=page_dir(args.out),
        command=command_line(),
    )


if __name__ == "__main__":
    main()
