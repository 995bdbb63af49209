"""Training recipes: what data, which model, when to stop, for executors, aligners and the
embedded default.

The embedded default is one small Llama (character tokenizer, plus one token per window
command) fully trained on the window transitions of every machine. In the window format a machine's
transition function is a
finite table (``data.window_table``), so the recipe trains on the whole table and stops once
greedy decoding reproduces *every* entry: such a model is exact on operands of any length,
though it only ever saw operands of at most ``max_len`` digits.

Executors (one LoRA adapter per machine on any HF model, or a full fine-tune of a tiny one)
and aligners train on ``data.executor_samples`` / ``data.aligner_samples``.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from lmarith import data
from lmarith.data.augment import digit_run, leading_zeros, shared_prefix
from lmarith.errors import LmarithError
from lmarith.executors.lm_policy import LMPolicy
from lmarith.executors.policy import Request
from lmarith.executors.tasks import QUESTION_TASK, SHARED_TASK, aligner_task, pair
from lmarith.formats import CAEF, DEFAULT_FORMAT, WINDOW, Format, default_long, text_format
from lmarith.machines import window
from lmarith.machines.problems import OPERATORS, operator
from lmarith.models import (
    Schedule,
    TrainConfig,
    TrainResult,
    add_adapter,
    build_char_tokenizer,
    build_tiny_llama,
    install_default_dir,
    lora_config,
    lora_targets,
    ship_adapters,
    train,
)
from lmarith.models.command_tokens import add_command_tokens, write_command_tokens
from lmarith.models.flags import EXECUTOR_FLAGS, QUESTION_FLAGS, command_line
from lmarith.models.shipped import MANIFEST, asset_dir, install_dir, manifest_for, write_manifest
from lmarith.questions.expressions import mappings

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

ALL_OPS = tuple(op.name for op in OPERATORS)
#: the kind of shipped executor adapters (``lmarith.models.shipped``): ``assets/executors/<model>``
EXECUTORS = "executors"


class DefaultRecipe(Schedule):
    """The embedded default's size and schedule (``lmarith train default``)."""

    hidden: int = Field(96, description="model width")
    layers: int = Field(2, description="decoder blocks")
    heads: int = Field(4, description="attention heads")
    max_len: int = Field(6, description="longest operand (digits) the table is gathered from")
    per_class: int = Field(80, description="problems per (len a, len b) class while gathering the table")
    lr: float = 3e-3
    batch_size: int = 64
    #: with one token per command the loss oscillates (0.1-0.2) at a constant rate and the
    #: table plateaus near 90% exact (measured); a decaying rate settles every entry
    max_steps: int = 10_000
    warmup_steps: int = 100
    scheduler: Literal["linear", "cosine", "constant_with_warmup"] = "cosine"
    eval_every: int = 250
    save_every: int = 250


def exact_rate(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    pairs: list[tuple[str, str]],
    max_new_tokens: int = 64,
    task: str = "",
) -> float:
    """Fraction of (input, output) pairs of ``task`` greedy decoding reproduces exactly."""
    policy = LMPolicy(model, tokenizer, batch_size=256)
    completions = policy.complete(None, [Request(task, i) for i, _ in pairs], max_new_tokens)
    return sum(c.text == o for c, (_, o) in zip(completions, pairs)) / len(pairs)


def default_table(recipe: DefaultRecipe) -> dict[str, str]:
    """Every window transition of every operator, CAEF and schoolbook machines alike."""
    table = data.window_table(ALL_OPS, recipe.max_len, recipe.per_class, recipe.seed, long=True)
    table.update(data.window_table(ALL_OPS, recipe.max_len, recipe.per_class, recipe.seed, long=False))
    return table


def table_commands(table: Iterable[tuple[str, str]]) -> list[str]:
    """The distinct window commands of a table, sorted: one token each where a model writes a
    command as one token (the embedded default, ``--command-tokens``)."""
    return sorted({command for _, command in table})


