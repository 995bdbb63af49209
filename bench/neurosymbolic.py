"""Record a neurosymbolic run: methods per problem type, encoders per layer, targets met or not.

Reads the ``eval.json`` of a finished ``lmarith neuro run`` (or gather + train + eval) and,
with ``--scan``, trains both encoders at every gathered layer to measure how well the
symbolic engine reads the operands there, on fresh training-family questions (val) and on
the held-out wording family (probe). ``--words-run`` adds the intervention trained on number
words; ``--latency`` times ``lmarith neuro ask`` (the shipped intervention unless
``--ask-run``). Writes bench/results/neurosymbolic.json and the page docs/results/neurosymbolic.md
with its plot.

    lmarith neuro run --run RUN --json RUN/eval.json      # the pipeline (resumable)
    lmarith neuro ship --run RUN                          # package it (ask/chat without --run)
    python bench/neurosymbolic.py --run RUN --scan --latency [--words-run WORDS]
"""

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from statistics import fmean

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

from lmarith.evaluation.neuro_eval import METHODS, method_rows, per_type_rows, unrelated_line
from lmarith.evaluation.report import PAGES, write_report
from lmarith.neurosymbolic.fit import EncoderData, encoder_metrics, probe_metrics, train_encoder
from lmarith.neurosymbolic.gather import load_gathered
from lmarith.neurosymbolic.networks import ENCODERS, build_encoder
from lmarith.neurosymbolic.pipeline import gathered_split
from lmarith.neurosymbolic.run import read_run
from lmarith.vsa import VSACodec

RESULTS = Path(__file__).parent / "results"
TARGETS = (
    "with the fixed prompt (the product's): neurosymbolic >= 0.95 mean accuracy on the held-out wording family, no "
    "trained type below 0.85, above every baseline, CE <= 0.15x the best baseline; gate open on at most 1 of 50 "
    "held-out addition and division questions each, of 50 other untrained arithmetic questions and of 50 with an "
    "operand of 1000 or more; unrelated prompts' replies identical with the hook on and off on every prompt; "
    "ask under 3 s per question"
)
#: the gate's measurements (``lmarith.neurosymbolic.run.GATE_SPLITS``) as the page names them
GATES = {
    "held_out_gate": "held-out types (addition, division)",
    "untrained_gate": "other untrained arithmetic (subtraction, comparison, powers, percent, max, means ...)",
    "big_operand_gate": "trained types with an operand of 1000 or more",
}


def scan(run: Path, epochs: int, layers: list[int] | None, kinds: tuple[str, ...] = ENCODERS) -> list[dict]:
    """Held-out read-out quality of each encoder at each gathered layer (or those asked for)."""
    config = read_run(run)
    manifest, tensors = load_gathered(run / "gather")
    codec = VSACodec(config.codec())
    train, val, probe = (gathered_split(tensors, s) for s in ("train", "val", "probe"))
    rows = []
    for layer in layers or manifest["layers"]:
        fit = EncoderData.from_gathered(train, layer)
        if len(val["x"]):
            held = EncoderData.from_gathered(val, layer)
        else:
            fit, held = fit.split(0.15, config.seed)
        for kind in kinds:
            encoder = build_encoder(kind, manifest["hidden"], codec, config.window)
            train_encoder(
                encoder, codec, fit, epochs=epochs, seed=config.seed, position_dropout=config.position_dropout
            )
            row = {"layer": layer, "encoder": kind, **encoder_metrics(encoder, codec, held)}
            if len(probe["x"]):
                per_type = probe_metrics(
                    encoder,
                    codec,
                    EncoderData.from_gathered(probe, layer),
                    config.threshold,
                    config.types,
                    config.digit_margin,
                )
                trained = [per_type[t] for t in config.types if t in per_type]
                row["probe_exact"] = fmean(r["exact"] for r in trained)
                row["probe_open_and_exact"] = fmean(r["open_and_exact"] for r in trained)
                row["probe_held_out_types_open"] = fmean(
                    r["gate_open"] for t, r in per_type.items() if t not in config.types and t != "negative"
                )
            rows.append(row)
            print(rows[-1], flush=True)
    return rows


