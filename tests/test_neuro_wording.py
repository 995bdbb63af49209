"""Wording families (disjoint by construction, dozens of phrasings, mod 1000 asked every way),
numbers as words (num2words), and the checked CSV reader."""

from pathlib import Path

import pytest

from lmarith.errors import LmarithError
from lmarith.questions import wording
from lmarith.questions.csv_io import keep_types, read_csv_checked, write_csv
from lmarith.questions.question import make_question, parse_question, phrasings, sample_questions
from lmarith.questions.rules import ALL_TYPES, FOREIGN, MOD_1000_TYPES, PROBLEM_TYPES, solve

PARTS = (
    [
        wording.FRAMES,
        wording.YES_NO_FRAMES,
        wording.MOD_INLINE,
        wording.MOD_PREFIX,
        wording.MOD_SENTENCE,
        wording.PREFIXES,
        wording.SUFFIXES,
    ]
    + [table[t] for table in (wording.EXPRESSIONS, wording.SENTENCES) for t in ALL_TYPES]
    + [wording.MOD_EXPRESSIONS[t] for t in wording.MOD_EXPRESSIONS]
)


@pytest.mark.parametrize("part", range(len(PARTS)))
def test_every_part_belongs_to_one_family(part: int) -> None:
    """Training wording (``train`` and the encoder's ``neuro``) and held-out wording share no
    part, even up to case, spaces and punctuation."""
    train, held = (
        {wording.normalise(p) for f in fs for p in PARTS[part][f]} for fs in (("train", "neuro"), ("heldout",))
    )
    assert train and held and not train & held


def test_normalise_folds_case_spaces_and_punctuation_but_keeps_operators() -> None:
    assert wording.normalise("GCD({x},{y})") == wording.normalise("gcd({x}, {y})")
    assert wording.normalise("{x}*{y}") == wording.normalise("{x} * {y}")
    assert wording.normalise("What's {x}?!") == wording.normalise("whats {x}")
    assert wording.normalise("{x} & {y}") != wording.normalise("{x} | {y}")


@pytest.mark.parametrize("kind", ALL_TYPES)
def test_dozens_of_phrasings_per_family_and_no_template_shared(kind: str) -> None:
    for mod in (True, False) if kind in MOD_1000_TYPES else (False,):
        train, held = (set(phrasings(kind, f, mod1000=mod)) for f in ("train", "heldout"))
        assert len(train) >= 24 and len(held) >= 24
        norm = lambda ts: {wording.normalise(t) for t in ts}  # noqa: E731
        assert not norm(train) & norm(held)


def test_mod_1000_is_asked_inline_as_a_clause_as_a_sentence_and_abbreviated() -> None:
    for kind in MOD_1000_TYPES:
        for family in ("train", "heldout"):
            templates = phrasings(kind, family)
            assert all(any(m in t.lower() for m in ("1000", "1e3", "thousand", "three digits")) for t in templates)
            assert all(
                not any(m in t.lower() for m in ("1000", "1e3", "thousand"))
                for t in phrasings(kind, family, mod1000=False)
            )
    train = phrasings("multiplication", "train")
    assert "What is {x} times {y} mod 1000?" in train  # inline, in the question itself
    assert "What is {x} times {y}, modulo 1000?" in train  # a clause
    assert "What is {x} times {y}? Give the answer modulo 1000." in train  # a separate sentence
    assert "What is {x} times {y} (mod 1000)?" in train  # abbreviated
    assert "What is ({x} * {y}) % 1000?" in train  # the expression carries it
    q = parse_question("What is 12 times 34 mod 1000?")
    assert q is not None and (q.problem_type, q.solution) == ("multiplication", 408)


def test_held_out_questions_are_worded_as_no_training_template() -> None:
    train = {wording.normalise(t.format(x="#", y="#")) for k in PROBLEM_TYPES for t in phrasings(k, "train")}
    for q in sample_questions(20, PROBLEM_TYPES, phrasing="heldout", seed=5):
        core = wording.normalise(q.question.replace(str(q.x), "#").replace(str(q.y), "#"))
        assert core not in train
    assert {q.problem_type for q in sample_questions(1, PROBLEM_TYPES, phrasing="heldout")} == set(PROBLEM_TYPES)


def test_surfaces_add_filler_punctuation_and_casing() -> None:
    s = wording.Surface(prefix="Hey, ", suffix=" Thanks!", punctuation="drop", casing="keep")
    assert s.apply("What is 3 mod 2?") == "Hey, what is 3 mod 2 Thanks!"
    assert wording.Surface(punctuation="double", casing="lower").apply("Find GCD(4,6).") == "find gcd(4,6).."
    got = parse_question("Hey, what is 3 mod 2 Thanks!")
    assert got is not None and got.solution == 1


