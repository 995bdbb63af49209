"""The question data set as CSV, with the paper's columns ``problem_type, x, y, question, solution``."""

import csv
from collections.abc import Iterable
from dataclasses import astuple, fields
from pathlib import Path

from lmarith.errors import LmarithError
from lmarith.questions.question import Question
from lmarith.questions.rules import check_types

COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Question))


def write_csv(questions: Iterable[Question], path: Path) -> None:
    """Write the data set with the paper's columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(astuple(q) for q in questions)


def read_csv(path: Path) -> list[Question]:
    """Read a data set written by :func:`write_csv` (or the paper's, same columns)."""
    if not path.is_file():
        raise LmarithError(f"no such data set: {path}")
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or set(COLUMNS) - set(reader.fieldnames):
            raise LmarithError(f"{path}: expected columns {', '.join(COLUMNS)}")
        try:
            return [
                Question(check_types([r["problem_type"]], foreign=True)[0], int(r["x"]), int(r["y"]), r["question"],
                         int(r["solution"]))
                for r in reader
            ]
        except ValueError as err:
            raise LmarithError(f"{path}: bad row ({err})") from None
