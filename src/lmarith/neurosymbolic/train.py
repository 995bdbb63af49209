"""Stages 2 and 3: train the encoder and decoder on gathered states, then fine-tune the decoder
through the frozen LLM.

The encoder loss is the regression of the paper (squared error to the true problem vector)
plus the cross-entropy of what the symbolic engine will read off the vector: the digit
similarities at every position (with "absent" scored at the digit threshold) and the type
similarities. The second term is the paper's differentiable read-out; it trains the encoder
for exactly the decision that matters, which a few hundred examples otherwise do not.
"""

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from lmarith.models.training import TrainConfig, train
from lmarith.neurosymbolic.intervention import InterventionModel, NeuroSymbolic
from lmarith.neurosymbolic.lm import render_prompt
from lmarith.neurosymbolic.problems import Problem, chat_messages
from lmarith.vsa import VSACodec, unbind

#: Similarities are in [-1, 1]; this turns them into logits sharp enough for cross-entropy.
LOGIT_SCALE = 10.0


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
        return cls(tensors[f"window.{layer}"], tensors["mask"], tensors["problem_vsa"], tensors["type_index"],
                   tensors["x"], tensors["y"])

    def split(self, fraction: float, seed: int) -> tuple["EncoderData", "EncoderData"]:
        order = torch.randperm(len(self.x), generator=torch.Generator().manual_seed(seed))
        cut = len(order) - max(1, int(fraction * len(order)))
        pick = lambda idx: EncoderData(*(t[idx] for t in vars(self).values()))
        return pick(order[:cut]), pick(order[cut:])


def _digit_logits(codec: VSACodec, vectors: Tensor) -> Tensor:
    sims = codec.digit_similarities(vectors)
    absent = torch.full_like(sims[..., :1], codec.config.digit_threshold)
    return LOGIT_SCALE * torch.cat([sims, absent], dim=-1)


def _digit_targets(codec: VSACodec, numbers: Tensor) -> Tensor:
    scale = 10 ** torch.arange(codec.config.max_digits)
    present = (numbers[:, None] >= scale) | (scale == 1)
    return torch.where(present, codec.digits(numbers), 10)


def encoder_loss(codec: VSACodec, pred: Tensor, data: EncoderData) -> Tensor:
    """Squared error to the problem vector + cross-entropy of its digit and type read-outs."""
    ce = nn.functional.cross_entropy
    loss = ((pred - data.target) ** 2).sum(-1).mean()
    for role, numbers in ((codec.n1, data.x), (codec.n2, data.y)):
        logits = _digit_logits(codec, unbind(pred, role))
        loss = loss + ce(logits.flatten(0, 1), _digit_targets(codec, numbers).flatten())
    return loss + ce(LOGIT_SCALE * codec.type_scores(pred), data.type_index)


@torch.no_grad()
def encoder_metrics(encoder: nn.Module, codec: VSACodec, data: EncoderData) -> dict[str, float]:
    """How well the symbolic engine reads encoded vectors: type, operands, digits, everything."""
    encoder.eval()
    out = codec.decode_problem(encoder(data.window.float(), data.mask))
    digits = torch.cat([codec.digits(out.a) == codec.digits(data.x), codec.digits(out.b) == codec.digits(data.y)], 1)
    exact = (out.type_index == data.type_index) & (out.a == data.x) & (out.b == data.y)
    return {
        "type_accuracy": (out.type_index == data.type_index).float().mean().item(),
        "operand_accuracy": torch.cat([out.a == data.x, out.b == data.y]).float().mean().item(),
        "digit_accuracy": digits.float().mean().item(),
        "exact": exact.float().mean().item(),
        "mean_type_score": out.type_score.mean().item(),
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
) -> list[float]:
    """Fit ``encoder`` in place (standardisation, then AdamW with step decay); returns epoch losses."""
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
            part = EncoderData(*(t[idx] for t in vars(data).values()))
            loss = encoder_loss(codec, encoder(part.window.float(), part.mask), part)
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
    cues, lengths = neuro.cues(tensors["solution"])
    if neuro.config.inject == "last":
        states, valid = tensors[f"answer.{layer}"][:, :1], torch.ones_like(lengths[:, None], dtype=torch.bool)
    else:
        states, valid = tensors[f"answer.{layer}"], tensors["answer_mask"]
        valid = valid & (torch.arange(cues.shape[1]) < lengths[:, None])
    neuro.decoder.fit(cues[valid], states[valid].float())


def finetune_decoder(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    neuro: NeuroSymbolic,
    problems: list[Problem],
    out_dir: Path,
    *,
    epochs: int = 1,
    lr: float = 1e-3,
    batch_size: int = 8,
    resume: bool = False,
    progress: bool = True,
) -> float | None:
    """Train the decoder on the answer-token loss with the intervention on (LLM and encoder frozen).

    Runs the shared accelerate trainer (checkpoints, resume) over the wrapped model; the
    trained intervention lands in ``out_dir / 'final'``. Returns the last logged loss.
    """
    pairs = [(render_prompt(tokenizer, chat_messages(p)), str(p.solution)) for p in problems]
    wrapper = InterventionModel(model, neuro, tokenizer.decode)
    config = TrainConfig(out_dir=out_dir, lr=lr, epochs=epochs, batch_size=batch_size, resume=resume,
                         save_every=max(8, len(pairs) // batch_size // 4), progress=progress)
    result = train(wrapper, tokenizer, pairs, config)
    return result.loss
