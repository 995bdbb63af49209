"""Benchmark and evaluation reports: the same rows as JSON (for scripts) and a markdown page
(for people). A benchmark keeps its JSON (and its partial files) in ``bench/results/`` and
commits its page, with any plot, to ``docs/results/`` (``PAGES``): the one source of every
figure the README and the docs quote."""

from __future__ import annotations

import hashlib
import json
import shlex
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: the repository root (of a source checkout; reports name paths relative to it)
ROOT = Path(__file__).resolve().parents[3]
#: where the benchmark pages are committed: ``docs/results/<name>.md`` (and ``<name>.png``)
PAGES = ROOT / "docs" / "results"


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub markdown table of ``rows``; floats get 4 significant digits."""
    columns = list(columns or (rows[0].keys() if rows else []))
    cell = lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def shown_path(path: Path) -> Path:
    """``path`` as a report prints it: relative to the repository when it lies inside it (the
    committed report is read on other machines), else as given."""
    resolved = path.resolve()
    return resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else path


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command that ran this process, as a page records it: ``python bench/ask.py --n 100``
    (``argv``: ``sys.argv``; paths inside the repository written relative to it)."""
    argv = list(sys.argv if argv is None else argv)
    shown = [str(shown_path(Path(a))) if a.startswith("/") else a for a in argv]
    return " ".join(["python", *map(shlex.quote, shown)])


def page_dir(path_stem: Path) -> Path | None:
    """Where the page of a report written to ``path_stem`` goes: ``PAGES`` for a benchmark's
    report kept in ``bench/results/`` (``--out`` left as it is, or naming a file there), else
    ``None`` (beside the JSON)."""
    return PAGES if path_stem.resolve().parent == ROOT / "bench" / "results" else None


def write_report(
    path_stem: Path,
    payload: Any,
    title: str,
    tables: dict[str, Sequence[dict[str, Any]]],
    notes: str = "",
    *,
    md_dir: Path | None = None,
    command: str | None = None,
    plot: str | None = None,
) -> Path:
    """Write ``<stem>.json`` (the payload) and the markdown page ``<md_dir>/<stem name>.md``
    (``md_dir``: default beside the JSON; benchmarks pass ``PAGES``): the title, ``Produced by:
    `command``` when given, the notes, the plot (a PNG beside the page) when given, and the
    tables. Returns the page's path."""
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    path_stem.with_suffix(".json").write_text(json.dumps(payload, indent=2) + "\n")
    page = (path_stem.parent if md_dir is None else md_dir) / f"{path_stem.name}.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    parts = [f"# {title}\n", f"Produced by: `{command}`\n" if command else "", notes.strip() + "\n" if notes else ""]
    parts.append(f"![{title}]({plot})\n" if plot else "")
    for heading, rows in tables.items():
        parts += [f"## {heading}\n", markdown_table(rows) if rows else "_not run_\n"]
    page.write_text("\n".join(p for p in parts if p))
    return page


class Parts:
    """A long benchmark's finished parts, kept on disk as each ends, so that an interrupted run
    loses at most the part it was in and a rerun goes on from there.

    ``key`` names what the parts were measured on (``run_key``): a file written for another
    key is started afresh. ``done()`` removes the file once the report is written.
    """

    def __init__(self, path: Path, key: str, log: Callable[[str], None] = print) -> None:
        saved = json.loads(path.read_text()) if path.exists() else {}
        self.path, self.key, self.log = path, key, log
        self.finished: dict[str, Any] = saved.get("done", {}) if saved.get("key") == key else {}
        if self.finished:
            log(f"resuming: {', '.join(self.finished)} already measured ({path})")

    def get(self, name: str, compute: Callable[[], Any]) -> Any:
        """The part's saved result, else ``compute()`` saved (JSON) before it is returned."""
        if name not in self.finished:
            self.finished[name] = compute()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"key": self.key, "done": self.finished}, indent=1) + "\n")
            self.log(f"{name}: {self.finished[name]}")
        return self.finished[name]

    def chunks(self, name: str, items: list[T], compute: Callable[[list[T]], Any], size: int = 25) -> list[Any]:
        """``compute`` of ``items`` in slices of ``size``, each kept as part ``name [i:j]``: a cell
        that runs for an hour loses at most one slice to an interruption."""
        return [
            self.get(f"{name} [{i}:{i + size}]", lambda part=items[i : i + size]: compute(part))
            for i in range(0, len(items), size)
        ]

    def done(self) -> None:
        self.path.unlink(missing_ok=True)


def source_files(*scripts: str | Path) -> list[Path]:
    """lmarith's own Python files and ``scripts`` (a bench's ``__file__``): for a ``run_key``
    that also names the code, so a run resumed in a later session goes on only if every part
    it kept was measured by the same code."""
    return sorted(Path(__file__).parents[1].rglob("*.py")) + [Path(s) for s in scripts]


def run_key(settings: Any, files: Iterable[Path] = ()) -> str:
    """A short hash of a run's settings (JSON) and the bytes of ``files`` (its weights)."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for path in sorted(files):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
