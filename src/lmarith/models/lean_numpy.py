"""The lean Llama forward in numpy: one problem, without importing torch.

Why: for one ``lmarith solve`` on the embedded default the arithmetic costs ~0.2 s and
importing torch ~2 s (measured, docs/results/latency.md); numpy imports in ~0.1 s. This is
the same forward as ``lean.LeanLlama`` (the tests compare logits and whole-table outputs), for
one token row at a time and without a KV cache: the default writes one token per transition
and its views are ~15 tokens long, so recomputing a view costs less than keeping a cache.
Batches (``lmarith eval``) belong to the torch runtimes, which batch and cache.

Per layer, for the positions x (T x d) of one row::

    a = x + attn(RoPE(n1(x) W_qᵀ), RoPE(n1(x) W_kᵀ), n1(x) W_vᵀ) W_oᵀ,  causal softmax(q kᵀ/√h) v
    y = a + (silu(n2(a) W_gateᵀ) ⊙ n2(a) W_upᵀ) W_downᵀ,                  n(x) = w ⊙ x / √(mean(x²) + ε)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from lmarith.errors import LmarithError
from lmarith.models.checkpoint import LAYER_WEIGHTS, LeanConfig, LeanTokenizer, StopConfig, read_stops


def rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    """w ⊙ x / sqrt(mean(x²) + ε) over the last axis."""
    return weight * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def rotate(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    """Rotary embedding, half-split convention: x·cos + rot(x)·sin with rot(x1, x2) = (-x2, x1)."""
    half = x.shape[-1] // 2
    return x * cos + np.concatenate((-x[..., half:], x[..., :half]), axis=-1) * sin


class NumpyLlama:
    """A Llama checkpoint's weights (fp32, transposed once for ``x @ W``) and its forward."""

    def __init__(self, config: LeanConfig, weights: dict[str, np.ndarray]) -> None:
        self.config = config
        try:
            self.embed = weights["model.embed_tokens.weight"]
            self.head_t = (self.embed if config.tie_word_embeddings else weights["lm_head.weight"]).T.copy()
            self.norm = weights["model.norm.weight"]
            self.layers = [
                [
                    w if w.ndim == 1 else w.T.copy()
                    for w in (weights[f"model.layers.{i}.{name}.weight"] for name in LAYER_WEIGHTS)
                ]
                for i in range(config.num_hidden_layers)
            ]
        except KeyError as err:
            raise LmarithError(f"the checkpoint lacks the weight {err.args[0]}") from None
        self.inv_freq = 1.0 / config.rope_theta ** (
            np.arange(0, config.head_dim, 2, dtype=np.float32) / config.head_dim
        )
        self.generation_config = StopConfig()

    @classmethod
    def load(cls, directory: Path) -> NumpyLlama:
        config = LeanConfig.from_file(directory / "config.json")
        weights = load_file(directory / "model.safetensors")
        if any(w.dtype.kind != "f" for w in weights.values()):
            raise LmarithError(f"the numpy runtime reads float checkpoints only: {directory}")
        return cls(config, {k: w.astype(np.float32) for k, w in weights.items()})

    def last_logits(self, ids: Sequence[int]) -> np.ndarray:
        """Logits of the next token after ``ids`` (one row, positions 0..T-1)."""
        c = self.config
        length = len(ids)
        freqs = np.arange(length, dtype=np.float32)[:, None] * self.inv_freq
        angles = np.concatenate((freqs, freqs), axis=-1)
        cos, sin = np.cos(angles), np.sin(angles)
        future = np.triu(np.ones((length, length), dtype=bool), k=1)
        group = c.num_attention_heads // c.num_key_value_heads
        x = self.embed[np.asarray(ids)]
        for n1, wq, wk, wv, wo, n2, wg, wu, wd in self.layers:
            h = rms_norm(x, n1, c.rms_norm_eps)
            q = rotate((h @ wq).reshape(length, c.num_attention_heads, c.head_dim).transpose(1, 0, 2), cos, sin)
            k = rotate((h @ wk).reshape(length, c.num_key_value_heads, c.head_dim).transpose(1, 0, 2), cos, sin)
            v = (h @ wv).reshape(length, c.num_key_value_heads, c.head_dim).transpose(1, 0, 2)
            if group > 1:
                k, v = np.repeat(k, group, axis=0), np.repeat(v, group, axis=0)
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(np.float32(c.head_dim))
            scores[:, future] = -np.inf
            weights = np.exp(scores - scores.max(-1, keepdims=True))
            attended = (weights / weights.sum(-1, keepdims=True)) @ v
            x = x + attended.transpose(1, 0, 2).reshape(length, -1) @ wo
            h = rms_norm(x, n2, c.rms_norm_eps)
            gate = h @ wg
            x = x + (gate / (1.0 + np.exp(-gate)) * (h @ wu)) @ wd
        return rms_norm(x[-1], self.norm, c.rms_norm_eps) @ self.head_t

    def greedy(self, rows: Sequence[Sequence[int]], *, stop: Collection[int], max_new_tokens: int) -> list[list[int]]:
        """Greedy continuations, each up to and including its stop token (as ``decoding.greedy``
        returns them), one row at a time: the view is recomputed for every new token."""
        outputs = []
        for row in rows:
            ids, out = list(row), []
            for _ in range(max_new_tokens):
                token = int(self.last_logits(ids).argmax())
                out.append(token)
                if token in stop:
                    break
                ids.append(token)
            outputs.append(out)
        return outputs


def load_numpy(directory: Path) -> tuple[NumpyLlama, LeanTokenizer]:
    """The model and tokenizer of a Llama checkpoint directory on the numpy runtime."""
    model = NumpyLlama.load(directory)
    model.generation_config = read_stops(directory)
    return model, LeanTokenizer(directory)
