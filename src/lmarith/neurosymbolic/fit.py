"""Stages 2 and 3: train the encoder and decoder on gathered states, then fine-tune the decoder
through the frozen LLM.

The encoder loss is the regression of the paper (squared error to the true problem vector)
plus the cross-entropy of what the symbolic engine will read off the vector: the digit
similarities at every position (with "absent" scored at the digit threshold). The second term
is the paper's differentiable read-out; it trains the encoder for exactly the decision that
matters, which a few hundred examples otherwise do not. The type scores get their own
weighted squared error, on negatives too (questions about invented operations, all scores 0),
so a score near 1 means "this trained type" and not merely "the likeliest of them".
"""

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from rich.progress import Progress
from torch import Tensor, nn
from transformers import DynamicCache, PreTrainedModel, PreTrainedTokenizerBase

from lmarith.models.training import IGNORE, encode_pair
from lmarith.neurosymbolic.gather import NONE
from lmarith.neurosymbolic.hooks import freeze
from lmarith.neurosymbolic.intervention import NeuroSymbolic, gate_checks, gated_types, intervene
from lmarith.questions.prompts import Protocol, protocol_messages, render_prompt
from lmarith.questions.question import Question
from lmarith.vsa import DecodedProblem, VSACodec, unbind

#: Similarities are in [-1, 1]; this turns them into logits sharp enough for cross-entropy.
LOGIT_SCALE = 10.0
#: Weight of the type scores' squared error: the gate depends on it alone.
TYPE_WEIGHT = 10.0


@dataclass
class EncoderData:
    """Encoder inputs and targets of one layer."""

    window: Tensor
    mask: Tensor
    target: Tensor
    type_index: Tensor
    x: Tensor
    y: Tensor

    @classmethod
    def from_gathered(cls, tensors: dict[str, Tensor], layer: int) -> "EncoderData":
        return cls(
            tensors[f"window.{layer}"],
            tensors["mask"],
            tensors["problem_vsa"],
            tensors["type_index"],
            tensors["x"],
            tensors["y"],
        )

    def subset(self, index: Tensor) -> "EncoderData":
        return EncoderData(*(t[index] for t in vars(self).values()))

    @property
    def known(self) -> Tensor:
        """Rows of a real problem type (the rest are negatives)."""
        return self.type_index != NONE

    def split(self, fraction: float, seed: int) -> tuple["EncoderData", "EncoderData"]:
        order = torch.randperm(len(self.x), generator=torch.Generator().manual_seed(seed))
        cut = len(order) - max(1, int(fraction * len(order)))
        return self.subset(order[:cut]), self.subset(order[cut:])


def _digit_logits(codec: VSACodec, vectors: Tensor) -> Tensor:
    sims = codec.digit_similarities(vectors)
    absent = torch.full_like(sims[..., :1], codec.config.digit_threshold)
    return LOGIT_SCALE * torch.cat([sims, absent], dim=-1)


def _digit_targets(codec: VSACodec, numbers: Tensor) -> Tensor:
    scale = 10 ** torch.arange(codec.config.max_digits)
    present = (numbers[:, None] >= scale) | (scale == 1)
    return torch.where(present, codec.digits(numbers), 10)


def encoder_loss(codec: VSACodec, pred: Tensor, data: EncoderData) -> Tensor:
    """Squared error of the type scores (negatives: all zero) + for real problems the squared
    error to the problem vector and the cross-entropy of its digit read-outs.
    """
    scores = codec.type_scores(pred)
    known = data.known
    target = nn.functional.one_hot(data.type_index.clamp_min(0), scores.shape[-1]) * known[:, None]
    loss = TYPE_WEIGHT * ((scores - target) ** 2).sum(-1).mean()
    if not known.any():
        return loss
    pred, data = pred[known], data.subset(known)
    loss = loss + ((pred - data.target) ** 2).sum(-1).mean()
    for role, numbers in ((codec.n1, data.x), (codec.n2, data.y)):
        logits = _digit_logits(codec, unbind(pred, role))
        loss = loss + nn.functional.cross_entropy(logits.flatten(0, 1), _digit_targets(codec, numbers).flatten())
    return loss


@torch.no_grad()
def encoder_metrics(
    encoder: nn.Module, codec: VSACodec, data: EncoderData, *, threshold: float = 0.8
) -> dict[str, float]:
    """How well the symbolic engine reads encoded vectors: type, operands, digits, everything;
    and how often a negative's best type score would open a gate at ``threshold``.
    """
    encoder.eval()
    out = codec.decode_problem(encoder(data.window.float(), data.mask))
    negatives = out.type_score[~data.known]
    out, data = DecodedProblem(*(t[data.known] for t in out)), data.subset(data.known)
    digits = torch.cat([codec.digits(out.a) == codec.digits(data.x), codec.digits(out.b) == codec.digits(data.y)], 1)
    exact = (out.type_index == data.type_index) & (out.a == data.x) & (out.b == data.y)
    return {
        "type_accuracy": (out.type_index == data.type_index).float().mean().item(),
        "operand_accuracy": torch.cat([out.a == data.x, out.b == data.y]).float().mean().item(),
        "digit_accuracy": digits.float().mean().item(),
        "exact": exact.float().mean().item(),
        "mean_type_score": out.type_score.mean().item(),
        "negatives": len(negatives),
        "negative_open": (negatives >= threshold).float().mean().item() if len(negatives) else 0.0,
    }


