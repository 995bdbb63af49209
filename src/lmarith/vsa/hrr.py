"""Holographic reduced representations (HRR) with unitary vectors, on torch-hd.

Binding is circular convolution (a product in the Fourier domain). A vector is *unitary*
when every Fourier coefficient has magnitude 1; for those the involution (index i -> -i mod
d) is the exact inverse, so unbinding loses nothing and binding preserves the norm (1).
We also pin the DC and Nyquist coefficients to +1 so that real-valued fractional powers
exist: a power only rotates the phases.

Every function takes and returns plain tensors of shape ``(..., d)``; torch-hd's HRR type is
used inside only, so callers (and ``nn.Module``s) never see a tensor subclass.
"""

import torch
import torchhd
from torch import Tensor
from torchhd import HRRTensor


def _hrr(v: Tensor) -> HRRTensor:
    return v.as_subclass(HRRTensor)


def _plain(v: Tensor) -> Tensor:
    return v.as_subclass(Tensor)


def make_unitary(v: Tensor) -> Tensor:
    """Project onto the nearest unitary vector (unit Fourier magnitudes, DC = Nyquist = +1)."""
    spectrum = torch.fft.rfft(v, dim=-1)
    spectrum = spectrum / spectrum.abs().clamp_min(torch.finfo(v.dtype).tiny)
    spectrum[..., 0] = 1.0
    if v.shape[-1] % 2 == 0:
        spectrum[..., -1] = 1.0
    return torch.fft.irfft(spectrum, n=v.shape[-1], dim=-1)


def identity(dim: int, *, dtype: torch.dtype = torch.float32) -> Tensor:
    """The binding identity (x^0): a unit impulse."""
    return _plain(HRRTensor.identity(1, dim, dtype=dtype)[0])


def bind(a: Tensor, b: Tensor) -> Tensor:
    """Circular convolution a (*) b; broadcasts over leading dimensions."""
    a, b = torch.broadcast_tensors(a, b)
    return _plain(torchhd.bind(_hrr(a), _hrr(b)))


def involution(a: Tensor) -> Tensor:
    """Index i -> -i mod d: the exact inverse of a unitary vector."""
    return _plain(torchhd.inverse(_hrr(a)))


def unbind(a: Tensor, role: Tensor) -> Tensor:
    """Undo ``bind(x, role)``; exact when ``role`` is unitary."""
    return bind(a, involution(role))


def bundle(*vectors: Tensor) -> Tensor:
    """Superpose vectors (element-wise sum): the result is similar to each of them."""
    out = vectors[0]
    for v in vectors[1:]:
        out = _plain(torchhd.bundle(_hrr(out), _hrr(v)))
    return out


def power(a: Tensor, exponent: float | Tensor) -> Tensor:
    """a bound with itself ``exponent`` times; real exponents give fractional powers.

    For a unitary vector this rotates each Fourier phase by ``exponent``; a tensor exponent of
    shape ``(...,)`` broadcasts against ``a``'s leading dimensions.
    """
    spectrum = torch.fft.rfft(a, dim=-1)
    exponent = torch.as_tensor(exponent, dtype=a.dtype, device=a.device)
    powered = torch.polar(spectrum.abs() ** exponent[..., None], spectrum.angle() * exponent[..., None])
    return torch.fft.irfft(powered, n=a.shape[-1], dim=-1)


def similarity(a: Tensor, codebook: Tensor) -> Tensor:
    """Dot products of ``a`` (..., d) with each row of ``codebook`` (n, d) -> (..., n).

    For unit-norm atoms this is the cosine similarity: 1 for a clean match, about
    N(0, 1/d) for an unrelated atom.
    """
    return _plain(torchhd.dot_similarity(_hrr(a), _hrr(codebook)))


def orthogonal_unitary(count: int, dim: int, *, seed: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """``count`` nearly orthogonal unitary vectors derived from ``seed`` (Gram-Schmidt, then unitary).

    Derived rather than stored, so a codebook is fully described by (count, dim, seed).
    Generated on the CPU in float64 so the same seed gives the same atoms everywhere.
    """
    if count > dim:
        raise ValueError(f"cannot make {count} orthogonal vectors in {dim} dimensions")
    gen = torch.Generator().manual_seed(seed)
    gaussian = torch.randn(dim, count, generator=gen, dtype=torch.float64)
    q, _ = torch.linalg.qr(gaussian)
    return make_unitary(q.T.contiguous()).to(dtype)
