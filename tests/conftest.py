"""Shared fixtures."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

CliRun = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRun:
    """Run `lmarith ARGS...` in this process (as the console script would, through ``main``):
    returns (exit code, stdout, stderr). In-process, so torch is imported once per session."""

    from lmarith.cli import main  # imported here: the CLI pulls in torch, most tests need not

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["lmarith", *args])
        with pytest.raises(SystemExit) as stop:
            main()
        out = capsys.readouterr()
        return int(stop.value.code or 0), out.out, out.err

    return run