def train_encoder(
    encoder: nn.Module,
    codec: VSACodec,
    data: EncoderData,
    *,
    epochs: int = 40,
    lr: float = 1e-3,
    batch_size: int = 64,
    weight_decay: float = 1e-2,
    seed: int = 0,
    position_dropout: float = 0.0,
) -> list[float]:
    """Fit ``encoder`` in place (standardisation, then AdamW with step decay); returns epoch losses.

    ``position_dropout``: each training step hides this fraction of every question's window
    positions (the last prompt token stays), so no one token of a training wording carries the
    type alone. Measured on SmolLM2 (``bench/neuro_wordings.py``: layer 16, 600 questions per
    type, a third of the training family's expressions held out of training): 0.15 read 0.85 of
    those unseen wordings exactly with the gate open, against 0.68 without."""
    torch.manual_seed(seed)
    encoder.norm.fit(data.window[data.mask])
    opt = torch.optim.AdamW(encoder.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, epochs // 3), gamma=0.3)
    losses = []
    for _ in range(epochs):
        encoder.train()
        order = torch.randperm(len(data.x))
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            part = data.subset(idx)
            mask = part.mask
            if position_dropout:
                hidden = torch.rand(mask.shape) < position_dropout
                hidden[:, -1] = False
                mask = mask & ~hidden
            loss = encoder_loss(codec, encoder(part.window.float(), mask), part)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        losses.append(total / len(order))
    encoder.eval()
    return losses


def fit_decoder(neuro: NeuroSymbolic, tensors: dict[str, Tensor]) -> None:
    """Start the decoder at the least-squares map from cues to the states at the injection points."""
    layer = neuro.config.layer
    known = tensors["type_index"] != NONE
    tensors = {k: v[known] for k, v in tensors.items()}
    cues, lengths = neuro.cues(tensors["solution"])
    if neuro.config.inject == "last":
        states, valid = tensors[f"answer.{layer}"][:, :1], torch.ones_like(lengths[:, None], dtype=torch.bool)
    else:
        states, valid = tensors[f"answer.{layer}"], tensors["answer_mask"]
        valid = valid & (torch.arange(cues.shape[1]) < lengths[:, None])
    neuro.decoder.fit(cues[valid], states[valid].float())


@dataclass
class TailBatch:
    """A few questions ready for cheap decoder steps: the prompt minus its last token, run once.

    The intervention writes at the last prompt token and after it, so every earlier position's
    keys and values, at every layer, are the same with it on or off: they are computed once
    (``prefix``, per layer, left-padded so the tails line up) and each training step runs only
    the tail, i.e. the last prompt token, the answer digits and EOS: a few tokens, not ~150.
    """

    prefix: list[tuple[Tensor, Tensor]]
    tail: Tensor
    mask: Tensor
    positions: Tensor
    targets: Tensor
    answers: Tensor

    @classmethod
    @torch.no_grad()
    def build(
        cls,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        questions: list[Question],
        protocol: Protocol = "fixed",
    ) -> "TailBatch":
        pairs = [
            encode_pair(tokenizer, render_prompt(tokenizer, protocol_messages(p, protocol)), str(p.solution))
            for p in questions
        ]
        ends = [ex["labels"].count(IGNORE) - 1 for ex in pairs]  # each last prompt token
        prefix = max(ends)
        tail = max(len(ex["input_ids"]) - end for ex, end in zip(pairs, ends))
        ids = torch.full((len(pairs), prefix + tail), tokenizer.pad_token_id)
        mask = torch.zeros_like(ids)
        targets = torch.full((len(pairs), tail), IGNORE)
        for row, (ex, end) in enumerate(zip(pairs, ends)):
            head, rest = ex["input_ids"][:end], ex["input_ids"][end:]
            ids[row, prefix - end : prefix + len(rest)] = torch.tensor(head + rest)
            mask[row, prefix - end : prefix + len(rest)] = 1
            targets[row, : len(rest) - 1] = torch.tensor(ex["labels"][end + 1 :])
        positions = (mask.cumsum(1) - 1).clamp_min(0)
        device = model.device
        cache = DynamicCache()
        model(
            input_ids=ids[:, :prefix].to(device),
            attention_mask=mask[:, :prefix].to(device),
            position_ids=positions[:, :prefix].to(device),
            cache=cache,
            use_cache=True,
        )
        return cls(
            [(k, v) for k, v, _ in cache],
            ids[:, prefix:],
            mask,
            positions[:, prefix:],
            targets,
            torch.tensor([p.solution for p in questions]),
        )

    def loss(self, model: PreTrainedModel, neuro: NeuroSymbolic) -> Tensor:
        """Mean answer-token cross-entropy with the intervention on, the engine teacher-forced."""
        device = model.device
        cache = DynamicCache(self.prefix)  # a fresh cache each step: the prefix tensors stay as they are
        with intervene(model, neuro, ends=torch.zeros(len(self.answers), dtype=torch.long), truth=self.answers):
            logits = model(
                input_ids=self.tail.to(device),
                attention_mask=self.mask.to(device),
                position_ids=self.positions.to(device),
                cache=cache,
                use_cache=True,
            ).logits
        return nn.functional.cross_entropy(logits.float().transpose(1, 2), self.targets.to(device), ignore_index=IGNORE)


def finetune_decoder(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    neuro: NeuroSymbolic,
    questions: list[Question],
    out_dir: Path,
    *,
    epochs: int = 1,
    lr: float = 1e-3,
    batch_size: int = 8,
    resume: bool = False,
    progress: bool = True,
    protocol: Protocol = "fixed",
) -> float:
    """Train the decoder on the answer-token loss with the intervention on (LLM and encoder frozen).

    Prompts are cached once (:class:`TailBatch`), so an epoch costs a few tokens per question.
    After every epoch the intervention and the loss log are saved to ``out_dir/last`` and
    ``out_dir/loss.csv``; ``resume`` continues from there. The trained intervention lands in
    ``out_dir/final``. Returns the last epoch's mean loss.
    """
    freeze(model)
    freeze(neuro.encoder)
    out_dir.mkdir(parents=True, exist_ok=True)
    last, log = out_dir / "last", out_dir / "loss.csv"
    done = 0
    if resume and (last / "epoch.json").is_file():
        neuro.load_state_dict(NeuroSymbolic.load(last).state_dict())
        done = json.loads((last / "epoch.json").read_text())["epoch"]
    elif log.exists():
        log.unlink()
    opt = torch.optim.Adam(neuro.decoder.parameters(), lr=lr)
    order = torch.Generator().manual_seed(0)
    losses = [float(row.split(",")[1]) for row in log.read_text().splitlines()[1:]] if log.exists() else []
    with Progress(disable=not progress) as bar:
        task = bar.add_task("cache prompts", total=len(questions))
        cached = []
        for start in range(0, len(questions), batch_size):
            cached.append(TailBatch.build(model, tokenizer, questions[start : start + batch_size], protocol))
            bar.advance(task, len(cached[-1].answers))
        bar.update(task, description="fine-tune decoder", total=epochs * len(cached), completed=done * len(cached))
        for epoch in range(done, epochs):
            total = 0.0
            for index in torch.randperm(len(cached), generator=order).tolist():
                loss = cached[index].loss(model, neuro)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item()
                bar.advance(task)
            losses.append(total / len(cached))
            log.write_text("epoch,loss\n" + "".join(f"{i + 1},{v:.6f}\n" for i, v in enumerate(losses)))
            neuro.save(last)
            (last / "epoch.json").write_text(json.dumps({"epoch": epoch + 1}) + "\n")
    neuro.save(out_dir / "final")
    return losses[-1] if losses else float("nan")


@torch.no_grad()
def probe_metrics(
    encoder: nn.Module,
    codec: VSACodec,
    data: EncoderData,
    threshold: float,
    types: tuple[str, ...],
    digit_margin: float = 0.0,
) -> dict:
    """:func:`read_metrics` of what ``encoder`` writes for ``data``."""
    encoder.eval()
    return read_metrics(codec, encoder(data.window.float(), data.mask), data, threshold, types, digit_margin)


def read_metrics(
    codec: VSACodec,
    vectors: Tensor,
    data: EncoderData,
    threshold: float,
    types: tuple[str, ...],
    digit_margin: float = 0.0,
) -> dict:
    """Per problem type on probe rows (wordings never trained on): how often the engine reads
    type and operands exactly, how often the gate's read-out checks pass (type score, trained
    type, both numbers present, digit margins; the engine's own refusals aside), and, as
    ``shut_by``, how often each check failed (a shut row can fail several)."""
    out = codec.decode_problem(vectors)
    checks = gate_checks(out, threshold, gated_types(codec.config.types, types), digit_margin)
    opens = torch.stack(list(checks.values())).all(0)
    exact = (out.type_index == data.type_index) & (out.a == data.x) & (out.b == data.y)
    report = {}
    for index in data.type_index.unique().tolist():
        rows = data.type_index == index
        name = codec.config.types[index] if index >= 0 else "negative"
        report[name] = {
            "count": int(rows.sum()),
            "exact": exact[rows].float().mean().item(),
            "gate_open": opens[rows].float().mean().item(),
            "open_and_exact": (opens & exact)[rows].float().mean().item(),
            "shut_by": {why: (~passed)[rows].float().mean().item() for why, passed in checks.items()},
        }
    return report
