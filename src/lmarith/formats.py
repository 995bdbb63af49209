"""The two executor text formats, and everything each implies: one registry.

CAEF's MUL and DIV loop once per unit of b or of the quotient (hopeless beyond a few
digits) and its SUB calls three machines; the schoolbook machines (``machines/long.py``) cost
polynomial time. The paper's format runs the paper's machines, its model reads and writes
whole configurations and has aligners (``a+b=`` -> the first configuration and back); ours
runs the schoolbook ones, its model reads a short view and writes one command, and the
runtime builds the tapes itself. Code asks the registry (``text_format(name).long``) instead
of comparing format names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from lmarith.errors import LmarithError
from lmarith.machines import caef, window
from lmarith.machines.core import Transition

Format = Literal["window", "caef"]


@dataclass(frozen=True)
class TextFormat:
    """What one executor text format implies."""

    name: Format
    #: the schoolbook machines for - * // when nobody says otherwise (else CAEF's)
    long: bool
    #: whether problems may go through CAEF's aligner tasks (``ALIGN_<machine>``)
    aligners: bool
    #: whether the model reads its own last output (a whole configuration) rather than a view
    #: the runtime renders
    reads_own_output: bool
    #: whether every machine's transition function is a finite table of texts (the text of a
    #: step is constant in the number of digits), so a model can be trained until exact on all of it
    finite_table: bool
    #: the folder of its embedded model under ``lmarith/assets``
    embedded: str
    #: (input, output) texts of one machine run's steps: what a model of this format learns
    transition_texts: Callable[[list[Transition]], list[tuple[str, str]]]
    #: one line for help texts
    summary: str


WINDOW = TextFormat(
    name="window",
    long=True,
    aligners=False,
    reads_own_output=False,
    finite_table=True,
    embedded="default",
    transition_texts=window.transition_texts,
    summary="the model reads the state and the symbols under the heads, writes one command",
)
CAEF = TextFormat(
    name="caef",
    long=False,
    aligners=True,
    reads_own_output=True,
    finite_table=False,
    embedded="default-caef",
    transition_texts=caef.transition_texts,
    summary="the paper's: the model reads a whole configuration and writes the next one",
)
FORMATS: dict[str, TextFormat] = {spec.name: spec for spec in (WINDOW, CAEF)}
#: the format ``solve``, ``trace``, ``eval`` and the API use when none is named
DEFAULT_FORMAT: Format = "window"


def text_format(name: str) -> TextFormat:
    """The registry's entry for ``name``; one clear line for an unknown one."""
    try:
        return FORMATS[name]
    except KeyError:
        raise LmarithError(f"unknown format {name!r}; known: {', '.join(FORMATS)}") from None


def model_for_format(spec: str, fmt: str) -> str:
    """``default`` means the embedded model of the format in use; any other spec is itself."""
    return text_format(fmt).embedded if spec == "default" else spec


def default_long(fmt: str) -> bool:
    """Whether ``fmt`` runs the schoolbook machines for - * // when nobody says otherwise."""
    return text_format(fmt).long
