"""Hooks and the gated intervention on tiny random Llama models."""

from contextlib import nullcontext
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

from lmarith.errors import LmarithError
from lmarith.models.loading import prepare_tokenizer
from lmarith.models.tiny import build_tiny_llama
from lmarith.models.tokenizer import build_char_tokenizer
from lmarith.neurosymbolic.fit import TailBatch, finetune_decoder
from lmarith.neurosymbolic.hooks import check_layer, record_hidden
from lmarith.neurosymbolic.intervention import NeuroSymbolic, intervene, prompt_windows
from lmarith.neurosymbolic.lm import (
    answer_cross_entropy,
    generate,
    prompt_ends,
    teacher_forced,
    token_losses,
)
from lmarith.neurosymbolic.networks import Standardize
from lmarith.questions.prompts import chat_messages, protocol_messages, render_prompt
from lmarith.questions.question import sample_questions
from lmarith.questions.rules import PROBLEM_TYPES, TRAIN_TYPES
from lmarith.vsa import CodecConfig

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny() -> tuple:
    tokenizer = prepare_tokenizer(build_char_tokenizer())
    return build_tiny_llama(tokenizer, hidden=64, layers=3, heads=4, seed=1).eval(), tokenizer


def _neuro(dim: int = 256, **options: object) -> NeuroSymbolic:
    codec = CodecConfig(dim=dim, max_digits=4, types=PROBLEM_TYPES, seed=0)
    return NeuroSymbolic.create(layer=2, hidden=64, types=TRAIN_TYPES, codec=codec, window=16, **options)


class _Fixed(nn.Module):
    """An encoder stub that always 'reads' the same problem, so the test controls the gate."""

    def __init__(self, vector: Tensor) -> None:
        super().__init__()
        self.vector = vector

    def forward(self, window: Tensor, mask: Tensor) -> Tensor:
        return self.vector.expand(window.shape[0], -1)


def _reading(neuro: NeuroSymbolic, kind: str, a: int, b: int) -> NeuroSymbolic:
    neuro.encoder = _Fixed(neuro.codec.encode_problem(neuro.codec.type_index(kind), a, b))
    return neuro


def _prompts(tokenizer) -> list[str]:
    return [render_prompt(tokenizer, chat_messages(p)) for p in sample_questions(1, ["gcd", "modulo"], seed=5)]


def test_record_hidden_captures_the_residual_stream(tiny: tuple) -> None:
    model, tokenizer = tiny
    batch = tokenizer(_prompts(tokenizer), return_tensors="pt", padding=True)
    with torch.no_grad():
        reference = model(**batch, output_hidden_states=True).hidden_states
        with record_hidden(model, [1, 2]) as seen:
            model(**batch)
    assert torch.equal(seen[1], reference[1]) and torch.equal(seen[2], reference[2])


def test_layer_numbers_are_checked(tiny: tuple) -> None:
    with pytest.raises(LmarithError, match="layer must be in 1..3"):
        check_layer(tiny[0], 4)


def test_prompt_windows_end_at_the_prompt_and_mask_padding() -> None:
    hidden = torch.arange(2 * 6, dtype=torch.float).reshape(2, 6, 1)
    mask = torch.tensor([[0, 0, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1]])
    states, valid = prompt_windows(hidden, torch.tensor([5, 3]), mask, 5)
    assert valid.tolist() == [[False, False, True, True, True], [False, True, True, True, True]]
    assert states[0, -1, 0] == 5 and states[1, -1, 0] == 9 and states[1, 0, 0] == 0


def _logits(model, tokenizer, neuro: NeuroSymbolic | None) -> Tensor:
    batch = tokenizer(_prompts(tokenizer), return_tensors="pt", padding=True)
    with torch.no_grad():
        if neuro is None:
            return model(**batch).logits
        with intervene(model, neuro) as log:
            out = model(**batch).logits
        assert log.gate is not None
        return out


