"""Reference Turing machines: the single source of truth for every string format."""

from lmarith.machines import basic as _basic  # noqa: F401  (importing registers the machines)
from lmarith.machines import composite as _composite  # noqa: F401
from lmarith.machines import long as _long  # noqa: F401
from lmarith.machines.core import (
    MACHINES,
    Call,
    Command,
    Config,
    Machine,
    Op,
    Track,
    Transition,
    View,
    apply,
    compute,
    count_transitions,
    from_tape,
    machine,
    machine_runs,
    run,
    to_tape,
    walk,
)

__all__ = [
    "MACHINES",
    "Call",
    "Command",
    "Config",
    "Machine",
    "Op",
    "Track",
    "Transition",
    "View",
    "apply",
    "compute",
    "count_transitions",
    "from_tape",
    "machine",
    "machine_runs",
    "run",
    "to_tape",
    "walk",
]
