"""A neurosymbolic run end to end, beside its baselines: train (the intervention, then the LoRA
baselines), and evaluate every method on the same test questions. ``lmarith neuro run``.

The intervention's own steps are in :mod:`lmarith.neurosymbolic.pipeline`.
"""

import json
from collections.abc import Sequence
from pathlib import Path

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.baselines.lora import train_lora, trained
from lmarith.evaluation.neuro_eval import METHODS, chat_report, evaluate, gate_report, words_report
from lmarith.neurosymbolic.pipeline import train_intervention
from lmarith.neurosymbolic.run import GATE_SPLITS, RunConfig, split_questions, trained_intervention
from lmarith.questions.prompts import Protocol
from lmarith.questions.question import sample_questions
from lmarith.questions.rules import PROBLEM_TYPES


def run_train(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    directory: Path,
    config: RunConfig,
    *,
    baselines: bool = True,
    intervention: bool = True,
    progress: bool = True,
) -> dict:
    """Encoder and decoder, decoder fine-tune through the LLM, then the LoRA baselines.

    ``intervention=False`` trains the baselines alone (they need no gather), e.g. in a
    second process while the first gathers.
    """
    if not intervention:
        _train_baselines(model, tokenizer, directory, config, progress)
        return {}
    summary = train_intervention(model, tokenizer, directory, config, progress=progress)
    if baselines:
        _train_baselines(model, tokenizer, directory, config, progress)
    return summary


def _train_baselines(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, directory: Path, config: RunConfig, progress: bool
) -> None:
    train_set = split_questions(directory, config, "train")
    if config.lora_per_type is not None:
        seen: dict[str, int] = {}
        train_set = [
            q
            for q in train_set
            if seen.setdefault(q.problem_type, 0) < config.lora_per_type
            and not seen.__setitem__(q.problem_type, seen[q.problem_type] + 1)
        ]
    for style, sub, wanted in (("direct", "lora", True), ("worked", "cot", config.cot_train)):
        if wanted and not trained(directory / sub, style):
            train_lora(
                model,
                tokenizer,
                train_set,
                directory / sub,
                style=style,
                rank=config.lora_rank,
                epochs=config.lora_epochs,
                lr=config.lora_lr,
                batch_size=config.batch_size,
                progress=progress,
                protocol=config.prompt,
            )


#: the parts of a report ``run_eval`` can compute separately (``lmarith neuro eval --methods``)
EVAL_PARTS: tuple[str, ...] = ("base", "neurosymbolic", "cot", "lora", "unrelated", "held_out_gate", "words", "chat")


def run_eval(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    directory: Path,
    config: RunConfig,
    *,
    parts: tuple[str, ...] = EVAL_PARTS,
    words_count: int | None = None,
    progress: bool = True,
) -> dict:
    """Score every method on the test questions; the report is also written to ``eval.json``.

    Every method is asked in both protocols: ``fixed`` (the product's one prompt, the report's
    top level: the headline) and ``paper`` (two examples of the row's own type, as the original
    evaluates; under ``paper``). ``parts`` recomputes only those parts; the others are kept from
    an existing ``eval.json`` (read again just before writing, so two processes may each
    compute some parts).
    """
    neuro = trained_intervention(directory)
    notes: list[str] = []
    test = split_questions(directory, config, "test", notes)
    for note in notes:
        print(note)

    def methods(asked: Sequence[str], protocol: Protocol) -> dict:
        return evaluate(
            model,
            tokenizer,
            neuro,
            test,
            lora_dir=directory / "lora",
            cot_dir=directory / "cot",
            batch_size=config.batch_size,
            parts=asked,
            protocol=protocol,
        )

    fresh = methods(parts, "fixed")
    paper_parts = [p for p in parts if p in METHODS]
    fresh["paper"] = methods(paper_parts, "paper") if paper_parts else {}
    if "held_out_gate" in parts:  # the held-out types, other untrained arithmetic, operands >= 1000
        for split in GATE_SPLITS:
            asked = split_questions(directory, config, split)  # type: ignore[arg-type]
            for protocol, into in (("fixed", fresh), ("paper", fresh["paper"])):
                if asked:
                    into[split] = gate_report(
                        model, tokenizer, neuro, asked, batch_size=config.batch_size, protocol=protocol
                    )
    words_count = config.words_per_type if words_count is None else words_count
    if "words" in parts and words_count > 0:
        words = sample_questions(
            words_count,
            config.types,
            digits=config.digits,
            phrasing=config.test_phrasing,
            mod1000=config.mod1000,
            numbers="words",
            seed=config.seed * 10 + 7,
        )
        fresh["words"] = words_report(model, tokenizer, neuro, words, batch_size=config.batch_size)
    if "chat" in parts and config.test_csv is None:
        trained_rows = [q for q in test if q.problem_type in config.types]
        fresh["chat"] = chat_report(model, tokenizer, neuro, trained_rows, batch_size=config.batch_size)
    encoders = directory / "encoders.json"
    fresh["setup"] = {
        "model": config.model,
        "prompt": config.prompt,
        "layer": neuro.config.layer,
        "encoder": neuro.config.encoder,
        "inject": neuro.config.inject,
        "strength": neuro.config.strength,
        "threshold": neuro.config.threshold,
        "digit_margin": neuro.config.digit_margin,
        "window": neuro.config.window,
        "trained_types": list(config.types),
        "held_out_types": [t for t in PROBLEM_TYPES if t not in config.types],
        "test_per_type": config.test_per_type,
        "train_per_type": config.train_per_type,
        "negatives": config.negatives,
        "numbers": config.numbers,
        "test_phrasing": config.test_phrasing,
        "train_csv": config.train_csv,
        "test_csv": config.test_csv,
        "encoder_selection": json.loads(encoders.read_text()) if encoders.is_file() else None,
    }
    path = directory / "eval.json"
    report = json.loads(path.read_text()) if path.is_file() and set(parts) != set(EVAL_PARTS) else {}
    report.setdefault("paper", {}).update(fresh.pop("paper"))
    report.update(fresh)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return report
