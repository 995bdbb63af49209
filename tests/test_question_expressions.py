"""The question aligner's data: sentences and the executor expressions they name."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmarith.errors import LmarithError
from lmarith.machines.problems import parse_problem
from lmarith.questions import wording
from lmarith.questions.expressions import (
    ALIGNER_EXPRESSIONS,
    ALIGNER_SENTENCES,
    CANNOT,
    FRESH,
    SHARED_TYPES,
    SYMBOLS,
    cannot_templates,
    mappings,
    templates,
)


def test_every_operator_has_both_families_and_they_share_no_template() -> None:
    for op in SYMBOLS:
        train, heldout = set(templates(op, "train")), set(templates(op, "heldout"))
        assert train and heldout and not train & heldout, op
    assert not set(cannot_templates("train")) & set(cannot_templates("heldout"))
    normalised = {wording.normalise(t) for op in SYMBOLS for fam in ("train", "heldout") for t in templates(op, fam)}
    assert not normalised & {wording.normalise(t) for fam in ("train", "heldout") for t in cannot_templates(fam)}
    with pytest.raises(LmarithError, match="unknown operator"):
        templates("mod", "train")


def test_the_aligners_own_wordings_are_none_of_the_held_out_ones() -> None:
    """The aligner-only phrases go into training frames, so two whole templates never match;
    the phrase itself must not be a held-out expression or sentence either."""
    held = {wording.normalise(t) for op in SYMBOLS for t in templates(op, "heldout")}
    held |= {
        wording.normalise(e)
        for kind in SHARED_TYPES.values()
        for e in wording.EXPRESSIONS[kind]["heldout"] + wording.SENTENCES[kind]["heldout"]
    }
    own = [e for table in (ALIGNER_EXPRESSIONS, ALIGNER_SENTENCES) for phrases in table.values() for e in phrases]
    assert len(own) > 100
    assert not {wording.normalise(e) for e in own} & held


def test_the_fresh_family_shares_no_template_with_the_others() -> None:
    """``fresh`` measures wording that training never saw: no template of it is (up to case,
    spacing and closing punctuation) one of the other families', nor an aligner-only phrase."""
    others = {wording.normalise(t) for op in SYMBOLS for fam in ("train", "heldout") for t in templates(op, fam)}
    others |= {wording.normalise(t) for fam in ("train", "heldout") for t in cannot_templates(fam)}
    others |= {
        wording.normalise(e)
        for table in (ALIGNER_EXPRESSIONS, ALIGNER_SENTENCES)
        for phrases in table.values()
        for e in phrases
    }
    fresh = [wording.normalise(t) for phrases in FRESH.values() for t in phrases]
    assert set(FRESH) == {*SYMBOLS, CANNOT} and len(fresh) == len(set(fresh)) > 40
    assert not set(fresh) & others
    rows = mappings(300, "fresh", max_digits=8, seed=1)
    assert {m.op for m in rows} == {*SYMBOLS, None}
    with pytest.raises(LmarithError, match="phrasing set"):
        mappings(3, "fresher")


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), family=st.sampled_from(["train", "heldout", "fresh"]))
def test_an_expression_is_what_the_question_asks(seed: int, family: str) -> None:
    for m in mappings(40, family, max_digits=30, seed=seed):
        numbers = re.findall(r"\d+", m.question)
        if m.expression == CANNOT:
            assert m.op is None
            continue
        problem = parse_problem(m.expression)  # the executors take it as it is
        assert problem.op.name == m.op and SYMBOLS[m.op] in m.expression
        a, b = m.expression.split(SYMBOLS[m.op])
        assert a in numbers and b in numbers, (m.question, m.expression)
        assert max(len(a), len(b)) <= 30


def test_shares_and_reproducibility() -> None:
    rows = mappings(700, "train", seed=3)
    assert rows == mappings(700, "train", seed=3) and rows != mappings(700, "train", seed=4)
    cannot = sum(m.expression == CANNOT for m in rows) / len(rows)
    assert 0.08 < cannot < 0.25
    counts = {op: sum(m.op == op for m in rows) for op in SYMBOLS}
    assert max(counts.values()) - min(counts.values()) <= 1
    long = [m for m in rows if m.op and max(len(p) for p in re.split(r"\D+", m.expression) if p) > 20]
    assert len(long) > 50  # long operands are common, not rare
    with pytest.raises(LmarithError):
        mappings(3, "train", max_digits=0)


def test_the_issue_examples_are_worded_by_the_training_family() -> None:
    worded = {t.format(x=4817, y=9023) for t in templates("mul", "train")}
    assert "What is 4817 times 9023?" in worded
    assert "Is 5000 bigger than 4999?" in {t.format(x=5000, y=4999) for t in templates("gt", "train")}
    assert "Subtract 17 from 93." in {t.format(x=93, y=17) for t in templates("sub", "train")}


def test_exact_digits_gives_a_benchmark_cell_of_one_size() -> None:
    for digits in (1, 3, 30):
        rows = [m for m in mappings(60, "heldout", max_digits=digits, cannot_share=0, exact_digits=True, seed=1)]
        assert rows and all(m.op for m in rows)
        lengths = {len(p) for m in rows for p in re.split(r"[^0-9]+", m.expression) if p}
        assert lengths == {digits} or (digits == 1 and lengths <= {1})


def test_the_length_of_the_numbers_does_not_tell_cannot_apart() -> None:
    """Questions with no expression carry numbers as long as the others do: had they only short
    ones, the aligner would learn "short numbers: CANNOT" (the aligner trained so says CANNOT to
    'Determine the total of 840 and 217')."""
    rows = [m for m in mappings(3000, "train", max_digits=30, seed=5) if re.search(r"\d", m.question) and m.op != "eq"]

    def mean_longest(cannot: bool) -> float:  # the longest number of each question, averaged
        lengths = [
            max(len(n) for n in re.findall(r"\d+", m.question)) for m in rows if (m.expression == CANNOT) == cannot
        ]
        return sum(lengths) / len(lengths)

    assert abs(mean_longest(True) - mean_longest(False)) < 1.5, (mean_longest(True), mean_longest(False))