def test_intervention_acts_only_when_the_gate_opens(tiny: tuple) -> None:
    model, tokenizer = tiny
    plain = _logits(model, tokenizer, None)
    opened = _reading(_neuro(threshold=0.8), "gcd", 12, 8)
    with torch.no_grad():
        nn.init.normal_(opened.decoder.proj.weight, std=1.0)
    changed = _logits(model, tokenizer, opened)
    assert not torch.allclose(changed[:, -1], plain[:, -1])
    assert torch.equal(changed[:, :-1], plain[:, :-1])  # only the last prompt token is touched
    shut_by_threshold = _reading(_neuro(threshold=1.5), "gcd", 12, 8)
    shut_by_type = _reading(_neuro(threshold=0.8), "addition", 12, 8)  # a held-out type
    shut_by_engine = _reading(_neuro(threshold=0.8), "modulo", 12, 0)  # modulo by zero
    no_numbers = _neuro(threshold=0.8)  # a vector with a type but no operands: nothing to compute
    no_numbers.encoder = _Fixed(no_numbers.codec.type_atoms[no_numbers.codec.type_index("gcd")])
    for shut in (shut_by_threshold, shut_by_type, shut_by_engine, no_numbers):
        shut.decoder.load_state_dict(opened.decoder.state_dict())
        assert torch.equal(_logits(model, tokenizer, shut), plain)
    tie = _neuro(dim=2048)  # a tens digit read as 3 or 4 equally: the engine abstains
    gcd = tie.codec.type_index("gcd")
    tie.encoder = _Fixed(0.6 * tie.codec.encode_problem(gcd, 32, 8) + 0.6 * tie.codec.encode_problem(gcd, 42, 8))
    with torch.no_grad():
        nn.init.normal_(tie.decoder.proj.weight, std=1.0)
    assert torch.equal(_logits(model, tokenizer, tie), plain)
    tie.config.digit_margin = 0.0  # the same read with the margin check off does act
    assert not torch.equal(_logits(model, tokenizer, tie), plain)


def test_generation_hook_follows_the_answer_positions(tiny: tuple) -> None:
    model, tokenizer = tiny
    neuro = _reading(_neuro(), "gcd", 12, 8)
    prompts = _prompts(tokenizer)
    torch.manual_seed(0)  # a decoder that moves this model's argmax; not every random one does
    with torch.no_grad():
        nn.init.normal_(neuro.decoder.proj.weight, std=1.0)
    with_hook = generate(model, tokenizer, prompts, max_new_tokens=4, around=lambda: intervene(model, neuro))
    assert with_hook != generate(model, tokenizer, prompts, max_new_tokens=4)
    assert neuro.solve(neuro.codec.decode_problem(neuro.encoder.vector[None]))[0].item() == 4


