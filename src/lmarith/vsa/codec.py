"""Numbers and arithmetic problems as HRR vectors, and back.

A digit d is x^d; a number is sum_k x^(d_k) (*) R_k over its decimal digits (k = 0 is the
units digit), with R_k = R_0^(2^k); a problem is a (*) N1 + b (*) N2 + Type. All atoms come
from one seed, so a codec is fully described by its :class:`CodecConfig`.
"""

from dataclasses import asdict, dataclass
from typing import NamedTuple

import torch
from torch import Tensor

from lmarith.errors import LmarithError
from lmarith.vsa import hrr

#: Fixed atom slots; problem-type atoms follow them.
_X, _N1, _N2, _R0, _END = range(5)
_FIXED_ATOMS = 5


@dataclass(frozen=True)
class CodecConfig:
    """Everything that determines the atoms: dimension, digit positions, type names, seed."""

    dim: int = 2048
    max_digits: int = 4
    types: tuple[str, ...] = ()
    seed: int = 0
    digit_threshold: float = 0.5

    def to_dict(self) -> dict:
        return asdict(self) | {"types": list(self.types)}


class DecodedProblem(NamedTuple):
    """Batched read-out of problem vectors: type index and its similarity, two operands.

    ``present``: both operands have a units digit above the threshold, i.e. the vector holds
    two numbers at all (every number, 0 included, has a units-digit term). ``a_margin`` and
    ``b_margin``: how clear the closest call among each operand's digit decisions was (best
    minus second-best digit similarity, or the distance of the best from the presence
    threshold); near 0 is a tie.
    """

    type_index: Tensor
    type_score: Tensor
    a: Tensor
    b: Tensor
    present: Tensor
    a_margin: Tensor
    b_margin: Tensor

    @property
    def margin(self) -> Tensor:
        """The closest digit call of the two operands."""
        return torch.minimum(self.a_margin, self.b_margin)


class VSACodec:
    """Encode and decode numbers and problems in one HRR space."""

    def __init__(self, config: CodecConfig, *, device: torch.device | str | None = None) -> None:
        if config.max_digits < 1:
            raise LmarithError(f"max_digits must be >= 1, got {config.max_digits}")
        self.config = config
        atoms = hrr.orthogonal_unitary(_FIXED_ATOMS + len(config.types), config.dim, seed=config.seed)
        atoms = atoms.to(device)
        self.x, self.n1, self.n2 = atoms[_X], atoms[_N1], atoms[_N2]
        #: marks "the answer is complete" for the answer-position intervention.
        self.end = atoms[_END]
        self.type_atoms = atoms[_FIXED_ATOMS:]
        #: x^0 .. x^9, one row per digit value.
        self.digit_atoms = hrr.power(self.x.expand(10, -1), torch.arange(10.0, device=atoms.device))
        #: R_0 .. R_{K-1} with R_k = R_0^(2^k).
        doublings = 2.0 ** torch.arange(config.max_digits, device=atoms.device)
        self.roles = hrr.power(atoms[_R0].expand(config.max_digits, -1), doublings)
        self.max_value = 10**config.max_digits - 1

    @property
    def dim(self) -> int:
        return self.config.dim

    def type_index(self, name: str) -> int:
        try:
            return self.config.types.index(name)
        except ValueError:
            raise LmarithError(f"unknown problem type {name!r}; known: {', '.join(self.config.types)}") from None

    def digits(self, numbers: Tensor) -> Tensor:
        """Decimal digits, least significant first: (...,) int -> (..., max_digits)."""
        numbers = torch.as_tensor(numbers, dtype=torch.long)
        if (numbers < 0).any() or (numbers > self.max_value).any():
            raise LmarithError(f"numbers must lie in 0..{self.max_value} for {self.config.max_digits} digit positions")
        scale = 10 ** torch.arange(self.config.max_digits, device=numbers.device)
        return (numbers[..., None] // scale) % 10

    def encode_number(self, numbers: Tensor | int) -> Tensor:
        """sum over the significant digits of x^(d_k) (*) R_k; zero is x^0 (*) R_0."""
        numbers = torch.as_tensor(numbers, dtype=torch.long, device=self.x.device)
        digits = self.digits(numbers)
        scale = 10 ** torch.arange(self.config.max_digits, device=numbers.device)
        present = (numbers[..., None] >= scale) | (scale == 1)
        terms = hrr.bind(self.digit_atoms[digits], self.roles)
        return (terms * present[..., None]).sum(dim=-2)

    def digit_similarities(self, vectors: Tensor) -> Tensor:
        """Similarity of each digit position to x^0..x^9: (..., d) -> (..., max_digits, 10)."""
        per_role = hrr.unbind(vectors[..., None, :], self.roles)
        return hrr.similarity(per_role, self.digit_atoms)

    def decode_number(self, vectors: Tensor) -> Tensor:
        """Read a number back; a position whose best digit scores below the threshold is absent."""
        return self._read_number(vectors)[0]

    def _read_number(self, vectors: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The number, whether its units digit is present, and the margin of its closest call."""
        top, digit = self.digit_similarities(vectors).topk(2, dim=-1)
        best, digit = top[..., 0], digit[..., 0]
        present = best > self.config.digit_threshold
        off_threshold = (best - self.config.digit_threshold).abs()
        margin = torch.where(present, torch.minimum(best - top[..., 1], off_threshold), off_threshold).amin(dim=-1)
        scale = 10 ** torch.arange(self.config.max_digits, device=vectors.device)
        return (torch.where(present, digit, 0) * scale).sum(dim=-1), present[..., 0], margin

    def encode_problem(self, type_index: Tensor | int, a: Tensor | int, b: Tensor | int) -> Tensor:
        """a (*) N1 + b (*) N2 + Type."""
        type_index = torch.as_tensor(type_index, dtype=torch.long, device=self.x.device)
        return hrr.bundle(
            hrr.bind(self.encode_number(a), self.n1),
            hrr.bind(self.encode_number(b), self.n2),
            self.type_atoms[type_index],
        )

    def type_scores(self, vectors: Tensor) -> Tensor:
        """Dot product with every type atom: (..., d) -> (..., n_types)."""
        return hrr.similarity(vectors, self.type_atoms)

    def decode_problem(self, vectors: Tensor) -> DecodedProblem:
        """Type (best score) and both operands of problem vectors."""
        score, index = self.type_scores(vectors).max(dim=-1)
        a, a_present, a_margin = self._read_number(hrr.unbind(vectors, self.n1))
        b, b_present, b_margin = self._read_number(hrr.unbind(vectors, self.n2))
        return DecodedProblem(index, score, a, b, a_present & b_present, a_margin, b_margin)

    def answer_cues(self, answers: Tensor) -> Tensor:
        """What to write at each answer step, most significant digit first, then END.

        (...,) answers -> (..., max_digits + 1, d): step t holds x^(digit t), and every step
        past the last digit holds the END atom. Lets an intervention act once per answer
        token for tokenizers that spell numbers one digit per token.
        """
        answers = torch.as_tensor(answers, dtype=torch.long, device=self.x.device)
        digits = self.digits(answers)
        length = torch.ones_like(answers)
        for k in range(1, self.config.max_digits):
            length = torch.where(answers >= 10**k, k + 1, length)
        steps = torch.arange(self.config.max_digits + 1, device=answers.device)
        position = (length[..., None] - 1 - steps).clamp(min=0, max=self.config.max_digits - 1)
        cue = self.digit_atoms[torch.gather(digits, -1, position)]
        is_end = (steps >= length[..., None])[..., None]
        return torch.where(is_end, self.end, cue)
