"""The runtime that makes a language model compute: one driver loop over batched problems,
per-problem call stacks and step caps, strict and final-answer scoring against the machines.

``lmarith.executors.lm_policy`` (``LMPolicy``) imports torch; the rest is pure Python, so the oracle
policy and the driver run without a model.
"""

from lmarith.executors.driver import OUTCOMES, Outcome, Result, Step, execute, step_cap
from lmarith.executors.policy import Completion, OraclePolicy, Policy, Request
from lmarith.executors.reference import reference_output
from lmarith.executors.tasks import aligner_task, pair, prompt
from lmarith.formats import FORMATS, Format

__all__ = [
    "FORMATS",
    "OUTCOMES",
    "Completion",
    "Format",
    "OraclePolicy",
    "Outcome",
    "Policy",
    "Request",
    "Result",
    "Step",
    "aligner_task",
    "execute",
    "pair",
    "prompt",
    "reference_output",
    "step_cap",
]
