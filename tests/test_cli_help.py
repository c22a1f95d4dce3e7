"""`feoc --help` lists the commands in the order it always has (validate, report, screen, then the groups);
issue 17 adds `convert` after screen, issue 18 `test` and `schema` after it, issue 19 `serve` after those."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from feoc.cli import app


def test_help_lists_the_commands_in_their_old_order():
    out = CliRunner().invoke(app, ["--help"], terminal_width=100).output
    names = re.findall(r"^│ (\w+) ", out, flags=re.M)
    assert names == ["validate", "report", "screen", "convert", "test", "serve", "schema", "check", "rules", "import"], out


def test_screen_help_promises_no_exit_5_for_a_contested_row():
    """`feoc screen` marks a contested entity in its `status` column and exits 0 (the screen was done);
    its --help must not promise the `check` commands' exit 5."""
    runner = CliRunner()
    out = runner.invoke(app, ["screen", "--help"], terminal_width=200).output
    assert "exit 5" not in out and "contested" in out
    seeds = str(Path(__file__).resolve().parents[1] / "seeds")
    assert runner.invoke(app, ["screen", "--on", "2024-06-01", "--data", seeds]).exit_code == 0
    assert "exit 5" in runner.invoke(app, ["check", "entity", "--help"], terminal_width=200).output
