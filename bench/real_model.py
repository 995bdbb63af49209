"""LoRA executors on a real pretrained LM (SmolLM2-135M-Instruct by default), beside the base
model answering directly (3-shot ``a+b=``, greedy).

Trains nothing: point it at adapters made by ``lmarith train executor --model smollm2 ...``
(one folder per adapter, named by machine or operator). Writes
bench/results/real_model_<op>_<format>.json and .md.

    python bench/real_model.py --adapters runs/smol-add/final --op add --format window [--n 50]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lmarith.baselines.direct import few_shot_accuracy
from lmarith.evaluation.executors import evaluate, grid
from lmarith.evaluation.report import write_report
from lmarith.execute.lm_policy import LMPolicy
from lmarith.models import find_adapters, load_adapters, load_model

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--adapters", type=Path, required=True, help="a directory of peft adapters")
    parser.add_argument("--op", default="add")
    parser.add_argument("--format", default="window", choices=["window", "caef"])
    parser.add_argument("--digits", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    base, tokenizer = load_model(args.model)
    direct = [{"op": args.op, "digits": d, "n": args.n, "base_3shot_accuracy": few_shot_accuracy(base, tokenizer, args.op, d, args.n)}
              for d in args.digits]
    names = list(find_adapters(args.adapters))
    policy = LMPolicy(load_adapters(base, args.adapters, names), tokenizer, {n.upper(): n for n in names}, batch_size=64)
    rows = evaluate(policy, grid([args.op], args.digits, args.n, 0, False), fmt=args.format, long=False)
    payload = {"model": args.model, "adapters": str(args.adapters), "format": args.format, "executor": rows, "base": direct}
    write_report(RESULTS / f"real_model_{args.op}_{args.format}", payload, f"LoRA executors on {args.model}",
                 {f"executor ({args.format} format, adapters {names})": rows, "base model, 3-shot direct answer": direct},
                 notes=__doc__.split("\n\n")[0])
    print(rows, direct, sep="\n")


if __name__ == "__main__":
    main()
