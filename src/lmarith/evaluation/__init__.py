"""Evaluation: accuracy tables, plots, JSON + markdown reports."""
