"""A lean forward pass for Llama-architecture checkpoints: plain torch, no transformers import.

Why: the embedded default has 0.3M parameters, so a lone ``lmarith solve`` is dominated by
framework cost, not arithmetic: importing transformers takes seconds, and its generic forward
spends far more time in Python than in matrix products. This module computes exactly what
``LlamaForCausalLM`` computes (the tests compare logits) for the configurations the default
uses: RMSNorm, rotary embeddings of the default type, grouped-query attention, SiLU MLP, tied
or untied head. Anything else in ``config.json`` is refused with one line, never computed
approximately. Per token of one layer (x of width d, heads of width h)::

    a = x + W_o · attn(RoPE(W_q·n1(x)), RoPE(W_k·n1(x)), W_v·n1(x))
    y = a + W_down · (silu(W_gate·n2(a)) ⊙ W_up·n2(a)),   n(x) = w ⊙ x / sqrt(mean(x²) + ε)

It has the forward signature the shared decoder (``decoding.greedy``) drives, with a KV
cache whose rows can be dropped as rows finish. ``LeanTokenizer`` reads the same
``tokenizer.json`` with the ``tokenizers`` library alone and encodes exactly as the
transformers tokenizer does (tested).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer
from torch import Tensor, nn
from torch.nn import functional as F

from lmarith.errors import LmarithError


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
    def from_file(cls, path: Path) -> "LeanConfig":
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

    def decode(self, ids: list[int], skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool = False) -> str:
        return self.core.decode(ids, skip_special_tokens=skip_special_tokens)


@dataclass(frozen=True)
class StopConfig:
    """What the decoder reads of ``generation_config.json``: the ids that end an output."""

    eos_token_id: int | list[int] | None = None


def load_lean(directory: Path, device: torch.device) -> tuple["LeanLlama", LeanTokenizer]:
    """The model and tokenizer of a Llama checkpoint directory on the lean runtime."""
    model = LeanLlama.load(directory, device)
    generation = directory / "generation_config.json"
    if generation.is_file():
        model.generation_config = StopConfig(json.loads(generation.read_text()).get("eos_token_id"))
    return model, LeanTokenizer(directory)


@dataclass
class KVCache:
    """Keys and values per layer, (batch, kv heads, positions, head dim)."""

    layers: list[tuple[Tensor, Tensor]] = field(default_factory=list)

    def batch_select_indices(self, index: Tensor) -> None:
        self.layers = [(k[index], v[index]) for k, v in self.layers]


@dataclass
class LeanOutput:
    logits: Tensor
    cache: KVCache


def rms_norm(x: Tensor, weight: Tensor, eps: float) -> Tensor:
    """w ⊙ x / sqrt(mean(x²) + ε), in float32 as transformers computes it."""
    dtype = x.dtype
    x = x.float()
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)).to(dtype)


def rotate(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotary embedding, half-split convention: x·cos + rot(x)·sin with rot(x1, x2) = (-x2, x1)."""
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


class LeanLlama(nn.Module):
    """The weights of a Llama checkpoint and the forward above; inference only."""

    def __init__(self, config: LeanConfig, weights: dict[str, Tensor]) -> None:
        super().__init__()
        self.config = config
        try:
            self.embed = nn.Parameter(weights["model.embed_tokens.weight"], requires_grad=False)
            head = self.embed if config.tie_word_embeddings else weights["lm_head.weight"]
            self.head = head if isinstance(head, nn.Parameter) else nn.Parameter(head, requires_grad=False)
            self.norm = nn.Parameter(weights["model.norm.weight"], requires_grad=False)
            names = ("input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                     "self_attn.o_proj", "post_attention_layernorm", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
            #: per block, in forward order; plain tensors (loaded on their device, never trained)
            self.layers = [
                [weights[f"model.layers.{i}.{name}.weight"] for name in names] for i in range(config.num_hidden_layers)
            ]
        except KeyError as err:
            raise LmarithError(f"the checkpoint lacks the weight {err.args[0]}") from None
        self.generation_config = StopConfig()
        inv_freq = 1.0 / config.rope_theta ** (torch.arange(0, config.head_dim, 2).float() / config.head_dim)
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    @classmethod
    def load(cls, directory: Path, device: torch.device | str = "cpu") -> "LeanLlama":
        config = LeanConfig.from_file(directory / "config.json")
        weights = load_file(directory / "model.safetensors", device=str(device))
        return cls(config, {k: v.float() for k, v in weights.items()}).eval()

    @torch.inference_mode()
    def forward(
        self,
        input_ids: Tensor,
        attention_mask: Tensor,
        position_ids: Tensor,
        cache: KVCache | None = None,
        use_cache: bool = True,
        logits_to_keep: int = 0,
    ) -> LeanOutput:
        c = self.config
        cache = cache if cache is not None else KVCache()
        batch, length = input_ids.shape
        past = cache.layers[0][0].shape[2] if cache.layers else 0
        # who may attend to whom: real keys at or before the query; a padded query sees itself
        # (its output is never used, but a row of -inf would turn into NaN)
        keys = torch.arange(past + length, device=input_ids.device)
        queries = keys[past:, None]
        allowed = attention_mask.bool()[:, None, None, :] & (keys <= queries)
        allowed |= keys == queries
        freqs = position_ids[..., None].float() * self.inv_freq
        angles = torch.cat((freqs, freqs), dim=-1)[:, None]  # (batch, 1, length, head_dim)
        cos, sin = angles.cos(), angles.sin()
        x = F.embedding(input_ids, self.embed)
        new_layers = []
        last = len(self.layers) - 1
        for index, (n1, wq, wk, wv, wo, n2, wg, wu, wd) in enumerate(self.layers):
            h = rms_norm(x, n1, c.rms_norm_eps)
            k = F.linear(h, wk).view(batch, length, c.num_key_value_heads, c.head_dim).transpose(1, 2)
            v = F.linear(h, wv).view(batch, length, c.num_key_value_heads, c.head_dim).transpose(1, 2)
            k = rotate(k, cos, sin)
            if cache.layers:
                old_k, old_v = cache.layers[index]
                k, v = torch.cat((old_k, k), dim=2), torch.cat((old_v, v), dim=2)
            new_layers.append((k, v))
            if index == last and logits_to_keep:
                # the last block's output is read only at the kept positions: every position
                # still writes its keys and values (above), but only these query and go on
                x, h, cos, sin = (t[..., -logits_to_keep:, :] for t in (x, h, cos, sin))
                allowed = allowed[..., -logits_to_keep:, :]
            rows = x.shape[1]
            q = F.linear(h, wq).view(batch, rows, c.num_attention_heads, c.head_dim).transpose(1, 2)
            attended = F.scaled_dot_product_attention(
                rotate(q, cos, sin), k, v, attn_mask=allowed, enable_gqa=c.num_key_value_heads != c.num_attention_heads
            )
            x = x + F.linear(attended.transpose(1, 2).reshape(batch, rows, -1), wo)
            h = rms_norm(x, n2, c.rms_norm_eps)
            x = x + F.linear(F.silu(F.linear(h, wg)) * F.linear(h, wu), wd)
        cache.layers = new_layers
        return LeanOutput(F.linear(rms_norm(x, self.norm, c.rms_norm_eps), self.head), cache)
