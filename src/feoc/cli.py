"""The `feoc` command line: a thin shell over load, analysis, engine, verdicts and reporters.

Exit codes: 0 = pass (valid / not a FEOC / eligible), 1 = fail (a FEOC / not eligible / stale reports),
2 = usage or input error, 3 = the rule engine (durable-rules) disagreed with the reference and no verdict is given. Input problems are printed as `file:line: what — fix`, never as a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

import typer

from feoc.data.problems import EngineError, InputError  # not from .engine: that would import pydantic before argv is read

if TYPE_CHECKING:
    from feoc.law.law import Law

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


@contextlib.contextmanager
def _judging(engine_note: str = "") -> Iterator[None]:
    """Input problems exit 2 with every problem listed; a rule-engine failure exits 3 with no verdict."""
    try:
        yield
    except InputError as exc:
        fail_input(exc)
    except EngineError as exc:
        typer.echo(f"rule engine error: {exc}{engine_note}", err=True)
        raise typer.Exit(3)


def _law(rules: Optional[Path]) -> "Law":
    """The rules folder, every file of it checked up front (parameters, vocabulary, interpretations, rules):
    a mistake in any of them is an InputError (exit 2, `file:line: what — fix`) for every command that
    takes --rules, before any work is done, rather than a pass, a failed case or a crash later on."""
    from feoc.law.law import Law

    return Law.load(rules)


@app.command()
def validate(path: Path = typer.Argument(Path("seeds"), help="dataset folder"),
             rules: Optional[Path] = RULES_OPTION) -> None:
    """Validate a dataset folder: exit 0 with counts per record kind, or 2 listing every problem."""
    from feoc.load.folder import load_dataset

    try:
        dataset = load_dataset(path, _law(rules))
    except InputError as exc:
        fail_input(exc)
        return
    counts = ", ".join(f"{n} {kind}" for kind, n in dataset.counts().items())
    typer.echo(f"{path}: valid — {counts}")


def parse_day(value: str, option: str = "--on") -> "dt.date":
    """An ISO date from the command line, or exit 2 saying how to write it."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        typer.echo(f"{option} {value!r}: not a valid date — write it as YYYY-MM-DD, e.g. 2024-06-01", err=True)
        raise typer.Exit(2)
    if not 1900 <= day.year <= 2100:
        typer.echo(f"{option} {value}: the year is outside 1900-2100 — check the date", err=True)
        raise typer.Exit(2)
    return day


