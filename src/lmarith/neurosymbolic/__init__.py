"""The neurosymbolic VSA intervention (Dhanraj & Eliasmith, arXiv 2502.01657) on any HF causal LM.

An encoder reads the question's problem vector from one layer's hidden states, the symbolic
engine solves it exactly, and a decoder writes the answer back into the residual stream,
behind a gate. ``config``: its options; ``intervention``: the gated hook; ``gather`` and
``train``: the three training stages; ``ask``: one question, with what the engine read.
Never imports the baselines; comparisons live in ``lmarith.evaluation``.
"""
