"""Options of the intervention, declared once with their meaning (in the style of peft's LoraConfig).

:class:`InterventionOptions` are the choices a user makes; a run (``lmarith.evaluation``)
extends them with data and training options, and :class:`NeuroConfig` with what was built,
saved next to the weights.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lmarith.questions.rules import TRAIN_TYPES
from lmarith.vsa import CodecConfig

InjectMode = Literal["answers", "last"]
EncoderKind = Literal["attention", "linear-last"]
SlotRead = Literal["soft", "hard"]


class InterventionOptions(BaseModel):
    """How the intervention reads, gates and writes."""

    model_config = ConfigDict(extra="forbid")

    window: int = Field(64, gt=0, description="prompt positions the encoder reads, ending at the last prompt token")
    strength: float = Field(0.5, ge=0, le=1, description="s in h' = s * Dec(cue) + (1 - s) * h (paper: 0.5)")
    threshold: float = Field(
        0.8, description="the gate opens only when the best type similarity reaches this (paper: 0.8)"
    )
    #: a misread is confidently wrong, which costs far more answer cross-entropy than letting the
    #: model answer alone
    digit_margin: float = Field(
        0.1,
        ge=0,
        description="the engine abstains when a digit decision is closer "
        "to a tie than this (see ``DecodedProblem.margin``; 0: off, as in the paper)",
    )
    inject: InjectMode = Field(
        "answers",
        description="answers: the last prompt token and every answer "
        "position, one digit each (one-digit tokenizers); last: the paper's single cue",
    )
    slot_read: SlotRead = Field(
        "soft",
        description="attention encoder: soft takes each digit slot's attention-weighted "
        "mixture of positions, hard only the position it attends to most (read time only; "
        "training is the same, see ``AttentionEncoder``)",
    )
    types: tuple[str, ...] = Field(TRAIN_TYPES, description="the trained problem types; the gate stays shut on others")
    mod1000: bool = Field(True, description="multiplication and lcm answers mod 1000, as in the paper")


class NeuroConfig(InterventionOptions):
    """Everything needed to rebuild a trained intervention next to its weights."""

    layer: int = Field(gt=0, description="residual-stream layer read and written: hidden_states[layer]")
    hidden: int = Field(gt=0, description="the model's hidden size")
    encoder: EncoderKind = Field("attention", description="linear-last (the paper's) or attention over the window")
    codec: CodecConfig = Field(description="the VSA atoms: dimension, digit positions, type names, seed")