def table_pieces(table: Iterable[tuple[str, str]]) -> list[str]:
    """The distinct fixed parts of a table's views (``window.view_pieces``), sorted: one token
    each with ``--view-tokens``."""
    return sorted({piece for view, _ in table for piece in window.view_pieces(view)})


def train_default(
    out_dir: Path, recipe: DefaultRecipe, resume: bool = False, install: bool = True, into_package: bool = False
) -> TrainResult:
    """Train the embedded default from scratch until it is exact on the whole window table;
    with ``install``, copy it into the user directory, where ``solve`` finds it before the
    package's own (``into_package``: over the package's assets, for maintainers)."""
    table = sorted(default_table(recipe).items())
    commands = table_commands(table)
    tokenizer = build_char_tokenizer(words=commands)
    model = build_tiny_llama(
        tokenizer, hidden=recipe.hidden, layers=recipe.layers, heads=recipe.heads, seed=recipe.seed
    )
    # a command token is a whole transition: decoding stops after it (one token per step)
    model.generation_config.eos_token_id = [tokenizer.eos_token_id, *tokenizer.convert_tokens_to_ids(commands)]
    config = TrainConfig(out_dir=out_dir, **recipe.schedule(), stop_metric="table_exact", resume=resume)
    pairs = [pair(i, o) for i, o in table]
    result = train(model, tokenizer, pairs, config, eval_fn=lambda m: {"table_exact": exact_rate(m, tokenizer, table)})
    if install or into_package:
        _install_default(result, WINDOW.name, into_package)
    return result


def _install_default(result: TrainResult, fmt: Format, into_package: bool) -> None:
    """Copy a run's final model over the installed embedded model of ``fmt`` (the user's, or
    with ``into_package`` the package's)."""
    target = install_default_dir(text_format(fmt).embedded, into_package)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(result.final_dir, target)


class CaefDefaultRecipe(Schedule):
    """The embedded CAEF-format model (``lmarith train default --format caef``): a tiny Llama
    trained from scratch on the paper's own text, every transition of its nine machines
    (ADD, SUB, MUL, DIV, EQUAL, GREATER_THAN, LESS_THAN, REFLECTION, LEFT_MASK) and both
    aligner directions, so one model serves every task of ``--format caef``.

    A CAEF configuration is not a finite table (it holds the whole operands), so the first
    phase stops on exactness on held-out test-split samples. Its misses were copies: a digit
    dropped or doubled in runs like ``|9|9|9``, and * // aligners seen on too few products; the
    second phase (``polish_*``) trains on fresh draws with digit-run variants (and subtractions
    of operands sharing leading digits) and 8x the * // problems, at a lower learning rate, in
    rounds of fresh draws (SUB and MUL chain dozens of calls: per-call misses compound); the
    last round keeps LEFT_MASK's whole runs and adds subtractions with leading zeros in the
    difference, where SUB's remaining misses were (one digit too many stripped).
    The tokenizer gives every format symbol (``[HEAD1]``, ``|7``, ``CMD:``, machine and state
    names) one token: sequences ~3x shorter than characters."""

    hidden: int = Field(160, description="model width")
    layers: int = Field(4, description="decoder blocks")
    heads: int = Field(4, description="attention heads")
    intermediate: int = Field(512, description="MLP width")
    max_len: int = Field(12, description="longest operand (digits) of + - == > <; * // use CAEF's own classes")
    mul_div_len: int = Field(4, description="longest first operand of * and // (CAEF's MUL loops b times)")
    num: int = Field(12, description="problems per (len a, len b) class")
    per_trace: int = Field(4, description="random transitions kept per machine run, besides first and last")
    eval_samples: int = Field(400, description="held-out samples (transitions and aligner pairs) per eval")
    lr: float = 2e-3
    batch_size: int = 64
    max_steps: int = 12_000  # the shipped run: its first 1,500 steps ran under a 30,000-step cosine
    warmup_steps: int = 200
    scheduler: Literal["linear", "cosine", "constant_with_warmup"] = "cosine"
    eval_every: int = 500
    save_every: int = 500
    polish_steps: int = Field(
        2000,
        description="second phase, after the first is exact on its held-out samples: "
        "fresh problems, more * and //, operands with runs of one digit (0: none)",
    )
    polish_lr: float = Field(
        3e-4,
        description="the second phase's peak learning rate (the first's scheduler, warm-up 100); it runs all its steps",
    )
    polish_mul_div_num: int = Field(
        96,
        description="the second phase's problems per class of * and // "
        "(the first phase's 12 gave the aligners ~50 products to learn from)",
    )
    polish_rounds: int = Field(
        4,
        description="second-phase rounds, each from the last one's weights on its own "
        "fresh draws (seed + round) under its own schedule",
    )
    whole_traces: dict[int, list[str]] = Field(
        {4: ["LEFT_MASK"]},
        description="second-phase round -> machines whose every transition the round keeps, not ``per_trace`` of them",
    )
    prefix_subs: dict[int, int] = Field(
        {4: 2},
        description="second-phase round -> extra subtractions per SUB "
        "problem whose operands share leading digits (LEFT_MASK strips zeros)",
    )


