"""The gated neurosymbolic intervention: encode, gate, solve exactly, decode, mix in.

At layer L of the prompt pass the encoder reads the problem vector from the hidden states; if
the best problem-type similarity reaches the threshold and the type is one the encoder was
trained on, the symbolic engine decodes both operands, computes the exact answer and the
decoder writes it into the residual stream: h' = s * Dec(cue) + (1 - s) * h.

Two injection modes (``inject``):

- ``last``: the paper's, one cue (the answer's number vector) at the last prompt token; enough
  when one token holds the whole answer (LLaMA-3 groups three digits per token).
- ``answers``: for tokenizers that write one digit per token (SmolLM2), the last prompt token
  and every answer position get a cue: step t carries x^(digit t), then END. The answer
  position count is kept across ``generate``'s cached single-token passes.
"""

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import Tensor, nn
from transformers import PreTrainedModel

from lmarith.errors import LmarithError
from lmarith.neurosymbolic.config import NeuroConfig
from lmarith.neurosymbolic.hooks import capture_attention_mask, mix_at, on_layer
from lmarith.neurosymbolic.networks import Decoder, build_encoder
from lmarith.questions.rules import check_types, solve
from lmarith.vsa import CodecConfig, DecodedProblem, VSACodec

CONFIG_FILE, WEIGHTS_FILE = "neuro.json", "neuro.safetensors"


def prompt_windows(hidden: Tensor, ends: Tensor, attention_mask: Tensor | None, window: int) -> tuple[Tensor, Tensor]:
    """The ``window`` positions ending at each row's last prompt token, and which are real.

    Rows shorter than the window are padded at the front (mask False), as are padding tokens.
    """
    offsets = torch.arange(1 - window, 1, device=hidden.device)
    pos = ends.to(hidden.device)[:, None] + offsets
    valid = pos >= 0
    pos = pos.clamp_min(0)
    states = torch.gather(hidden, 1, pos[..., None].expand(-1, -1, hidden.shape[-1]))
    if attention_mask is not None:
        valid &= torch.gather(attention_mask.to(hidden.device).bool(), 1, pos)
    return states * valid[..., None], valid


def gated_types(codec_types: tuple[str, ...], trained: tuple[str, ...]) -> Tensor:
    """Per codec type, whether the gate may open on it: the trained types only."""
    return torch.tensor([t in trained for t in codec_types])


def gate_checks(problem: DecodedProblem, threshold: float, gated: Tensor, digit_margin: float) -> dict[str, Tensor]:
    """The gate's read-out conditions per row, each named by what it means when it fails;
    ``gated``: per codec type, whether the gate may open on it (the trained types)."""
    return {
        "type score below threshold": problem.type_score >= threshold,
        "no two numbers read": problem.present,
        "digit margin below minimum": problem.margin >= digit_margin,
        "untrained type": gated.to(problem.type_index.device)[problem.type_index],
    }


