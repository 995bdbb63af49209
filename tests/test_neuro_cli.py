"""`lmarith neuro ...`: bad input gives one line and exit 2; a --quick run produces the report;
`ask` and `chat` talk to its intervention."""

import io
import json
import re
import shutil
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from statistics import fmean

import pytest
import torch

from lmarith.cli import main
from lmarith.models.loading import prepare_tokenizer, save_model
from lmarith.models.tiny import build_tiny_llama
from lmarith.models.tokenizer import build_char_tokenizer
from lmarith.questions.prompts import parse_answer
from lmarith.questions.rules import PROBLEM_TYPES

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tokenizer = prepare_tokenizer(build_char_tokenizer())
    return save_model(build_tiny_llama(tokenizer, hidden=32, layers=2, heads=2), tokenizer,
                      tmp_path_factory.mktemp("tiny") / "model")


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
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a[:1] + a[2:3]) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path, tiny_dir: Path,
                                          monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "r2").mkdir()
    (tmp_path / "r2" / "run.json").write_text("{}")
    args = [a.format(tmp=tmp_path, model=tiny_dir) for a in args]
    code, _, err = _cli(monkeypatch, capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_data_writes_the_paper_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _cli(monkeypatch, capsys, "data", tmp_path / "d.csv", "--count", "3", "--phrasing", "heldout")
    assert code == 0 and "wrote 24 questions" in out
    assert (tmp_path / "d.csv").read_text().startswith("problem_type,x,y,question,solution\n")


@pytest.fixture(scope="module")
def quick_run(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """One --quick run of the tiny model (gather, train with a trained CoT, eval): its directory
    and each step's stdout."""
    run, outputs = tmp_path_factory.mktemp("quick") / "run", []
    with pytest.MonkeyPatch.context() as patch:
        for args in (["gather", "--run", run, "--quick", "--model", tiny_dir], ["train", "--run", run, "--cot-train"],
                     ["eval", "--run", run, "--json", run.parent / "eval.json"]):
            patch.setattr(sys, "argv", ["lmarith", "neuro", *map(str, args)])
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as stop:
                main()
            assert not stop.value.code, err.getvalue()
            outputs.append(out.getvalue())
    return run, outputs


def test_quick_run_writes_every_report_key(quick_run: tuple[Path, list[str]], tiny_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
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


def test_ask_replies_as_the_evaluation_did_with_the_answer_last(quick_run: tuple[Path, list[str]],
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture) -> None:
    run, _ = quick_run
    example = json.loads((run / "eval.json").read_text())["neurosymbolic"]["examples"][0]
    code, out, err = _cli(monkeypatch, capsys, "ask", example["question"], "--run", run, "--max-new-tokens", "8")
    assert code == 0, err
    *reply, last = out.splitlines()
    assert "\n".join(reply) == example["reply"].strip()  # the same prompt, hook and decoder as the evaluation
    assert last == f"answer: {parse_answer(example['reply'])}".replace("None", "none")
    code, out, _ = _cli(monkeypatch, capsys, "ask", example["question"], "--run", run, "--explain")
    lines = out.splitlines()
    assert code == 0 and [line.split(":")[0] for line in lines] == [
        "type", "a", "b", "gate", "reply, hook on", "reply, hook off", "answer"]
    assert re.fullmatch(r"gate: (open, engine answer \d+|shut \((type score below threshold|no two numbers read|"
                        r"digit margin below minimum|untrained type|the engine cannot answer what it read)\))", lines[3])
    assert lines[-1] == last  # the same answer, explained or not


def test_ask_reads_stdin_one_reply_per_line_and_chat_keeps_going(quick_run: tuple[Path, list[str]],
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture) -> None:
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


def test_ask_without_a_run_uses_the_shipped_intervention_once_there_is_one(
        quick_run: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    from lmarith.evaluation import neuro_run

    code, _, err = _cli(monkeypatch, capsys, "ask", "What is 3 mod 2?")
    assert code == 2 and err.count("\n") == 1 and "pass --run" in err  # none ships yet
    monkeypatch.setattr(neuro_run, "files", lambda _package: tmp_path)
    (tmp_path / "assets" / "neuro").mkdir(parents=True)
    assert neuro_run.shipped_intervention_dir() is None  # an empty folder is no intervention
    shutil.copytree(quick_run[0], tmp_path / "assets" / "neuro", dirs_exist_ok=True)
    assert neuro_run.shipped_intervention_dir() == tmp_path / "assets" / "neuro"
    assert _cli(monkeypatch, capsys, "ask", "What is 3 mod 2?")[0] == 0


@pytest.mark.parametrize(("args", "message"), [
    (["ask", "  ", "--run", "{run}"], "the question is empty"),
    (["ask", "hi", "--run", "{tmp}/none"], "no run in"),
    (["chat", "--run", "{tmp}"], "no run in"),
])
def test_ask_and_chat_bad_input_is_one_line_and_exit_2(args: list[str], message: str, quick_run: tuple[Path, list[str]],
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    code, _, err = _cli(monkeypatch, capsys, *[a.format(run=quick_run[0], tmp=tmp_path) for a in args])
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_the_neuro_commands_import_nothing_heavy_until_they_run() -> None:
    import ast

    import lmarith.cli.neuro as module

    tree = ast.parse(Path(module.__file__).read_text())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name for n in top if isinstance(n, ast.Import) for a in n.names} | {
        n.module for n in top if isinstance(n, ast.ImportFrom)}
    assert names == {"__future__", "json", "sys", "pathlib", "typing", "typer", "lmarith.cli.app", "lmarith.errors",
                     "lmarith.questions.question", "lmarith.questions.rules"}


def test_test_split_follows_test_per_type_and_training_splits_stay(tmp_path: Path) -> None:
    from lmarith.evaluation.neuro_run import open_run, split_questions

    config = open_run(tmp_path, {"test_per_type": 2}, create=True, quick=True)
    first, train = split_questions(tmp_path, config, "test"), split_questions(tmp_path, config, "train")
    assert len(first) == 2 * 10
    config = open_run(tmp_path, {"test_per_type": 3})
    assert len(split_questions(tmp_path, config, "test")) == 3 * 10
    assert split_questions(tmp_path, config, "train") == train
    negatives = split_questions(tmp_path, config, "negatives")
    assert len(negatives) == config.negatives and {p.problem_type for p in negatives} == {"foreign"}
