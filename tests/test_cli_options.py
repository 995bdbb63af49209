"""The CLI's options: built once from the flag tables (``lmarith.models.flags``), which also
write the manifests' commands, so a command written from a config parses back to that config;
``neuro run`` takes every option its steps take; one default format; a leading minus is an
operand error; switches show no value placeholder; `ask --method neuro --json`."""

from __future__ import annotations

import json
import shlex
import sys
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
import typer

from lmarith.cli import app
from lmarith.errors import LmarithError
from lmarith.models.flags import EXECUTOR_FLAGS, QUESTION_FLAGS, RUN_FLAGS, STEPS, VALUE, Flag, command_line


def _commands() -> dict[tuple[str, ...], object]:
    """Every command of the CLI by its path (``("neuro", "run")``), groups included."""
    found: dict[tuple[str, ...], object] = {}

    def walk(command: object, path: tuple[str, ...]) -> None:
        found[path] = command
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


def _options(path: tuple[str, ...]) -> set[str]:
    """The option spellings of one command (both sides of a switch), --help left out."""
    command = _commands()[path]
    return {name for p in command.params for name in (*p.opts, *getattr(p, "secondary_opts", ()))} - {"--help"}  # type: ignore[attr-defined]


# --- the tables ------------------------------------------------------------------------------


def test_every_run_flag_sets_a_run_option_and_belongs_to_a_step() -> None:
    from lmarith.neurosymbolic.run import RunConfig

    for flag in RUN_FLAGS:
        assert flag.field in RunConfig.model_fields, flag
        assert flag.steps and set(flag.steps) <= set(STEPS), flag
    spellings = [f.flag for f in RUN_FLAGS]
    assert len(spellings) == len(set(spellings))


def test_the_recipe_tables_name_recipe_options_or_the_commands_own() -> None:
    from lmarith.executors.recipes import ExecutorRecipe, QuestionRecipe

    own = {"model", "out", "install", "into_package"}
    assert {f.field for f in EXECUTOR_FLAGS} - own <= set(ExecutorRecipe.model_fields)
    assert {f.field for f in QUESTION_FLAGS} - own <= set(QuestionRecipe.model_fields)


def test_a_flag_writes_values_switches_and_lists() -> None:
    flags = (
        Flag("types", "--types", items=str),
        Flag("mod1000", "--mod1000", bool, off="--no-mod1000"),
        Flag("table", "--table", bool),
        Flag("min_len", "--min", int, unless="table"),
        Flag("lora_rank", "--full", bool, sets=None),
        Flag("lora_rank", "--lora-rank", int),
    )
    assert flags[0].sets is VALUE and flags[4].name == "full" and flags[1].declaration == "--mod1000/--no-mod1000"
    values = {"types": ("gcd", "lcm"), "mod1000": False, "table": False, "min_len": 2, "lora_rank": None}
    assert command_line("x", flags, values) == "x --types gcd,lcm --no-mod1000 --min 2 --full"
    values |= {"mod1000": True, "table": True, "lora_rank": 8}
    assert command_line("x", flags, values) == "x --types gcd,lcm --mod1000 --table --lora-rank 8"


# --- round trips: config -> command line -> the CLI's parse -> the same config ---------------


def _args(command: str, **replace: str) -> list[str]:
    words = shlex.split(command)[1:]  # without "lmarith"
    return [replace.get(word, word) for word in words]


