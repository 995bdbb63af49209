"""Language models for lmarith: loading, the character tokenizer, tiny Llamas, LoRA, training.

Everything model-shaped goes through here, so the executors and the neurosymbolic method see
one interface whether the model is a tiny CPU Llama, SmolLM2 or an 8B checkpoint.

Names are resolved on first use (PEP 562): importing ``lmarith.models`` costs nothing, and a
command pays for transformers, peft or accelerate only if it touches what needs them.
"""

from importlib import import_module
from typing import Any

_HOMES = {
    "lmarith.models.adapters": (
        "LLAMA_TARGET_MODULES",
        "add_adapter",
        "command_token_adapters",
        "find_adapters",
        "load_adapters",
        "lora_config",
        "lora_targets",
        "save_adapters",
        "set_adapter",
        "ship_adapters",
    ),
    "lmarith.models.command_tokens": ("add_command_tokens", "load_command_tokens"),
    "lmarith.models.decoding": ("greedy",),
    "lmarith.models.loading": (
        "default_model_dir",
        "install_default_dir",
        "load_model",
        "prepare_tokenizer",
        "resolve_device",
        "save_model",
        "stop_ids",
    ),
    "lmarith.models.smollm2": ("smollm2_dir",),
    "lmarith.models.shipped": ("cache_root", "install_dir"),
    "lmarith.models.tiny": ("TinyLlamaConfig", "build_tiny_llama"),
    "lmarith.models.tokenizer": ("build_char_tokenizer",),
    "lmarith.models.training": (
        "Schedule",
        "TrainConfig",
        "TrainResult",
        "encode_pair",
        "latest_checkpoint",
        "length_groups",
        "pad_batch",
        "train",
    ),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}
__all__ = sorted(_HOME_OF)


def __getattr__(name: str) -> Any:
    if name not in _HOME_OF:
        raise AttributeError(f"module 'lmarith.models' has no attribute {name!r}")
    return getattr(import_module(_HOME_OF[name]), name)
