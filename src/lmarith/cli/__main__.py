"""`python -m lmarith.cli ...` (what `accelerate launch -m lmarith.cli train ...` runs)."""

from lmarith.cli import main

main()