def test_a_run_command_parses_back_to_its_config(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from lmarith.cli import neuro
    from lmarith.neurosymbolic.run import RunConfig, read_run, run_command

    for name in ("train.csv", "val.csv"):
        (tmp_path / name).write_text("problem_type,x,y,question,solution\n")
    config = RunConfig(
        model=str(tmp_path / "model"),
        layer=12,
        encoder="linear-last",
        inject="last",
        strength=0.3,
        threshold=0.7,
        digit_margin=0.0,
        position_dropout=0.0,
        slot_read="hard",
        types=("gcd", "lcm"),
        train_per_type=50,
        digits=2,
        x_greater=True,
        mod1000=False,
        numbers="words",
        prompt="paper",
        seed=3,
        encoder_epochs=7,
        finetune_epochs=2,
        finetune_lr=0.05,
        batch_size=4,
        train_csv=str(tmp_path / "train.csv"),
        val_csv=str(tmp_path / "val.csv"),
        bad_solutions="drop",
    )
    command = run_command(config)
    assert "(with" not in command and "--x-greater" in command and "--no-mod1000" in command

    def stop(config: RunConfig, device: str | None) -> None:
        raise LmarithError("stopped before the model loads")

    monkeypatch.setattr(neuro, "_load", stop)
    run = tmp_path / "run"
    code, _, err = cli(*_args(command, RUN=str(run)))
    assert code == 2 and "stopped before the model loads" in err
    assert read_run(run) == config


def _captured_recipe(cli, monkeypatch: pytest.MonkeyPatch, command: str) -> tuple:  # type: ignore[no-untyped-def]
    from lmarith.cli import train

    seen: list[tuple] = []
    monkeypatch.setattr(train, "_train_recipe", lambda *args: seen.append(args))
    code, _, err = cli(*_args(command))
    assert code == 0, err
    return seen[0]


@pytest.mark.parametrize(
    "options,install",
    [
        ({"op": "all", "long": True, "table": True, "lora_rank": 8, "max_steps": 3000}, True),  # the shipped set
        ({"op": "sub", "kind": "aligner", "fmt": "caef", "long": False, "min_len": 2, "max_len": 7, "num": 9}, False),
        ({"op": "mul", "lora_rank": None, "lr": 3e-4, "batch_size": 4, "mixed_precision": "bf16"}, False),
    ],
    ids=["shipped", "caef-aligner", "full-bf16"],
)
def test_a_reproduce_command_parses_back_to_its_recipe(  # type: ignore[no-untyped-def]
    options: dict, install: bool, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lmarith.executors.recipes import ExecutorRecipe, reproduce_command

    recipe = ExecutorRecipe(**{"long": True, "eval_every": 100, "save_every": 100} | options)
    command = reproduce_command(recipe, "smollm2", Path("runs/x"), install=install)
    parsed, model, out, _resume, installs, into_package = _captured_recipe(cli, monkeypatch, command)
    assert (parsed, model, out, installs, into_package) == (recipe, "smollm2", Path("runs/x"), install, False)


def test_a_question_command_parses_back_to_its_recipe(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import lmarith.models
    from lmarith.executors import recipes

    recipe = recipes.QuestionRecipe(count=12000, max_steps=800, lr=5e-4, mixed_precision="bf16")
    command = recipes.question_command(recipe, "smollm2", Path("runs/q"), into_package=True)
    assert command.endswith("--bf16 --into-package")
    seen: list[tuple] = []
    fake = SimpleNamespace(train=lambda: None)
    monkeypatch.setattr(lmarith.models, "load_model", lambda model: (fake, None), raising=False)
    monkeypatch.setattr(recipes, "train_question_aligner", lambda *args, **kwargs: seen.append((args, kwargs)) or 0)
    monkeypatch.setattr("lmarith.cli.train._report", lambda result: None)
    code, _, err = cli(*_args(command))
    assert code == 0, err
    (args, kwargs) = seen[0]
    assert args[2:4] == (recipe, Path("runs/q")) and kwargs["base_model"] == "smollm2" and kwargs["into_package"]


# --- what the commands take --------------------------------------------------------------------


def test_neuro_run_takes_every_option_its_steps_take() -> None:
    steps = set().union(*(_options(("neuro", step)) for step in STEPS))
    missing = steps - _options(("neuro", "run"))
    assert not missing, f"neuro run lacks {sorted(missing)}"
    for needed in ("--strength", "--threshold", "--digit-margin", "--scan-layers", "--batch-size", "--encoder-epochs"):
        assert needed in _options(("neuro", "run")) and needed in steps
    # the spellings runs and scripts already use
    for kept in (
        "--count",
        "--x-greater",
        "--any-order",
        "--no-mod1000",
        "--cot-prompt",
        "--train-csv",
        "--test-count",
    ):
        assert kept in _options(("neuro", "run"))
    assert {"--words-count", "--json", "--quick", "--run", "--methods"} <= _options(("neuro", "run"))


def test_trace_solve_and_eval_default_to_the_registrys_format(cli) -> None:  # type: ignore[no-untyped-def]
    from lmarith.formats import DEFAULT_FORMAT

    for path in (("trace",), ("solve",), ("eval",)):
        [option] = [p for p in _commands()[path].params if "--format" in p.opts]  # type: ignore[attr-defined]
        assert option.default.value == DEFAULT_FORMAT, path
    machines = []
    for command in ("trace", "solve"):
        code, out, err = cli(command, "12*34", "--json")
        assert code == 0, err
        machines.append(json.loads(out)["machine"])
    assert machines == ["LONG_MUL", "LONG_MUL"]


@pytest.mark.parametrize(
    "args",
    [
        ("solve", "-5+3"),
        ("trace", "-5+3"),
        ("solve", "--", "-5+3"),
        ("solve", "-5+3", "--json"),
        ("trace", "--json", "-12*4"),
        ("solve", "5+-3"),
    ],
)
def test_a_leading_minus_is_an_operand_error_not_an_option(args: tuple[str, ...], cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(*args)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("error: ") and "non-negative" in err and "No such option" not in err


def test_an_option_value_may_still_start_with_a_minus(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("solve", "1+2", "--max-steps", "-5")
    assert code == 2 and "non-negative" not in err  # the value reached --max-steps (and was refused there)
    code, _, err = cli("solve", "1+2", "--bogus")
    assert code == 2 and "No such option" in err


def test_no_help_shows_a_value_placeholder_on_a_switch(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "200")
    for path in _commands():
        code, out, err = cli(*path, "--help")
        assert code == 0, (path, err)
        for odd in ("<bool>", "BOOLEAN", "[default: None]"):
            assert odd not in out, (path, odd)
    code, out, _ = cli("solve", "--help")
    assert "--json " in out and "--long" in out and "--caef-machines" in out


# --- ask --method neuro --json ---------------------------------------------------------------


class _Asker:
    """Stands in for a loaded model and intervention: replies "The answer is 2.", gate open."""

    model = SimpleNamespace(config=SimpleNamespace(name_or_path="/models/tiny"))
    neuro = None

    def __init__(self) -> None:
        self.asked: list[str] = []

    def ask(self, question: str, *, hook_off: bool = False) -> SimpleNamespace:
        self.asked.append(question)
        return SimpleNamespace(text=" The answer is 2. ", reading=SimpleNamespace(gate=True, answer=2))


def test_ask_method_neuro_json_prints_one_record_per_question(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from lmarith import api

    fake = _Asker()
    monkeypatch.setattr(api, "load_asker", lambda run, device, max_new_tokens: fake)
    code, out, err = cli("ask", "What is 12 mod 5?", "--method", "neuro", "--json")
    assert code == 0, err
    record = json.loads(out)
    assert set(record) == {"question", "answer", "correct", "reply", "gate", "computed", "engine_answer", "seconds"}
    assert (record["question"], record["answer"], record["reply"], record["gate"], record["computed"]) == (
        "What is 12 mod 5?",
        2,
        "The answer is 2.",
        True,
        True,
    )
    monkeypatch.setattr(sys, "stdin", StringIO("What is 12 mod 5?\n\nWhat is 7 mod 5?\n"))
    code, out, _ = cli("neuro", "ask", "--json")
    assert code == 0 and [json.loads(line)["question"] for line in out.splitlines()] == [
        "What is 12 mod 5?",
        "What is 7 mod 5?",
    ]
    code, out, _ = cli("ask", "What is 12 mod 5?", "--method", "neuro")
    assert out.splitlines() == [  # as `neuro ask` prints it
        "The answer is 2.",
        "answer: 2 (computed: the engine's answer 2 went into the reply)",
    ]


def test_ask_each_answers_each_question_before_reading_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    from lmarith import api

    fake, read = _Asker(), []
    monkeypatch.setattr(api, "load_asker", lambda run, device, max_new_tokens: fake)

    def questions():  # type: ignore[no-untyped-def]
        for question in ("What is 12 mod 5?", "What is 7 mod 5?"):
            read.append(question)
            yield question

    answers = api.ask_each(questions(), method="neuro", cache=False)
    assert read == []  # loaded, nothing read yet
    first = next(answers)
    assert read == ["What is 12 mod 5?"] and first.answer == 2 and first.computed  # type: ignore[union-attr]
    assert [a.question for a in answers] == ["What is 7 mod 5?"]
    with pytest.raises(LmarithError, match="unknown method"):
        api.ask_each([], method="words")  # type: ignore[arg-type]
