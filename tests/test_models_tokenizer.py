"""The character tokenizer: exact round trip, one token per character, HF save/load."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import AutoTokenizer

from lmarith.models import build_char_tokenizer

TOKENIZER = build_char_tokenizer()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable, max_size=200))
def test_round_trip_is_exact(text: str) -> None:
    ids = TOKENIZER(text, add_special_tokens=False)["input_ids"]
    assert TOKENIZER.decode(ids) == text


def test_one_token_per_character_and_no_specials_added() -> None:
    text = "ADD, q1,  |5[HEAD1]|4|3 [C]0 [OUTPUT]\nCMD: [C] 1, q1"
    ids = TOKENIZER(text)["input_ids"]
    assert len(ids) == len(text)
    assert TOKENIZER.unk_token_id not in ids
    assert TOKENIZER.convert_ids_to_tokens(ids) == list(text)


def test_special_tokens_and_unknown_characters() -> None:
    assert [TOKENIZER.pad_token, TOKENIZER.bos_token, TOKENIZER.eos_token, TOKENIZER.unk_token] == [
        "<pad>",
        "<s>",
        "</s>",
        "<unk>",
    ]
    assert len({TOKENIZER.pad_token_id, TOKENIZER.bos_token_id, TOKENIZER.eos_token_id}) == 3
    assert TOKENIZER("é")["input_ids"] == [TOKENIZER.unk_token_id]
    extended = build_char_tokenizer(extra_chars="é×")
    assert len(extended) == len(TOKENIZER) + 2
    assert extended.decode(extended("3×4 é")["input_ids"]) == "3×4 é"


def test_save_and_load_with_auto_tokenizer(tmp_path) -> None:
    TOKENIZER.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    text = " |9|9[HEAD] \n CMD [OUTPUT] LEFT, q2 "
    assert loaded(text)["input_ids"] == TOKENIZER(text)["input_ids"]
    assert loaded.decode(loaded(text)["input_ids"]) == text
    assert loaded.eos_token_id == TOKENIZER.eos_token_id