def _model_generate(model, tokenizer, prompts: list[str], around=None) -> list[str]:
    """What ``generate`` replaced: transformers' own greedy ``generate`` per left-padded batch."""
    out = []
    for start in range(0, len(prompts), 8):
        enc = tokenizer(prompts[start : start + 8], return_tensors="pt", padding=True)
        with around() if around is not None else nullcontext():
            ids = model.generate(**enc, max_new_tokens=12, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        out += tokenizer.batch_decode(ids[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
    return out


def test_the_shared_decoder_replies_as_model_generate_did_hook_on_or_off(tiny: tuple) -> None:
    model, tokenizer = tiny
    prompts = [render_prompt(tokenizer, chat_messages(p)) for p in sample_questions(2, PROBLEM_TYPES, seed=2)]
    neuro = _reading(_neuro(), "gcd", 12, 8)
    torch.manual_seed(0)
    with torch.no_grad():
        nn.init.normal_(neuro.decoder.proj.weight, std=1.0)
    hook = lambda: intervene(model, neuro)  # noqa: E731
    plain, hooked = (
        generate(model, tokenizer, prompts, max_new_tokens=12),
        generate(model, tokenizer, prompts, max_new_tokens=12, around=hook),
    )
    assert len({len(tokenizer(p)["input_ids"]) for p in prompts}) > 1  # batches are padded
    assert plain == _model_generate(model, tokenizer, prompts)
    assert hooked == _model_generate(model, tokenizer, prompts, hook)
    assert hooked != plain


def test_decoder_fine_tune_lowers_the_answer_loss(tiny: tuple, tmp_path: Path) -> None:
    model, tokenizer = tiny
    neuro = _neuro(strength=0.5)
    problems = sample_questions(3, TRAIN_TYPES, digits=2, seed=7)
    prompts = [render_prompt(tokenizer, chat_messages(p)) for p in problems]
    answers = [str(p.solution) for p in problems]
    truth = torch.tensor([p.solution for p in problems])

    def loss() -> float:
        def around(b):
            return intervene(model, neuro, ends=prompt_ends(b["labels"]), truth=truth)

        return sum(answer_cross_entropy(model, tokenizer, prompts, answers, batch_size=len(prompts), around=around))

    before = loss()
    finetune_decoder(model, tokenizer, neuro, problems, tmp_path, epochs=6, lr=3e-2, batch_size=8, progress=False)
    assert loss() < 0.85 * before
    saved = NeuroSymbolic.load(tmp_path / "final")
    assert torch.equal(saved.decoder.proj.weight, neuro.decoder.proj.weight)


def test_cached_prompt_tail_loss_equals_the_full_teacher_forced_loss(tiny: tuple) -> None:
    """The fine-tune's shortcut (prompt prefix cached, only the tail run) changes no number."""
    model, tokenizer = tiny
    neuro = _neuro(strength=0.5)
    problems = sample_questions(2, TRAIN_TYPES, digits=3, seed=3)[:5]  # prompts of different lengths
    truth = torch.tensor([p.solution for p in problems])
    batch = teacher_forced(
        tokenizer,
        [render_prompt(tokenizer, protocol_messages(p, "fixed")) for p in problems],
        [str(p.solution) for p in problems],
    )
    with torch.no_grad(), intervene(model, neuro, ends=prompt_ends(batch["labels"]), truth=truth):
        full = token_losses(model, batch)
    labelled = batch["labels"][:, 1:] != -100
    tail = TailBatch.build(model, tokenizer, problems)
    with torch.no_grad():
        assert tail.loss(model, neuro).item() == pytest.approx((full.sum() / labelled.sum()).item(), rel=1e-4)
        assert tail.loss(model, neuro).item() == pytest.approx((full.sum() / labelled.sum()).item(), rel=1e-4)


def test_encoder_learns_to_give_negatives_no_type(tiny: tuple) -> None:
    """Trained with negatives, the type scores separate trained types from invented operations."""
    from lmarith.neurosymbolic.fit import EncoderData, encoder_metrics, train_encoder
    from lmarith.neurosymbolic.gather import NONE

    neuro = _neuro()
    codec, rows, window, hidden = neuro.codec, 96, 16, 64
    kinds = torch.arange(rows) % 4 - 1  # NONE, 0, 1, 2
    x, y = torch.randint(1, 99, (rows,)), torch.randint(1, 99, (rows,))
    states = torch.randn(rows, window, hidden, generator=torch.Generator().manual_seed(0))
    states[:, -1, :4] += 4 * nn.functional.one_hot(kinds + 1, 4)  # the 'operation word' feature
    known = (kinds != NONE)[:, None]
    data = EncoderData(
        states,
        torch.ones(rows, window, dtype=torch.bool),
        codec.encode_problem(kinds.clamp_min(0), x, y) * known,
        kinds,
        x,
        y,
    )
    encoder = neuro.encoder
    train_encoder(encoder, codec, data, epochs=30, seed=0)
    metrics = encoder_metrics(encoder, codec, data)
    assert metrics["negatives"] == rows // 4 and metrics["negative_open"] == 0.0
    assert metrics["type_accuracy"] == 1.0 and metrics["mean_type_score"] > 0.8


def test_position_dropout_hides_window_positions_in_training_but_never_the_last() -> None:
    from lmarith.neurosymbolic.fit import EncoderData, train_encoder

    codec = _neuro().codec
    rows, window, hidden = 64, 16, 64

    class Spy(nn.Module):
        """The linear-last encoder's shape, recording the masks it is given."""

        def __init__(self) -> None:
            super().__init__()
            self.norm, self.proj, self.seen = Standardize(hidden), nn.Linear(hidden, codec.dim), []

        def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            self.seen.append(mask)
            return self.proj(self.norm(states[:, -1]))

    kinds, x = torch.arange(rows) % 3, torch.randint(1, 99, (rows,))
    data = EncoderData(
        torch.randn(rows, window, hidden),
        torch.ones(rows, window, dtype=torch.bool),
        codec.encode_problem(kinds, x, x),
        kinds,
        x,
        x,
    )
    for dropout in (0.0, 0.3):
        spy = Spy()
        train_encoder(spy, codec, data, epochs=2, seed=0, position_dropout=dropout)
        masks = torch.cat(spy.seen)
        assert masks[:, -1].all()  # the last prompt token is always read
        assert 1 - masks[:, :-1].float().mean().item() == pytest.approx(dropout, abs=0.05)


def test_read_metrics_say_which_gate_check_shut_each_type() -> None:
    """Clean problem vectors open and read exactly; a zero vector fails the type and number checks; a wrong
    operand opens the gate without being exact; an untrained type is shut for that alone."""
    from lmarith.neurosymbolic.fit import EncoderData, read_metrics

    codec = _neuro().codec
    gcd, addition = PROBLEM_TYPES.index("gcd"), PROBLEM_TYPES.index("addition")
    kinds = torch.tensor([gcd, gcd, gcd, addition])
    x, y = torch.tensor([84, 84, 84, 12]), torch.tensor([126, 126, 126, 30])
    vectors = codec.encode_problem(kinds, x, y)
    vectors[1] = 0
    vectors[2] = codec.encode_problem(gcd, 85, 126)
    data = EncoderData(torch.zeros(4, 1, 1), torch.ones(4, 1, dtype=torch.bool), vectors, kinds, x, y)
    report = read_metrics(codec, vectors, data, 0.8, TRAIN_TYPES)
    assert report["gcd"]["count"] == 3
    assert report["gcd"]["gate_open"] == pytest.approx(2 / 3)
    assert report["gcd"]["open_and_exact"] == pytest.approx(1 / 3)
    # only the zero vector shuts: no type scores and no numbers in it
    shut = report["gcd"]["shut_by"]
    assert shut["type score below threshold"] == shut["no two numbers read"] == pytest.approx(1 / 3)
    assert report["addition"]["gate_open"] == 0.0 and report["addition"]["exact"] == 1.0
    assert report["addition"]["shut_by"] == {
        "type score below threshold": 0.0,
        "no two numbers read": 0.0,
        "digit margin below minimum": 0.0,
        "untrained type": 1.0,
    }


def test_hard_slot_attention_is_the_limit_of_sharp_attention_and_only_at_read_time() -> None:
    from lmarith.neurosymbolic.networks import AttentionEncoder

    codec = _neuro().codec
    encoder = AttentionEncoder(64, codec, 16)
    states = torch.randn(3, 16, 64, generator=torch.Generator().manual_seed(0))
    mask = torch.ones(3, 16, dtype=torch.bool)
    mask[0, :5] = False
    with torch.no_grad():
        soft = encoder.eval()(states, mask)
        encoder.hard = True
        hard = encoder(states, mask)
        assert torch.allclose(encoder.train()(states, mask), soft, atol=1e-5)  # training reads softly
        assert not torch.allclose(hard, soft, atol=1e-3)
        encoder.eval().queries.mul_(1e8)  # attention this sharp is one-hot already
        encoder.hard = False
        assert torch.allclose(encoder(states, mask), hard, atol=1e-4)


def test_the_slot_read_option_is_saved_with_the_intervention_and_reads_hard(tmp_path: Path) -> None:
    neuro = _neuro(slot_read="hard")
    states = torch.randn(2, 16, 64, generator=torch.Generator().manual_seed(1))
    mask = torch.ones(2, 16, dtype=torch.bool)
    neuro.save(tmp_path)
    loaded = NeuroSymbolic.load(tmp_path)
    assert loaded.config.slot_read == "hard" and loaded.encoder.hard
    with torch.no_grad():
        hard = loaded.encoder(states, mask)
        loaded.encoder.hard = False
        assert not torch.allclose(loaded.encoder(states, mask), hard, atol=1e-3)
    assert not _neuro().encoder.hard  # soft unless asked


def test_decoder_fine_tune_resumes_after_its_last_finished_epoch(tiny: tuple, tmp_path: Path) -> None:
    model, tokenizer = tiny
    problems = sample_questions(1, TRAIN_TYPES, digits=2, seed=5)
    finetune_decoder(model, tokenizer, _neuro(), problems, tmp_path, epochs=2, lr=1e-2, progress=False)
    after_two = NeuroSymbolic.load(tmp_path / "last").decoder.proj.weight.clone()
    fresh = _neuro()  # an interrupted process comes back with an untrained intervention
    finetune_decoder(model, tokenizer, fresh, problems, tmp_path, epochs=2, lr=1e-2, resume=True, progress=False)
    assert torch.equal(fresh.decoder.proj.weight, after_two)  # nothing left to do: the saved state
    finetune_decoder(model, tokenizer, fresh, problems, tmp_path, epochs=3, lr=1e-2, resume=True, progress=False)
    rows = (tmp_path / "loss.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss" and [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3"]
    assert not torch.equal(fresh.decoder.proj.weight, after_two)


def test_ask_says_what_the_engine_read_and_why_the_gate_did_what_it_did(tiny: tuple) -> None:
    from lmarith.neurosymbolic.asker import ENGINE_CANNOT, Asker, Chat, explain

    model, tokenizer = tiny
    cases = [
        (_reading(_neuro(), "gcd", 12, 8), None),
        (_reading(_neuro(threshold=1.5), "gcd", 12, 8), "type score below threshold"),
        (_reading(_neuro(), "addition", 12, 8), "untrained type"),
        (_reading(_neuro(), "modulo", 12, 0), ENGINE_CANNOT),
    ]
    for neuro, why in cases:
        reply = Asker(model, tokenizer, neuro, max_new_tokens=4).ask("What is the gcd of 12 and 8?", hook_off=True)
        r = reply.reading
        assert (r.a, r.b, r.gate, r.shut_because) == ((12, 0) if why == ENGINE_CANNOT else (12, 8)) + (why is None, why)
        assert r.answer == (4 if why is None else None) and min(r.a_margin, r.b_margin) > 0.1
        lines = explain(reply, neuro)
        assert lines[0].startswith(f"type: {r.problem_type} (") and lines[3] == (
            "gate: open, engine answer 4" if why is None else f"gate: shut ({why})"
        )
        assert lines[-1].startswith("reply, hook off: ")
    tie = _neuro(dim=2048)
    gcd = tie.codec.type_index("gcd")
    tie.encoder = _Fixed(0.6 * tie.codec.encode_problem(gcd, 32, 8) + 0.6 * tie.codec.encode_problem(gcd, 42, 8))
    assert (
        Asker(model, tokenizer, tie, max_new_tokens=2).ask("gcd?").reading.shut_because == "digit margin below minimum"
    )
    with pytest.raises(LmarithError, match="hidden size"):
        Asker(
            model,
            tokenizer,
            NeuroSymbolic.create(
                layer=2, hidden=32, types=TRAIN_TYPES, codec=CodecConfig(dim=256, types=PROBLEM_TYPES)
            ),
        )
    chat = Chat(Asker(model, tokenizer, _neuro(), max_new_tokens=3))
    chat.say("Hello")
    chat.say("What is 3 mod 2?")
    assert [t["role"] for t in chat.turns] == ["user", "assistant", "user", "assistant"]
