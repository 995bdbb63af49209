"""Benchmark reports: markdown tables, and the parts file that lets a long bench resume."""

from __future__ import annotations

import json
from pathlib import Path

from lmarith.evaluation import report
from lmarith.evaluation.report import (
    PAGES,
    ROOT,
    Parts,
    command_line,
    markdown_table,
    page_dir,
    run_key,
    shown_path,
    source_files,
    write_report,
)


def test_markdown_table_rounds_floats_and_leaves_missing_cells_empty() -> None:
    text = markdown_table([{"op": "add", "acc": 0.123456}, {"op": "sub"}])
    assert text.splitlines() == ["| op | acc |", "|---|---|", "| add | 0.1235 |", "| sub |  |"]


def test_parts_resume_only_for_the_same_key_and_vanish_when_done(tmp_path: Path) -> None:
    path, calls = tmp_path / "bench.partial.json", []

    def measure(name: str) -> dict:
        calls.append(name)
        return {"name": name}

    first = Parts(path, "k1", log=lambda _: None)
    assert first.get("a", lambda: measure("a")) == {"name": "a"}
    assert json.loads(path.read_text()) == {"key": "k1", "done": {"a": {"name": "a"}}}  # saved as it ended
    again = Parts(path, "k1", log=lambda _: None)  # an interrupted run, rerun
    assert again.get("a", lambda: measure("a")) == {"name": "a"} and calls == ["a"]
    again.get("b", lambda: measure("b"))
    other = Parts(path, "k2", log=lambda _: None)  # other weights or sizes: measured afresh
    other.get("a", lambda: measure("a"))
    assert calls == ["a", "b", "a"]
    other.done()
    assert not path.exists()


def test_parts_chunks_keep_each_slice_and_resume_after_the_last_kept(tmp_path: Path) -> None:
    path, seen = tmp_path / "bench.partial.json", []

    def total(part: list[int]) -> int:
        seen.append(list(part))
        if part[0] == 4:
            raise KeyboardInterrupt  # interrupted in the third slice
        return sum(part)

    try:
        Parts(path, "k", log=lambda _: None).chunks("cell", [0, 1, 2, 3, 4], total, size=2)
    except KeyboardInterrupt:
        pass
    assert set(json.loads(path.read_text())["done"]) == {"cell [0:2]", "cell [2:4]"}
    seen.clear()
    resumed = Parts(path, "k", log=lambda _: None).chunks("cell", [0, 1, 2, 3, 5], total, size=2)
    assert resumed == [1, 5, 5] and seen == [[5]]  # kept slices are not computed again


def test_run_key_follows_settings_and_file_bytes(tmp_path: Path) -> None:
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"one")
    key = run_key({"n": 1}, [weights])
    assert key == run_key({"n": 1}, [weights]) and key != run_key({"n": 2}, [weights])
    weights.write_bytes(b"two")
    assert key != run_key({"n": 1}, [weights])


def test_source_files_put_the_code_in_a_key(tmp_path: Path) -> None:
    script = tmp_path / "bench.py"
    script.write_text("print(1)\n")
    files = source_files(script)
    assert files[-1] == script and any(f.name == "report.py" and f.parent.name == "evaluation" for f in files)
    assert all(f.suffix == ".py" for f in files) and len(files) > 50
    key = run_key({"n": 1}, files)
    script.write_text("print(2)\n")  # the bench edited between sessions: its kept parts are stale
    assert key != run_key({"n": 1}, source_files(script))


def test_shown_path_is_repository_relative_inside_it_and_as_given_outside(tmp_path: Path) -> None:
    root = Path(report.__file__).resolve().parents[3]
    assert shown_path(root / "src" / "lmarith" / "assets") == Path("src/lmarith/assets")
    assert shown_path(tmp_path / "adapters") == tmp_path / "adapters"


def test_a_report_keeps_its_json_where_asked_and_its_page_in_the_pages_folder(tmp_path: Path) -> None:
    page = write_report(
        tmp_path / "json" / "bench",
        {"rows": [1]},
        "A bench",
        {"rows": [{"n": 1}]},
        "Some notes.",
        md_dir=tmp_path / "pages",
        command="python bench/x.py --n 1",
        plot="bench.png",
    )
    assert json.loads((tmp_path / "json" / "bench.json").read_text()) == {"rows": [1]}
    assert page == tmp_path / "pages" / "bench.md" and not (tmp_path / "json" / "bench.md").exists()
    text = page.read_text()
    assert text.startswith("# A bench\n") and "Produced by: `python bench/x.py --n 1`" in text
    assert "![A bench](bench.png)" in text and "| n |" in text
    assert page_dir(ROOT / "bench" / "results" / "ask") == PAGES and page_dir(tmp_path / "ask") is None
    assert command_line(["bench/x.py", str(ROOT / "bench" / "x.py")]) == "python bench/x.py bench/x.py"
