"""`lmarith neuro ...`: bad input gives one line and exit 2; a --quick run produces the report."""

import json
import sys
from pathlib import Path

import pytest
import torch

from lmarith.cli import main
from lmarith.models.loading import prepare_tokenizer, save_model
from lmarith.models.tiny import build_tiny_llama
from lmarith.models.tokenizer import build_char_tokenizer

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


def test_quick_run_writes_every_report_key(tmp_path: Path, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture) -> None:
    run = tmp_path / "run"
    code, _, err = _cli(monkeypatch, capsys, "gather", "--run", run, "--quick", "--model", tiny_dir)
    assert code == 0, err
    assert _cli(monkeypatch, capsys, "train", "--run", run, "--cot-train")[0] == 0  # CoT as a trained LoRA
    code, out, _ = _cli(monkeypatch, capsys, "eval", "--run", run, "--json", tmp_path / "eval.json")
    assert code == 0 and "unrelated prompts" in out
    report = json.loads((tmp_path / "eval.json").read_text())
    for method in ("base", "cot", "lora", "neurosymbolic"):
        assert {"accuracy", "cross_entropy", "per_type"} <= set(report[method])
        assert 0 <= report[method]["accuracy"] <= 1
    assert {"hook_off", "hook_on"} <= set(report["unrelated"])
    assert report["cot"]["trained"] is True
    # every step resumes: running gather again writes nothing new
    code, out, _ = _cli(monkeypatch, capsys, "gather", "--run", run, "--quick", "--model", tiny_dir)
    assert code == 0 and "0 new shards" in out


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
