"""The two executor text formats, and which machines each runs by default.

CAEF's MUL and DIV loop once per unit of b or of the quotient (hopeless beyond a few
digits) and its SUB calls three machines; the schoolbook machines (``long.py``) cost
polynomial time. The paper's format runs the paper's machines; ours runs the schoolbook ones.
"""

from typing import Literal

Format = Literal["window", "caef"]
FORMATS: tuple[Format, ...] = ("window", "caef")


def default_long(fmt: Format) -> bool:
    """Whether ``fmt`` runs the schoolbook machines for - * // when nobody says otherwise."""
    return fmt == "window"
