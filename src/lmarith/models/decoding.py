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

from collections.abc import Collection, Sequence

import torch


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
) -> list[list[int]]:
    """Greedy continuations of a batch of token rows, each up to and including its stop token.

    ``stop`` is the EOS id, or several ids (chat models often end a turn on more than one).
    """
    stops = torch.tensor(sorted({stop} if isinstance(stop, int) else set(stop)), dtype=torch.long)
    device = next(model.parameters()).device
    ids, mask = left_pad(rows, pad, device)
    stops = stops.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, logits_to_keep=1)
    cache, last = out.cache, positions[:, -1]
    token = out.logits[:, -1].argmax(-1)
    alive = torch.arange(len(rows), device=device)
    running = torch.ones(len(rows), dtype=torch.bool, device=device)
    generated: list[list[int]] = [[] for _ in rows]
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
        token = out.logits[:, -1].argmax(-1)
    return generated
