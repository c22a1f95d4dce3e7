"""The renderer interface: what a command shows (a view of its verdicts) → one output format.

Every format is one function in a module of its own (`text`, `json`, `csv`, `markdown_*`), found through
`FORMATS`, the one registry of the formats each command offers: the CLI builds its `--format` choices from
it and checks the value there, so adding a format is a new function and one line here, nothing else. The
module is imported only when its format is chosen (a `feoc check` does not import the report writers).
The CLI reads this module on every start: its views are named tuples (cheaper to define than dataclasses)
and its registry plain tuples.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

if TYPE_CHECKING:  # annotations only: the CLI reads this module on every start
    from pathlib import Path

    from feoc.data.dataset import Dataset
    from feoc.data.problems import Problem
    from feoc.law.law import Law
    from feoc.verdicts.screen import Screen
    from feoc.verdicts.status import Verdict
    from feoc.verdicts.timeline import SubjectTimeline

V = TypeVar("V", contravariant=True)
Out = TypeVar("Out", covariant=True)


class Renderer(Protocol[V, Out]):
    """A view → its output: text for `check` and `screen`, relative file name → content for `report`."""

    def __call__(self, view: V, /) -> Out: ...


class CheckView(NamedTuple):
    """One verdict of `feoc check`; a renderer dispatches on `verdict.kind` (feoc.verdicts.status.Verdict)."""

    verdict: Verdict
    explain: bool = False


class ScreenView(NamedTuple):
    """The screening table of `feoc screen` on one date under one reading."""

    table: Screen
    day: dt.date
    interpretation: str
    readings: tuple[str, ...] = ()  # the readings `status` is agreed across (issue 14)


class ReportView(NamedTuple):
    """Every reported subject on every report date, with what the reports show beside the verdicts: the
    FEOCs of each date under the default reading and the covered-nation government bodies (all three from
    `feoc.verdicts.report_set.report_set`: a renderer judges nothing), and the provenance of the data and rules."""

    timelines: list[SubjectTimeline]
    dataset: Dataset
    dates: list[dt.date]
    law: Law
    label: str  # the dataset as the footer names it
    data_hash: str
    rules_hash: str
    feoc_on: dict[dt.date, set[str]]
    governments: set[str]


class ValidateView(NamedTuple):
    """What `feoc validate` found in a dataset folder (and its rules): the input problems (none: valid), the
    advice about a valid dataset (a warning whose `file` is empty names no file: its message says where), the
    entries of the folder not read, and the count of records of each kind. `cwd` is where paths are made
    relative for CI annotations (GitHub attaches them to the pull request's files by repository path)."""

    data: Path
    cwd: Path | None  # None: unknown (the working folder was removed), paths are shown as given
    skipped: list[str]
    problems: list[Problem]
    warnings: list[Problem]
    counts: dict[str, int]


# command → format name → (its renderer as `module:function`, imported when chosen; what --help adds about
# it); the first format of a command is its default
FORMATS: dict[str, dict[str, tuple[str, str]]] = {
    "check": {"text": ("feoc.render.text:check", ""), "json": ("feoc.render.json:check", "")},
    "report": {"md": ("feoc.render.markdown_report:report", "one file per subject + index.md"),
               "json": ("feoc.render.json:report", "")},
    "screen": {"csv": ("feoc.render.csv:screen", ""), "json": ("feoc.render.json:screen", ""),
               "md": ("feoc.render.markdown_screen:screen", "")},
    "validate": {"text": ("feoc.render.text:validate", ""),
                 "github": ("feoc.render.github:validate", "GitHub Actions annotations"),
                 "sarif": ("feoc.render.sarif:validate", "SARIF 2.1.0 for code scanning")},
}


def format_names(command: str) -> list[str]:
    """The formats `command` offers, its default first."""
    return list(FORMATS[command])


def format_help(command: str) -> str:
    """`md (one file per subject + index.md) or json`: every format of `command`, for --help."""
    shown = [f"{name} ({about})" if about else name for name, (_, about) in FORMATS[command].items()]
    return ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]


def renderer(command: str, name: str) -> Renderer[Any, Any]:
    """The renderer of format `name` for `command`; ValueError naming the choices for an unknown one."""
    try:
        target = FORMATS[command][name][0]
    except KeyError:
        raise ValueError(f"--format {name}: use one of {', '.join(FORMATS.get(command, ()))}") from None
    module, _, function = target.partition(":")
    found: Renderer[Any, Any] = getattr(importlib.import_module(module), function)
    return found
