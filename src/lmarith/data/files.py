"""The data files, in the original CAEF code's shape byte for byte: the one writer and reader.

Two layouts (``layout`` picks one from the data kind and split):

* ``records``: executor and aligner train files, a JSON list written as ``[``, newline, the
  records dumped with a 4-space indent joined by ``,`` + newline, newline, ``]``, newline.
  Each record is ``{"instruction": <input text>, "input": "", "output": <output text>}``.
* ``pairs``: raw files (train and test) and every test file, JSONL, one
  ``{"prompt": <input text>, "response": <output text>}`` per line.

A text of several lines (a machine's configuration, possibly behind a ``--prompt``
instruction) is written with every line ended, i.e. with a final newline, as the original
writes them; one-line texts (``0+8=``, ``8``, ``a+b=c``, window-format texts) are written as
they are. Reading removes that final newline, so ``read(write(samples))`` gives the samples'
texts back and writing what was read gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from lmarith.data.datasets import Sample, Split
from lmarith.errors import LmarithError

Layout = Literal["records", "pairs"]


def layout(kind: str, split: Split) -> Layout:
    """The original's layout for a data kind (executor, aligner, raw) and split."""
    return "records" if split == "train" and kind != "raw" else "pairs"


def separate_path(path: Path, part: str) -> Path:
    """Where ``--separate`` writes a part (``executor``, ``aligner_input``, ``aligner_output``)
    of the raw test file ``path``: beside it, ``NAME.jsonl`` -> ``NAME.executor.jsonl``."""
    return path.with_name(f"{path.stem}.{part}{path.suffix}")


def _ended(text: str) -> str:
    return text + "\n" if "\n" in text else text


def _unended(text: str) -> str:
    return text.removesuffix("\n")


def dumps(samples: Iterable[Sample], layout: Layout) -> str:
    """The file text of ``samples`` in ``layout``."""
    if layout == "records":
        records = [{"instruction": _ended(s.input), "input": "", "output": _ended(s.output)} for s in samples]
        return "[\n" + ",\n".join(json.dumps(r, indent=4) for r in records) + "\n]\n"
    return "".join(json.dumps({"prompt": _ended(s.input), "response": _ended(s.output)}) + "\n" for s in samples)


def loads(text: str, where: str = "data file") -> list[Sample]:
    """Samples from a file text of either layout (the original's files or ours). A record's
    input text is its ``instruction`` followed by its ``input`` (one of them is empty: the
    original and we fill ``instruction``); the file does not say the class (``cls`` is None)."""
    try:
        if text.lstrip().startswith("["):
            return [
                Sample(None, _unended(r["instruction"] + r["input"]), _unended(r["output"])) for r in json.loads(text)
            ]
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        return [Sample(None, _unended(r["prompt"]), _unended(r["response"])) for r in rows]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise LmarithError(f"{where} is not a CAEF data file ({type(err).__name__}: {err})") from None


def write(samples: Iterable[Sample], path: Path, layout: Layout) -> None:
    """Write ``samples`` to ``path`` (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(samples, layout), encoding="utf-8", newline="\n")


def read(path: Path) -> list[Sample]:
    """The samples of a data file written by us or by the original code."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise LmarithError(f"cannot read {path}: {err.strerror}") from None
    return loads(text, str(path))
