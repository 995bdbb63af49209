"""Arithmetic questions in words, shared by the neurosymbolic method and its baselines.

``rules``: the problem types and their exact answers; ``question``: phrasings and the
``Question`` record; ``files``: the CSV data set; ``prompts``: chat and chain-of-thought
prompts and every answer parser. Each text format is written and read in one module. Pure
Python, no torch, like ``lmarith.machines``: the reference answers must not depend on what
they check.
"""
