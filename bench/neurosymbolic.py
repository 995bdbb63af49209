"""Record a neurosymbolic run: methods per problem type, encoders per layer, targets met or not.

Reads the ``eval.json`` of a finished ``lmarith neuro run`` (or gather + train + eval) and,
with ``--scan``, trains both encoders at every gathered layer to measure how well the
symbolic engine can read the operands there. Writes bench/results/neurosymbolic.json, .md
and neurosymbolic.png (accuracy per problem type and method).

    lmarith neuro run --run RUN --json RUN/eval.json      # the pipeline (resumable)
    python bench/neurosymbolic.py --run RUN --scan        # this report
"""

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

from lmarith.evaluation.neuro_run import read_run
from lmarith.evaluation.neurosymbolic import METHODS, method_rows, per_type_rows, unrelated_line
from lmarith.evaluation.report import write_report
from lmarith.neurosymbolic.gather import load_gathered
from lmarith.neurosymbolic.networks import ENCODERS, build_encoder
from lmarith.neurosymbolic.train import EncoderData, encoder_metrics, train_encoder
from lmarith.vsa import VSACodec

RESULTS = Path(__file__).parent / "results"
TARGETS = "neurosymbolic >= 0.95 mean accuracy, above every baseline, CE <= 0.15x the best baseline, unrelated unharmed"


def scan(run: Path, epochs: int, layers: list[int] | None) -> list[dict]:
    """Held-out read-out quality of each encoder at each gathered layer (or those asked for)."""
    config = read_run(run)
    manifest, tensors = load_gathered(run / "gather")
    codec = VSACodec(config.codec())
    rows = []
    for layer in layers or manifest["layers"]:
        fit, val = EncoderData.from_gathered(tensors, layer).split(0.15, config.seed)
        for kind in ENCODERS:
            encoder = build_encoder(kind, manifest["hidden"], codec, config.window)
            train_encoder(encoder, codec, fit, epochs=epochs, seed=config.seed)
            rows.append({"layer": layer, "encoder": kind, **encoder_metrics(encoder, codec, val)})
            print(rows[-1], flush=True)
    return rows


def targets(report: dict) -> dict:
    """Which of the issue's targets the run meets."""
    baselines = [report[m] for m in ("base", "cot", "lora") if report[m].get("accuracy") is not None]
    neuro = report["neurosymbolic"]
    held_out = [t for t in report["setup"]["held_out_types"] if t in neuro["per_type"]] or ["-"]
    best_ce = min(b["cross_entropy"] for b in baselines)
    return {
        "accuracy_at_least_0.95": neuro["accuracy"] >= 0.95,
        "above_every_baseline": all(neuro["accuracy"] > b["accuracy"] for b in baselines),
        "cross_entropy_ratio_to_best_baseline": neuro["cross_entropy"] / best_ce,
        "cross_entropy_at_most_0.15x": neuro["cross_entropy"] <= 0.15 * best_ce,
        "unrelated_unharmed": report["unrelated"]["hook_on"] >= report["unrelated"]["hook_off"],
        "held_out_types_gate_open": sum(neuro["per_type"][t]["gate_open"] for t in held_out) / len(held_out),
    }


def plot(report: dict, path: Path) -> None:
    types = sorted(report["base"]["per_type"])
    methods = [m for m in METHODS if report[m].get("per_type")]
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(12, 4.5))
    for i, method in enumerate(methods):
        values = [report[method]["per_type"].get(t, {}).get("accuracy", 0) for t in types]
        ax.bar([x + i * width for x in range(len(types))], values, width, label=method)
    held_out = set(report["setup"]["held_out_types"])
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(types))],
                  [f"{t}\n(held out)" if t in held_out else t for t in types], rotation=30, ha="right")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{report['setup']['model']}: accuracy per problem type on held-out questions")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def notes(report: dict, met: dict, command: str) -> str:
    """The setup, the unrelated prompts and the targets, above the tables."""
    setup = report["setup"]
    lines = [(f"Model `{setup['model']}`, layer {setup['layer']}, encoder `{setup['encoder']}`, injection "
              f"`{setup['inject']}`, strength {setup['strength']}, gate threshold {setup['threshold']}, "
              f"digit margin {setup.get('digit_margin', 0)}; "
              f"{setup['train_per_type']} training questions per trained type, {setup['test_per_type']} held-out "
              f"questions per type. Means over the trained types; held-out types "
              f"({', '.join(setup['held_out_types'])}) shown per type only."), "",
             f"{unrelated_line(report).capitalize()} ({report['unrelated']['prompts']} prompts).", "",
             f"Targets ({TARGETS}):", ""]
    lines += [f"- {k}: {v:.3f}" if isinstance(v, float) else f"- {k}: {v}" for k, v in met.items()]
    return "\n".join(lines + ["", f"Produced by: `{command}`"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="run directory with eval.json")
    parser.add_argument("--scan", action="store_true", help="also compare both encoders at every gathered layer")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--layers", type=int, nargs="+", help="layers to scan (default: all gathered)")
    parser.add_argument("--command", default="lmarith neuro run --run RUN", help="how the run was made (recorded)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    report = json.loads((args.run / "eval.json").read_text())
    rows = scan(args.run, args.epochs, args.layers) if args.scan else None
    met = targets(report)
    scanned = f" --scan --epochs {args.epochs}" + (f" --layers {' '.join(map(str, args.layers))}" if args.layers else "")
    command = f"{args.command}; python bench/neurosymbolic.py --run RUN{scanned if args.scan else ''}"
    RESULTS.mkdir(exist_ok=True)
    summary = {m: {k: report[m].get(k) for k in ("accuracy", "cross_entropy", "per_type")} for m in METHODS}
    out = summary | {"unrelated": report["unrelated"], "setup": report["setup"], "targets": met,
                     "encoder_scan": rows, "command": command}
    tables = {"Methods (means over the trained types)": method_rows(report),
              "Per problem type (accuracy / answer cross-entropy; gate open: how often the intervention acted; "
              "engine right: it opened with the right answer, what a perfect decoder would score)": per_type_rows(report)}
    if rows:
        tables["Encoder read-out on held-out gathered questions (exact: type and both operands right)"] = rows
    write_report(RESULTS / "neurosymbolic", out, "Neurosymbolic VSA intervention vs baselines", tables,
                 notes=notes(report, met, command))
    plot(report, RESULTS / "neurosymbolic.png")


if __name__ == "__main__":
    main()
