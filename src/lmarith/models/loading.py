"""Load any local Hugging Face causal LM, by directory or by one of our short names.

Every model the rest of lmarith uses comes through ``load_model``, so device, dtype, padding
and eval mode are decided once, here, and a bad path fails with one clear line instead of a
transformers traceback.

transformers is imported inside the functions that need it (seconds of start-up): the
embedded default runs on the lean runtime (``lean.py``) and never needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from lmarith.errors import LmarithError
from lmarith.models.shipped import cache_root

if TYPE_CHECKING:
    import torch
    from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

Runtime = Literal["auto", "lean", "numpy", "transformers"]
"""How to run a model: ``lean`` is lmarith's own torch forward for plain Llamas (the default
model's batched path), ``numpy`` the same forward without torch (one problem: importing torch
costs more than the whole computation), ``transformers`` the library's; ``auto`` is lean for
the embedded default only (``solve`` picks numpy for it)."""


def first_line(err: BaseException) -> str:
    """A library error squeezed to one line, since LmarithError messages must fit on one."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


DEFAULT = "default"
#: the embedded CAEF-format model: ``--model default --format caef`` (``lmarith.formats``)
DEFAULT_CAEF = "default-caef"
#: the models that ship inside the package
EMBEDDED = (DEFAULT, DEFAULT_CAEF)


def default_model_dir(name: str = DEFAULT) -> Path:
    """Where the embedded model ``name`` (``default`` or ``default-caef``) is loaded from: the
    user's own when there is one (``lmarith train default`` installs it into the user
    directory), else the package's ``assets/<name>``."""
    installed = install_default_dir(name)
    return installed if (installed / "config.json").is_file() else install_default_dir(name, into_package=True)


def install_default_dir(name: str = DEFAULT, into_package: bool = False) -> Path:
    """Where installing the embedded model ``name`` writes it: the user directory, or the package."""
    if name not in EMBEDDED:
        raise LmarithError(f"unknown embedded model {name!r}; known: {', '.join(EMBEDDED)}")
    return Path(str(files("lmarith") / "assets" / name)) if into_package else cache_root() / name


def resolve_device(device: str | None = None) -> torch.device:
    """The device to run on: the one asked for, else CUDA when present, else CPU."""
    import torch

    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as err:
        raise LmarithError(f"unknown device {device!r}") from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise LmarithError(f"device {device!r} asked for, but CUDA is not available")
    return resolved


def resolve_model_dir(spec: str) -> Path:
    """Turn a model spec (``default``, ``smollm2`` or a directory) into a checked HF directory."""
    if spec in EMBEDDED:
        path = default_model_dir(spec)
        if not (path / "config.json").is_file():
            how = "" if spec == DEFAULT else " --format caef"
            raise LmarithError(f"the embedded model {spec} is not built yet ({path}); run `lmarith train default{how}`")
        return path
    if spec == "smollm2":
        from lmarith.models.smollm2 import smollm2_dir

        return smollm2_dir()
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise LmarithError(f"model directory not found: {path}")
    if not (path / "config.json").is_file():
        raise LmarithError(f"not a Hugging Face model directory (no config.json): {path}")
    return path


def _is_causal_lm(config: PretrainedConfig) -> bool:
    """True when the config describes a decoder-only LM we can drive token by token.

    Encoder families (BERT, RoBERTa, ...) also register a causal-LM head class, but they only
    behave as one when their config says ``is_decoder``; a plain BERT checkpoint must be refused.
    """
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING, MODEL_FOR_MASKED_LM_MAPPING_NAMES

    if type(config) not in MODEL_FOR_CAUSAL_LM_MAPPING:
        return False
    if getattr(config, "is_encoder_decoder", False):
        return False
    encoder_family = config.model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES
    return not encoder_family or bool(getattr(config, "is_decoder", False))


def prepare_tokenizer(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Give the tokenizer a pad token (EOS if it has none) and left padding for batched generation."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise LmarithError("the tokenizer has neither a pad nor an EOS token")
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


@contextmanager
def _quiet_progress() -> Iterator[None]:
    """transformers draws a progress bar per load; a CLI's stderr is for errors."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.enable_progress_bar()


def load_model(
    spec: str = "default",
    *,
    device: str | None = None,
    dtype: torch.dtype | None = None,
    runtime: Runtime = "transformers",
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a causal LM and its tokenizer, on ``device``, in eval mode.

    ``spec`` is a local HF directory, ``"smollm2"`` (converted once into the user cache) or
    ``"default"`` (the embedded model). The dtype defaults to bf16 on GPU (half the memory, the
    format the big models were trained in) and fp32 on CPU (where bf16 matmuls are slow).
    ``runtime="lean"`` (or ``"auto"`` for the default) returns lmarith's own forward and
    tokenizer, which serve inference (``LMPolicy``) but not training or ``generate``.
    """
    path = resolve_model_dir(spec)
    if runtime == "numpy":
        if device not in (None, "cpu"):
            raise LmarithError(f"the numpy runtime runs on the CPU, not {device!r}")
        from lmarith.models.lean_numpy import load_numpy

        return load_numpy(path)  # type: ignore[return-value]
    if runtime == "lean" or (runtime == "auto" and spec in EMBEDDED):
        from lmarith.models.lean import load_lean

        return load_lean(path, resolve_device(device))
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    try:
        config = AutoConfig.from_pretrained(path)
    except (OSError, ValueError) as err:
        raise LmarithError(f"unreadable model config in {path}: {first_line(err)}") from err
    if not _is_causal_lm(config):
        raise LmarithError(f"not a causal language model ({config.model_type}): {path}")
    target = resolve_device(device)
    if dtype is None:
        dtype = torch.bfloat16 if target.type == "cuda" else torch.float32
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        with _quiet_progress():
            model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    except (OSError, ValueError) as err:
        raise LmarithError(f"cannot load model from {path}: {first_line(err)}") from err
    prepare_tokenizer(tokenizer)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model.to(target).eval(), tokenizer


def stop_ids(model: object, tokenizer: PreTrainedTokenizerBase) -> frozenset[int]:
    """Token ids that end an output: the tokenizer's EOS and the model's generation-config EOS
    ids (chat models end a turn on several; the embedded default on any whole-command token)."""
    config = getattr(model, "generation_config", None)
    ids = getattr(config, "eos_token_id", None)
    found = {ids} if isinstance(ids, int) else set(ids or ())
    if tokenizer.eos_token_id is not None:
        found.add(tokenizer.eos_token_id)
    return frozenset(found)


def save_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out_dir: str | Path) -> Path:
    """Write model + tokenizer as a normal HF directory, so ``load_model(out_dir)`` reads it back."""
    out = Path(out_dir)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