def _unknown(kind: str, ident: str, known: list[str], data: Path) -> None:
    close = difflib.get_close_matches(ident, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; `feoc validate {data}` lists the counts"
    typer.echo(f"{data}: no {kind} with id `{ident}`{hint}", err=True)
    raise typer.Exit(2)


def _interpretation(law: "Law", name: Optional[str]) -> Optional[str]:
    default, interps = law.default_interpretation, law.interpretations
    if name is not None and name not in interps:
        typer.echo(f"--interpretation {name}: unknown — use one of: {', '.join(sorted(interps))} (default {default})", err=True)
        raise typer.Exit(2)
    return name


class Credit(str, Enum):
    c30d = "30d"
    c45x = "45x"


class Format(str, Enum):
    text = "text"
    json = "json"


check_app = typer.Typer(no_args_is_help=True, help="Judge one subject as of a date: entity, facility (or vehicle).")
app.add_typer(check_app, name="check")
rules_app = typer.Typer(no_args_is_help=True, help="List the rules and run their cases.")
app.add_typer(rules_app, name="rules")


def _subject(kind: str, ident: str, data: Path, rules: Optional[Path],
             interpretation: Optional[str] = None) -> tuple["Law", Optional[str], Any]:
    """The law, the chosen reading and the dataset, with `ident` known as a `kind` in it."""
    from feoc.load.folder import load_dataset

    law = _law(rules)
    interp = _interpretation(law, interpretation)
    dataset = load_dataset(data, law)
    records = {"entity": dataset.entities, "facility": dataset.facilities, "vehicle": dataset.vehicles}[kind]
    if ident not in {r.id for r in records}:
        _unknown(kind, ident, [r.id for r in records], data)
    return law, interp, dataset


def _run_check(build: Callable[[], Any], fmt: "Format", render: Callable[[Any, bool], str], explain: bool,
               exit_code: Callable[[Any], int]) -> None:
    """Build a verdict, print it (text or JSON) and exit with its code; input and engine errors exit 2 and 3."""
    with _judging():
        verdict = build()
    if fmt == Format.json:
        text = json.dumps(verdict.as_dict(), indent=2, sort_keys=True, default=str)
    else:
        text = render(verdict, explain)
    typer.echo(text)
    raise typer.Exit(exit_code(verdict))


def _check(kind: str, ident: str, data: Path, on: str, interpretation: Optional[str], explain: bool,
           fmt: "Format", rules: Optional[Path]) -> None:
    from feoc.render.text import render_verdict
    from feoc.verdicts.subject import entity_verdict, facility_verdict

    day = parse_day(on)

    def build() -> Any:
        law, interp, dataset = _subject(kind, ident, data, rules, interpretation)
        judge = entity_verdict if kind == "entity" else facility_verdict
        return judge(dataset, ident, day, law, interp)

    _run_check(build, fmt, render_verdict, explain, lambda v: 1 if v.feoc else 0)


ON_OPTION = typer.Option(..., "--on", help="the date to judge as of (YYYY-MM-DD)")
INTERP_OPTION = typer.Option(None, "--interpretation", help="reading of unsettled law (rules/interpretations.yaml)")
EXPLAIN_OPTION = typer.Option(False, "--explain", help="show the facts, parameters and upstream findings")
FORMAT_OPTION = typer.Option(Format.text, "--format", help="text or json")


@check_app.command("entity")
def check_entity(ident: str = typer.Argument(..., metavar="ID"), data: Path = DATA_OPTION, on: str = ON_OPTION,
                 interpretation: Optional[str] = INTERP_OPTION, explain: bool = EXPLAIN_OPTION,
                 fmt: Format = FORMAT_OPTION, rules: Optional[Path] = RULES_OPTION) -> None:
    """Is entity ID a foreign entity of concern on --on? Exit 0 no, 1 yes, 2 input error."""
    _check("entity", ident, data, on, interpretation, explain, fmt, rules)


@check_app.command("facility")
def check_facility(ident: str = typer.Argument(..., metavar="ID"), data: Path = DATA_OPTION, on: str = ON_OPTION,
                   interpretation: Optional[str] = INTERP_OPTION, explain: bool = EXPLAIN_OPTION,
                   fmt: Format = FORMAT_OPTION, rules: Optional[Path] = RULES_OPTION,
                   credit: Credit = typer.Option(Credit.c30d, "--credit",
                                                 help="30d: FEOC status of its activities (default); 45x: the §45X "
                                                      "prohibited-foreign-entity and material-assistance tests")) -> None:
    """Facility ID on --on. 30d: are its activities performed by a FEOC (exit 0 no, 1 yes). 45x: does it keep the
    §45X credit (exit 0 eligible or partly, 1 no credit, 4 cannot be determined from the data). 2: input error."""
    if credit == Credit.c45x:
        _check_45x(ident, data, on, explain, fmt, rules)
        return
    _check("facility", ident, data, on, interpretation, explain, fmt, rules)


def _check_45x(ident: str, data: Path, on: str, explain: bool, fmt: "Format", rules: Optional[Path]) -> None:
    from feoc.render.text import render_facility_45x
    from feoc.verdicts.facility45x import facility_45x_verdict

    day = parse_day(on)

    def build() -> Any:
        law, _, dataset = _subject("facility", ident, data, rules)
        return facility_45x_verdict(dataset, ident, day, law)

    _run_check(build, fmt, render_facility_45x, explain,
               lambda v: 4 if v.status == "cannot_be_determined" else 0 if v.eligible else 1)


@check_app.command("vehicle")
def check_vehicle(ident: str = typer.Argument(..., metavar="ID"), data: Path = DATA_OPTION,
                  on: str = typer.Option(..., "--on", help="placed-in-service date (YYYY-MM-DD)"),
                  acquired: Optional[str] = typer.Option(None, "--acquired", help="acquisition date (default: --on)"),
                  interpretation: Optional[str] = INTERP_OPTION, explain: bool = EXPLAIN_OPTION,
                  fmt: Format = FORMAT_OPTION, rules: Optional[Path] = RULES_OPTION) -> None:
    """The IRC 30D credit for vehicle ID placed in service on --on. Exit 0 eligible for any credit, 1 not, 2 input error."""
    from feoc.verdicts.vehicle import vehicle_verdict
    from feoc.render.text import render_vehicle

    day = parse_day(on)
    bought = parse_day(acquired, "--acquired") if acquired else day
    if bought > day:
        typer.echo(f"--acquired {bought} is after --on {day}: a vehicle is placed in service on or after it is acquired", err=True)
        raise typer.Exit(2)

    def build() -> Any:
        law, interp, dataset = _subject("vehicle", ident, data, rules, interpretation)
        return vehicle_verdict(dataset, ident, day, bought, law, interp)

    _run_check(build, fmt, render_vehicle, explain, lambda v: 0 if v.eligible else 1)


class ReportFormat(str, Enum):
    md = "md"
    json = "json"


@app.command()
def report(data: Path = DATA_OPTION,
           on: Optional[list[str]] = typer.Option(None, "--on", help="a date to judge as of; repeat for a timeline "
                                                  "(default: the key dates of the law's timeline, from rules/)"),
           out: Path = typer.Option(Path("reports"), "--out", help="report folder"),
           check: bool = typer.Option(False, "--check", help="write nothing; exit 1 listing stale files"),
           fmt: ReportFormat = typer.Option(ReportFormat.md, "--format", help="md (one file per subject + index.md) or json"),
           rules: Optional[Path] = RULES_OPTION) -> None:
    """Write a Markdown (or JSON) report for every vehicle and company in the dataset, plus index.md."""
    from feoc.load.folder import load_dataset
    from feoc.render.reports import build_reports, stale_files, write_reports
    from feoc.verdicts.timeline import key_dates

    with _judging("; no report was written"):
        law = _law(rules)
        dates = sorted({parse_day(d) for d in on}) if on else key_dates(law)
        dataset = load_dataset(data, law)
        files = build_reports(dataset, data, dates, law, fmt.value)
    if check:
        stale = stale_files(out, files, fmt.value)
        for name in stale:
            typer.echo(f"stale: {out / name}")
        if stale:
            typer.echo(f"{len(stale)} report file(s) differ from what the current code, rules and data produce; "
                       f"run `feoc report --data {data} --out {out}`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out}: {len(files)} report file(s) up to date")
        return
    if out.exists() and not out.is_dir():
        typer.echo(f"--out {out}: exists and is not a folder — choose a folder", err=True)
        raise typer.Exit(2)
    written, removed = write_reports(out, files, fmt.value)
    typer.echo(f"{out}: {len(files)} report file(s) for {', '.join(d.isoformat() for d in dates)}; "
               f"{len(written)} written, {len(removed)} removed, {len(files) - len(written)} unchanged")


@rules_app.command("list")
def rules_list(rules: Optional[Path] = RULES_OPTION) -> None:
    """Every rule: id, title, citation, effective dates."""
    try:
        sources = _law(rules).rules
    except InputError as exc:
        fail_input(exc)
        return
    for src in sources:
        r = src.rule
        until = f" until {r.effective.end}" if r.effective.end else ""
        flag = "  [UNCONFIRMED points]" if r.unconfirmed else ""
        typer.echo(f"{r.id}\n  {r.title}\n  citation: {r.citation}\n  effective: from {r.effective.start}{until}{flag}")


@rules_app.command("test")
def rules_test(rules: Optional[Path] = RULES_OPTION,
               evaluator: str = typer.Option("durable-rules", "--evaluator", help="durable-rules (the engine of record), reference or vectorised")) -> None:
    """Run every rule's cases; print `N passed, M failed`; exit 1 if any failed."""
    from feoc.law.cases import run_all
    from feoc.engine.evaluators import EVALUATORS

    if evaluator not in EVALUATORS:
        typer.echo(f"--evaluator {evaluator}: use one of {', '.join(EVALUATORS)}", err=True)
        raise typer.Exit(2)
    try:
        results = run_all(_law(rules), evaluator)
    except InputError as exc:
        fail_input(exc)
        return
    for r in results:
        if not r.passed:
            typer.echo(f"FAIL {r.file}:{r.line} [{r.rule_id}] {r.name}\n     {r.detail}")
    passed = sum(r.passed for r in results)
    typer.echo(f"{passed} passed, {len(results) - passed} failed")
    raise typer.Exit(0 if passed == len(results) else 1)


class ScreenFormat(str, Enum):
    csv = "csv"
    json = "json"
    md = "md"


@app.command()
def screen(data: Path = DATA_OPTION, on: str = ON_OPTION, fmt: ScreenFormat = typer.Option(ScreenFormat.csv, "--format"),
           out: Optional[Path] = typer.Option(None, "--out", help="write to this file (atomically) instead of stdout"),
           interpretation: Optional[str] = INTERP_OPTION,
           evaluator: str = typer.Option("vectorised", "--evaluator",
                                         help="vectorised (the bulk path, held equal to durable-rules by the tests), "
                                              "durable-rules (the engine of record, fact by fact) or reference"),
           rules: Optional[Path] = RULES_OPTION) -> None:
    """Every entity's FEOC status on --on, the deciding rules and the covered-government interest per measure."""
    import gc
    import os

    from feoc.load.folder import load_dataset
    from feoc.render.reports import write_atomically
    from feoc.engine.evaluators import EVALUATORS
    from feoc.verdicts.screen import render, screen as screen_table

    day = parse_day(on)
    if evaluator not in EVALUATORS:
        typer.echo(f"--evaluator {evaluator}: use one of {', '.join(EVALUATORS)}", err=True)
        raise typer.Exit(2)
    show = sys.stderr.isatty() and not os.environ.get("CI")  # a progress display only for a person at a terminal
    with _judging():
        law = _law(rules)
        interp = _interpretation(law, interpretation)
        status = _status_display() if show else (lambda text: _null())

        def warm_up() -> None:  # while worker processes parse the files: this process imports numpy and scipy
            import feoc.determine.bulk  # noqa: F401

        with status("loading the dataset…"):
            # light rows and all cores: a screen reads entities and holdings, nothing else of them
            dataset = load_dataset(data, law, compact=True, workers=os.cpu_count() or 1, meanwhile=warm_up)
            gc.freeze()  # the records live to the end: later collections need not walk them (a short-lived process)
        with status(f"analysing {len(dataset.entities):,} entities…"):
            rows = screen_table(dataset, day, law, interp, evaluator)
    text = render(rows, fmt.value, day, interp or law.default_interpretation)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomically(out, text)
        typer.echo(f"{out}: {len(rows)} entities, {rows.feoc_count()} FEOC as of {day}", err=True)


def _status_display() -> Callable[[str], Any]:
    from rich.console import Console  # only for a person at a terminal

    return Console(stderr=True).status


def _null() -> contextlib.nullcontext:
    return contextlib.nullcontext()


import_app = typer.Typer(no_args_is_help=True, help="Import other formats into a dataset folder.")
app.add_typer(import_app, name="import")


def _import(read: Callable[[Path], Any], file: Path, out: Path) -> None:
    """Read a foreign format into a Draft, validate and write it; list what was skipped."""
    from feoc.load.draft import write_draft

    try:
        draft = read(file)
        counts = write_draft(draft, out)
    except InputError as exc:
        fail_input(exc)
        return
    for line in draft.skipped:
        typer.echo(f"skipped: {line}")
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    typer.echo(f"{out}: imported {summary}; {len(draft.skipped)} item(s) skipped (listed above)")


@import_app.command("ftm")
def import_ftm(file: Path = typer.Argument(..., help="FollowTheMoney entity JSON lines (e.g. OpenSanctions)"),
               out: Path = typer.Option(..., "--out", help="new dataset folder to write")) -> None:
    """FtM Company/Organization/LegalEntity/PublicBody/Person/Ownership → a validated dataset; says what it skipped."""
    from feoc.load.ftm import read_ftm

    _import(read_ftm, file, out)


@import_app.command("csv")
def import_csv(file: Path = typer.Argument(..., help="supplier master file: CSV with a header row"),
               out: Path = typer.Option(..., "--out", help="new dataset folder to write")) -> None:
    """A supplier master CSV (id, name, type, countries, parent and its shares, dates, source) → a validated dataset."""
    from feoc.load.csv_master import read_master_csv

    _import(read_master_csv, file, out)


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
