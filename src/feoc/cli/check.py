"""`feoc check entity|facility|vehicle`: one subject's verdict on a date, as text or JSON (render/)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand

from feoc.cli.app import (
    CHECK_EXITS,
    DATA_OPTION,
    INTERP_OPTION,
    ON_OPTION,
    RULES_OPTION,
    app,
    chosen_reading,
    format_choice,
    format_option,
    judging,
    load_law,
    name_readings,
    parse_day,
    say_skipped,
    say_warnings,
    starting,
    unknown_id,
)
from feoc.cli.output import emit

if TYPE_CHECKING:
    from feoc.law.law import Law
    from feoc.verdicts.status import Verdict

check_app = typer.Typer(no_args_is_help=True, help="Judge one subject as of a date: entity, facility (or vehicle).",
                        epilog=CHECK_EXITS)
app.add_typer(check_app, name="check")

if TYPE_CHECKING:  # for the type checker an Enum; typer reads the choices made from the registry
    CheckFormat = Enum
else:
    CheckFormat = format_choice("check")
FORMAT_OPTION = format_option(CheckFormat, "check")
EXPLAIN_OPTION = typer.Option(False, "--explain", help="show the facts, parameters and upstream findings")

class _ReadingsHelp(TyperCommand):
    """A check command whose --help lists the readings' names (`name_readings`: loaded only for help), those
    of the folder --rules names on the same line, else the shipped rules'. Help is shown before the other
    options are read, so --rules is taken from the command line as given."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["feoc.args"] = list(args)
        return super().parse_args(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        name_readings(self.params, _rules_given(ctx.meta.get("feoc.args", [])))
        super().format_help(ctx, formatter)


def _rules_given(args: list[str]) -> Path | None:
    for at, arg in enumerate(args):
        if arg.startswith("--rules="):
            return Path(arg.removeprefix("--rules="))
        if arg == "--rules" and at + 1 < len(args):
            return Path(args[at + 1])
    return None


class Credit(str, Enum):
    c30d = "30d"
    c45x = "45x"


def _subject(kind: str, ident: str, data: Path, rules: Path | None, reading: str | None = None,
             credit: str = "30d") -> tuple[Law, Any]:
    """The law and the dataset, with `ident` known as a `kind` in it (its reading, if named, known to the law),
    cut down to what the verdict on it can depend on (issue 17; `verdicts.single.subject_cut`)."""
    from feoc.load.folder import load_dataset
    from feoc.verdicts.single import subject_cut

    law = load_law(rules)
    chosen_reading(law, reading)
    say_skipped(data)
    dataset = load_dataset(data, law)
    say_warnings(dataset, law)
    records: dict[str, Sequence[Any]] = {"entity": dataset.entities, "facility": dataset.facilities,
                                         "vehicle": dataset.vehicles}
    if not any(r.id == ident for r in records[kind]):
        unknown_id(kind, ident, {k: [r.id for r in rs] for k, rs in records.items()}, data)
    return law, subject_cut(dataset, law, kind, ident, credit)


def _run_check(build: Callable[[], Verdict], fmt: Enum, explain: bool) -> None:
    """Build a verdict, print it in `fmt` and exit with its code; input and engine errors exit 2 and 3."""
    from feoc.render.base import CheckView, renderer

    with judging():
        verdict = build()
    emit(renderer("check", fmt.value)(CheckView(verdict, explain)), nl=False)  # stdout closed or full: exit 2
    raise typer.Exit(verdict.exit_code())


def _check(kind: str, ident: str, data: Path, on: str, reading: str | None, explain: bool,
           fmt: Enum, rules: Path | None, credit: str = "30d", acquired: str | None = None) -> None:
    """The verdict `verdicts.single.verdict_on` gives (the one `feoc test` and `feoc serve` give too), printed."""
    day = parse_day(on)
    bought = parse_day(acquired, "--acquired") if acquired else day
    if bought > day:
        typer.echo(f"--acquired {bought} is after --on {day}: a vehicle is placed in service on or after it is acquired",
                   err=True)
        raise typer.Exit(2)

    def build() -> Verdict:
        with starting():
            from feoc.verdicts.single import verdict_on

            law, dataset = _subject(kind, ident, data, rules, reading, credit)
        return verdict_on(dataset, law, kind, ident, day, reading, credit=credit, acquired=bought)

    _run_check(build, fmt, explain)


@check_app.command("entity", epilog=CHECK_EXITS, cls=_ReadingsHelp)
def check_entity(ident: str = typer.Argument(..., metavar="ID"), data: Path = DATA_OPTION, on: str = ON_OPTION,
                 interpretation: str | None = INTERP_OPTION, explain: bool = EXPLAIN_OPTION,
                 fmt: CheckFormat = FORMAT_OPTION, rules: Path | None = RULES_OPTION) -> None:
    """Is entity ID a foreign entity of concern on --on? Exit 0 no (or no test in force), 1 yes, 4 cannot be
    determined, 5 contested (the readings disagree), 2 input error, 3 the rule engine disagreed (no verdict)."""
    _check("entity", ident, data, on, interpretation, explain, fmt, rules)


@check_app.command("facility", epilog=CHECK_EXITS, cls=_ReadingsHelp)
def check_facility(ident: str = typer.Argument(..., metavar="ID"), data: Path = DATA_OPTION, on: str = ON_OPTION,
                   interpretation: str | None = INTERP_OPTION, explain: bool = EXPLAIN_OPTION,
                   fmt: CheckFormat = FORMAT_OPTION, rules: Path | None = RULES_OPTION,
                   credit: Credit = typer.Option(Credit.c30d, "--credit",
                                                 help="30d: FEOC status of its activities (default); 45x: the §45X "
                                                      "prohibited-foreign-entity and material-assistance tests")) -> None:
    """Facility ID on --on. 30d: are its activities performed by a FEOC (exit 0 no, 1 yes, 4 cannot be determined,
    5 contested). 45x: does it keep the §45X credit (exit 0 eligible, partly or not in force, 1 no credit or not
    applicable (outside the U.S. and its possessions, or nothing §45X covers), 4 cannot be determined from the
    data, 5 contested: foreign-influenced on another day of the taxable year than its test day). 2: input
    error; 3: the rule engine disagreed (no verdict)."""
    _check("facility", ident, data, on, interpretation, explain, fmt, rules, credit.value)


@check_app.command("vehicle", epilog=CHECK_EXITS, cls=_ReadingsHelp)
def check_vehicle(ident: str = typer.Argument(..., metavar="ID"), data: Path = DATA_OPTION,
                  on: str = typer.Option(..., "--on", help="placed-in-service date (YYYY-MM-DD)"),
                  acquired: str | None = typer.Option(None, "--acquired", help="acquisition date (default: --on)"),
                  interpretation: str | None = INTERP_OPTION, explain: bool = EXPLAIN_OPTION,
                  fmt: CheckFormat = FORMAT_OPTION, rules: Path | None = RULES_OPTION) -> None:
    """The IRC 30D credit for vehicle ID placed in service on --on. Exit 0 eligible for any credit (or not in force),
    1 not eligible, 4 cannot be determined, 5 contested (the credit as a range, each reading's amount), 2 input error,
    3 the rule engine disagreed (no verdict)."""
    _check("vehicle", ident, data, on, interpretation, explain, fmt, rules, acquired=acquired)
