"""Data sets made by running the reference machines (``datasets``), their files (``files``)."""

from lmarith.data.datasets import (
    Classed,
    Sample,
    Split,
    aligner_samples,
    class_size,
    classes,
    executor_samples,
    in_split,
    in_test_split,
    init_samples,
    mixed_problems,
    operator_names,
    problems,
    raw_samples,
    sample_problems,
    separate_samples,
    summary,
    window_table,
)
from lmarith.data.files import Layout, dumps, layout, loads, read, separate_path, write

__all__ = [
    "Classed", "Layout", "Sample", "Split", "aligner_samples", "class_size", "classes", "dumps", "executor_samples",
    "in_split", "in_test_split", "init_samples", "layout", "loads", "mixed_problems", "operator_names", "problems", "raw_samples",
    "read", "sample_problems", "separate_path", "separate_samples", "summary", "window_table", "write",
]
