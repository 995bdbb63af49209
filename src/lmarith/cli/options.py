"""The options several commands share, and options built from the library's flag tables
(``lmarith.models.flags``): a command decorated with :func:`flag_options` takes a table's
options as keyword parameters, and :func:`flag_values` turns what the command line gave back
into the config's values.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from lmarith.errors import LmarithError
from lmarith.formats import DEFAULT_FORMAT, FORMATS, text_format
from lmarith.models.flags import VALUE, Flag

#: ``--format``: the names of the registry's formats (``lmarith.formats.FORMATS``)
FormatName = Enum("FormatName", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]
#: the format ``solve``, ``trace`` and ``eval`` use when none is named
DEFAULT = FormatName(DEFAULT_FORMAT)
FORMAT_HELP = "; ".join(f"{spec.name}: {spec.summary}" for spec in FORMATS.values())

_MACHINES = {True: "schoolbook", False: "CAEF's"}

Fmt = Annotated[FormatName, typer.Option("--format", help=FORMAT_HELP)]
Machines = Annotated[
    bool | None,
    typer.Option(
        "--long/--caef-machines",
        help="schoolbook machines for - * //, or CAEF's; default: the format decides ("
        + ", ".join(f"{spec.name}: {_MACHINES[spec.long]}" for spec in FORMATS.values())
        + ")",
        show_default=False,
    ),
]
ModelSpec = Annotated[
    str,
    typer.Option("--model", help="'default' (the embedded model of --format), 'smollm2' or a local HF model directory"),
]
AdaptersDir = Annotated[Path | None, typer.Option("--adapters", help="directory of peft adapters, one per task")]
Runtime = Annotated[
    str,
    typer.Option(
        help="auto (the embedded default: numpy for one problem, lean for batches), lean, numpy, or transformers"
    ),
]
Device = Annotated[str | None, typer.Option(help="cpu, cuda, ... (default: cuda when present)")]
BatchSize = Annotated[int, typer.Option(help="prompts per forward pass")]
#: ``--run`` of the commands that talk to a trained intervention
AskRun = Annotated[
    Path | None,
    typer.Option("--run", help="Run directory with a trained intervention (default: the one shipped with lmarith)."),
]


def schoolbook(fmt: Enum, long: bool | None) -> bool:
    """``--long/--caef-machines`` as given, else the format's own machines."""
    return text_format(fmt.value).long if long is None else long


Command = TypeVar("Command", bound=Callable[..., Any])


def flag_options(
    flags: Sequence[Flag],
    *,
    step: str | None = None,
    only: Collection[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Callable[[Command], Command]:
    """The command also takes the table's options: those of ``step`` (None: of every step),
    or ``only`` these. Each is a keyword parameter named by its option, placed after the
    command's positional-or-keyword parameters and before its keyword-only ones (so ``--device``
    can come last); its default is None ("keep what the run has") unless ``defaults`` names
    one. The command receives them in ``**options``; a parameter it declares itself wins."""

    def chosen(flag: Flag) -> bool:
        if only is not None:
            return flag.name in only
        return step in flag.steps if step is not None else bool(flag.steps)

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
        names = {p.name for p in own}
        made = [_parameter(f, (defaults or {}).get(f.name)) for f in flags if chosen(f) and f.name not in names]
        split = next((i for i, p in enumerate(own) if p.kind is p.KEYWORD_ONLY), len(own))
        command.__signature__ = signature.replace(parameters=[*own[:split], *made, *own[split:]])  # type: ignore[attr-defined]
        return command

    return decorate


def _parameter(flag: Flag, default: Any) -> inspect.Parameter:
    kind: Any = str if flag.items is not None else flag.type
    option = typer.Option(flag.declaration, help=flag.help, show_default=default is not None)
    annotation = Annotated[kind if default is not None else kind | None, option]  # type: ignore[valid-type]
    return inspect.Parameter(flag.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def flag_values(flags: Sequence[Flag], given: Mapping[str, Any]) -> dict[str, Any]:
    """What the command line gave, as the config takes it: comma lists split (and read as their
    items' type), files checked and made absolute, a switch that stands for a value set to it;
    None (not given) left out."""
    out: dict[str, Any] = {}
    for flag in flags:
        value = given.get(flag.name)
        if value is None:
            continue
        if flag.sets is not VALUE:
            if value:
                out[flag.field] = flag.sets
            continue
        if flag.items is not None:
            value = _items(flag, str(value))
        elif flag.type is Path:
            value = _existing_file(flag, Path(str(value)))
        out[flag.field] = value
    return out


def _items(flag: Flag, text: str) -> tuple:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    try:
        return tuple(flag.items(part) for part in parts)  # type: ignore[misc]
    except ValueError:
        kind = "integers" if flag.items is int else "values"
        raise LmarithError(f"{flag.flag} takes comma-separated {kind}, got {text!r}") from None


def _existing_file(flag: Flag, path: Path) -> str:
    path = path.expanduser()
    if not path.is_file():
        raise LmarithError(f"{flag.flag}: no such file: {path}")
    return str(path.resolve())
