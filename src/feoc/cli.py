"""The `feoc` command line: a thin shell over load, analysis, engine, verdicts and reporters.

Exit codes: 0 = pass (valid / not a FEOC / eligible), 1 = fail (a FEOC / not eligible / stale reports),
2 = usage or input error. Input problems are printed as `file:line: what — fix`, never as a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .problems import InputError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Check suppliers and EV batteries against the U.S. FEOC rules, as of a date, and say why.")

DATA_OPTION = typer.Option(Path("seeds"), "--data", help="dataset folder (YAML files)")
RULES_OPTION = typer.Option(None, "--rules", help="rules folder (default: the rules shipped with feoc)")


@app.callback()
def _root() -> None:
    """feoc: FEOC and clean vehicle credit checks, explained."""


def fail_input(exc: InputError) -> None:
    """Print every input problem and exit 2."""
    for problem in exc.problems:
        typer.echo(str(problem), err=True)
    typer.echo(f"{len(exc.problems)} problem(s) found; nothing was written.", err=True)
    raise typer.Exit(2)


@app.command()
def validate(path: Path = typer.Argument(Path("seeds"), help="dataset folder"),
             rules: Optional[Path] = RULES_OPTION) -> None:
    """Validate a dataset folder: exit 0 with counts per record kind, or 2 listing every problem."""
    from .load import load_dataset

    try:
        dataset = load_dataset(path, rules)
    except InputError as exc:
        fail_input(exc)
        return
    counts = ", ".join(f"{n} {kind}" for kind, n in dataset.counts().items())
    typer.echo(f"{path}: valid — {counts}")


def main() -> None:
    """Entry point of the `feoc` console script."""
    try:
        app()
    except InputError as exc:  # a command that did not catch its own input errors
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