def targets(report: dict, latency: dict | None = None) -> dict:
    """Which of the issue's targets the run meets."""
    baselines = [report[m] for m in ("base", "cot", "lora") if report.get(m, {}).get("accuracy") is not None]
    neuro = report["neurosymbolic"]
    trained = report["setup"]["trained_types"]
    held_out = [t for t in report["setup"]["held_out_types"] if t in neuro["per_type"]] or ["-"]
    best_ce = min((b["cross_entropy"] for b in baselines), default=None)
    u = report["unrelated"]
    out = {
        "accuracy_at_least_0.95": neuro["accuracy"] >= 0.95,
        "lowest_trained_type": min(neuro["per_type"][t]["accuracy"] for t in trained),
        "no_trained_type_below_0.85": min(neuro["per_type"][t]["accuracy"] for t in trained) >= 0.85,
        "above_every_baseline": all(neuro["accuracy"] > b["accuracy"] for b in baselines) if baselines else None,
        "cross_entropy_ratio_to_best_baseline": neuro["cross_entropy"] / best_ce if best_ce else None,
        "cross_entropy_at_most_0.15x": neuro["cross_entropy"] <= 0.15 * best_ce if best_ce else None,
        "unrelated_unharmed": u["hook_on"] >= u["hook_off"],
        "unrelated_identical_on_every_prompt": u.get("identical_count", -1) == u["prompts"] and u["prompts"] >= 50,
        "held_out_types_gate_open": sum(neuro["per_type"][t]["gate_open"] for t in held_out) / len(held_out),
    }
    gate = report.get("held_out_gate")
    if gate:
        out["held_out_gate_open_counts"] = {t: f"{r['gate_open']} of {r['count']}" for t, r in gate.items()}
        out["held_out_gate_shut_on_all"] = all(r["gate_open"] <= 1 and r["count"] >= 50 for r in gate.values())
    for split in ("untrained_gate", "big_operand_gate"):
        rows = report.get(split)
        if rows:
            opened, count = sum(r["gate_open"] for r in rows.values()), sum(r["count"] for r in rows.values())
            out[f"{split}_open"] = f"{opened} of {count}"
            out[f"{split}_at_most_1"] = opened <= 1 and count >= 50
    if latency:
        out["ask_seconds_per_question"] = latency["seconds_per_question"]
        out["ask_under_3_s"] = latency["max_seconds"] < 3
    return out


