"""Baselines on the same questions: base model, chain of thought, LoRA; one scorer for all.
``direct``: the base model answering arithmetic directly, beside the executors."""

from lmarith.baselines.direct import few_shot_accuracy, few_shot_prompt
from lmarith.baselines.lora import adapter, train_lora, trained, training_pairs
from lmarith.baselines.scoring import score

__all__ = ["adapter", "few_shot_accuracy", "few_shot_prompt", "score", "train_lora", "trained", "training_pairs"]