def caef_default_pairs(recipe: CaefDefaultRecipe, split: data.Split, polish: int = 0) -> list[tuple[str, str]]:
    """(input, output) texts of the CAEF model: executor transitions of every operator's CAEF
    machines (callees included) and both aligner directions, on one split; ``polish``: the
    second phase's round (1, 2, ...) whose draws these are (seed + round, ``polish_mul_div_num``,
    digit-run variants); 0: the first phase's."""
    seed = recipe.seed + polish
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for op in ALL_OPS:
        loops = op in ("mul", "div")
        length = recipe.mul_div_len if loops else recipe.max_len
        num = recipe.polish_mul_div_num if polish and loops else recipe.num
        source = list(data.problems(op, 1, length, num, split, seed, long=False))
        if polish and op != "div":  # DIV's loop count depends on a // b: its draws stay as drawn
            variants = [digit_run(p, rng) for p in source]
            if op == "sub":
                variants += [shared_prefix(p, rng) for p in source]
                variants += [leading_zeros(p, rng) for p in source for _ in range(recipe.prefix_subs.get(polish, 0))]
            source += [v for v in variants if v and data.in_split(op, v[1].a, v[1].b, split)]
        samples = [
            *data.executor_samples(
                op, source, CAEF.name, recipe.per_trace, seed, long=False, whole=recipe.whole_traces.get(polish, ())
            ),
            *data.aligner_samples(source, long=False),
        ]
        out += [(s.input, s.output) for s in samples]
    return out


#: marks a model directory whose model also does the CAEF aligners' work (read by ``load_policy``)
CAEF_ALIGNERS = {"format": CAEF.name, "aligners": True}


def caef_operands(recipe: CaefDefaultRecipe) -> dict[str, object]:
    """The operands the CAEF model was trained on, kept in its role file: ``solve`` refuses
    others in one line before any model runs (beyond them the model fails, it does not know)."""
    return {
        "digits": recipe.max_len,
        "mul_div_digits": recipe.mul_div_len,
        "mul_b_max": data.MUL_B_MAX,
        "div_quotients": list(data.DIV_QUOTIENTS),
    }


