"""LoRA adapters, one named adapter per operator on one shared base model (peft).

The executor switches operators many times per problem (a subtraction calls reflection, add
and left-mask), so all adapters live on one base model and switching is ``set_adapter``, not
a reload. On disk we keep peft's own multi-adapter layout: ``save_pretrained`` on a
``PeftModel`` writes one subfolder per adapter name (``default`` alone goes to the root).
"""

import shutil
from collections.abc import Sequence
from pathlib import Path

import torch
from peft import LoraConfig, PeftModel, TaskType, get_peft_model
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.errors import LmarithError
from lmarith.models.command_tokens import COMMAND_TOKENS, load_command_tokens

LLAMA_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"


def lora_config(
    rank: int = 16,
    *,
    alpha: int | None = None,
    dropout: float = 0.0,
    target_modules: Sequence[str] | str = LLAMA_TARGET_MODULES,
    trainable_tokens: Sequence[int] | None = None,
) -> LoraConfig:
    """A causal-LM LoRA config; ``alpha`` defaults to 2 x rank, the usual scale.

    The default targets every attention and MLP projection of a Llama block; pass
    ``"all-linear"`` (peft's shorthand) for other architectures. ``trainable_tokens``: ids whose
    embedding rows (and tied output rows) train beside the LoRA and are saved with it (the
    command tokens, ``lmarith.models.command_tokens``).
    """
    if rank <= 0:
        raise LmarithError(f"LoRA rank must be positive, got {rank}")
    modules = target_modules if isinstance(target_modules, str) else list(target_modules)
    return LoraConfig(
        task_type=TaskType.CAUSAL_LM,
        r=rank,
        lora_alpha=alpha if alpha is not None else 2 * rank,
        lora_dropout=dropout,
        target_modules=modules,
        trainable_token_indices=list(trainable_tokens) if trainable_tokens else None,
    )


def lora_targets(model: torch.nn.Module) -> Sequence[str] | str:
    """Every Llama projection where the model has them, else peft's ``all-linear`` (GPT-2 and
    other architectures name their layers differently)."""
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    return LLAMA_TARGET_MODULES if set(LLAMA_TARGET_MODULES) <= names else "all-linear"


def add_adapter(model: PreTrainedModel | PeftModel, name: str, config: LoraConfig | None = None) -> PeftModel:
    """Add a fresh adapter called ``name``; a plain model is wrapped (in place) on the first one.

    A new LoRA adapter starts as the identity (its B matrix is zero), so adding one does not
    change the outputs of the base model.
    """
    config = config or lora_config()
    if not isinstance(model, PeftModel):
        return get_peft_model(model, config, adapter_name=name)
    if name in model.peft_config:
        raise LmarithError(f"adapter {name!r} already exists")
    model.add_adapter(name, config)
    return model


def set_adapter(model: PeftModel, name: str) -> None:
    """Make ``name`` the active adapter (and the only trainable one, as peft does)."""
    if name not in model.peft_config:
        raise LmarithError(f"no adapter named {name!r} (loaded: {', '.join(model.peft_config)})")
    model.set_adapter(name)


def save_adapters(model: PeftModel, out_dir: str | Path) -> Path:
    """Save every adapter of ``model`` under ``out_dir``, one subfolder per name (peft format)."""
    out = Path(out_dir)
    model.save_pretrained(out, save_embedding_layers=False)
    return out


def ship_adapters(directory: str | Path, out_dir: str | Path, dtype: torch.dtype = torch.bfloat16) -> int:
    """Copy every adapter under ``directory`` to ``out_dir`` (peft layout, one folder per name)
    with its weights cast to ``dtype``; returns the bytes written.

    bf16 halves what ships; loading casts the weights back to the base model's dtype (peft
    copies them into the adapter's own fp32 parameters), so only rounding changes, which the
    shipped set's benchmark measures.
    """
    from safetensors.torch import load_file, save_file

    found = find_adapters(directory)
    if not found:
        raise LmarithError(f"no adapters (no {ADAPTER_CONFIG}) under {directory}")
    out = Path(out_dir)
    written = 0
    for name, source in found.items():
        target = out if name == "default" else out / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        shutil.copy2(source / ADAPTER_CONFIG, target / ADAPTER_CONFIG)
        if (source / COMMAND_TOKENS).is_file():
            shutil.copy2(source / COMMAND_TOKENS, target / COMMAND_TOKENS)
        weights = {key: value.to(dtype) for key, value in load_file(source / ADAPTER_WEIGHTS).items()}
        save_file(weights, target / ADAPTER_WEIGHTS)
        written += sum(f.stat().st_size for f in target.iterdir())
    return written


def find_adapters(directory: str | Path) -> dict[str, Path]:
    """Adapter name -> folder for every peft adapter saved under ``directory``."""
    root = Path(directory)
    if not root.is_dir():
        raise LmarithError(f"adapter directory not found: {root}")
    found = {sub.name: sub for sub in sorted(root.iterdir()) if (sub / ADAPTER_CONFIG).is_file()}
    if (root / ADAPTER_CONFIG).is_file():
        found["default"] = root
    return found


def command_token_adapters(directory: str | Path) -> frozenset[str]:
    """The adapters under ``directory`` that write each window command as one added token."""
    return frozenset(name for name, folder in find_adapters(directory).items() if (folder / COMMAND_TOKENS).is_file())


def load_adapters(
    base: PreTrainedModel,
    directory: str | Path,
    names: Sequence[str] | None = None,
    *,
    trainable: bool = False,
    tokenizer: PreTrainedTokenizerBase | None = None,
) -> PeftModel:
    """Load the named adapters (all found, by default) from ``directory`` onto ``base``.

    The first name becomes the active adapter. ``trainable=False`` freezes them for inference.
    An adapter trained with command tokens has them added to ``base`` and ``tokenizer`` first
    (so the tokenizer is needed then).
    """
    available = find_adapters(directory)
    if not available:
        raise LmarithError(f"no adapters (no {ADAPTER_CONFIG}) under {directory}")
    wanted = list(available) if names is None else list(names)
    if not wanted:
        raise LmarithError("no adapter names given")
    missing = [name for name in wanted if name not in available]
    if missing:
        raise LmarithError(f"adapters {', '.join(missing)} not in {directory} (found: {', '.join(available)})")
    with_tokens = [name for name in wanted if (available[name] / COMMAND_TOKENS).is_file()]
    if len(with_tokens) > 1:
        raise LmarithError(f"adapters {', '.join(with_tokens)} each bring command tokens: load one set at a time")
    if with_tokens:
        if tokenizer is None:
            raise LmarithError(f"adapter {with_tokens[0]} writes command tokens: its tokenizer must be loaded with it")
        load_command_tokens(base, tokenizer, available[with_tokens[0]])
    first, *rest = wanted
    model = PeftModel.from_pretrained(base, str(available[first]), adapter_name=first, is_trainable=trainable)
    for name in rest:
        model.load_adapter(str(available[name]), adapter_name=name, is_trainable=trainable)
    return model
