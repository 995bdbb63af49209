"""lmarith: exact arithmetic with language models.

Two methods share one package: Turing-machine executors (CAEF, arXiv 2410.07896) and the
neurosymbolic VSA intervention (arXiv 2502.01657). ``lmarith.machines`` is the oracle every
other part is checked against. ``from lmarith import ask, solve`` is the Python API
(``lmarith.api``; also ``ask_each``, ``chat`` and ``trace``), resolved on first use so that
``import lmarith`` stays light.
"""

from typing import Any

from lmarith.errors import LmarithError

#: the names resolved from ``lmarith.api`` on first use
_FROM_API = ("ask", "ask_each", "chat", "solve", "trace")
__all__ = ["LmarithError", *_FROM_API]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _FROM_API:
        from lmarith import api

        return getattr(api, name)
    raise AttributeError(f"module 'lmarith' has no attribute {name!r}")
