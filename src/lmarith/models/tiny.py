"""Tiny Llama models, small enough to train on a CPU in seconds to minutes.

They are ordinary ``LlamaForCausalLM`` objects: saved with ``save_model`` they load through
``load_model(path)`` exactly like a real checkpoint, so every code path that serves SmolLM2 or
an 8B model is exercised by the tiny ones in tests.
"""

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerBase

from lmarith.errors import invalid


class TinyLlamaConfig(BaseModel):
    """Shape of a tiny Llama; ``intermediate`` defaults to 4 x ``hidden``."""

    model_config = ConfigDict(extra="forbid")

    hidden: int = Field(128, gt=0)
    layers: int = Field(3, gt=0)
    heads: int = Field(4, gt=0)
    intermediate: int | None = Field(None, gt=0)
    max_positions: int = Field(512, gt=0)
    seed: int = 0

    @model_validator(mode="after")
    def _heads_divide_hidden(self) -> "TinyLlamaConfig":
        if self.hidden % self.heads:
            raise ValueError(f"hidden ({self.hidden}) must be a multiple of heads ({self.heads})")
        return self


def build_tiny_llama(
    tokenizer: PreTrainedTokenizerBase,
    *,
    hidden: int = 128,
    layers: int = 3,
    heads: int = 4,
    intermediate: int | None = None,
    max_positions: int = 512,
    seed: int = 0,
) -> LlamaForCausalLM:
    """A freshly initialised Llama sized for ``tokenizer``; the same seed gives the same weights.

    Embeddings are tied to the output head: at this size they are a large share of the
    parameters, and tying them costs nothing in quality.
    """
    try:
        shape = TinyLlamaConfig(
            hidden=hidden,
            layers=layers,
            heads=heads,
            intermediate=intermediate,
            max_positions=max_positions,
            seed=seed,
        )
    except ValidationError as err:
        raise invalid(err, "tiny model") from err
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=shape.hidden,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.heads,
        intermediate_size=shape.intermediate or 4 * shape.hidden,
        max_position_embeddings=shape.max_positions,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    with torch.random.fork_rng(devices=[]):  # seed the init without disturbing the caller's RNG
        torch.manual_seed(shape.seed)
        model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model
