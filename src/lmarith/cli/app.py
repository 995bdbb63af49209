"""The typer application object shared by the command modules."""

from enum import Enum

import typer

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