def train_caef_default(
    out_dir: Path, recipe: CaefDefaultRecipe, resume: bool = False, install: bool = True, into_package: bool = False
) -> TrainResult:
    """Train the embedded CAEF-format model from scratch until exact on held-out samples;
    with ``install``, copy it into the user directory (``solve --format caef`` uses it;
    ``into_package``: into the package's assets)."""
    from lmarith.machines.caef import symbols
    from lmarith.models.checkpoint import write_role

    rounds = recipe.polish_rounds if recipe.polish_steps else 0
    if resume and rounds and (out_dir / "final").is_dir():  # the first phase is done
        from lmarith.models import load_model

        model, tokenizer = load_model(str(out_dir / "final"))
    else:
        train_pairs = caef_default_pairs(recipe, "train")
        tokenizer = build_char_tokenizer(words=symbols(t for pair_ in train_pairs for t in pair_))
        longest = max(len(tokenizer(i + o)["input_ids"]) for i, o in train_pairs)
        model = build_tiny_llama(
            tokenizer,
            hidden=recipe.hidden,
            layers=recipe.layers,
            heads=recipe.heads,
            intermediate=recipe.intermediate,
            max_positions=max(512, 2 * longest),
            seed=recipe.seed,
        )
        config = TrainConfig(out_dir=out_dir, **recipe.schedule(), stop_metric="test_exact", resume=resume)
        result = _train_caef_phase(model, tokenizer, train_pairs, caef_default_pairs(recipe, "test"), config, recipe)
    schedule = {
        **recipe.schedule(),
        "lr": recipe.polish_lr,
        "max_steps": recipe.polish_steps,
        "warmup_steps": min(100, recipe.polish_steps // 10),
        "eval_every": min(recipe.eval_every, recipe.polish_steps),
        "save_every": recipe.save_every,
    }
    for round_ in range(1, rounds + 1):
        # a resumed round at its end loads its last checkpoint's weights: the next round starts from them
        polish = TrainConfig(
            out_dir=out_dir / ("polish" if round_ == 1 else f"polish{round_}"), **schedule, resume=resume
        )  # type: ignore[arg-type]
        result = _train_caef_phase(
            model,
            tokenizer,
            caef_default_pairs(recipe, "train", polish=round_),
            caef_default_pairs(recipe, "test", polish=round_),
            polish,
            recipe,
        )
    write_role(result.final_dir, {**CAEF_ALIGNERS, "operands": caef_operands(recipe)})
    if install or into_package:
        _install_default(result, CAEF.name, into_package)
    return result


def _train_caef_phase(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train_pairs: list[tuple[str, str]],
    test_pairs: list[tuple[str, str]],
    config: TrainConfig,
    recipe: CaefDefaultRecipe,
) -> TrainResult:
    """One phase of the CAEF model, scored every ``eval_every`` steps on ``eval_samples``
    held-out pairs (drawn by the recipe's seed); the config says whether exactness stops it."""
    random.Random(recipe.seed).shuffle(test_pairs)
    test_pairs = test_pairs[: recipe.eval_samples]
    max_new = max(len(tokenizer(o)["input_ids"]) for _, o in test_pairs) + 8
    return train(
        model,
        tokenizer,
        [pair(i, o) for i, o in train_pairs],
        config,
        eval_fn=lambda m: {"test_exact": exact_rate(m, tokenizer, test_pairs, max_new)},
    )


Kind = Literal["executor", "aligner"]


class ExecutorRecipe(Schedule):
    """One executor or aligner: LoRA on a given model, or a full fine-tune."""

    op: str = Field(description="operator name: add, sub, mul, div, eq, gt, lt")
    kind: Kind = "executor"
    fmt: Format = DEFAULT_FORMAT
    long: bool | None = Field(None, description="schoolbook machines for - * //; None: the format decides")
    min_len: int = Field(1, description="shortest operand (digits)")
    max_len: int = Field(5, description="longest operand (digits)")
    num: int = Field(20, description="problems per (len a, len b) class")
    per_trace: int = Field(3, description="random transitions kept per trace, besides first and last")
    table: bool = Field(
        False,
        description="train on the operator's whole window table (op may be 'all': one "
        "shared adapter) and stop once greedy decoding is exact on every entry",
    )
    lora_rank: int | None = Field(16, description="LoRA rank; None: full fine-tune")
    command_tokens: bool = Field(
        False,
        description="with table: every window command one added token of the tokenizer, its "
        "embedding row trained with the LoRA, so a transition is one forward pass",
    )
    view_tokens: bool = Field(
        False,
        description="with command_tokens: the fixed parts of every view (machine and state, each "
        "register with its value) added tokens too, so a prompt is ~5 tokens instead of ~12",
    )
    eval_samples: int = Field(200, description="held-out transitions scored at each eval")
    lr: float = 1e-3
    batch_size: int = 16
    max_steps: int = 2000
    warmup_steps: int | None = Field(None, description="None: min(100, max_steps // 10)")
    eval_every: int = 200
    save_every: int = 200

    @property
    def schoolbook(self) -> bool:
        return default_long(self.fmt) if self.long is None else self.long

    @property
    def ops(self) -> tuple[str, ...]:
        return ALL_OPS if self.op.upper() == SHARED_TASK else (operator(self.op).name,)


def table_pairs(recipe: ExecutorRecipe) -> list[tuple[str, str]]:
    """The whole window table of the recipe's operators: every machine each runs (schoolbook
    for - * //, the same machines as CAEF's for + == > <), sorted for a stable order. It is
    gathered like the default's (operands up to 6 digits), ignoring --min/--max/--num."""
    if not text_format(recipe.fmt).finite_table or recipe.kind != "executor":
        raise LmarithError("--table trains window-format executors: a CAEF configuration table is not finite")
    long = True if recipe.long is None else recipe.long
    gather = DefaultRecipe()  # the operand range that saturates the table (the default's)
    return sorted(data.window_table(recipe.ops, gather.max_len, gather.per_class, recipe.seed, long).items())


def recipe_pairs(recipe: ExecutorRecipe, split: data.Split) -> list[tuple[str, str]]:
    """(input, output) texts of the recipe's data set on one split."""
    long = recipe.schoolbook
    source = data.problems(recipe.op, recipe.min_len, recipe.max_len, recipe.num, split, recipe.seed, long)
    if recipe.kind == "aligner":
        samples: Iterable[data.Sample] = data.aligner_samples(source, long)
    else:
        samples = data.executor_samples(recipe.op, source, recipe.fmt, recipe.per_trace, recipe.seed, long)
    return [(s.input, s.output) for s in samples]


def train_executor(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    recipe: ExecutorRecipe,
    out_dir: Path,
    resume: bool = False,
    base_model: str | None = None,
    install: bool = False,
    into_package: bool = False,
) -> TrainResult:
    """Train one operator's executor (all its machines' transitions) or aligner.

    The metric is exact transitions: on test-split problems, or with ``table`` on every entry
    of the window table (``table_exact``, the stop condition). ``base_model`` (the ``--model``
    spec) goes into the saved adapter's manifest, which loading checks; ``install`` copies the
    adapters (bf16) into the user directory, where ``solve`` and ``eval`` find them for that
    model before the package's (``into_package``: into the package's assets, for maintainers).
    """
    install = install or into_package
    if install and recipe.lora_rank is None:
        raise LmarithError("--install ships LoRA adapters of a named model (e.g. --model smollm2)")
    _check_install(install, base_model)
    _ = recipe.ops  # a clear error for an unknown operator, before any work
    if recipe.command_tokens and (not recipe.table or recipe.lora_rank is None):
        raise LmarithError("--command-tokens trains a LoRA adapter on the window table: add --table, drop --full")
    if recipe.view_tokens and not recipe.command_tokens:
        raise LmarithError("--view-tokens adds the views' parts beside the commands: add --command-tokens")
    if recipe.table:
        train_pairs = test_pairs = table_pairs(recipe)
        metric = "table_exact"
    else:
        train_pairs, test_pairs = recipe_pairs(recipe, "train"), recipe_pairs(recipe, "test")
        random.Random(recipe.seed).shuffle(test_pairs)
        test_pairs = test_pairs[: recipe.eval_samples]
        metric = "test_exact"
    if not train_pairs or not test_pairs:
        raise LmarithError("the recipe produced no data; widen --min/--max or raise --num")
    commands = table_commands(train_pairs) if recipe.command_tokens else []
    pieces = table_pieces(train_pairs) if recipe.view_tokens else []
    tokens = add_command_tokens(model, tokenizer, commands, pieces) if commands else None
    if recipe.lora_rank is not None:
        config = lora_config(recipe.lora_rank, target_modules=lora_targets(model), trainable_tokens=tokens)
        model = add_adapter(model, adapter_name(recipe), config)
    schedule = recipe.schedule()
    if recipe.warmup_steps is None:
        schedule["warmup_steps"] = min(100, recipe.max_steps // 10)
    config = TrainConfig(out_dir=out_dir, **schedule, stop_metric=metric, resume=resume)
    max_new = max(len(tokenizer(o)["input_ids"]) for _, o in test_pairs) + 8
    result = train(
        model,
        tokenizer,
        [pair(i, o) for i, o in train_pairs],
        config,
        eval_fn=lambda m: {metric: exact_rate(m, tokenizer, test_pairs, max_new)},
    )
    if tokens is not None:
        write_command_tokens(result.final_dir / adapter_name(recipe), commands, tokens, pieces)
    if base_model is not None:
        command = reproduce_command(recipe, base_model, out_dir, install, into_package)
        _record(result, base_model, command, install, into_package=into_package)
    return result


def _check_install(install: bool, base_model: str | None) -> None:
    """A clear error for ``--install`` without a named model, before any training."""
    if install:
        if base_model is None:
            raise LmarithError("--install ships LoRA adapters of a named model (e.g. --model smollm2)")
        asset_dir(EXECUTORS, base_model)


def _record(
    result: TrainResult,
    base_model: str,
    command: str,
    install: bool,
    adapter: str | None = None,
    into_package: bool = False,
) -> None:
    """Write the manifest (base model, version, ``command``) beside the trained adapters and, with
    ``install``, copy them into ``<user dir>/executors/<model>`` (``into_package``: the package's
    ``assets/executors/<model>``). An ``adapter`` that ships beside the
    executors (the question aligner) gets a manifest of its own; the set's manifest is written
    only when it has none yet."""
    manifest = manifest_for(base_model, EXECUTORS, command)
    write_manifest(result.final_dir, manifest)
    if not install:
        return
    target = install_dir(EXECUTORS, base_model, into_package)
    ship_adapters(result.final_dir, target)
    if adapter is not None:
        write_manifest(target / adapter, manifest)
    if adapter is None or not (target / MANIFEST).is_file():
        write_manifest(target, manifest)


def reproduce_command(
    recipe: ExecutorRecipe, base_model: str, out_dir: Path, install: bool = False, into_package: bool = False
) -> str:
    """The `lmarith train executor` line that trains this recipe again (for the manifest),
    written by the CLI's own flag table (``EXECUTOR_FLAGS``)."""
    values = dict(recipe) | {"model": base_model, "out": out_dir, "install": install, "into_package": into_package}
    return command_line(f"lmarith train {recipe.kind}", EXECUTOR_FLAGS, values)


class QuestionRecipe(Schedule):
    """The question aligner: a LoRA adapter (``QUESTION``) that reads a question in words and
    writes the expression the executors run, or ``CANNOT`` (``lmarith train question``)."""

    count: int = Field(6000, gt=0, description="training questions (train wording family)")
    max_digits: int = Field(30, gt=0, description="longest operand (digits)")
    cannot_share: float = Field(0.15, ge=0, lt=1, description="share of questions with no executor expression")
    eval_samples: int = Field(200, gt=0, description="validation questions (train family, other numbers) per eval")
    lora_rank: int = Field(
        4,
        gt=0,
        description="LoRA rank (4: ~2.5 MB in bf16 on SmolLM2, so the aligner and "
        "the rank-8 table adapter ship within 8 MB together)",
    )
    lr: float = 1e-3
    batch_size: int = 16
    max_steps: int = 1500
    warmup_steps: int = 50
    eval_every: int = 100
    save_every: int = 100
    group_by_length: bool = True  # operands of 1 to 30 digits: padded batches cost ~2x without it


def question_pairs(recipe: QuestionRecipe, split: Literal["train", "val"]) -> list[tuple[str, str]]:
    """(question, expression) pairs: the training set, or validation questions worded by the same
    family with other numbers and draws (the held-out family is for measuring, never for tuning)."""

    def draw(count: int, seed: int) -> list[tuple[str, str]]:
        rows = mappings(count, "train", max_digits=recipe.max_digits, cannot_share=recipe.cannot_share, seed=seed)
        return [(" ".join(m.question.split()), m.expression) for m in rows]

    train = draw(recipe.count, recipe.seed)
    if split == "train":
        return train
    seen = set(train)  # a question without numbers ("Tell me a joke.") can come up in both draws
    return [p for p in draw(2 * recipe.eval_samples, recipe.seed + 1) if p not in seen][: recipe.eval_samples]


def train_question_aligner(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    recipe: QuestionRecipe,
    out_dir: Path,
    resume: bool = False,
    base_model: str | None = None,
    install: bool = False,
    into_package: bool = False,
) -> TrainResult:
    """Train the question aligner until greedy decoding writes every validation expression
    (``val_exact``); ``install`` copies it beside the installed executors of ``base_model`` (the
    user directory's; ``into_package``: the package's)."""
    install = install or into_package
    _check_install(install, base_model)
    train_pairs, val_pairs = question_pairs(recipe, "train"), question_pairs(recipe, "val")
    model = add_adapter(model, QUESTION_TASK, lora_config(recipe.lora_rank, target_modules=lora_targets(model)))
    config = TrainConfig(out_dir=out_dir, **recipe.schedule(), stop_metric="val_exact", resume=resume)
    max_new = max(len(tokenizer(o)["input_ids"]) for _, o in val_pairs) + 8
    result = train(
        model,
        tokenizer,
        [pair(i, o, QUESTION_TASK) for i, o in train_pairs],
        config,
        eval_fn=lambda m: {"val_exact": exact_rate(m, tokenizer, val_pairs, max_new, QUESTION_TASK)},
    )
    if base_model is not None:
        command = question_command(recipe, base_model, out_dir, install, into_package)
        _record(result, base_model, command, install, adapter=QUESTION_TASK, into_package=into_package)
    return result


def question_command(
    recipe: QuestionRecipe, base_model: str, out_dir: Path, install: bool = False, into_package: bool = False
) -> str:
    """The `lmarith train question` line that trains this aligner again (for the manifest),
    written by the CLI's own flag table (``QUESTION_FLAGS``)."""
    values = dict(recipe) | {"model": base_model, "out": out_dir, "install": install, "into_package": into_package}
    return command_line("lmarith train question", QUESTION_FLAGS, values)


def adapter_name(recipe: ExecutorRecipe) -> str:
    """Adapter names follow the runtime's task names: the machine, or ``ALIGN_`` + machine; a
    table adapter serves its operator (``SUB``), or every task (``ALL``)."""
    if recipe.table:
        return recipe.op.upper()
    machine_name = operator(recipe.op).long if recipe.schoolbook else operator(recipe.op).caef
    return aligner_task(machine_name) if recipe.kind == "aligner" else machine_name


__all__ = [
    "CaefDefaultRecipe",
    "DefaultRecipe",
    "caef_default_pairs",
    "train_caef_default",
    "ExecutorRecipe",
    "QuestionRecipe",
    "adapter_name",
    "question_command",
    "question_pairs",
    "train_question_aligner",
    "exact_rate",
    "recipe_pairs",
    "reproduce_command",
    "table_pairs",
    "train_default",
    "train_executor",
]
