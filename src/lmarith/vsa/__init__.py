"""HRR vector-symbolic algebra (torch-hd) and the number/problem codec; knows nothing of LMs."""

from lmarith.vsa.codec import CodecConfig, DecodedProblem, VSACodec
from lmarith.vsa.hrr import (
    bind,
    bundle,
    identity,
    involution,
    make_unitary,
    orthogonal_unitary,
    power,
    similarity,
    unbind,
)

__all__ = [
    "CodecConfig",
    "DecodedProblem",
    "VSACodec",
    "bind",
    "bundle",
    "identity",
    "involution",
    "make_unitary",
    "orthogonal_unitary",
    "power",
    "similarity",
    "unbind",
]