def latency(run: Path | None, count: int) -> dict:
    """``lmarith neuro ask --timing`` on ``count`` questions from stdin (the model loaded once)."""
    from lmarith.questions.question import sample_questions
    from lmarith.questions.rules import TRAIN_TYPES

    questions = [
        q.question for q in sample_questions(max(1, count // 8 + 1), TRAIN_TYPES, phrasing="heldout", seed=11)
    ][: count - 2]
    questions += ["What is the capital of France?", "Write a haiku about autumn."]
    cmd = [sys.executable, "-m", "lmarith.cli", "neuro", "ask", "--timing"] + (["--run", str(run)] if run else [])
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    done = subprocess.run(cmd, input="\n".join(questions) + "\n", capture_output=True, text=True, env=env, check=True)
    load = float(re.search(r"in (\d+\.\d+) s", done.stderr.splitlines()[0]).group(1))
    each = [float(x) for x in re.findall(r"replied in (\d+\.\d+) s", done.stderr)]
    return {
        "intervention": str(run) if run else "shipped",
        "questions": len(each),
        "load_seconds": load,
        "seconds_per_question": fmean(each),
        "max_seconds": max(each),
        "threads": env["OMP_NUM_THREADS"],
        "replies": done.stdout.splitlines()[:4],
    }


def word_rows(report: dict, words_report: dict | None) -> list[dict]:
    """Accuracy on questions with operands in words: base, digits-trained, words-trained."""
    rows = []
    sources = [("trained on digits", report.get("words"))]
    if words_report is not None:
        sources.append(("trained on words", words_report.get("words")))
    for label, part in sources:
        if not part:
            continue
        neuro, base = part["neurosymbolic"], part["base"]
        if part.get("from_run"):
            label += f" ({Path(part['from_run']).name})"
        rows.append(
            {
                "intervention": label,
                "questions": part["count"],
                "base accuracy": base["accuracy"],
                "neurosymbolic accuracy": neuro["accuracy"],
                "gate open": fmean(r["gate_open"] for r in neuro["per_type"].values()),
                "engine right": fmean(r["engine_correct"] for r in neuro["per_type"].values()),
            }
        )
    return rows


def plot(report: dict, path: Path) -> None:
    types = sorted(report["neurosymbolic"]["per_type"])
    methods = [m for m in METHODS if report[m].get("per_type")]
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(12, 4.5))
    for i, method in enumerate(methods):
        values = [report[method]["per_type"].get(t, {}).get("accuracy", 0) for t in types]
        ax.bar([x + i * width for x in range(len(types))], values, width, label=method)
    held_out = set(report["setup"]["held_out_types"])
    ax.set_xticks(
        [x + 0.4 - width / 2 for x in range(len(types))],
        [f"{t}\n(held out)" if t in held_out else t for t in types],
        rotation=30,
        ha="right",
    )
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{report['setup']['model']}: accuracy per problem type on held-out questions")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def notes(report: dict, met: dict) -> str:
    """The setup, the unrelated prompts and the targets, above the tables."""
    setup = report["setup"]
    lines = [
        (
            f"Model `{setup['model']}`, layer {setup['layer']}, encoder `{setup['encoder']}`, injection "
            f"`{setup['inject']}`, strength {setup['strength']}, gate threshold {setup['threshold']}, "
            f"digit margin {setup.get('digit_margin', 0)}; "
            f"{setup['train_per_type']} training questions per trained type, {setup['test_per_type']} held-out "
            f"questions per type. Means over the trained types; held-out types "
            f"({', '.join(setup['held_out_types'])}) shown per type only."
        ),
        "",
        f"{unrelated_line(report).capitalize()} ({report['unrelated']['prompts']} prompts).",
        "",
        f"Targets ({TARGETS}):",
        "",
    ]
    lines += [f"- {k}: {v:.3f}" if isinstance(v, float) else f"- {k}: {v}" for k, v in met.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="run directory with eval.json")
    parser.add_argument("--scan", action="store_true", help="also compare both encoders at every gathered layer")
    parser.add_argument("--scan-encoders", nargs="+", default=list(ENCODERS), help="encoders the scan trains")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--layers", type=int, nargs="+", help="layers to scan (default: all gathered)")
    parser.add_argument("--scan-json", type=Path, help="read the scan from this file (written by --scan-only)")
    parser.add_argument("--scan-only", type=Path, help="run the scan, write it to this file and stop")
    parser.add_argument("--words-run", type=Path, help="run trained on number words (--numbers words), evaluated")
    parser.add_argument(
        "--also",
        type=Path,
        nargs="*",
        default=[],
        help="other runs whose neurosymbolic results (same test questions) are tabled beside this one",
    )
    parser.add_argument("--latency", action="store_true", help="time `lmarith neuro ask` (model loaded once)")
    parser.add_argument("--ask-run", type=Path, help="intervention for --latency (default: the shipped one)")
    parser.add_argument("--latency-count", type=int, default=10)
    parser.add_argument("--latency-json", type=Path, help="read a latency measurement saved from latency()")
    parser.add_argument("--command", default="lmarith neuro run --run RUN", help="how the run was made (recorded)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.scan_only:
        args.scan_only.write_text(
            json.dumps(scan(args.run, args.epochs, args.layers, tuple(args.scan_encoders)), indent=2) + "\n"
        )
        return
    report = json.loads((args.run / "eval.json").read_text())
    for other in args.also:  # number-word results measured on another run with the same digits recipe
        if "words" not in report:
            found = json.loads((other / "eval.json").read_text()).get("words")
            if found:
                report["words"] = found | {"from_run": str(other)}
    words_report = json.loads((args.words_run / "eval.json").read_text()) if args.words_run else None
    timing = latency(args.ask_run, args.latency_count) if args.latency else None
    if args.latency_json:
        timing = json.loads(args.latency_json.read_text())
    if args.scan_json:
        rows = json.loads(args.scan_json.read_text())
    else:
        rows = scan(args.run, args.epochs, args.layers, tuple(args.scan_encoders)) if args.scan else None
    met = targets(report, timing)
    scanned = f" --scan --epochs {args.epochs} --scan-encoders {' '.join(args.scan_encoders)}" + (
        f" --layers {' '.join(map(str, args.layers))}" if args.layers else ""
    )
    scanned = f" --scan-json {args.scan_json}" if args.scan_json else scanned
    extra = (
        (scanned if args.scan or args.scan_json else "")
        + (" --latency" if args.latency or args.latency_json else "")
        + (" --words-run WORDS" if args.words_run else "")
    )
    command = f"{args.command}; python bench/neurosymbolic.py --run RUN{extra}"
    RESULTS.mkdir(exist_ok=True)
    for m in METHODS:  # a part not evaluated (yet) is reported as missing, not invented
        report.setdefault(m, {"accuracy": None, "cross_entropy": None, "per_type": {}, "skipped": "not evaluated"})
    summary = {m: {k: report[m].get(k) for k in ("accuracy", "cross_entropy", "per_type")} for m in METHODS}
    paper = report.get("paper") or {}
    out = summary | {
        "unrelated": report["unrelated"],
        "setup": report["setup"],
        "targets": met,
        "encoder_scan": rows,
        "command": command,
        **{split: report.get(split) for split in GATES},
        "paper": {k: v for k, v in paper.items() if k != "setup"},
        "chat": report.get("chat"),
        "words": word_rows(report, words_report),
        "latency": timing,
        "words_run_setup": words_report.get("setup") if words_report else None,
    }
    tables = {
        "Methods (means over the trained types)": method_rows(report),
        "Per problem type (accuracy / answer cross-entropy; gate open: how often the intervention acted; "
        "engine right: it opened with the right answer, what a perfect decoder would score)": per_type_rows(report),
    }
    if paper.get("neurosymbolic"):
        for m in METHODS:
            paper.setdefault(m, {"accuracy": None, "cross_entropy": None, "per_type": {}})
        paper.setdefault("setup", report["setup"])
        tables["The paper's protocol: the same questions after two examples of their own type (methods)"] = method_rows(
            paper
        )
        tables["The paper's protocol, per problem type"] = per_type_rows(paper)
    for protocol, source in (("fixed prompt", report), ("paper's protocol", paper)):
        rows_gate = [
            {"questions": GATES[split], "type": t, "asked": r["count"], "gate open": r["gate_open"]}
            for split in GATES
            for t, r in (source.get(split) or {}).items()
        ]
        if rows_gate:
            tables[f"Gate on what it cannot compute (held-out wording family, {protocol}): open counts"] = rows_gate
    tables["Unrelated prompts by kind (hook off vs on)"] = [
        {"kind": k, "prompts": r["prompts"], "identical replies": r["identical"], "gate open": r["gate_open"]}
        for k, r in report["unrelated"].get("per_kind", {}).items()
    ]
    chat = report.get("chat")
    if chat:
        tables["Test questions asked as a plain chat (the prompt `neuro ask` gives unrecognised wordings)"] = [
            {"type": t, "accuracy": r["accuracy"], "gate open": r["gate_open"], "engine right": r["engine_correct"]}
            for t, r in chat["per_type"].items()
        ] + [{"type": "mean (trained)", "accuracy": chat["accuracy"]}]
    tables["Operands as English number words (num2words), held-out wording family"] = word_rows(report, words_report)
    others = {}
    for other in args.also:
        o = json.loads((other / "eval.json").read_text())
        enc = (
            json.loads((other / "encoders.json").read_text())["candidates"][0]
            if (other / "encoders.json").is_file()
            else {}
        )
        others[str(other)] = {k: o.get(k) for k in ("neurosymbolic", "unrelated", "held_out_gate", "chat", "setup")}
        rows_other = [
            {
                "run": other.name,
                "type": t,
                "accuracy": r["accuracy"],
                "cross-entropy": r["cross_entropy"],
                "gate open": r["gate_open"],
                "engine right": r["engine_correct"],
                "probe exact": (enc.get("probe") or {}).get(t, {}).get("exact", ""),
            }
            for t, r in o["neurosymbolic"]["per_type"].items()
        ]
        rows_other.append(
            {
                "run": other.name,
                "type": "mean (trained)",
                "accuracy": o["neurosymbolic"]["accuracy"],
                "cross-entropy": o["neurosymbolic"]["cross_entropy"],
            }
        )
        gate_o = o.get("held_out_gate") or {}
        u = o.get("unrelated") or {}
        tables[
            f"Another attempt: `{other.name}` (held-out gate "
            + ", ".join(f"{t} {r['gate_open']} of {r['count']}" for t, r in gate_o.items())
            + f"; unrelated identical {u.get('identical_count')} of {u.get('prompts')})"
        ] = rows_other
    out["other_runs"] = others
    if timing:
        tables["`lmarith neuro ask` latency"] = [{k: v for k, v in timing.items() if k != "replies"}]
    selection = (report["setup"].get("encoder_selection") or {}).get("candidates") or []
    probe_rows = []
    for cand in selection:
        for t, r in (cand.get("probe") or {}).items():
            probe_rows.append({"layer": cand["layer"], "encoder": cand["encoder"], "type": t, **r})
    if probe_rows:
        tables["Encoder read-out on the held-out wording family (probe; gate open: the read-out checks pass)"] = (
            probe_rows
        )
    if rows:
        tables[
            "Encoder scan on attempt 1's gather (val: fresh training-family questions; probe: held-out wording family)"
        ] = rows
    write_report(
        RESULTS / "neurosymbolic",
        out,
        "Neurosymbolic VSA intervention vs baselines",
        tables,
        notes=notes(report, met),
        md_dir=PAGES,
        command=command,
        plot="neurosymbolic.png",
    )
    plot(report, PAGES / "neurosymbolic.png")


if __name__ == "__main__":
    main()
