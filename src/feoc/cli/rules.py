"""`feoc validate` a dataset, `feoc rules list|test` the rules, `feoc import ftm|csv` other formats."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from feoc.cli.app import (
    DATA_ARGUMENT,
    EVALUATOR_HELP,
    RULES_OPTION,
    app,
    check_evaluator,
    fail_input,
    format_choice,
    format_option,
    load_law,
    note,
    say,
)
from feoc.cli.output import emit
from feoc.data.problems import InputError, Problem
from feoc.render.sanitize import terminal

if TYPE_CHECKING:
    from feoc.render.base import ValidateView

rules_app = typer.Typer(no_args_is_help=True, help="List the rules and run their cases.")
app.add_typer(rules_app, name="rules")
import_app = typer.Typer(no_args_is_help=True, help="Import other formats into a dataset folder.")
app.add_typer(import_app, name="import")


if TYPE_CHECKING:  # for the type checker an Enum; typer reads the choices made from the registry
    ValidateFormat = Enum
else:
    ValidateFormat = format_choice("validate")


@app.command()
def validate(path: Path = DATA_ARGUMENT,
             rules: Path | None = RULES_OPTION,
             fmt: ValidateFormat = format_option(ValidateFormat, "validate")) -> None:
    """Validate a dataset folder: exit 0 with counts per record kind, or 2 listing every problem; either way
    one line per entry of the folder that is not read (hidden, not YAML: README.md, "The dataset format").
    --format github writes GitHub Actions annotations, sarif a SARIF 2.1.0 log for code scanning (README,
    "Validating in CI"); the exit codes are the same."""
    from feoc.render.base import renderer

    view = _validation(path, rules)
    out = renderer("validate", fmt.value)(view)
    if fmt.value == "text" and view.problems:
        typer.echo(out, err=True, nl=False)  # as every command's input problems: on stderr
    else:
        if fmt.value == "sarif":  # stdout is the log alone
            for line in view.skipped:
                note(f"skipped: {line}")
        emit(out, nl=False)
    raise typer.Exit(2 if view.problems else 0)


def _validation(path: Path, rules: Path | None) -> ValidateView:
    """What `validate` reports: the problems of the rules and the dataset, or the warnings and counts."""
    from feoc.load.checks import country_warnings, material_warnings, region_nations
    from feoc.load.folder import load_dataset
    from feoc.load.scan import scan_folder
    from feoc.render.base import ValidateView

    try:
        cwd: Path | None = Path.cwd()
    except OSError:  # the working folder was removed: paths are shown as given
        cwd = None
    skipped = scan_folder(path).skipped if path.is_dir() else []
    try:
        law = load_law(rules)
        dataset = load_dataset(path, law)
    except InputError as exc:
        return ValidateView(path, cwd, skipped, exc.problems, [], {})
    warnings = country_warnings(dataset, law.vocabulary, region_nations(law))
    warnings += [Problem("", 0, line) for line in material_warnings(dataset, law)]  # they name their record
    return ValidateView(path, cwd, skipped, [], warnings, dataset.counts())


@rules_app.command("list")
def rules_list(rules: Path | None = RULES_OPTION) -> None:
    """Every rule: id, title, citation, effective dates."""
    try:
        sources = load_law(rules).rules
    except InputError as exc:
        fail_input(exc)
        return
    for src in sources:
        r = src.rule
        until = f" until {r.effective.end}" if r.effective.end else ""
        flag = "  [UNCONFIRMED points]" if r.unconfirmed else ""
        typer.echo(f"{r.id}\n  {r.title}\n  citation: {r.citation}\n  effective: from {r.effective.start}{until}{flag}")


@rules_app.command("test")
def rules_test(rules: Path | None = RULES_OPTION,
               evaluator: str = typer.Option("durable-rules", "--evaluator", help=EVALUATOR_HELP)) -> None:
    """Run every rule's cases; print `N passed, M failed`; exit 1 if any failed."""
    from feoc.rulecases import run_all

    check_evaluator(evaluator)
    try:
        results = run_all(load_law(rules), evaluator)
    except InputError as exc:
        fail_input(exc)
        return
    for r in results:
        if not r.passed:
            typer.echo(f"FAIL {r.file}:{r.line} [{r.rule_id}] {r.name}\n     {r.detail}")
    passed = sum(r.passed for r in results)
    typer.echo(f"{passed} passed, {len(results) - passed} failed")
    raise typer.Exit(0 if passed == len(results) else 1)


def _import(read: Callable[[Path], Any], file: Path, out: Path) -> None:
    """Read a foreign format into a Draft, validate and write it; list what was skipped. An unusable --out
    (a file, a link, a non-empty folder) is refused first, in one line, before the input is read."""
    from feoc.load.draft import check_out, write_draft

    try:
        check_out(out)
    except InputError as exc:
        say(exc.problems[0])
        raise typer.Exit(2) from None
    try:
        draft = read(file)
        counts = write_draft(draft, out, load_law(None))  # an import is checked against the shipped rules
    except InputError as exc:
        fail_input(exc)
        return
    for line in draft.skipped:
        typer.echo(terminal(f"skipped: {line}"))
    for line in draft.notes:
        typer.echo(terminal(f"note: {line}"))
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    notes = f", {len(draft.notes)} note(s)" if draft.notes else ""
    typer.echo(terminal(f"{out}: imported {summary}; {len(draft.skipped)} item(s) skipped{notes} (listed above)"))


@import_app.command("ftm")
def import_ftm(file: Path = typer.Argument(..., help="FollowTheMoney entity JSON lines (e.g. OpenSanctions); "
                                           "`-`: standard input"),
               out: Path = typer.Option(..., "--out", help="new or empty dataset folder to write")) -> None:
    """FtM Company/Organization/LegalEntity/PublicBody/Person/Ownership → a validated dataset; says what it skipped."""
    from feoc.load.ftm import read_ftm

    _import(read_ftm, file, out)


@import_app.command("csv")
def import_csv(file: Path = typer.Argument(..., help="supplier master file: CSV with a header row; `-`: standard input"),
               out: Path = typer.Option(..., "--out", help="new or empty dataset folder to write")) -> None:
    """A supplier master CSV (id, name, type, countries, parent and its shares, dates, source) → a validated dataset."""
    from feoc.load.csv_master import read_master_csv

    _import(read_master_csv, file, out)


@import_app.command("bods")
def import_bods(file: Path = typer.Argument(..., help="BODS 0.4 statements: a JSON array or JSON lines (`-`: standard input)"),
                out: Path = typer.Option(..., "--out", help="new or empty dataset folder to write")) -> None:
    """Beneficial Ownership Data Standard 0.4 → a validated dataset (README "Importing"); says what it skipped."""
    from feoc.load.bods import read_bods

    _import(read_bods, file, out)


@import_app.command("gleif")
def import_gleif(lei: Path = typer.Option(..., "--lei", help="GLEIF LEI-CDF golden-copy CSV (Level 1: who is who)"),
                 rr: Path | None = typer.Option(None, "--rr", help="GLEIF RR-CDF golden-copy CSV (Level 2: who owns whom)"),
                 out: Path = typer.Option(..., "--out", help="new or empty dataset folder to write")) -> None:
    """GLEIF golden copy → a validated dataset: LEI records as entities, consolidation as voting {min: 50%}
    (README "Importing"); says what it skipped."""
    from feoc.load.gleif import read_gleif

    _import(lambda path: read_gleif(path, rr), lei, out)
