"""`feoc report`: every reported subject judged on every report date, rendered as a report set (render/)
and written atomically, or checked for staleness."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from feoc.cli.app import (
    DATA_OPTION,
    RULES_OPTION,
    app,
    format_choice,
    format_option,
    judging,
    load_law,
    parse_day,
    say,
    say_skipped,
    say_warnings,
)
from feoc.cli.output import emit
from feoc.render.sanitize import terminal

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.law.law import Law
    from feoc.render.base import ReportView

if TYPE_CHECKING:  # for the type checker an Enum; typer reads the choices made from the registry
    ReportFormat = Enum
else:
    ReportFormat = format_choice("report")


def report_view(dataset: Dataset, data_folder: Path, dates: list[dt.date], law: Law, evaluator: str = "durable-rules",
                label: str | None = None) -> ReportView:
    """The report set's verdicts (verdicts/report_set.py) with the provenance the footers show: the dataset's
    label and the data's and rules' hashes."""
    from feoc.load.hashes import dataset_hash, rules_hash
    from feoc.render.base import ReportView
    from feoc.verdicts.report_set import report_set

    judged = report_set(dataset, dates, law, evaluator)
    return ReportView(timelines=judged.timelines, dataset=dataset, dates=dates, law=law,
                      label=label or data_folder.name, data_hash=dataset_hash(data_folder),
                      rules_hash=rules_hash(law.folder), feoc_on=judged.feoc_on, governments=judged.governments)


def report_files(dataset: Dataset, data_folder: Path, dates: list[dt.date], law: Law, fmt: str = "md",
                 evaluator: str = "durable-rules", label: str | None = None) -> dict[str, str]:
    """Relative file name → content of the whole report set in `fmt`; deterministic for the same inputs."""
    from feoc.render.base import renderer

    files: dict[str, str] = renderer("report", fmt)(report_view(dataset, data_folder, dates, law, evaluator, label))
    return files


def _waiting(out: Path) -> Callable[[], None]:
    def waiting() -> None:
        say(f"{out}: another feoc run is writing this folder; waiting for it to end…")
    return waiting


def _check_stale(out: Path, files: dict[str, str], fmt: str, data: Path) -> None:
    """`--check`: list the stale files and exit 1, or say the folder is up to date."""
    from feoc.render.reports import stale_files

    stale = stale_files(out, files, fmt, _waiting(out))
    for name in stale:
        emit(terminal(f"stale: {out / name}"))
    if stale:
        say(f"{len(stale)} report file(s) differ from what the current code, rules and data produce; "
            f"run `feoc report --data {data} --out {out}`")
        raise typer.Exit(1)
    emit(terminal(f"{out}: {len(files)} report file(s) up to date"))


def _write(out: Path, files: dict[str, str], fmt: str, force: bool, dates: list[dt.date]) -> None:
    """Write the set; a file feoc kept because it was edited since feoc wrote it is named on stderr."""
    from feoc.render.reports import write_reports

    done = write_reports(out, files, fmt, force, _waiting(out))
    for name in done.kept:
        say(f"{out / name}: kept — feoc no longer writes it, and it was changed since feoc did; "
            "delete it if it is not needed")
    emit(terminal(f"{out}: {len(files)} report file(s) for {', '.join(d.isoformat() for d in dates)}; "
                  f"{len(done.written)} written, {len(done.removed)} removed, {len(files) - len(done.written)} "
                  "unchanged"))


@app.command()
def report(data: Path = DATA_OPTION,
           on: list[str] | None = typer.Option(None, "--on", help="a date to judge as of; repeat for a timeline "
                                                  "(default: the key dates of the law's timeline, from rules/)"),
           out: Path = typer.Option(Path("reports"), "--out", help="report folder"),
           check: bool = typer.Option(False, "--check", help="write nothing; exit 1 listing stale files"),
           force: bool = typer.Option(False, "--force", help="write into a folder that holds files feoc did not write "
                                                            "(and replace those at feoc's names); feoc still removes "
                                                            "only its own files"),
           fmt: ReportFormat = format_option(ReportFormat, "report"),
           rules: Path | None = RULES_OPTION) -> None:
    """Write a Markdown (or JSON) report for every vehicle and company in the dataset, plus index.md."""
    from feoc.load.folder import load_dataset
    from feoc.render.outdir import OutputError
    from feoc.verdicts.timeline import key_dates

    with judging("; no report was written"):
        law = load_law(rules)
        given = sorted({parse_day(d) for d in on or ()})
        say_skipped(data)
        dataset = load_dataset(data, law)
        dates = given or key_dates(law, dataset)  # with a fiscal-year §45X operator's own days
        say_warnings(dataset, law)
        files = report_files(dataset, data, dates, law, fmt.value)
    try:
        if check:
            _check_stale(out, files, fmt.value, data)
        else:
            _write(out, files, fmt.value, force, dates)
    except OutputError as exc:  # a folder feoc must not or cannot write: one line, the path and the fix
        say(exc)
        raise typer.Exit(2) from None
