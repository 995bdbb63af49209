"""The question aligner and `lmarith ask` on SmolLM2 (the shipped adapters, or ``--adapters``).

1. The aligner alone: exact expressions (or ``CANNOT``) for questions of the held-out wording
   family, which training never saw, operands of 1 to 30 digits (``--n-aligner``), per
   operator, as `ask` decodes it (choosing among the expressions on the question's own
   numbers, and CANNOT) and decoding freely; for questions of the fresh held-out family (whole
   sentences, written once the first family had steered training wordings, before any aligner
   was measured on them); and for questions read from a CSV file in the paper's format (columns
   ``problem_type,x,y,question,solution``, held-out wording): addition and division name an
   executor expression, the other types (multiplication and lcm asked mod 1000, gcd, ...) none.
2. `ask` via the executors: held-out-family questions at 3, 10 and 30 digits (``--n`` each, the
   seven operators in equal shares), the aligner's expression run by the executors on the same
   model; correct when the answer equals the question's own.

3. With ``--compare DIR`` (e.g. the executors shipped before the command tokens): `ask` on the
   same ``--compare-n`` questions (one per operator) at each size of 10 digits and up, by
   ours and by those executors (the question aligner of ``--adapters`` for both), one right
   after the other: seconds per question of both and the ratio.

Each part (the aligner's, and every 25 questions of an `ask` row) is kept as it ends
(``ask.partial.json``): a rerun with the same adapters, counts and code goes on from there. A run
of fewer ``--sizes`` writes its report and keeps that file, so a later full run measures only
the rows it lacks.
Writes bench/results/ask.json and the page docs/results/ask.md with its plot (``--quick``:
bench/results/ask_quick.*).

    python bench/ask.py [--model smollm2] [--adapters DIR] [--n 100] [--sizes 3,10,30] [--n-aligner 1000]
                        [--compare DIR] [--compare-n 7] [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lmarith.evaluation.report import (  # noqa: E402
    PAGES,
    Parts,
    command_line,
    run_key,
    shown_path,
    source_files,
    write_report,
)
from lmarith.executors.lm_policy import LMPolicy, load_policy  # noqa: E402
from lmarith.executors.question_aligner import align_questions, answer_questions  # noqa: E402
from lmarith.executors.tasks import QUESTION_TASK  # noqa: E402
from lmarith.machines.problems import parse_problem  # noqa: E402
from lmarith.models import find_adapters  # noqa: E402
from lmarith.models.shipped import MANIFEST, shipped_dir  # noqa: E402
from lmarith.questions.csv_io import read_csv, write_csv  # noqa: E402
from lmarith.questions.expressions import CANNOT, SYMBOLS, Mapping, mappings  # noqa: E402
from lmarith.questions.question import sample_questions  # noqa: E402

RESULTS = Path(__file__).parent / "results"
#: the paper's types whose questions name an executor expression (the others: CANNOT)
CSV_EXPRESSIONS = {"addition": "+", "division": "//"}
#: the operand sizes of the ask rows
SIZES = (3, 10, 30)
CSV_TYPES = ("addition", "division", "multiplication", "lcm", "gcd", "modulo", "bitwise_or")


def aligner_part(policy: LMPolicy, pairs: list[tuple[str, str, str]], source: str, constrained: bool = True) -> dict:
    """Exact rate overall and per kind (an operator, a paper type, or CANNOT) of (question,
    expected expression, kind), with the first misses; ``constrained``: the aligner picks among
    the expressions on the question's numbers (as `ask` runs it), else writes freely."""
    written, seconds = align_questions(policy, [q for q, _, _ in pairs], constrained)
    source += "" if constrained else " (free decoding)"
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for (_, expected, kind), text in zip(pairs, written, strict=True):
        by_kind[kind].append(text == expected)
    hits = [text == expected for (_, expected, _), text in zip(pairs, written)]
    rows = [
        {
            "source": source,
            "kind": "all",
            "n": len(hits),
            "exact": sum(hits) / len(hits),
            "seconds_per_question": seconds,
        }
    ]
    rows += [
        {"source": source, "kind": kind, "n": len(h), "exact": sum(h) / len(h)} for kind, h in sorted(by_kind.items())
    ]
    misses = [(q, e, t) for (q, e, _), t in zip(pairs, written) if t != e][:8]
    return {"rows": rows, "misses": misses}


