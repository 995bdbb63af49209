"""Supervised fine-tuning on (prompt, response) string pairs, built on ``accelerate``.

Each example is ``prompt + response + EOS`` with no chat template, and the loss is taken on the
response tokens only: the model must learn to *write* the next configuration, not to
reproduce the one it was given. The same loop runs on a CPU, one GPU or under
``accelerate launch`` on several, trains a whole model or only the active LoRA adapter, and
resumes from its last checkpoint to exactly where an uninterrupted run would have been.

Files under ``out_dir``: ``loss.csv`` (step, epoch, loss, lr, seconds since this process began
training), ``eval.csv`` (step, metric, value), ``checkpoint-STEP/`` (accelerate state:
trainable weights, optimizer, scheduler, RNG) and ``final/`` (a model directory, or the
trained adapter).
"""

import csv
import random
import re
import shutil
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

import torch
from accelerate import Accelerator, DataLoaderConfiguration
from accelerate.utils import set_seed
from peft import PeftModel
from pydantic import BaseModel, ConfigDict, Field, model_validator
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch.utils.data import DataLoader
from transformers import PreTrainedModel, PreTrainedTokenizerBase, get_scheduler

from lmarith.errors import LmarithError

IGNORE = -100  # label value the HF loss skips
LOSS_FIELDS = ("step", "epoch", "loss", "lr", "seconds")
EVAL_FIELDS = ("step", "metric", "value")
CHECKPOINT = re.compile(r"checkpoint-(\d+)")

EvalFn = Callable[[PreTrainedModel], dict[str, float]]


class Schedule(BaseModel):
    """How to optimize: the options a recipe sets (and may give other defaults)."""

    model_config = ConfigDict(extra="forbid")

    lr: float = Field(3e-4, gt=0, description="peak learning rate")
    epochs: int = Field(1, gt=0, description="passes over the data (max_steps, when set, wins)")
    max_steps: int | None = Field(None, gt=0, description="optimizer steps at most")
    batch_size: int = Field(8, gt=0, description="examples per step and process")
    warmup_steps: int = Field(0, ge=0, description="linear warm-up steps")
    scheduler: Literal["linear", "cosine", "constant_with_warmup"] = "linear"
    weight_decay: float = Field(0.0, ge=0)
    max_grad_norm: float | None = Field(1.0, gt=0, description="gradient clipping (None: off)")
    seed: int = Field(0, description="data order and initialisation")
    group_by_length: bool = Field(
        False,
        description="batches of examples of similar length (fixed per run, "
        "shuffled each epoch): less padding, fewer FLOPs per step",
    )
    eval_every: int | None = Field(None, gt=0, description="steps between eval_fn calls")
    save_every: int | None = Field(None, gt=0, description="steps between checkpoints")
    mixed_precision: Literal["no", "bf16"] = Field(
        "no",
        description="bf16: the training forward pass under torch.autocast (fp32 master weights); it made "
        "SmolLM2 LoRA steps 1.45x faster on a 2-core AVX512-BF16 CPU",
    )

    def schedule(self) -> dict[str, object]:
        """Just the schedule's fields, to build a ``TrainConfig`` from a recipe."""
        return {name: getattr(self, name) for name in Schedule.model_fields}


class TrainConfig(Schedule):
    """Options of one training run: a schedule, where it writes, and when it stops early."""

    out_dir: Path
    log_file: Path | None = None  # default: out_dir / "loss.csv"
    stop_metric: str | None = None  # stop early once eval_fn reports stop_metric >= stop_value
    stop_value: float = 1.0
    resume: bool = False
    progress: bool = True

    @model_validator(mode="after")
    def _stop_needs_eval(self) -> "TrainConfig":
        if self.stop_metric is not None and self.eval_every is None:
            raise ValueError("stop_metric needs eval_every")
        return self

    @property
    def loss_log(self) -> Path:
        return self.log_file or self.out_dir / "loss.csv"

    @property
    def eval_log(self) -> Path:
        return self.out_dir / "eval.csv"


class TrainResult(BaseModel):
    """What a run ended with: the model itself is trained in place."""

    steps: int
    loss: float | None
    metrics: dict[str, float]
    stopped_early: bool
    final_dir: Path


