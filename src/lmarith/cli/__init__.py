"""Command-line interface: parse arguments, call the library, print. Nothing else.

Each command group lives in its own module and registers itself on ``app``. Bad input, from
typer's argument parsing or raised as ``LmarithError`` by the library, becomes one line on
stderr and exit code 2, never a traceback.
"""

import sys
import warnings

import typer

from lmarith.cli import ask as _ask  # noqa: F401,E402
from lmarith.cli import neuro as _neuro  # noqa: F401,E402

# Command modules register themselves on `app` when imported.
from lmarith.cli import oracle as _oracle  # noqa: F401,E402
from lmarith.cli import solve as _solve  # noqa: F401,E402
from lmarith.cli import train as _train  # noqa: F401,E402
from lmarith.cli.app import app
from lmarith.errors import LmarithError


def main() -> None:
    """Console-script entry point."""
    # peft asks transformers a deprecated question on every adapter load; users can do nothing about it
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
    if len(sys.argv) == 1:
        app()  # prints the help
    try:
        result = app(standalone_mode=False)
    except (LmarithError, typer.TyperException) as err:
        message = err.format_message() if hasattr(err, "format_message") else str(err)
        print(f"error: {' '.join(message.split())}", file=sys.stderr)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)