def family_pairs(n: int, family: str = "heldout") -> list[tuple[str, str, str]]:
    return [(m.question, m.expression, m.op or CANNOT) for m in mappings(n, family, max_digits=30, seed=7)]


def csv_pairs(n_per_type: int) -> list[tuple[str, str, str]]:
    """Questions written to, and read back from, a CSV file in the paper's columns."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "questions.csv"
        write_csv(sample_questions(n_per_type, CSV_TYPES, phrasing="heldout", seed=11), path)
        rows = read_csv(path)
    out = []
    for q in rows:
        symbol = CSV_EXPRESSIONS.get(q.problem_type)
        out.append((q.question, CANNOT if symbol is None else f"{q.x}{symbol}{q.y}", q.problem_type))
    return out


def ask_cell(digits: int, n: int) -> list[Mapping]:
    """The held-out-family questions of one operand size (no CANNOT), the same for every run."""
    return mappings(n, "heldout", max_digits=digits, cannot_share=0, exact_digits=True, seed=100 + digits)


def ask_chunk(policy: LMPolicy, cell: list[Mapping]) -> dict:
    """Answer ``cell`` by aligner + executors: per question, right or not, and the seconds."""
    started = time.perf_counter()
    answers = answer_questions(policy, [m.question for m in cell])
    return {
        "seconds": time.perf_counter() - started,
        "questions": [
            {
                "question": m.question,
                "op": m.op,
                "right": a.answer == parse_problem(m.expression).answer(),
                "aligned": a.aligned,
                "aligner_exact": a.aligned == m.expression,
                "reason": a.reason,
                "calls": a.result.calls if a.result else 0,
            }
            for a, m in zip(answers, cell, strict=True)
        ],
    }


def ask_row(digits: int, chunks: list[dict]) -> dict:
    """One operand size's row from its chunks."""
    done = [q for c in chunks for q in c["questions"]]
    n = len(done)
    per_op = {
        op: sum(q["right"] for q in done if q["op"] == op) / max(1, sum(q["op"] == op for q in done)) for op in SYMBOLS
    }
    return {
        "digits": digits,
        "n": n,
        "accuracy": sum(q["right"] for q in done) / n,
        "aligner_exact": sum(q["aligner_exact"] for q in done) / n,
        "seconds_per_question": sum(c["seconds"] for c in chunks) / n,
        "llm_calls_per_question": sum(q["calls"] for q in done) / n + 1,
        "per_operator": per_op,
        "failures": [(q["question"], q["aligned"], q["reason"]) for q in done if not q["right"]][:5],
    }


def beside(executors: Path, aligner_from: Path, into: Path) -> Path:
    """A folder of ``executors``' adapters and the question aligner of ``aligner_from`` (copies)."""
    folders = {name: f for name, f in find_adapters(executors).items() if name != QUESTION_TASK}
    folders[QUESTION_TASK] = find_adapters(aligner_from)[QUESTION_TASK]
    for name, folder in folders.items():
        shutil.copytree(folder, into / name)
    shutil.copy(executors / MANIFEST, into / MANIFEST)
    return into


def speed_row(digits: int, ours: dict, theirs: dict) -> dict:
    """Seconds per question of both executor sets on the same questions, and the ratio."""
    n = len(ours["questions"])
    return {
        "digits": digits,
        "n": n,
        "seconds_per_question": ours["seconds"] / n,
        "compared_seconds_per_question": theirs["seconds"] / n,
        "ratio": theirs["seconds"] / ours["seconds"],
        "right": sum(q["right"] for q in ours["questions"]),
        "compared_right": sum(q["right"] for q in theirs["questions"]),
    }


