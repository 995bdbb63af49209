"""Stage 1: record hidden states of the prompts, with the ground-truth problem vectors.

One teacher-forced pass per batch (prompt + gold answer) gives, for every requested layer,
the last ``window`` prompt positions (what the encoders read) and the states at the answer
positions (what the decoder starts from). Questions about invented operations
(:data:`FOREIGN`) are recorded as negatives: type ``NONE``, zero problem vector. Rows land in fixed-size
safetensors shards named
by their index, so an interrupted gather resumes at the first missing shard.
"""

import json
from pathlib import Path

import torch
from rich.progress import Progress
from safetensors.torch import load_file, save_file
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.errors import LmarithError
from lmarith.neurosymbolic.hooks import check_layer, record_hidden
from lmarith.neurosymbolic.intervention import prompt_windows
from lmarith.neurosymbolic.lm import batches, prompt_ends, teacher_forced
from lmarith.questions.prompts import Protocol, protocol_messages, render_prompt
from lmarith.questions.question import Question
from lmarith.questions.rules import FOREIGN
from lmarith.vsa import VSACodec

MANIFEST = "gather.json"
#: ``type_index`` of a negative (:data:`FOREIGN`) row; its problem vector is zero.
NONE = -1


def _shard_path(directory: Path, index: int) -> Path:
    return directory / f"shard-{index:05d}.safetensors"


@torch.no_grad()
def gather(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    questions: list[Question],
    out_dir: Path,
    *,
    layers: list[int],
    window: int,
    codec: VSACodec,
    shard_size: int = 64,
    batch_size: int = 8,
    progress: bool = True,
    groups: list[int] | None = None,
    protocol: Protocol = "fixed",
    negative: list[bool] | None = None,
) -> int:
    """Record shards for ``questions`` under ``out_dir``; returns how many shards were written now.

    ``groups``: a number per row saved with it as ``group`` (e.g. which data split it is from);
    ``protocol``: how each question is put to the model (``questions.prompts.protocol_messages``);
    ``negative``: rows recorded as gate negatives (type ``NONE``) whatever their type, besides
    the invented operations (:data:`FOREIGN`), which always are.
    """
    for layer in layers:
        check_layer(model, layer)
    manifest = {
        "layers": layers,
        "window": window,
        "rows": len(questions),
        "shard_size": shard_size,
        "codec": codec.config.to_dict(),
        "hidden": model.config.hidden_size,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    if manifest_path.is_file() and json.loads(manifest_path.read_text()) != manifest:
        raise LmarithError(f"{out_dir} holds a gather with other settings; use a fresh directory")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")

    steps = codec.config.max_digits + 1
    todo = [i for i in range(-(-len(questions) // shard_size)) if not _shard_path(out_dir, i).is_file()]
    with Progress(disable=not progress) as bar:
        task = bar.add_task("gather", total=len(todo))
        for index in todo:
            rows = questions[index * shard_size : (index + 1) * shard_size]
            parts: dict[str, list[torch.Tensor]] = {}
            for chunk in batches(rows, batch_size):
                prompts = [render_prompt(tokenizer, protocol_messages(p, protocol)) for p in chunk]
                batch = teacher_forced(tokenizer, prompts, [str(p.solution) for p in chunk])
                ends = prompt_ends(batch["labels"])
                answer_tokens = (batch["labels"] != -100).sum(1)
                with record_hidden(model, layers) as seen:
                    model(
                        input_ids=batch["input_ids"].to(model.device),
                        attention_mask=batch["attention_mask"].to(model.device),
                    )
                for layer in layers:
                    states, mask = prompt_windows(seen[layer], ends, batch["attention_mask"], window)
                    pos = (
                        (ends[:, None] + torch.arange(steps)).clamp(max=seen[layer].shape[1] - 1).to(seen[layer].device)
                    )
                    answer = torch.gather(seen[layer], 1, pos[..., None].expand(-1, -1, seen[layer].shape[-1]))
                    parts.setdefault(f"window.{layer}", []).append(states.half().cpu())
                    parts.setdefault(f"answer.{layer}", []).append(answer.half().cpu())
                parts.setdefault("mask", []).append(mask.cpu())
                parts.setdefault("answer_mask", []).append(torch.arange(steps) < answer_tokens[:, None])
            flags = negative[index * shard_size : (index + 1) * shard_size] if negative else [False] * len(rows)
            kinds = torch.tensor(
                [
                    NONE if no or p.problem_type == FOREIGN else codec.type_index(p.problem_type)
                    for p, no in zip(rows, flags, strict=True)
                ]
            )
            x, y = torch.tensor([p.x for p in rows]), torch.tensor([p.y for p in rows])
            known = (kinds != NONE)[:, None]
            tensors = {k: torch.cat(v) for k, v in parts.items()} | {
                "type_index": kinds,
                "x": x,
                "y": y,
                "solution": torch.tensor([p.solution for p in rows]),
                "problem_vsa": (codec.encode_problem(kinds.clamp_min(0), x, y).cpu() * known),
                "group": torch.tensor(
                    groups[index * shard_size : (index + 1) * shard_size] if groups else [0] * len(rows)
                ),
            }
            save_file(tensors, _shard_path(out_dir, index))
            bar.advance(task)
    return len(todo)


def load_gathered(directory: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """The manifest and all shards concatenated; refuses an incomplete gather."""
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise LmarithError(f"no gathered hidden states in {directory} (run `lmarith neuro gather`)")
    manifest = json.loads(manifest_path.read_text())
    count = -(-manifest["rows"] // manifest["shard_size"])
    missing = [i for i in range(count) if not _shard_path(directory, i).is_file()]
    if missing:
        raise LmarithError(
            f"gather in {directory} is incomplete ({len(missing)} of {count} shards missing); rerun it to resume"
        )
    shards = [load_file(_shard_path(directory, i)) for i in range(count)]
    return manifest, {k: torch.cat([s[k] for s in shards]) for k in shards[0]}
