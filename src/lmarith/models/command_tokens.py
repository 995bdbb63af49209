"""One token per window command on any Hugging Face causal LM.

A subword tokenizer writes a window command (``C=1 OUTPUT+2 >0 >1 q1``) as a dozen tokens and
an EOS, each a forward pass of the whole model. Here every command of the window table becomes
one added token of the tokenizer (as in the embedded default, whose character vocabulary has
the same words) and a stop token, so a transition is one forward pass. The new embedding rows
are trained beside the LoRA (peft's trainable tokens: ``LoraConfig(trainable_token_indices=)``,
tied output rows included) and saved with the adapter; the list of commands goes beside them in
``command_tokens.json``, so loading adds the same tokens, at the same ids, before the adapter.

New rows start as the mean of the rows of the tokens the command was written with before, a
function of the base model alone: the same base and command list always give the same
vocabulary, whichever adapter (the executors', the question aligner's) is active.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lmarith.errors import LmarithError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

#: written into the adapter's folder: the commands, in the order they were added, and their ids
COMMAND_TOKENS = "command_tokens.json"


def add_command_tokens(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    commands: Sequence[str],
    pieces: Sequence[str] = (),
) -> list[int]:
    """Add each of ``commands`` and then of ``pieces`` (fixed parts of the views, read in
    prompts only: ``window.view_pieces``) as one token (matched wherever it occurs, the
    longest first), give the model rows for them and make each command a stop token; returns
    their ids, commands first."""
    import torch
    from tokenizers import AddedToken

    commands, pieces = list(dict.fromkeys(commands)), [p for p in dict.fromkeys(pieces) if p not in commands]
    if not commands:
        raise LmarithError("no window commands to add as tokens")
    texts = [*commands, *pieces]
    written = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    vocabulary = tokenizer.get_vocab()  # a fresh dict per call: built once
    known = [t for t in texts if t in vocabulary]
    if known:
        raise LmarithError(f"the tokenizer has command tokens already (e.g. {known[0]!r}): add them once")
    tokenizer.add_tokens([AddedToken(t, normalized=False) for t in texts])
    ids = tokenizer.convert_tokens_to_ids(texts)
    rows = model.get_input_embeddings().weight.shape[0]
    if max(ids) >= rows:
        model.resize_token_embeddings(max(ids) + 1, mean_resizing=False)
    with torch.no_grad():
        tables = [model.get_input_embeddings().weight]
        output = model.get_output_embeddings()
        if output is not None and output.weight is not tables[0]:  # untied output rows start alike
            tables.append(output.weight)
        for table in tables:
            for token, before in zip(ids, written):
                table[token] = table[before].mean(0)
    config = model.generation_config
    eos = config.eos_token_id
    stops = [eos] if isinstance(eos, int) else list(eos or [tokenizer.eos_token_id])
    # a command token is a whole transition; a piece is only ever read
    config.eos_token_id = [*dict.fromkeys([*stops, *ids[: len(commands)]])]
    return ids


def write_command_tokens(
    directory: Path, commands: Sequence[str], ids: Sequence[int], pieces: Sequence[str] = ()
) -> None:
    """Record the added commands (and view pieces) beside an adapter, with their ids (the
    commands', then the pieces')."""
    record = {"commands": list(commands), "ids": list(ids)} | ({"pieces": list(pieces)} if pieces else {})
    text = json.dumps(record, indent=1)
    (Path(directory) / COMMAND_TOKENS).write_text(text + "\n")


def load_command_tokens(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, directory: Path) -> list[int]:
    """Add an adapter's command tokens to a freshly loaded model and tokenizer, checking they
    get the ids the adapter was trained with (another tokenizer would give others)."""
    path = Path(directory) / COMMAND_TOKENS
    recorded = json.loads(path.read_text())
    ids = add_command_tokens(model, tokenizer, recorded["commands"], recorded.get("pieces", ()))
    if ids != recorded["ids"]:
        raise LmarithError(
            f"the command tokens of {directory} were trained at other token ids: its adapter was "
            "trained on another tokenizer than this model's"
        )
    return ids


def fold_command_tokens(model: torch.nn.Module, adapter: str) -> None:
    """Write ``adapter``'s trained command-token rows into the embedding (and tied output)
    weights, for inference with that adapter active.

    Unfolded, peft rebuilds the whole embedding matrix at every forward pass (an ``index_copy``
    of ~110 MB on SmolLM2, twice with tied output rows), which costs as much as the forward pass
    of a short window prompt itself. Folded, the weights are read as they are: the same numbers,
    so the same logits. peft puts the original rows back by itself at the first forward pass
    without this adapter (the question aligner's, or the base model's)."""
    from peft.tuners.trainable_tokens.layer import TrainableTokensLayer

    for module in model.modules():
        if (
            isinstance(module, TrainableTokensLayer)
            and adapter in module.trainable_tokens_delta
            and adapter not in module.merged_adapters
        ):
            module.merge(adapter_names=[adapter])
