"""The one greedy decoder: batched, left-padded, KV-cached, for every torch model lmarith drives
(the numpy runtime, ``lean_numpy``, decodes its one row at a time itself, without torch).

Our own incremental loop rather than ``model.generate``: prompts are left-padded with an
attention mask and explicit position ids (so a padded row computes what it would alone); the
prompt is run once, then one token per row per forward pass through the KV cache. With
``drop_finished`` rows that have written a stop token leave the batch (their cache rows are
dropped), so a batch costs what its longest *remaining* output costs; hooks that keep state
per batch row (the neurosymbolic intervention) need the rows to stay, so they pass ``False``.

Any model whose forward takes ``input_ids, attention_mask, position_ids, cache,
use_cache, logits_to_keep`` and returns ``.logits`` and ``.cache`` (a cache with
``batch_select_indices``) works: Hugging Face causal LMs, peft wrappers and lmarith's own
lean forward of the embedded default (``lmarith.models.lean``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

import torch


class Choices:
    """The token sequences one row may write, each ending in a stop token: at every step only
    the tokens that continue one of them compete for the argmax (grammar-constrained greedy
    decoding, as ``generate``'s ``prefix_allowed_tokens_fn`` does)."""

    def __init__(self, sequences: Iterable[Sequence[int]]) -> None:
        self._next: dict[tuple[int, ...], set[int]] = defaultdict(set)
        for sequence in sequences:
            for i, token in enumerate(sequence):
                self._next[tuple(sequence[:i])].add(token)

    def allowed(self, written: Sequence[int]) -> list[int]:
        """The tokens that may follow ``written`` (none once it left every sequence)."""
        return sorted(self._next.get(tuple(written), ()))


def _constrain(
    logits: torch.Tensor, rows: list[int], generated: list[list[int]], choices: Sequence[Choices | None]
) -> torch.Tensor:
    """``logits`` (one line per live row) with every token no choice of that row allows at -inf."""
    mask = torch.zeros_like(logits)
    for line, row in enumerate(rows):
        if choices[row] is not None:
            allowed = choices[row].allowed(generated[row])
            if allowed:
                mask[line] = float("-inf")
                mask[line, allowed] = 0.0
    return logits + mask


def left_pad(rows: Sequence[Sequence[int]], pad: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids and attention mask of ``rows``, padded on the left to the longest."""
    width = max(len(row) for row in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, width - len(row) :] = torch.tensor(row, dtype=torch.long)
        mask[i, width - len(row) :] = 1
    return ids.to(device), mask.to(device)


@torch.inference_mode()
def greedy(
    model: torch.nn.Module,
    rows: Sequence[Sequence[int]],
    *,
    stop: int | Collection[int],
    pad: int,
    max_new_tokens: int,
    drop_finished: bool = True,
    choices: Sequence[Choices | None] | None = None,
) -> list[list[int]]:
    """Greedy continuations of a batch of token rows, each up to and including its stop token.

    ``stop`` is the EOS id, or several ids (chat models often end a turn on more than one).
    ``choices`` (one per row, None for a free row) restricts a row to the sequences it holds.
    """
    stops = torch.tensor(sorted({stop} if isinstance(stop, int) else set(stop)), dtype=torch.long)
    device = next(model.parameters()).device
    ids, mask = left_pad(rows, pad, device)
    stops = stops.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, logits_to_keep=1)
    cache, last = out.cache, positions[:, -1]
    alive = torch.arange(len(rows), device=device)
    generated: list[list[int]] = [[] for _ in rows]

    def pick(logits: torch.Tensor) -> torch.Tensor:
        if choices is not None:
            logits = _constrain(logits, alive.tolist(), generated, choices)
        return logits.argmax(-1)

    token = pick(out.logits[:, -1])
    running = torch.ones(len(rows), dtype=torch.bool, device=device)
    for step in range(max_new_tokens):
        for row, value, live in zip(alive.tolist(), token.tolist(), running.tolist()):
            if live:
                generated[row].append(value)
        running = running & ~torch.isin(token, stops)
        if step + 1 == max_new_tokens or not running.any():
            break
        if drop_finished and not running.all():  # finished rows leave the batch and the cache
            index = running.nonzero().squeeze(1)
            cache.batch_select_indices(index)
            alive, mask, token, last, running = alive[index], mask[index], token[index], last[index], running[index]
        last = last + 1
        mask = torch.cat([mask, mask.new_ones((len(alive), 1))], dim=1)
        out = model(
            input_ids=token[:, None],
            attention_mask=mask,
            position_ids=last[:, None],
            cache=cache,
            use_cache=True,
        )
        token = pick(out.logits[:, -1])
    return generated
