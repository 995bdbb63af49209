"""Tiny Llamas: reproducible from their seed, shaped as asked, bad shapes refused."""

import pytest
import torch

from lmarith.errors import LmarithError
from lmarith.models import build_char_tokenizer, build_tiny_llama

TOKENIZER = build_char_tokenizer()


def weights(model: torch.nn.Module) -> list[torch.Tensor]:
    return list(model.state_dict().values())


def test_same_seed_same_weights_other_seed_other_weights() -> None:
    first = build_tiny_llama(TOKENIZER, hidden=32, layers=2, seed=3)
    again = build_tiny_llama(TOKENIZER, hidden=32, layers=2, seed=3)
    other = build_tiny_llama(TOKENIZER, hidden=32, layers=2, seed=4)
    assert all(torch.equal(a, b) for a, b in zip(weights(first), weights(again)))
    assert not all(torch.equal(a, b) for a, b in zip(weights(first), weights(other)))


def test_building_leaves_the_global_rng_alone() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_tiny_llama(TOKENIZER, hidden=32, layers=2)
    assert torch.equal(torch.rand(3), expected)


def test_shape_follows_the_arguments() -> None:
    model = build_tiny_llama(TOKENIZER, hidden=48, layers=2, heads=3, intermediate=64, max_positions=100)
    config = model.config
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (48, 2, 3)
    assert (config.intermediate_size, config.max_position_embeddings) == (64, 100)
    assert config.vocab_size == len(TOKENIZER)
    assert config.eos_token_id == TOKENIZER.eos_token_id
    assert build_tiny_llama(TOKENIZER, hidden=32).config.intermediate_size == 128


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hidden": 30, "heads": 4}, "multiple of heads"),
        ({"layers": 0}, "layers"),
    ],
)
def test_bad_shapes_are_refused(kwargs, message) -> None:
    with pytest.raises(LmarithError, match=message):
        build_tiny_llama(TOKENIZER, **kwargs)
