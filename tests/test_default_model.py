"""The shipped embedded default: exact on every window transition, so `solve` is right."""

import json

import pytest

from lmarith.executors.recipes import DefaultRecipe, default_table, exact_rate
from lmarith.models import load_model


@pytest.fixture(scope="module", params=["numpy", "lean", "transformers"])
def default(request):  # type: ignore[no-untyped-def]
    return load_model("default", runtime=request.param)


def test_the_default_is_exact_on_the_whole_window_table(default) -> None:  # type: ignore[no-untyped-def]
    """The guarantee behind `solve`: every transition any machine can make, decoded right, on
    every runtime."""
    model, tokenizer = default
    table = sorted(default_table(DefaultRecipe()).items())
    assert len(table) > 1400
    assert exact_rate(model, tokenizer, table) == 1.0


@pytest.mark.parametrize(
    "problem,answer",
    [
        ("123456789*987654321", str(123456789 * 987654321)),
        ("98765432109876543210//1234567", str(98765432109876543210 // 1234567)),
        ("5-12", "-7"),
        ("31415926535897932384+27182818284590452353", str(31415926535897932384 + 27182818284590452353)),
        ("45263==45263", "True"),
        ("1000000000000000000000>999999999999999999999", "True"),
        ("0*12345", "0"),
    ],
)
def test_solve_with_the_shipped_default(cli, problem: str, answer: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("solve", problem)
    assert code == 0, err
    assert out.splitlines()[-1] == answer


def test_one_generated_token_per_transition(cli) -> None:  # type: ignore[no-untyped-def]
    """Each window command is one token of the default, so a step is one forward pass."""
    code, out, err = cli("solve", "98765-4321", "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["correct"] and record["tokens"] == record["calls"] > 10
