"""Command-line interface: parse arguments, call the library, print. Nothing else.

Each command group lives in its own module and registers itself on ``app``. Errors raised as
``LmarithError`` become one line on stderr and exit code 2, never a traceback.
"""

import sys

from lmarith.cli.app import app
from lmarith.errors import LmarithError

# Command modules register themselves on `app` when imported.
from lmarith.cli import machines as _machines  # noqa: F401,E402


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except LmarithError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
