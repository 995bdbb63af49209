"""The one exception type users see.

Every error caused by bad input (a malformed problem, an unknown operator, a missing model
directory, unparseable model output fed to ``parse``) is raised as ``LmarithError`` with a
message that fits on one line; the CLI prints it to stderr and exits with code 2.
"""


class LmarithError(ValueError):
    """Bad input or an impossible request, explained in one line."""
