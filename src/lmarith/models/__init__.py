"""Language models for lmarith: loading, the character tokenizer, tiny Llamas, LoRA, training.

Everything model-shaped goes through here, so the executors and the neurosymbolic method see
one interface whether the model is a tiny CPU Llama, SmolLM2 or an 8B checkpoint.
"""

from lmarith.models.adapters import (
    LLAMA_TARGET_MODULES,
    add_adapter,
    find_adapters,
    load_adapters,
    lora_config,
    save_adapters,
    set_adapter,
)
from lmarith.models.loading import (
    default_model_dir,
    load_model,
    prepare_tokenizer,
    resolve_device,
    save_model,
)
from lmarith.models.smollm2 import cache_root, smollm2_dir
from lmarith.models.tiny import TinyLlamaConfig, build_tiny_llama
from lmarith.models.tokenizer import build_char_tokenizer
from lmarith.models.training import (
    TrainConfig,
    TrainResult,
    encode_pair,
    latest_checkpoint,
    pad_batch,
    train,
)

__all__ = [
    "LLAMA_TARGET_MODULES",
    "TinyLlamaConfig",
    "TrainConfig",
    "TrainResult",
    "add_adapter",
    "build_char_tokenizer",
    "build_tiny_llama",
    "cache_root",
    "default_model_dir",
    "encode_pair",
    "find_adapters",
    "latest_checkpoint",
    "load_adapters",
    "load_model",
    "lora_config",
    "pad_batch",
    "prepare_tokenizer",
    "resolve_device",
    "save_adapters",
    "save_model",
    "set_adapter",
    "smollm2_dir",
    "train",
]