def plot(rows: list[dict], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.bar([str(r["digits"]) for r in rows], [r["accuracy"] for r in rows], color="tab:blue")
    ax.axhline(0.99, color="grey", linestyle="--", linewidth=1, label="target 0.99")
    ax.set(
        xlabel="operand digits", ylabel="correct answers", ylim=(0, 1.05), title="ask via executors, held-out wording"
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--adapters", type=Path, help="executors + QUESTION adapter (default: the shipped ones)")
    parser.add_argument("--n", type=int, default=100, help="questions per operand size")
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="operand sizes of the ask rows, comma-separated (30 digits: hours on 2 CPU cores)",
    )
    parser.add_argument("--n-aligner", type=int, default=1000, help="held-out questions for the aligner alone")
    parser.add_argument("--n-csv", type=int, default=30, help="CSV questions per paper type")
    parser.add_argument(
        "--compare",
        type=Path,
        help="other executors (e.g. the set shipped before the command tokens) timed on the same questions",
    )
    parser.add_argument("--compare-n", type=int, default=7, help="questions per size for --compare")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    quick = ((3, 10), 7, 40, 3)
    try:
        asked_sizes = tuple(int(d) for d in args.sizes.split(","))
    except ValueError:
        raise SystemExit(f"--sizes: whole numbers, comma-separated, not {args.sizes!r}") from None
    sizes, n, n_aligner, n_csv = quick if args.quick else (asked_sizes, args.n, args.n_aligner, args.n_csv)
    adapters = args.adapters or shipped_dir("executors", args.model)
    if adapters is None:
        raise SystemExit(f"no adapters ship for {args.model}; pass --adapters DIR")
    stem = RESULTS / ("ask_quick" if args.quick else "ask")
    pages = RESULTS if args.quick else PAGES  # a smoke run's page stays beside its JSON (not committed)
    compared_weights = [*args.compare.rglob("*.safetensors")] if args.compare else []
    measured_by = [*adapters.rglob("*.safetensors"), *compared_weights, *source_files(__file__)]
    # every ask row is kept under its size: a run of fewer --sizes shares its rows with a full one
    settings = [args.model, n, n_aligner, n_csv, args.compare_n if args.compare else None]
    parts = Parts(stem.with_suffix(".partial.json"), run_key(settings, measured_by))
    policy = load_policy(args.model, adapters, batch_size=64)
    aligner = [
        parts.get("aligner heldout", lambda: aligner_part(policy, family_pairs(n_aligner), "held-out family")),
        parts.get(
            "aligner heldout free",
            lambda: aligner_part(policy, family_pairs(n_aligner), "held-out family", constrained=False),
        ),
        parts.get(
            "aligner fresh", lambda: aligner_part(policy, family_pairs(n_aligner, "fresh"), "fresh held-out family")
        ),
        parts.get("aligner csv", lambda: aligner_part(policy, csv_pairs(n_csv), "paper CSV format")),
    ]
    rows = []
    for d in sizes:
        # a 30-digit row runs for hours on 2 cores: kept 25 questions at a time
        rows.append(ask_row(d, parts.chunks(f"ask {d}", ask_cell(d, n), lambda part: ask_chunk(policy, part))))
    speed: list[dict] = []
    if args.compare is not None:
        with tempfile.TemporaryDirectory() as tmp:
            other = load_policy(args.model, beside(args.compare, adapters, Path(tmp)), batch_size=64)
            for d in (d for d in sizes if d >= 10):  # each pair one right after the other
                cell = ask_cell(d, args.compare_n)
                ours = parts.get(f"beside ask {d}", lambda cell=cell: ask_chunk(policy, cell))
                theirs = parts.get(f"compare ask {d}", lambda cell=cell: ask_chunk(other, cell))
                speed.append(speed_row(d, ours, theirs))
    table = [{k: v for k, v in r.items() if k not in ("per_operator", "failures")} for r in rows]
    shown = shown_path(adapters)
    payload = {"model": args.model, "adapters": str(shown), "aligner": aligner, "ask": rows}
    if speed:
        payload |= {"compared_adapters": str(shown_path(args.compare)), "speed": speed}
    write_report(
        stem,
        payload,
        f"Questions in words on {args.model}: question aligner + executors",
        {
            "question aligner alone (exact expression)": [r for part in aligner for r in part["rows"]],
            "ask via executors (correct answers)": table,
            **({f"ask, ours against {shown_path(args.compare)} on the same questions": speed} if speed else {}),
        },
        notes=f"Adapters `{shown}`.\n\n" + __doc__.split("\n\n")[1] + "\n\n" + __doc__.split("\n\n")[2],
        md_dir=pages,
        command=command_line(),
        plot=f"{stem.name}.png",
    )
    plot(rows, pages / f"{stem.name}.png")
    if args.quick or set(sizes) >= set(SIZES):  # else a later full run goes on from these parts
        parts.done()


if __name__ == "__main__":
    main()
