"""`lmarith trace` and `lmarith generate`."""
