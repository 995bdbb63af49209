"""A lean forward pass for Llama-architecture checkpoints: plain torch, no transformers import.

Why: the embedded default has 0.3M parameters, so a lone ``lmarith solve`` is dominated by
framework cost, not arithmetic: importing transformers takes seconds, and its generic forward
spends far more time in Python than in matrix products. This module computes exactly what
``LlamaForCausalLM`` computes (the tests compare logits) for the configurations the default
uses: RMSNorm, rotary embeddings of the default type, grouped-query attention, SiLU MLP, tied
or untied head. Anything else in ``config.json`` is refused with one line, never computed
approximately (``checkpoint.LeanConfig``). Per token of one layer (x of width d, heads of width h)::

    a = x + W_o · attn(RoPE(W_q·n1(x)), RoPE(W_k·n1(x)), W_v·n1(x))
    y = a + W_down · (silu(W_gate·n2(a)) ⊙ W_up·n2(a)),   n(x) = w ⊙ x / sqrt(mean(x²) + ε)

It has the forward signature the shared decoder (``decoding.greedy``) drives, with a KV
cache whose rows can be dropped as rows finish. ``lean_numpy`` computes the same forward in
numpy, for one problem without importing torch at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import Tensor, nn
from torch.nn import functional as F

from lmarith.errors import LmarithError
from lmarith.models.checkpoint import LAYER_WEIGHTS, LeanConfig, LeanTokenizer, StopConfig, read_stops


def load_lean(directory: Path, device: torch.device) -> tuple[LeanLlama, LeanTokenizer]:
    """The model and tokenizer of a Llama checkpoint directory on the lean runtime."""
    model = LeanLlama.load(directory, device)
    model.generation_config = read_stops(directory)
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
            #: per block, in forward order; plain tensors (loaded on their device, never trained)
            self.layers = [
                [weights[f"model.layers.{i}.{name}.weight"] for name in LAYER_WEIGHTS]
                for i in range(config.num_hidden_layers)
            ]
        except KeyError as err:
            raise LmarithError(f"the checkpoint lacks the weight {err.args[0]}") from None
        self.generation_config = StopConfig()
        inv_freq = 1.0 / config.rope_theta ** (torch.arange(0, config.head_dim, 2).float() / config.head_dim)
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    @classmethod
    def load(cls, directory: Path, device: torch.device | str = "cpu") -> LeanLlama:
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
