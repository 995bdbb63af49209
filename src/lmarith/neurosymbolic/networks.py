"""Encoders (hidden states -> problem VSA) and the decoder (VSA -> hidden state).

Both encoders read the same input, the last ``window`` prompt positions of one layer with a
padding mask, so the hook, training and evaluation treat them alike:

- ``linear-last`` is the paper's: one bias-free linear map of the last prompt token.
- ``attention`` pools over all window positions with one learned query per operand digit
  (see :class:`AttentionEncoder`): a digit token only learns whether it is a units or a
  hundreds digit from the tokens after it, which a causal LM's state at that token cannot
  know, so one token's state is not enough for a small model.

Hidden states are standardised per feature first (statistics from the training set, kept as
buffers): LLM residual streams have a few huge outlier features that would dominate training.
"""

import torch
from torch import Tensor, nn

from lmarith.errors import LmarithError
from lmarith.neurosymbolic.config import SlotRead
from lmarith.vsa import VSACodec, hrr

ENCODERS = ("attention", "linear-last")


class Standardize(nn.Module):
    """(h - mean) / std with frozen per-feature statistics."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(hidden))
        self.register_buffer("std", torch.ones(hidden))

    def fit(self, states: Tensor) -> None:
        flat = states.reshape(-1, states.shape[-1]).float()
        self.mean.copy_(flat.mean(0))
        self.std.copy_(flat.std(0).clamp_min(1e-3))

    def forward(self, h: Tensor) -> Tensor:
        return (h.float() - self.mean) / self.std


class LinearLastEncoder(nn.Module):
    """The paper's encoder: a bias-free linear map of the last prompt token's state."""

    def __init__(self, hidden: int, dim: int, window: int) -> None:
        super().__init__()
        self.norm = Standardize(hidden)
        self.proj = nn.Linear(hidden, dim, bias=False)

    def forward(self, window: Tensor, mask: Tensor) -> Tensor:
        return self.proj(self.norm(window[:, -1]))


class AttentionEncoder(nn.Module):
    """Slot attention over all window positions that writes the problem vector from VSA atoms.

    Every position gets a context feature (a convolution over the next few tokens, so a digit
    learns whether the number ends after it, then one bidirectional transformer layer) and a
    digit reading (x^0..x^9 or nothing, from its own state). One learned query per
    (operand, digit place) attends over the positions and takes the reading there; the output
    is sum over slots of reading (*) R_k (*) N_role plus each type atom weighted by its own
    sigmoid, so "none of the trained types" (a negative) is every weight near 0.
    Building the vector from the atoms is the prior that lets a few hundred examples suffice.

    ``hard``: each slot reads only the position it attends to most (argmax instead of the
    softmax mixture), so a slot split between two digits reads one of them cleanly rather than
    a blend that fails the gate's digit margin; a read-time choice, training is unchanged.
    """

    hard: bool = False

    def __init__(
        self, hidden: int, codec: VSACodec, window: int, *, width: int = 128, heads: int = 4, lookahead: int = 4
    ) -> None:
        super().__init__()
        self.norm = Standardize(hidden)
        self.lookahead = lookahead
        self.local = nn.Conv1d(hidden, width, kernel_size=lookahead + 2)
        self.position = nn.Parameter(torch.zeros(window, width))
        self.body = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, batch_first=True, norm_first=True)
        places = codec.config.max_digits
        self.queries = nn.Parameter(torch.randn(2 * places, width) / width**0.5)
        self.keys = nn.Linear(width, width, bias=False)
        self.digit = nn.Linear(hidden, 11)  # x^0..x^9, or "no digit here"
        self.type_head = nn.Linear(2 * width, len(codec.config.types))
        roles = torch.stack([hrr.bind(codec.roles, codec.n1), hrr.bind(codec.roles, codec.n2)]).flatten(0, 1)
        self.register_buffer("slot_roles", roles)  # (2 * places, dim)
        self.register_buffer("digit_atoms", torch.cat([codec.digit_atoms, torch.zeros_like(codec.digit_atoms[:1])]))
        self.register_buffer("type_atoms", codec.type_atoms.clone())

    def forward(self, window: Tensor, mask: Tensor) -> Tensor:
        h = self.norm(window) * mask[..., None]
        # pad one position before and ``lookahead`` after, so position p sees p-1 .. p+lookahead
        local = self.local(nn.functional.pad(h.transpose(1, 2), (1, self.lookahead))).transpose(1, 2)
        x = self.body(nn.functional.gelu(local) + self.position, src_key_padding_mask=~mask)
        scores = torch.einsum("sw,bpw->bsp", self.queries, self.keys(x)) / x.shape[-1] ** 0.5
        weights = scores.masked_fill(~mask[:, None], float("-inf")).softmax(-1)
        if self.hard and not self.training:
            weights = nn.functional.one_hot(weights.argmax(-1), weights.shape[-1]).to(weights.dtype)
        readings = self.digit(h).softmax(-1) @ self.digit_atoms  # (batch, positions, dim)
        slots = weights @ readings  # (batch, slots, dim)
        operands = hrr.bind(slots, self.slot_roles).sum(1)
        pooled = torch.cat([(x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True), x[:, -1]], -1)
        return operands + self.type_head(pooled).sigmoid() @ self.type_atoms


def build_encoder(kind: str, hidden: int, codec: VSACodec, window: int, *, slot_read: SlotRead = "soft") -> nn.Module:
    """An untrained encoder of ``kind`` (one of :data:`ENCODERS`); ``slot_read`` (soft or hard)
    only concerns the attention encoder, the linear one has no slots."""
    if kind == "attention":
        encoder = AttentionEncoder(hidden, codec, window)
        encoder.hard = slot_read == "hard"
        return encoder
    if kind == "linear-last":
        return LinearLastEncoder(hidden, codec.dim, window)
    raise LmarithError(f"unknown encoder {kind!r}; choose one of {', '.join(ENCODERS)}")


class Decoder(nn.Module):
    """VSA vector -> residual-stream vector: one bias-free linear map, as in the paper."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, hidden, bias=False)

    def fit(self, cues: Tensor, states: Tensor, *, ridge: float = 1e-2) -> None:
        """Least-squares start: the map that best reconstructs ``states`` from ``cues``."""
        cues, states = cues.double(), states.double()
        gram = cues.T @ cues + ridge * torch.eye(cues.shape[1], dtype=cues.dtype)
        self.proj.weight.data.copy_(torch.linalg.solve(gram, cues.T @ states).T.float())

    def forward(self, vsa: Tensor) -> Tensor:
        return self.proj(vsa)