class NeuroSymbolic(nn.Module):
    """Encoder, codec, engine and decoder of one layer of one model."""

    def __init__(self, config: NeuroConfig) -> None:
        super().__init__()
        self.config = config
        self.codec = VSACodec(config.codec)
        self.encoder = build_encoder(
            config.encoder, config.hidden, self.codec, config.window, slot_read=config.slot_read
        )
        self.decoder = Decoder(self.codec.dim, config.hidden)
        self._gated_types = gated_types(self.codec.config.types, config.types)

    @classmethod
    def create(
        cls, *, layer: int, hidden: int, types: tuple[str, ...], codec: CodecConfig, **options: object
    ) -> "NeuroSymbolic":
        check_types(types)
        unknown = set(types) - set(codec.types)
        if unknown:
            raise LmarithError(f"types missing from the codec: {', '.join(sorted(unknown))}")
        return cls(NeuroConfig(layer=layer, hidden=hidden, types=types, codec=codec, **options))

    # -- persistence --------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CONFIG_FILE).write_text(self.config.model_dump_json(indent=2) + "\n")
        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, directory / WEIGHTS_FILE)

    @classmethod
    def load(cls, directory: Path) -> "NeuroSymbolic":
        if not (directory / CONFIG_FILE).is_file() or not (directory / WEIGHTS_FILE).is_file():
            raise LmarithError(f"no trained intervention in {directory} (run `lmarith neuro train`)")
        neuro = cls(NeuroConfig.model_validate(json.loads((directory / CONFIG_FILE).read_text())))
        neuro.load_state_dict(load_file(directory / WEIGHTS_FILE))
        return neuro.eval()

    # -- the symbolic step ----------------------------------------------------------------------
    @torch.no_grad()
    def read(self, window: Tensor, mask: Tensor) -> DecodedProblem:
        """Encode hidden-state windows and decode type, score and operands."""
        return self.codec.decode_problem(self.encoder(window.float(), mask))

    def checks(self, problem: DecodedProblem) -> dict[str, Tensor]:
        """The gate's conditions per row (:func:`gate_checks` with this intervention's settings)."""
        return gate_checks(problem, self.config.threshold, self._gated_types, self.config.digit_margin)

    def solve(self, problem: DecodedProblem) -> tuple[Tensor, Tensor]:
        """Exact answers and the gate: every one of :meth:`checks` passes, and the engine can
        answer what was read (no modulo by zero, the answer fits the codec)."""
        gate = torch.stack(list(self.checks(problem).values())).all(dim=0)
        answers = torch.zeros_like(problem.a)
        for row in gate.nonzero().flatten().tolist():
            name = self.codec.config.types[problem.type_index[row]]
            try:
                answer = solve(name, int(problem.a[row]), int(problem.b[row]), mod1000=self.config.mod1000)
            except LmarithError:  # e.g. "modulo by zero" read off a noisy vector: leave it alone
                answer = -1
            if 0 <= answer <= self.codec.max_value:
                answers[row] = answer
            else:
                gate[row] = False
        return answers, gate

    def cues(self, answers: Tensor) -> tuple[Tensor, Tensor]:
        """Decoder inputs per injection step (batch, steps, dim) and each row's step count."""
        if self.config.inject == "last":
            return self.codec.encode_number(answers)[:, None], torch.ones_like(answers)
        lengths = torch.ones_like(answers)
        for k in range(1, self.codec.config.max_digits):
            lengths += (answers >= 10**k).long()
        return self.codec.answer_cues(answers), lengths + 1  # digits, then END


@dataclass
class InterventionLog:
    """What the hook decided on the latest prompt pass (for reports and tests)."""

    problem: DecodedProblem | None = None
    gate: Tensor | None = None
    answers: Tensor | None = None
    calls: int = 0


@contextmanager
def intervene(
    model: PreTrainedModel,
    neuro: NeuroSymbolic,
    *,
    ends: Tensor | None = None,
    truth: Tensor | None = None,
) -> Iterator[InterventionLog]:
    """Install the gated intervention for one batch (one ``generate`` or one forward pass).

    ``ends``: each row's last prompt token (default: the last position of the first pass, as
    in left-padded generation). ``truth``: known answers, which skip the encoder and open the
    gate (teacher forcing the engine while the decoder trains).
    """
    log = InterventionLog()
    sink: dict[str, Tensor | None] = {}
    state: dict[str, Tensor] = {}
    seen = 0  # tokens of this batch already through the layer (generate passes one at a time)

    def edit(hidden: Tensor) -> Tensor:
        nonlocal seen
        if not state:
            row_ends = ends if ends is not None else torch.full((hidden.shape[0],), hidden.shape[1] - 1)
            row_ends = row_ends.to(hidden.device)
            if truth is None:
                window, mask = prompt_windows(hidden, row_ends, sink.get("mask"), neuro.config.window)
                problem = neuro.read(window, mask)
                answers, gate = neuro.solve(problem)
                log.problem = problem
            else:
                answers, gate = truth.to(hidden.device), torch.ones_like(truth, dtype=torch.bool, device=hidden.device)
            cues, lengths = neuro.cues(answers)
            state.update(ends=row_ends, gate=gate, lengths=lengths, vectors=neuro.decoder(cues))
            log.gate, log.answers = gate, answers
        steps = torch.arange(state["vectors"].shape[1], device=hidden.device)
        positions = state["ends"][:, None] + steps - seen
        active = state["gate"][:, None] & (steps < state["lengths"][:, None])
        seen += hidden.shape[1]
        log.calls += 1
        return mix_at(hidden, positions, state["vectors"], active, neuro.config.strength)

    with ExitStack() as stack:
        stack.enter_context(capture_attention_mask(model, sink))
        stack.enter_context(on_layer(model, neuro.config.layer, edit))
        yield log
