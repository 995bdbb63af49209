"""The typer application object and the options several command modules share.

Nothing heavy is imported here or at the top of a command module: ``lmarith --help`` and
``lmarith trace`` must not pay seconds for torch, transformers or peft.
"""

from enum import Enum
from typing import Annotated

import typer

from lmarith.formats import default_long

app = typer.Typer(
    name="lmarith",
    help="Make language models do exact arithmetic.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class TextFormat(str, Enum):
    """The executor text formats (``--format``)."""

    window = "window"
    caef = "caef"


Machines = Annotated[
    bool | None,
    typer.Option(
        "--long/--caef-machines",
        help="schoolbook machines for - * //, or CAEF's; "
        "default: the format decides (window: schoolbook, caef: CAEF's)",
        show_default=False,
    ),
]


def schoolbook(fmt: TextFormat, long: bool | None) -> bool:
    """``--long/--caef-machines`` as given, else the format's own machines."""
    return default_long(fmt.value) if long is None else long