def test_numbers_as_words_come_from_num2words() -> None:
    q = make_question("gcd", 312, 48, "What is the gcd of {x} and {y}?", numbers="words")
    assert q.question == "What is the gcd of three hundred and twelve and forty-eight?" and q.solution == 24
    for q in sample_questions(3, PROBLEM_TYPES, phrasing="heldout", numbers="words", seed=2):
        assert q.solution == solve(q.problem_type, q.x, q.y)
        assert str(q.x) not in q.question.split() and str(q.y) not in q.question.split()
    with pytest.raises(LmarithError, match="numbers must be one of"):
        sample_questions(1, ["gcd"], numbers="roman")


# ---------------------------------------------------------------------------------------------
# the checked CSV reader

HEADER = "problem_type,x,y,question,solution\n"


def _csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "d.csv"
    path.write_text(header + body)
    return path


def test_a_hand_written_csv_is_read_with_the_papers_type_names(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        'gcd,12,8,"What is the gcd of 12 and 8?",4\n'
        'multiplication,25,48,"What is 25*48, mod 1000?",200\n'
        "addition,3,4,What is 3 plus 4?,7\n",
    )
    rows = read_csv_checked(path).questions
    assert [(q.problem_type, q.x, q.y, q.solution) for q in rows] == [
        ("gcd", 12, 8, 4),
        ("multiplication", 25, 48, 200),
        ("addition", 3, 4, 7),
    ]
    kept, dropped = keep_types(rows, ("gcd", "multiplication"))
    assert len(kept) == 2 and dropped == {"addition": 1}


@pytest.mark.parametrize(
    ("header", "body", "message"),
    [
        (HEADER, "power,2,3,What is 2 to the 3?,8\n", r"d\.csv:2: unknown problem type 'power'"),
        ("problem_type,x,question,solution\n", "gcd,12,What?,4\n", r"d\.csv: missing column y"),
        (HEADER, "gcd,12,8,ok,4\ngcd,twelve,8,What?,4\n", r"d\.csv:3: x is not an integer: 'twelve'"),
        (HEADER, "gcd,12,8.5,What?,4\n", r"d\.csv:2: y is not an integer: '8.5'"),
        (HEADER, "modulo,5,0,What is 5 mod 0?,0\n", r"d\.csv:2: modulo by zero"),
        (
            HEADER,
            "gcd,12,8,a,4\ngcd,12,9,b,4\nlcm,4,6,c,12\nlcm,4,6,d,13\n",
            r"d\.csv: 2 solution\(s\) disagree with the type's rule, first at line 3: gcd of 12 and 9 is 3, the file says 4",  # noqa: E501
        ),
    ],
)
def test_each_csv_error_names_the_file_and_line(tmp_path: Path, header: str, body: str, message: str) -> None:
    with pytest.raises(LmarithError, match=message):
        read_csv_checked(_csv(tmp_path, body, header))


def test_disagreeing_solutions_can_be_dropped_or_kept(tmp_path: Path) -> None:
    path = _csv(tmp_path, "gcd,12,8,a,4\ngcd,12,9,b,4\nmultiplication,25,48,c,1200\n")
    dropped = read_csv_checked(path, bad_solutions="drop")
    assert [q.question for q in dropped.questions] == ["a"] and dropped.bad_solutions == 2
    assert dropped.first_bad == "line 3: gcd of 12 and 9 is 3, the file says 4"
    assert len(read_csv_checked(path, bad_solutions="keep").questions) == 3
    # the full product is right when multiplication is not taken mod 1000
    assert read_csv_checked(path, bad_solutions="drop", mod1000=False).bad_solutions == 1
    with pytest.raises(LmarithError, match="bad-solutions must be one of"):
        read_csv_checked(path, bad_solutions="maybe")


def test_our_own_csv_round_trips_with_negatives(tmp_path: Path) -> None:
    rows = sample_questions(2, PROBLEM_TYPES + (FOREIGN,), phrasing="all", seed=3)
    write_csv(rows, tmp_path / "d.csv")
    assert read_csv_checked(tmp_path / "d.csv", internal=True).questions == rows
    with pytest.raises(LmarithError, match="unknown problem type 'foreign'"):
        read_csv_checked(tmp_path / "d.csv")
