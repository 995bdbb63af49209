"""Benchmark and evaluation reports: the same rows as JSON (for scripts) and markdown (for
people), written side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub markdown table of ``rows``; floats get 4 significant digits."""
    columns = list(columns or (rows[0].keys() if rows else []))
    cell = lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_report(path_stem: Path, payload: Any, title: str, tables: dict[str, Sequence[dict[str, Any]]], notes: str = "") -> None:
    """Write ``<stem>.json`` (the payload) and ``<stem>.md`` (a title, notes and tables)."""
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    path_stem.with_suffix(".json").write_text(json.dumps(payload, indent=2) + "\n")
    parts = [f"# {title}\n", notes.strip() + "\n" if notes else ""]
    for heading, rows in tables.items():
        parts += [f"## {heading}\n", markdown_table(rows) if rows else "_not run_\n"]
    path_stem.with_suffix(".md").write_text("\n".join(p for p in parts if p))
