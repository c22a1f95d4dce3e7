"""`feoc --help` lists the commands in the order it always has (validate, report, screen, then the groups)."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from feoc.cli import app


def test_help_lists_the_commands_in_their_old_order():
    out = CliRunner().invoke(app, ["--help"], terminal_width=100).output
    names = re.findall(r"^│ (\w+) ", out, flags=re.M)
    assert names == ["validate", "report", "screen", "check", "rules", "import"], out
