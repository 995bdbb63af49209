"""Data files in the original CAEF code's shape, byte for byte, and the data settings
(``--prompt``, ``--init``, ``--separate``, mixed operators)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmarith import data
from lmarith.data.instructions import INSTRUCTIONS
from lmarith.errors import LmarithError
from lmarith.machines.caef import HALT_LINE
from lmarith.machines.core import MACHINES
from lmarith.machines.problems import parse_problem

# The ADD executor sample of the CAEF reference (shared/spec/caef.md, "Data and evaluation"),
# as the original writes it.
SPEC_RECORD = (
    '{"instruction": "ADD, q1,  [HEAD1]|1 [HEAD2]|1|2 [C]0 [OUTPUT]\\nCMD: [C] 0, [OUTPUT] 2, [OUTPUT] RIGHT, '
    '[HEAD1] RIGHT, [HEAD2] RIGHT, q1\\n", "input": "", "output": "ADD, q1,  |1[HEAD1] |1[HEAD2]|2 [C]0 '
    '|2[OUTPUT]\\nCMD: [C] 0, [OUTPUT] 2, [OUTPUT] RIGHT, [HEAD2] RIGHT, q1\\n"}'
)


def classed(*problems: str) -> list[data.Classed]:
    return [((len(str(p.a)), len(str(p.b))), p) for p in map(parse_problem, problems)]


def texts(samples: list[data.Sample]) -> list[tuple[str, str]]:
    return [(s.input, s.output) for s in samples]


def test_the_spec_executor_record_byte_for_byte() -> None:
    sample = list(data.executor_samples("add", classed("1+21"), "caef"))[1]
    text = data.dumps([sample], "records")
    record = json.loads(SPEC_RECORD)
    assert text == (
        "[\n{\n"
        f'    "instruction": {json.dumps(record["instruction"])},\n'
        '    "input": "",\n'
        f'    "output": {json.dumps(record["output"])}\n'
        "}\n]\n"
    )
    assert json.dumps(json.loads(text)[0]) == SPEC_RECORD


def test_the_spec_raw_record_byte_for_byte() -> None:
    samples = list(data.raw_samples(classed("0+8")))
    assert data.dumps(samples, "pairs") == '{"prompt": "0+8=", "response": "8"}\n'


def test_train_list_layout() -> None:
    samples = [data.Sample((1, 1), "A\nB", "C\nD"), data.Sample((1, 1), "1+2=", "3")]
    assert data.dumps(samples, "records") == (
        '[\n{\n    "instruction": "A\\nB\\n",\n    "input": "",\n    "output": "C\\nD\\n"\n},\n'
        '{\n    "instruction": "1+2=",\n    "input": "",\n    "output": "3"\n}\n]\n'
    )


@pytest.mark.parametrize(
    "kind,split,layout",
    [
        ("executor", "train", "records"),
        ("aligner", "train", "records"),
        ("raw", "train", "pairs"),
        ("executor", "test", "pairs"),
        ("aligner", "test", "pairs"),
        ("raw", "test", "pairs"),
    ],
)
def test_layout_per_kind_and_split(kind: str, split: data.Split, layout: data.Layout) -> None:
    assert data.layout(kind, split) == layout


def test_aligner_texts_end_in_a_newline_where_the_original_has_one() -> None:
    text = data.dumps(list(data.aligner_samples(classed("345+678"))), "records")
    to_machine, to_answer = json.loads(text)
    assert to_machine["instruction"] == "345+678="
    assert (
        to_machine["output"]
        == "ADD, q0, [HEAD1] |5|4|3[HEAD2] |8|7|6 [C] [OUTPUT]\nCMD: [C] 0, [HEAD1] RIGHT, [HEAD2] RIGHT, q1\n"
    )
    assert to_answer["instruction"] == f"ADD, qH,  |5|4|3[HEAD1] |8|7|6[HEAD2] [C]1 |3|2|0|1\n{HALT_LINE}\n"
    assert to_answer["output"] == "345+678=1023"


@pytest.mark.parametrize(
    "make",
    [
        lambda: data.executor_samples("sub", classed("47819-12345", "5-5"), "caef"),
        lambda: data.executor_samples("mul", classed("12*3"), "window", long=True),
        lambda: data.executor_samples("div", classed("4531//1504"), "caef", prompt=True),
        lambda: data.aligner_samples(classed("45263==45263", "7<12")),
        lambda: data.init_samples(classed("12*3"), prompt=True),
        lambda: data.raw_samples(classed("381+350", "9>10")),
    ],
    ids=["executor-caef", "executor-window", "executor-prompt", "aligner", "init", "raw"],
)
@pytest.mark.parametrize("layout", ["records", "pairs"])
def test_round_trips_are_exact(tmp_path: Path, make, layout: data.Layout) -> None:  # type: ignore[no-untyped-def]
    samples = list(make())
    path = tmp_path / "set.json"
    data.write(samples, path, layout)
    back = data.read(path)
    assert texts(back) == texts(samples) and all(s.cls is None for s in back)
    assert data.dumps(back, layout) == path.read_text()


def test_reader_takes_the_text_from_instruction_or_input() -> None:
    old = '[{"instruction": "", "input": "1+2=", "output": "3"}]'
    assert texts(data.loads(old)) == [("1+2=", "3")]


@pytest.mark.parametrize("text", ['{"prompt": "1+2="}\n', "[{]", '[{"instruction": "x"}]', "[1]"])
def test_reader_refuses_other_files_in_one_line(text: str) -> None:
    with pytest.raises(LmarithError, match="not a CAEF data file") as err:
        data.loads(text)
    assert "\n" not in str(err.value)


def test_every_machine_has_an_ascii_instruction() -> None:
    assert set(INSTRUCTIONS) == set(MACHINES)
    assert all(text.isascii() and "\n" not in text for text in INSTRUCTIONS.values())


def test_prompt_puts_the_stepping_machines_instruction_before_the_input() -> None:
    plain = list(data.executor_samples("sub", classed("47819-12345"), "caef"))
    prompted = list(data.executor_samples("sub", classed("47819-12345"), "caef", prompt=True))
    assert [s.output for s in prompted] == [s.output for s in plain]
    for p, s in zip(prompted, plain):
        assert p.input == f"{INSTRUCTIONS[s.input.split(',', 1)[0]]}\n{s.input}"
    assert {s.input.split(",", 1)[0] for s in plain} == {"SUB", "REFLECTION", "ADD", "LEFT_MASK"}


def test_whole_keeps_every_transition_of_the_named_machines_only() -> None:
    problems = classed("98765432109-12345678901")
    sampled, whole = (
        texts(list(data.executor_samples("sub", problems, "caef", 2, whole=w))) for w in ((), {"LEFT_MASK"})
    )

    def of(name: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [pair for pair in pairs if pair[0].startswith(name + ",")]

    assert len(of("LEFT_MASK", sampled)) == 4  # first, last and 2 between
    assert len(of("LEFT_MASK", whole)) > 10 and set(of("LEFT_MASK", sampled)) < set(of("LEFT_MASK", whole))
    assert {len(of(name, whole)) for name in ("SUB", "REFLECTION")} == {4}


def test_init_pairs_are_whole_runs() -> None:
    add, sub = data.init_samples(classed("345+678", "12-7"))
    assert (
        add.input == "ADD, q0, [HEAD1] |5|4|3[HEAD2] |8|7|6 [C] [OUTPUT]\nCMD: [C] 0, [HEAD1] RIGHT, [HEAD2] RIGHT, q1"
    )
    assert add.output == f"ADD, qH,  |5|4|3[HEAD1] |8|7|6[HEAD2] [C]1 |3|2|0|1\n{HALT_LINE}"
    assert (sub.input, sub.output) == (
        "SUB, q0, [HEAD1]|2|1 [HEAD2]|7 \nCMD q1",
        f"SUB, qH, [HEAD1]|2|1 [HEAD2]|7 |5\n{HALT_LINE}",
    )


def test_operator_lists() -> None:
    assert data.operator_names("add") == ["add"]
    assert data.operator_names("add, -,add") == ["add", "sub"]
    assert data.operator_names("all") == ["add", "sub", "mul", "div", "eq", "gt", "lt"]
    with pytest.raises(LmarithError, match="unknown operator 'pow'"):
        data.operator_names("add,pow")


def test_mixed_sets_are_shuffled_by_seed_and_one_operator_is_not() -> None:
    one = data.mixed_problems(["add"], 1, 2, 3, "train", seed=0)
    assert one == list(data.problems("add", 1, 2, 3, "train", seed=0))
    mixed = data.mixed_problems(["add", "eq"], 1, 2, 3, "train", seed=0)
    assert mixed == data.mixed_problems(["add", "eq"], 1, 2, 3, "train", seed=0)
    assert mixed != data.mixed_problems(["add", "eq"], 1, 2, 3, "train", seed=1)
    assert sorted(map(str, mixed)) == sorted(map(str, one + list(data.problems("eq", 1, 2, 3, "train", seed=0))))
    assert mixed[: len(one)] != one


def test_generate_mixed_aligner_set(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "aligner.json"
    code, stdout, stderr = cli("generate", "aligner", "--op", "all", "--max", "2", "--num", "2", "--out", str(path))
    assert code == 0, stderr
    samples = data.read(path)
    ops = {s.input.split(",", 1)[0] for s in samples if "\n" in s.input}
    assert ops == {"ADD", "SUB", "MUL", "DIV", "EQUAL", "GREATER_THAN", "LESS_THAN"}
    assert "add,sub,mul,div,eq,gt,lt" in stdout


def test_generate_separate_writes_aligned_part_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sub_test.jsonl"
    code, stdout, stderr = cli(
        "generate",
        "raw",
        "--op",
        "sub",
        "--min",
        "2",
        "--max",
        "3",
        "--num",
        "2",
        "--split",
        "test",
        "--separate",
        "--out",
        str(path),
    )
    assert code == 0, stderr
    raw = data.read(path)
    parts = {
        part: data.read(tmp_path / f"sub_test.{part}.jsonl") for part in ("executor", "aligner_input", "aligner_output")
    }
    assert raw and all(len(p) == len(raw) for p in parts.values())
    for r, e, i, o in zip(raw, parts["executor"], parts["aligner_input"], parts["aligner_output"]):
        assert i.input == r.input and i.output == e.input and e.input.startswith("SUB, q0, ")
        assert e.output == o.input and o.input.startswith("SUB, qH, ") and o.output == r.input + r.output
    first = (tmp_path / "sub_test.executor.jsonl").read_text().splitlines()[0]
    assert json.loads(first)["response"].endswith(f"{HALT_LINE}\n")
    assert "sub_test.aligner_output.jsonl" in stdout


def test_generate_executor_prompt_and_init(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "init.json"
    code, _, stderr = cli(
        "generate", "executor", "--op", "add", "--max", "1", "--num", "1", "--init", "--prompt", "--out", str(path)
    )
    assert code == 0, stderr
    records = json.loads(path.read_text())
    assert records[0]["instruction"].startswith(INSTRUCTIONS["ADD"] + "\nADD, q0, ")
    assert records[0]["output"].startswith("ADD, qH, ") and records[0]["output"].endswith(f"{HALT_LINE}\n")


@pytest.mark.parametrize(
    "args,message",
    [
        (["aligner", "--op", "add,pow"], "unknown operator 'pow'"),
        (["aligner", "--op", "add", "--prompt"], "executor data"),
        (["raw", "--op", "add", "--init"], "executor data"),
        (["executor", "--op", "add", "--init", "--format", "window"], "--format caef"),
        (["executor", "--op", "add", "--split", "test", "--separate"], "raw test"),
        (["raw", "--op", "add", "--separate"], "raw test"),
    ],
    ids=["unknown-in-list", "prompt-aligner", "init-raw", "init-window", "separate-executor", "separate-train"],
)
def test_generate_bad_settings_are_one_line_and_exit_2(cli, tmp_path: Path, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.json"
    code, stdout, stderr = cli("generate", *args, "--out", str(out))
    assert code == 2 and stdout == "" and not out.exists()
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("error: ") and message in stderr
