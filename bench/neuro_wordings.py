"""Encoder training choices judged on wordings the encoder never saw, without the held-out family.

Every gathered training row of a run is matched to the training-family expression (or whole
sentence) it was worded from; every third expression of each type (and of the negatives) is
held out of encoder training, and the engine's read-out of those rows scores the choice: type
and both operands exact with the gate's read-out checks passing (``open_and_exact``), and how
often held-out negative wordings would open the gate. The run's probe (held-out family) is
reported beside it for the record; nothing here reads the test questions.

    python bench/neuro_wordings.py RUN [--dropouts 0,0.15]   # RUN: a finished `neuro gather`
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from lmarith.evaluation.neuro_pipeline import gathered_split
from lmarith.evaluation.neuro_run import gathered_questions, read_run
from lmarith.evaluation.report import write_report
from lmarith.neurosymbolic.gather import load_gathered
from lmarith.neurosymbolic.networks import build_encoder
from lmarith.neurosymbolic.train import EncoderData, probe_metrics, train_encoder
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
    return {"mean": sum(trained) / len(trained), "negatives_open": report.get("negative", {}).get("gate_open"),
            **{t: report[t]["open_and_exact"] for t in types if t in report}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--dropouts", default="0,0.15", help="position dropouts to compare")
    args = parser.parse_args()
    config = read_run(args.run)
    _, tensors = load_gathered(args.run / "gather")
    rows, split_of = gathered_questions(args.run, config)
    training = torch.tensor([s in ("train", "negatives") for s in split_of])
    unseen = torch.tensor([held_out(q) for q in rows]) & training
    layer, codec = config.layer or config.scan_layers[0], VSACodec(config.codec())
    data = {name: EncoderData.from_gathered({k: v[keep] for k, v in tensors.items()}, layer)
            for name, keep in (("fit", training & ~unseen), ("unseen", unseen))}
    data["probe"] = EncoderData.from_gathered(gathered_split(tensors, "probe"), layer)
    results = []
    for dropout in (float(d) for d in args.dropouts.split(",")):
        started = time.perf_counter()
        encoder = build_encoder("attention", tensors[f"window.{layer}"].shape[-1], codec, config.window)
        train_encoder(encoder, codec, data["fit"], epochs=config.encoder_epochs, seed=config.seed,
                      position_dropout=dropout)
        for split in ("unseen", "probe"):
            report = probe_metrics(encoder, codec, data[split], config.threshold, config.types, config.digit_margin)
            results.append({"position_dropout": dropout, "rows": split, "count": len(data[split].x),
                            **{k: round(v, 3) if isinstance(v, float) else v
                               for k, v in scores(report, config.types).items()}})
            print(results[-1], flush=True)
        results[-1]["minutes"] = round((time.perf_counter() - started) / 60, 1)
    write_report(RESULTS / "neuro_wordings", {"run": str(args.run), "layer": layer, "fit_rows": len(data["fit"].x),
                                              "results": results},
                 "Encoder choices on training-family wordings held out of encoder training",
                 {"open and exact (mean over the trained types), per type": results},
                 notes=__doc__.split("\n\n")[1])


if __name__ == "__main__":
    main()
