"""The `feoc` command line: parse → the Law → load → a verdict → a renderer, one module per command group.

`app.py` holds the typer app and what the commands share; `check.py`, `rules.py` (validate, rules,
import), `report.py` and `screen.py` register their commands on it when imported here, in the order
`feoc --help` lists them (typer shows the commands first, then the groups). The console script is
`feoc.cli:main`; `python -m feoc` and `python -m feoc.cli` run the same.
"""

from __future__ import annotations

import sys

# imported in registration order, not sorted: --help lists the commands (validate, report, screen) and then
# the groups (check, rules, import), each in the order registered, as feoc always has
# isort: off
from feoc.cli import check as _check  # noqa: F401
from feoc.cli import rules as _rules  # noqa: F401  (validate, rules, import)
from feoc.cli import report as _report  # noqa: F401
from feoc.cli import screen as _screen  # noqa: F401
# isort: on
from feoc.cli.app import app
from feoc.data.problems import InputError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `feoc` console script."""
    try:
        app()
    except InputError as exc:  # a command that did not catch its own input errors
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        sys.exit(2)
