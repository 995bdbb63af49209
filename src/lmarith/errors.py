"""The one exception type users see.

Every error caused by bad input (a malformed problem, an unknown operator, a missing model
directory, unparseable model output fed to ``parse``) is raised as ``LmarithError`` with a
message that fits on one line; the CLI prints it to stderr and exits with code 2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class LmarithError(ValueError):
    """Bad input or an impossible request, explained in one line."""


def invalid(err: ValidationError, what: str) -> LmarithError:
    """A pydantic validation error (options, configs) as one line: its first problem."""
    problem = err.errors()[0]
    where = ".".join(map(str, problem["loc"])) or what
    return LmarithError(f"bad {what} {where}: {problem['msg']}")
