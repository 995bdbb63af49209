"""HRR algebra and the number/problem codec: exact round trips, unitarity, fractional powers."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lmarith.errors import LmarithError
from lmarith.vsa import (
    CodecConfig,
    VSACodec,
    bind,
    bundle,
    identity,
    power,
    similarity,
    unbind,
)
from lmarith.vsa.hrr import orthogonal_unitary

TYPES = ("addition", "multiplication", "gcd")


@pytest.fixture(scope="module")
def codec() -> VSACodec:
    return VSACodec(CodecConfig(dim=1024, max_digits=4, types=TYPES, seed=3))


def test_every_number_round_trips(codec: VSACodec) -> None:
    numbers = torch.arange(codec.max_value + 1)
    assert torch.equal(codec.decode_number(codec.encode_number(numbers)), numbers)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    digits=st.integers(1, 5),
    data=st.data(),
)
def test_problem_round_trip_any_seed(seed: int, digits: int, data: st.DataObject) -> None:
    codec = VSACodec(CodecConfig(dim=2048, max_digits=digits, types=TYPES, seed=seed))
    a = data.draw(st.integers(0, codec.max_value))
    b = data.draw(st.integers(0, codec.max_value))
    t = data.draw(st.integers(0, len(TYPES) - 1))
    decoded = codec.decode_problem(codec.encode_problem(t, a, b))
    assert (decoded.type_index.item(), decoded.a.item(), decoded.b.item()) == (t, a, b)
    assert decoded.type_score.item() > 0.8 and decoded.present.item()
    assert decoded.margin.item() > 0.1  # a clean read never trips the gate's default digit margin


@settings(max_examples=30, deadline=None)
@given(p=st.floats(-3, 3), q=st.floats(-3, 3))
def test_fractional_powers_add(p: float, q: float) -> None:
    x = orthogonal_unitary(1, 512, seed=1)[0]
    assert torch.allclose(bind(power(x, p), power(x, q)), power(x, p + q), atol=1e-4)


def test_unitary_atoms_have_exact_inverse_and_are_nearly_orthogonal() -> None:
    atoms = orthogonal_unitary(8, 2048, seed=0)
    spectrum = torch.fft.fft(atoms).abs()
    assert torch.allclose(spectrum, torch.ones_like(spectrum), atol=1e-4)
    sims = similarity(atoms, atoms)
    assert torch.allclose(sims.diagonal(), torch.ones(8), atol=1e-5)
    assert (sims - torch.eye(8)).abs().max() < 0.15
    assert torch.allclose(unbind(bind(atoms[0], atoms[1]), atoms[1]), atoms[0], atol=1e-5)
    assert torch.allclose(power(atoms[0], 0), identity(2048), atol=1e-5)


def test_atoms_are_derived_from_the_seed() -> None:
    assert torch.equal(orthogonal_unitary(3, 64, seed=7), orthogonal_unitary(3, 64, seed=7))
    assert not torch.equal(orthogonal_unitary(3, 64, seed=7), orthogonal_unitary(3, 64, seed=8))


def test_bundle_is_similar_to_its_parts(codec: VSACodec) -> None:
    both = bundle(codec.n1, codec.n2)
    assert (similarity(both, torch.stack([codec.n1, codec.n2])) > 0.9).all()


def test_answer_cues_spell_digits_then_end(codec: VSACodec) -> None:
    cues = codec.answer_cues(torch.tensor([407, 5]))
    best = similarity(cues, torch.cat([codec.digit_atoms, codec.end[None]])).argmax(-1)
    assert best.tolist() == [[4, 0, 7, 10, 10], [5, 10, 10, 10, 10]]


def test_out_of_range_numbers_are_rejected(codec: VSACodec) -> None:
    with pytest.raises(LmarithError):
        codec.encode_number(10_000)
    with pytest.raises(LmarithError):
        codec.encode_number(-1)
    with pytest.raises(LmarithError):
        codec.type_index("division")


def test_a_vector_without_numbers_reads_as_absent(codec: VSACodec) -> None:
    only_type = codec.type_atoms[1]
    decoded = codec.decode_problem(torch.stack([only_type, codec.encode_problem(1, 0, 7)]))
    assert decoded.present.tolist() == [False, True]
