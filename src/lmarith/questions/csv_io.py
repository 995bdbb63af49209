"""The question data set as CSV, with the paper's columns ``problem_type, x, y, question, solution``.

:func:`read_csv` checks every row: an unknown type, a missing column or a non-integer operand
or solution is an error naming the file and line; solutions that disagree with the type's rule
are counted and, by ``bad_solutions``, refused (default: one error with the count and the first
offending row), dropped, or kept as given.
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from lmarith.errors import LmarithError
from lmarith.questions.question import Question
from lmarith.questions.rules import ALL_TYPES, FOREIGN, solve

COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Question))
BAD_SOLUTIONS = ("error", "drop", "keep")


def write_csv(questions: Iterable[Question], path: Path) -> None:
    """Write the data set with the paper's columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(astuple(q) for q in questions)


@dataclass(frozen=True)
class CsvRead:
    """The rows of a data set and what was set aside while reading it."""

    questions: list[Question]
    #: rows whose solution disagreed with the rule (dropped or kept, by ``bad_solutions``)
    bad_solutions: int = 0
    first_bad: str | None = None


def _int(path: Path, line: int, column: str, value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise LmarithError(f"{path}:{line}: {column} is not an integer: {value!r}") from None


def read_csv_checked(
    path: Path, *, mod1000: bool = True, bad_solutions: str = "error", internal: bool = False
) -> CsvRead:
    """Read and check a data set (ours or the paper's, same columns; extra columns ignored).

    Line numbers count the header as line 1. ``mod1000``: the rule multiplication and lcm
    answers must follow. ``internal`` admits our own negatives (type ``foreign``).
    """
    if bad_solutions not in BAD_SOLUTIONS:
        raise LmarithError(f"bad-solutions must be one of {', '.join(BAD_SOLUTIONS)}, got {bad_solutions!r}")
    if not path.is_file():
        raise LmarithError(f"no such data set: {path}")
    out, bad, first = [], 0, None
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise LmarithError(f"{path}: missing column {', '.join(missing)} (expected {', '.join(COLUMNS)})")
        for row in reader:
            line = reader.line_num
            if any(row.get(c) is None for c in COLUMNS):
                raise LmarithError(f"{path}:{line}: too few fields (expected {', '.join(COLUMNS)})")
            kind = row["problem_type"].strip()
            if kind not in ALL_TYPES and not (internal and kind == FOREIGN):
                raise LmarithError(f"{path}:{line}: unknown problem type {kind!r}; known: {', '.join(ALL_TYPES)}")
            x, y = _int(path, line, "x", row["x"]), _int(path, line, "y", row["y"])
            solution = _int(path, line, "solution", row["solution"])
            try:
                expected = solve(kind, x, y, mod1000=mod1000)
            except LmarithError as err:
                raise LmarithError(f"{path}:{line}: {err}") from None
            question = Question(kind, x, y, row["question"], solution)
            if solution != expected:
                bad += 1
                if first is None:
                    first = f"line {line}: {kind} of {x} and {y} is {expected}, the file says {solution}"
                if bad_solutions == "drop":
                    continue
            out.append(question)
    if bad and bad_solutions == "error":
        hint = " (multiplication and lcm not mod 1000? try --no-mod1000)" if mod1000 else ""
        raise LmarithError(
            f"{path}: {bad} solution(s) disagree with the type's rule, first at {first}{hint}; "
            "pass --bad-solutions drop or keep to go on"
        )
    return CsvRead(out, bad, first)


def read_csv(path: Path) -> list[Question]:
    """Read a data set written by :func:`write_csv` (or the paper's, same columns), checked."""
    return read_csv_checked(path, internal=True, bad_solutions="keep").questions


def keep_types(questions: Sequence[Question], types: Sequence[str]) -> tuple[list[Question], dict[str, int]]:
    """The rows of ``types`` and how many rows of each other type were dropped."""
    dropped: dict[str, int] = {}
    for q in questions:
        if q.problem_type not in types:
            dropped[q.problem_type] = dropped.get(q.problem_type, 0) + 1
    return [q for q in questions if q.problem_type in types], dropped
