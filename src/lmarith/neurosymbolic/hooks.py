"""Forward hooks on the residual stream of any Hugging Face decoder-only LM.

"Layer L" means the residual stream after L decoder blocks, i.e. ``hidden_states[L]`` of
``output_hidden_states=True``; 1 <= L <= number of blocks. Hooks sit on the output of block
L - 1, so reading and writing touch exactly the tensor the next block sees.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager

from torch import Tensor, nn
from transformers import PreTrainedModel

from lmarith.errors import LmarithError


def decoder_layers(model: nn.Module) -> nn.ModuleList:
    """The list of decoder blocks, also through a peft wrapper."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    decoder = base.get_decoder() if hasattr(base, "get_decoder") else None
    layers = getattr(decoder, "layers", None)
    if not isinstance(layers, nn.ModuleList):
        raise LmarithError(f"cannot find the decoder blocks of {type(base).__name__}")
    return layers


def check_layer(model: nn.Module, layer: int) -> int:
    """Validate a 1-based residual-stream layer number."""
    count = len(decoder_layers(model))
    if not 1 <= layer <= count:
        raise LmarithError(f"layer must be in 1..{count} for this model, got {layer}")
    return layer


def _hidden(output: Tensor | tuple) -> Tensor:
    return output[0] if isinstance(output, tuple) else output


def _replace(output: Tensor | tuple, hidden: Tensor) -> Tensor | tuple:
    return (hidden, *output[1:]) if isinstance(output, tuple) else hidden


@contextmanager
def on_layer(model: nn.Module, layer: int, edit: Callable[[Tensor], Tensor | None]) -> Iterator[None]:
    """Call ``edit(hidden)`` on layer ``layer``'s output; a returned tensor replaces it."""
    block = decoder_layers(model)[check_layer(model, layer) - 1]

    def hook(_module: nn.Module, _args: tuple, output: Tensor | tuple) -> Tensor | tuple | None:
        new = edit(_hidden(output))
        return None if new is None else _replace(output, new)

    handle = block.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


@contextmanager
def record_hidden(model: nn.Module, layers: Sequence[int]) -> Iterator[dict[int, Tensor]]:
    """Record the residual stream at ``layers`` during the forward passes inside the block.

    Yields a dict layer -> hidden state (batch, seq, hidden) of the latest forward pass,
    detached; only the requested layers are kept, unlike ``output_hidden_states``.
    """
    seen: dict[int, Tensor] = {}
    with ExitStack() as stack:
        for layer in layers:
            stack.enter_context(on_layer(model, layer, _store(seen, layer)))
        yield seen


def _store(seen: dict[int, Tensor], layer: int) -> Callable[[Tensor], None]:
    def edit(hidden: Tensor) -> None:
        seen[layer] = hidden.detach()

    return edit


@contextmanager
def capture_attention_mask(model: PreTrainedModel, sink: dict[str, Tensor | None]) -> Iterator[None]:
    """Keep the ``attention_mask`` of each top-level forward call in ``sink['mask']``.

    Layer hooks see hidden states only; an encoder pooling over prompt positions also needs to
    know which of them are padding.
    """

    def pre(_module: nn.Module, args: tuple, kwargs: dict) -> None:
        sink["mask"] = kwargs.get("attention_mask")

    handle = model.register_forward_pre_hook(pre, with_kwargs=True)
    try:
        yield
    finally:
        handle.remove()


def mix_at(hidden: Tensor, positions: Tensor, vectors: Tensor, active: Tensor, strength: float) -> Tensor:
    """h' = strength * v + (1 - strength) * h at ``positions`` (batch, steps) where ``active``.

    ``vectors`` is (batch, steps, hidden); positions outside the sequence are ignored. Returns a
    new tensor, so gradients flow into ``vectors`` and the caller's tensor is untouched.
    """
    seq = hidden.shape[1]
    valid = active & (positions >= 0) & (positions < seq)
    rows, steps = valid.nonzero(as_tuple=True)
    cols = positions[rows, steps]
    out = hidden.clone()
    out[rows, cols] = strength * vectors[rows, steps].to(hidden.dtype) + (1 - strength) * hidden[rows, cols]
    return out


def freeze(model: nn.Module) -> None:
    """Freeze every parameter of ``model`` (the LLM stays fixed while we train around it)."""
    for p in model.parameters():
        p.requires_grad_(False)
