"""A character-level tokenizer for the tiny models that learn machine transitions from scratch.

One token per character keeps every digit, ``|`` and bracket its own token, so a tiny model
never has to learn how a subword vocabulary happens to chop ``|5|4|3`` up. It is a plain
``tokenizers`` WordLevel model behind ``PreTrainedTokenizerFast``, so it saves and loads with
the usual ``save_pretrained`` / ``AutoTokenizer.from_pretrained`` like any HF tokenizer.
"""

import string
from collections.abc import Sequence

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
SPECIAL_TOKENS = (PAD, BOS, EOS, UNK)


def build_char_tokenizer(extra_chars: str = "", words: Sequence[str] = ()) -> PreTrainedTokenizerFast:
    """One token per printable ASCII character (plus ``extra_chars``); decoding is exact.

    Pre-tokenization isolates every character; the ``Fuse`` decoder joins tokens with nothing
    between them, and space clean-up is off, so ``decode(encode(text)) == text``.

    ``words`` become whole tokens besides the characters (the embedded default has one per
    window command, so a transition is one generated token). They are matched wherever they
    occur, prompts included, identically in training, at run time and by the lean runtime.
    """
    chars = dict.fromkeys(string.printable + extra_chars)  # ordered, deduplicated
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *chars])}
    core = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    core.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    core.decoder = decoders.Fuse()
    core.add_special_tokens(list(SPECIAL_TOKENS))
    core.add_tokens([AddedToken(word, normalized=False) for word in dict.fromkeys(words)])
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token=PAD,
        bos_token=BOS,
        eos_token=EOS,
        unk_token=UNK,
        clean_up_tokenization_spaces=False,
    )
