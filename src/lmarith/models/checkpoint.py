"""What a plain Llama checkpoint directory holds, read without torch or transformers: the
config fields the lean forwards use (refusing any they do not compute), the tokenizer, and
the ids that end an output.

Both lean runtimes (``lean``: torch; ``lean_numpy``: numpy) start here. ``LeanTokenizer``
reads ``tokenizer.json`` with the ``tokenizers`` library alone and encodes exactly as the
transformers tokenizer does (tested).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from lmarith.errors import LmarithError

#: a model directory's note of what lmarith trained it for (``{"format": "caef", "aligners": true}``:
#: it also writes the CAEF aligners' texts); absent for plain models
ROLE = "lmarith.json"


def read_role(directory: Path) -> dict[str, object]:
    path = directory / ROLE
    return json.loads(path.read_text()) if path.is_file() else {}


def write_role(directory: Path, role: dict[str, object]) -> None:
    (directory / ROLE).write_text(json.dumps(role) + "\n")


#: the weights of one decoder block, in forward order (``model.layers.<i>.<name>.weight``)
LAYER_WEIGHTS = (
    "input_layernorm",
    "self_attn.q_proj",
    "self_attn.k_proj",
    "self_attn.v_proj",
    "self_attn.o_proj",
    "post_attention_layernorm",
    "mlp.gate_proj",
    "mlp.up_proj",
    "mlp.down_proj",
)


@dataclass(frozen=True)
class LeanConfig:
    """The fields of a Llama ``config.json`` the forward uses."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    intermediate_size: int
    head_dim: int
    rms_norm_eps: float
    rope_theta: float
    tie_word_embeddings: bool

    @classmethod
    def from_file(cls, path: Path) -> LeanConfig:
        raw = json.loads(path.read_text())
        rope = raw.get("rope_parameters") or raw.get("rope_scaling") or {}
        problems = []
        if raw.get("model_type") != "llama":
            problems.append(f"model_type {raw.get('model_type')!r}")
        if rope.get("rope_type", "default") != "default":
            problems.append(f"rope_type {rope.get('rope_type')!r}")
        if raw.get("hidden_act", "silu") != "silu":
            problems.append(f"hidden_act {raw.get('hidden_act')!r}")
        if raw.get("attention_bias") or raw.get("mlp_bias"):
            problems.append("biases")
        if problems:
            raise LmarithError(f"the lean runtime serves plain Llama models, not {', '.join(problems)}: {path}")
        heads = raw["num_attention_heads"]
        return cls(
            vocab_size=raw["vocab_size"],
            hidden_size=raw["hidden_size"],
            num_hidden_layers=raw["num_hidden_layers"],
            num_attention_heads=heads,
            num_key_value_heads=raw.get("num_key_value_heads") or heads,
            intermediate_size=raw["intermediate_size"],
            head_dim=raw.get("head_dim") or raw["hidden_size"] // heads,
            rms_norm_eps=raw.get("rms_norm_eps", 1e-6),
            rope_theta=rope.get("rope_theta", raw.get("rope_theta", 10000.0)),
            tie_word_embeddings=raw.get("tie_word_embeddings", False),
        )


class LeanTokenizer:
    """The part of a transformers tokenizer the runtime uses, over ``tokenizers`` alone."""

    def __init__(self, directory: Path) -> None:
        self.core = Tokenizer.from_file(str(directory / "tokenizer.json"))
        special = json.loads((directory / "tokenizer_config.json").read_text())
        self.eos_token_id = self._id(special.get("eos_token"))
        self.pad_token_id = self._id(special.get("pad_token")) if special.get("pad_token") else self.eos_token_id

    def _id(self, token: str | None) -> int | None:
        return None if token is None else self.core.token_to_id(token)

    def __len__(self) -> int:
        return self.core.get_vocab_size(with_added_tokens=True)

    def __call__(self, text: str, add_special_tokens: bool = True) -> dict[str, list[int]]:
        return {"input_ids": self.core.encode(text, add_special_tokens=add_special_tokens).ids}

    def decode(
        self, ids: list[int], skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool = False
    ) -> str:
        return self.core.decode(ids, skip_special_tokens=skip_special_tokens)


@dataclass(frozen=True)
class StopConfig:
    """What the decoder reads of ``generation_config.json``: the ids that end an output."""

    eos_token_id: int | list[int] | None = None


def read_stops(directory: Path) -> StopConfig:
    """The stop ids of ``generation_config.json`` (none when the file is absent)."""
    generation = directory / "generation_config.json"
    if not generation.is_file():
        return StopConfig()
    return StopConfig(json.loads(generation.read_text()).get("eos_token_id"))
