"""Data sets made by running the reference machines (see ``datasets``)."""

from lmarith.data.datasets import (
    Sample,
    aligner_samples,
    class_size,
    classes,
    executor_samples,
    in_test_split,
    problems,
    raw_samples,
    sample_problems,
    summary,
    window_table,
    write,
)

__all__ = [
    "Sample", "aligner_samples", "class_size", "classes", "executor_samples", "in_test_split",
    "problems", "raw_samples", "sample_problems", "summary", "window_table", "write",
]
