"""Baselines on the same questions: base model, chain of thought, LoRA; one scorer for all."""

from lmarith.baselines.lora import adapter, train_lora, trained, training_pairs
from lmarith.baselines.scoring import score

__all__ = ["adapter", "score", "train_lora", "trained", "training_pairs"]