def encode_pair(tokenizer: PreTrainedTokenizerBase, prompt: str, response: str) -> dict[str, list[int]]:
    """Token ids and labels for one example, the prompt masked out of the loss.

    Prompt and response are tokenized separately (the prompt with the tokenizer's usual
    specials, e.g. BOS) because that is exactly how generation sees them: the prompt's tokens,
    then the tokens the model writes. Tokenizing the joined text could merge a token across
    the boundary and teach a split the model never meets at inference.
    """
    if tokenizer.eos_token_id is None:
        raise LmarithError("the tokenizer has no EOS token to end responses with")
    prompt_ids = tokenizer(prompt)["input_ids"]
    response_ids = [
        *tokenizer(response, add_special_tokens=False)["input_ids"],
        tokenizer.eos_token_id,
    ]
    return {
        "input_ids": [*prompt_ids, *response_ids],
        "labels": [IGNORE] * len(prompt_ids) + response_ids,
    }


def pad_batch(examples: list[dict[str, list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad to the longest example of this batch, on the right.

    Right padding keeps every example's positions starting at 0, as they do in left-padded
    generation (where HF derives positions from the attention mask).
    """
    width = max(len(example["input_ids"]) for example in examples)

    def padded(key: str, fill: int) -> torch.Tensor:
        return torch.tensor([ex[key] + [fill] * (width - len(ex[key])) for ex in examples])

    lengths = torch.tensor([len(example["input_ids"]) for example in examples])
    mask = (torch.arange(width) < lengths[:, None]).long()  # not ids != pad: pad may equal EOS
    return {
        "input_ids": padded("input_ids", pad_id),
        "attention_mask": mask,
        "labels": padded("labels", IGNORE),
    }


def length_groups(
    examples: list[dict[str, list[int]]], batch_size: int, seed: int, window: int = 32
) -> list[list[dict[str, list[int]]]]:
    """Batches of similar length: shuffle (from ``seed``), sort each run of ``window`` batches'
    worth of examples by length, cut it into batches. Padding to a batch's longest example then
    costs little, and every batch still mixes examples from all over the data set."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    batches = []
    span = batch_size * window
    for start in range(0, len(order), span):
        chunk = sorted(order[start : start + span], key=lambda i: len(examples[i]["input_ids"]))
        batches += [[examples[i] for i in chunk[b : b + batch_size]] for b in range(0, len(chunk), batch_size)]
    return batches


def latest_checkpoint(out_dir: str | Path) -> tuple[Path, int] | None:
    """The highest-step ``checkpoint-STEP`` folder under ``out_dir``, with its step."""
    out_dir = Path(out_dir)
    found = [
        (path, int(match.group(1)))
        for path in (out_dir.iterdir() if out_dir.is_dir() else ())
        if (match := CHECKPOINT.fullmatch(path.name)) and path.is_dir()
    ]
    return max(found, key=lambda item: item[1], default=None)


def _rewind_log(path: Path, step: int) -> None:
    """Drop rows logged after ``step``: the resumed run logs them again, so the file reads as one run."""
    if not path.is_file():
        return
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows[:1] + [row for row in rows[1:] if int(row[0]) <= step])


def _append_rows(path: Path, fields: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Append rows to a CSV log, writing its header first if the file is new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.is_file()
    with path.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(fields)
        writer.writerows(rows)


def _keep_trainable(models: list[torch.nn.Module], weights: list[dict], _dir: str) -> None:
    """Save-state hook: checkpoints keep only trainable weights.

    For LoRA that is the adapter (megabytes) instead of the whole frozen base (gigabytes);
    frozen weights never change, so resuming with ``strict=False`` loses nothing. Names come
    from the models accelerate hands the hook, which match its state-dict keys.
    """
    for i, (model, state) in enumerate(zip(models, weights)):
        names = {name for name, param in model.named_parameters() if param.requires_grad}
        weights[i] = OrderedDict((k, v) for k, v in state.items() if k in names)


def _save_checkpoint(accelerator: Accelerator, out_dir: Path, step: int) -> None:
    """Save into a temporary folder, then rename: a crash mid-save leaves no broken latest checkpoint."""
    staged, final = out_dir / f".checkpoint-{step}.tmp", out_dir / f"checkpoint-{step}"
    accelerator.save_state(str(staged))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        shutil.rmtree(final, ignore_errors=True)
        staged.rename(final)
    accelerator.wait_for_everyone()


def _save_final(
    accelerator: Accelerator, model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, out: Path
) -> None:
    """Write ``out``: a full model directory, or for LoRA only the adapter that was trained."""
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        model = accelerator.unwrap_model(model)
        if isinstance(model, PeftModel):
            # added token rows are saved as peft's trainable tokens, never as the whole matrix
            model.save_pretrained(out, selected_adapters=[model.active_adapter], save_embedding_layers=False)
        else:
            model.save_pretrained(out, save_function=accelerator.save)
        tokenizer.save_pretrained(out)
    accelerator.wait_for_everyone()


@dataclass
class _Session:
    """A prepared run: the model, optimizer, data and schedule, as accelerate wrapped them."""

    accelerator: Accelerator
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    loader: DataLoader
    scheduler: object
    steps_per_epoch: int
    total: int


def _prepare(
    model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, pairs: Sequence[tuple[str, str]], config: TrainConfig
) -> _Session:
    """Tokenize, batch and wrap everything in accelerate (one process or several)."""
    # bf16 is torch.autocast around the training forward (``_optimize``), not accelerate's
    # mixed_precision: that is fixed for the whole process, and a second run with another
    # precision in the same process would fail
    accelerator = Accelerator(
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
    )
    set_seed(config.seed)
    if isinstance(model, PeftModel):
        model.set_adapter(model.active_adapter)  # peft: active adapter trainable, all others frozen
    params = [param for param in model.parameters() if param.requires_grad]
    if not params:
        raise LmarithError("the model has no trainable parameters")
    examples = [encode_pair(tokenizer, prompt, response) for prompt, response in pairs]
    collate = partial(pad_batch, pad_id=tokenizer.pad_token_id)
    if config.group_by_length:  # the data set's items are whole batches; the loader shuffles them
        loader = DataLoader(
            length_groups(examples, config.batch_size, config.seed),
            batch_size=1,
            shuffle=True,
            collate_fn=lambda items: collate(items[0]),
        )
    else:
        loader = DataLoader(examples, batch_size=config.batch_size, shuffle=True, collate_fn=collate)
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    steps_per_epoch = len(loader)
    total = config.max_steps or config.epochs * steps_per_epoch
    # accelerate steps a prepared scheduler once per process per optimizer step
    scheduler = accelerator.prepare(
        get_scheduler(
            config.scheduler,
            optimizer,
            num_warmup_steps=config.warmup_steps * accelerator.num_processes,
            num_training_steps=total * accelerator.num_processes,
        )
    )
    accelerator.register_save_state_pre_hook(_keep_trainable)
    return _Session(accelerator, model, optimizer, loader, scheduler, steps_per_epoch, total)


def _resume(session: _Session, config: TrainConfig) -> int:
    """Load the latest checkpoint when resuming (its step is returned) and make the logs agree."""
    checkpoint = latest_checkpoint(config.out_dir)
    if checkpoint is not None and not config.resume:
        # a later resume would pick up the stale checkpoint instead of this run's own
        raise LmarithError(f"{config.out_dir} holds checkpoints of an earlier run; resume it or use another out_dir")
    step = 0
    if checkpoint is not None:
        session.accelerator.load_state(str(checkpoint[0]), strict=False)
        step = checkpoint[1]
    if session.accelerator.is_main_process:
        for log in (config.loss_log, config.eval_log):
            if checkpoint is None:
                log.unlink(missing_ok=True)
            else:
                _rewind_log(log, step)
    return step


def _optimize(session: _Session, batch: dict[str, torch.Tensor], config: TrainConfig) -> tuple[float, float]:
    """One optimizer step; returns the loss (mean over processes) and the learning rate used."""
    accelerator, model = session.accelerator, session.model
    with torch.autocast(accelerator.device.type, dtype=torch.bfloat16, enabled=config.mixed_precision == "bf16"):
        loss = model(**batch).loss
    accelerator.backward(loss)
    if config.max_grad_norm is not None:
        accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
    lr = session.scheduler.get_last_lr()[0]  # the rate this step used, logged below
    session.optimizer.step()
    session.scheduler.step()
    session.optimizer.zero_grad()
    return accelerator.reduce(loss.detach(), "mean").item(), lr


def train(
    model: PreTrainedModel | PeftModel,
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[tuple[str, str]],
    config: TrainConfig,
    *,
    eval_fn: EvalFn | None = None,
) -> TrainResult:
    """Fine-tune ``model`` in place on ``pairs``; see the module docstring for what lands on disk.

    A ``PeftModel`` trains only its active adapter. ``eval_fn(model)`` runs every
    ``eval_every`` steps (in eval mode, without gradients) and its metrics are logged and
    checked against ``stop_metric``.
    """
    if not pairs:
        raise LmarithError("no training examples")
    if config.stop_metric is not None and eval_fn is None:
        raise LmarithError("stop_metric is set but no eval_fn was given")
    if tokenizer.pad_token_id is None:
        raise LmarithError("the tokenizer has no pad token (load it with load_model)")
    session = _prepare(model, tokenizer, pairs, config)
    accelerator, model = session.accelerator, session.model
    step = _resume(session, config)
    loss_value: float | None = None
    metrics: dict[str, float] = {}
    stopped = False
    started = time.perf_counter()
    with _progress_bar(enabled=config.progress and accelerator.is_main_process) as progress:
        task = progress.add_task("train", total=session.total, completed=step, loss="-")
        model.train()
        epoch, skip = divmod(step, session.steps_per_epoch)
        while step < session.total and not stopped:
            session.loader.set_epoch(epoch)  # the seedable sampler shuffles by (seed, epoch): same order on resume
            batches = accelerator.skip_first_batches(session.loader, skip) if skip else session.loader
            batches.set_epoch(epoch)
            skip = 0
            for batch in batches:
                loss_value, lr = _optimize(session, batch, config)
                step += 1
                if accelerator.is_main_process:
                    row = (step, step / session.steps_per_epoch, loss_value, lr, time.perf_counter() - started)
                    _append_rows(config.loss_log, LOSS_FIELDS, [row])
                progress.update(task, completed=step, loss=f"{loss_value:.4f}")
                if config.save_every and step % config.save_every == 0:
                    _save_checkpoint(accelerator, config.out_dir, step)
                if eval_fn is not None and config.eval_every and step % config.eval_every == 0:
                    metrics = _evaluate(accelerator, model, eval_fn, config, step)
                    stopped = _reached(metrics, config)
                if stopped or step >= session.total:
                    break
            epoch += 1
    model.eval()
    final_dir = config.out_dir / "final"
    _save_final(accelerator, model, tokenizer, final_dir)
    return TrainResult(steps=step, loss=loss_value, metrics=metrics, stopped_early=stopped, final_dir=final_dir)


def _progress_bar(enabled: bool) -> Progress:
    """A rich bar showing steps done, the last loss and the time left."""
    return Progress(
        TextColumn("[bold]train"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeRemainingColumn(),
        disable=not enabled,
    )


def _evaluate(
    accelerator: Accelerator,
    model: torch.nn.Module,
    eval_fn: EvalFn,
    config: TrainConfig,
    step: int,
) -> dict[str, float]:
    """Run ``eval_fn`` on the unwrapped model in eval mode and log its metrics."""
    model.eval()
    with torch.no_grad():
        metrics = {name: float(value) for name, value in eval_fn(accelerator.unwrap_model(model)).items()}
    model.train()
    if accelerator.is_main_process:
        _append_rows(config.eval_log, EVAL_FIELDS, [(step, name, value) for name, value in metrics.items()])
    return metrics


def _reached(metrics: dict[str, float], config: TrainConfig) -> bool:
    """Whether the early-stop target is met."""
    if config.stop_metric is None:
        return False
    if config.stop_metric not in metrics:
        raise LmarithError(f"eval_fn reported no {config.stop_metric!r} (got: {', '.join(metrics)})")
    return metrics[config.stop_metric] >= config.stop_value
