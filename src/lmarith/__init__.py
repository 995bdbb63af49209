"""lmarith: exact arithmetic with language models.

Two methods share one package: Turing-machine executors (CAEF, arXiv 2410.07896) and the
neurosymbolic VSA intervention (arXiv 2502.01657). ``lmarith.machines`` is the oracle every
other part is checked against.
"""

from lmarith.errors import LmarithError

__all__ = ["LmarithError"]
__version__ = "0.1.0"
