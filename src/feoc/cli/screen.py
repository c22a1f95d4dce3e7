"""`feoc screen`: every entity's FEOC status on a date, the deciding rules and the covered-government
interest per measure, as CSV, JSON or Markdown (render/), to stdout or atomically to a file."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from feoc.cli.app import (
    DATA_OPTION,
    ON_OPTION,
    RULES_OPTION,
    app,
    check_evaluator,
    chosen_reading,
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

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.law.law import Law
    from feoc.verdicts.screen import Screen

if TYPE_CHECKING:  # for the type checker an Enum; typer reads the choices made from the registry
    ScreenFormat = Enum
else:
    ScreenFormat = format_choice("screen")


def _status_display() -> Callable[[str], Any]:
    """A line on the terminal saying what the command is doing, cleared when it is done. Drawn once, not animated:
    rich's spinner redraws from a thread of its own (left running a moment after it stops), and a process with a
    second thread does not fork (`determine/forked.can_fork`): a person at a terminal got the one-core screen, the
    checks and the other readings judged one after another (issue 17, time)."""
    from rich.console import Console  # only for a person at a terminal
    from rich.live import Live
    from rich.text import Text

    console = Console(stderr=True)

    @contextlib.contextmanager
    def status(text: str) -> Iterator[None]:
        with Live(Text(text), console=console, auto_refresh=False, transient=True) as live:
            live.refresh()
            yield
    return status


def _null() -> contextlib.nullcontext[None]:
    return contextlib.nullcontext()


def _table(data: Path, day: dt.date, interpretation: str | None, evaluator: str,
           rules: Path | None) -> tuple[Screen, str, tuple[str, ...]]:
    """The table, the name of the reading it was judged under and the readings its `status` agrees across: the
    dataset loaded on every core, then screened."""
    import gc
    import os

    from feoc.data.heap import heap_for
    from feoc.load.folder import load_dataset

    bulk = evaluator == "vectorised"  # the bulk path (`verdicts.screen.screen_table`)
    show = sys.stderr.isatty() and not os.environ.get("CI")  # a progress display only for a person at a terminal
    law = load_law(rules)
    interp = chosen_reading(law, interpretation)
    status = _status_display() if show else (lambda text: _null())

    def warm_up() -> None:  # while worker processes parse the files: this process imports numpy and scipy
        import feoc.determine.bulk  # noqa: F401
        from feoc.ownership.arrays import warm

        warm()  # and loads the compiled kernel (issue 17)

    with status("loading the dataset…"):
        # light rows and all cores: a screen reads entities and holdings, nothing else of them
        say_skipped(data)
        dataset = load_dataset(data, law, compact=True, workers=os.cpu_count() or 1, meanwhile=warm_up,
                               defer_checks=True, sort_ids=bulk)  # the bulk path's id order, sorted during the load
        gc.freeze()  # the records live to the end: later collections need not walk them (a short-lived process)
    child = _checks_ahead(dataset, bulk)
    if bulk:  # the analysis reuses freed pages: kept tidy, or throughout where memory allows
        heap_for(len(dataset.entities))
    try:
        with status(f"analysing {len(dataset.entities):,} entities…"):
            try:
                table = screened(dataset, day, law, interp, evaluator)
            except Exception as exc:
                from feoc.cli import _caused_by_interrupt  # the package's one test of a wrapped Ctrl-C

                if not _caused_by_interrupt(exc):  # Ctrl-C stops at once, without waiting for the checks
                    dataset.confirm()  # a dataset the checks refuse: their words, not what its bad data caused
                raise
            dataset.confirm()
    finally:
        if child is not None:
            child.cancel()
    say_warnings(dataset, law)
    return table


def _checks_ahead(dataset: Dataset, bulk: bool) -> Any:
    """The dataset's cross-record checks in a forked process while this one screens it by the bulk path (`bulk`;
    issue 17, time: `data.pending`), where `forked.can_fork` allows; run here at once otherwise (the durable-rules
    and reference evaluators judge a checked dataset only). The child, or None."""
    from feoc.determine.forked import Forked, can_fork

    checks = dataset.checks
    if checks is None:
        return None
    child = None
    if bulk and can_fork(len(dataset.entities)):
        with contextlib.suppress(OSError):  # no fork (out of processes or memory): checked here
            child = Forked(checks.run)
    if child is None:
        dataset.confirm()
        return None

    def take() -> Any:
        try:
            return child.result()
        except Exception:  # `Lost` (killed), out of memory, any fault of the child's: the checks run here, so the
            return None  # answer never depends on the fork (a fault of the checks themselves is raised here)
    checks.elsewhere(take)
    return child


def screened(dataset: Dataset, day: dt.date, law: Law, interp: str | None,
             evaluator: str = "vectorised") -> tuple[Screen, str, tuple[str, ...]]:
    """The table of `dataset` (`interp`: a canonical reading's name, None: every reading), the name of the
    reading it shows and the readings its `status` agrees across: what `feoc screen` (and `feoc serve`'s
    /v1/screen) renders."""
    from feoc.verdicts.screen import screen as screen_table

    rows = screen_table(dataset, day, law, interp, evaluator)
    judged = tuple([interp] if interp else law.reading_names())
    return rows, interp or law.interpretation().name, judged


# screen judges every reading as `check` does, but a contested row is a value of the `status` column: the
# command's exit code says the screen was done (0), never a verdict (README, "Commands")
SCREEN_INTERP_OPTION = typer.Option(None, "--interpretation", help="judge under this reading of unsettled law only "
                                    "(rules/interpretations.yaml); without it every reading is judged and a row on "
                                    "which they disagree has status `contested` (the exit code stays 0)")


@app.command()
def screen(data: Path = DATA_OPTION, on: str = ON_OPTION, fmt: ScreenFormat = format_option(ScreenFormat, "screen"),
           out: Path | None = typer.Option(None, "--out", help="write to this file (atomically) instead of stdout"),
           interpretation: str | None = SCREEN_INTERP_OPTION,
           evaluator: str = typer.Option("vectorised", "--evaluator",
                                         help="vectorised (the bulk path, held equal to durable-rules by the tests), "
                                              "durable-rules (the engine of record, fact by fact) or reference"),
           rules: Path | None = RULES_OPTION) -> None:
    """Every entity's FEOC status on --on, the deciding rules and the covered-government interest per measure.
    `status` is agreed across every reading (contested when they disagree) unless --interpretation names one.
    A dataset with share ranges adds the `gov_*_max` columns; one with attestations `relies_on` / `not_relied_on`
    (the attestation ids each row's verdict relies on or not, as `feoc check entity` lists them: README)."""
    from feoc.data.heap import command_done
    from feoc.law.data import default_rules_dir
    from feoc.render.base import ScreenView, renderer
    from feoc.render.outdir import OutputError, refuse_folder_target, write_output_file

    day = parse_day(on)
    check_evaluator(evaluator)
    try:
        if out is not None:
            refuse_folder_target(out, (data, rules or default_rules_dir()))  # before the work, not after it
        with judging():
            rows, reading, judged = _table(data, day, interpretation, evaluator, rules)
        text = renderer("screen", fmt.value)(ScreenView(rows, day, reading, judged))
        if out is not None:
            refuse_folder_target(out, (data, rules or default_rules_dir()))  # again: the work took time
            write_output_file(out, text)
    except OutputError as exc:  # a target feoc cannot write: one line, the path and the fix (issue 15)
        say(exc)
        raise typer.Exit(2) from None
    finally:
        command_done()  # the analysis's heap (`_table`) ends with the command, not with the process
    if out is None:
        emit(text, nl=False)
    else:
        say(f"{out}: {len(rows)} entities, {rows.feoc_count()} FEOC as of {day}")
