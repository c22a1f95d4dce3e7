"""`feoc test FILE`: a user's pinned verdicts, each judged as `feoc check` judges it (issue 18).

A compliance team keeps its own regression suite: a YAML file of checks with the answer it expects, run in CI
(the habit of OpenFisca's YAML tests and `opa test`). Each item is judged by the same verdict functions `feoc
check` calls (verdicts/subject.py, verdicts/facility45x.py, verdicts/vehicle.py) on the same dataset cut
(`determine.closure.dependencies`), so a pin and a `feoc check` can never disagree. The law and the dataset
are loaded once for the whole file. Exit 0 when every expectation holds, 1 when any does not, 2 for a file
that cannot be used (every problem listed as `file:line: what — fix`; nothing is judged then).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from feoc.cli.app import DATA_OPTION, RULES_OPTION, app, judging, say_skipped, say_warnings, starting
from feoc.cli.output import emit
from feoc.data.problems import InputError, Problem
from feoc.verdicts.status import Status

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.data.yamlio import LineFinder
    from feoc.law.law import Law

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STATUSES = ", ".join(s.value for s in Status)


class PinFormat(str, Enum):
    text = "text"
    junit = "junit"


def _day(value: Any) -> dt.date:
    """Only YYYY-MM-DD, as `--on` (cli/app.py parse_day): a number or `20260601` is not read as a date."""
    if isinstance(value, dt.date) or not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError("not a date; write it as YYYY-MM-DD (quoted or not), e.g. 2026-06-01")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a day of the calendar; write a real date as YYYY-MM-DD") from None


class Expect(BaseModel):
    """What the pin expects: any of the status word, whether a credit is kept, the §30D credit in dollars."""

    model_config = ConfigDict(extra="forbid")
    status: Status | None = None
    eligible: bool | None = Field(None, strict=True)
    credit_usd: float | None = Field(None, ge=0)

    @field_validator("status", mode="before")
    @classmethod
    def _known(cls, value: Any) -> Any:
        if value is not None and value not in {s.value for s in Status}:
            raise ValueError(f"unknown status `{value}`; use one of {_STATUSES}")
        return value

    @model_validator(mode="after")
    def _something(self) -> Expect:
        if self.status is None and self.eligible is None and self.credit_usd is None:
            raise ValueError("expects nothing; give at least one of status, eligible, credit_usd")
        return self


class Pin(BaseModel):
    """One pinned verdict: the `feoc check` it stands for and what it must answer."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str | None = None  # the testcase's name; default: the check written out
    check: Literal["entity", "facility", "vehicle"]
    id: str = Field(min_length=1)
    on: dt.date
    interpretation: str | None = None
    acquired: dt.date | None = None
    credit: Literal["45x"] | None = None
    expect: Expect

    @field_validator("on", "acquired", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> dt.date | None:
        return None if value is None else _day(value)

    @model_validator(mode="after")
    def _fits(self) -> Pin:
        if self.credit and self.check != "facility":
            raise ValueError("credit: 45x is a facility's credit; remove it or use check: facility")
        if self.acquired and self.check != "vehicle":
            raise ValueError("acquired is a vehicle's date; remove it or use check: vehicle")
        if self.acquired and self.acquired > self.on:
            raise ValueError(f"acquired {self.acquired} is after on {self.on}; a vehicle is placed in service on or "
                             "after it is acquired")
        credit = self.check == "vehicle" or self.credit == "45x"
        if self.expect.eligible is not None and not credit:
            raise ValueError("expect.eligible is about a credit; pin status (feoc, not_feoc, …) or add credit: 45x")
        if self.expect.credit_usd is not None and self.check != "vehicle":
            raise ValueError("expect.credit_usd is the §30D credit of a vehicle; pin status or eligible instead")
        return self

    def label(self) -> str:
        """The check written as the command line it stands for."""
        extra = (f" --credit {self.credit}" if self.credit else "") + (
            f" --acquired {self.acquired}" if self.acquired else "") + (
            f" --interpretation {self.interpretation}" if self.interpretation else "")
        return self.name or f"check {self.check} {self.id} --on {self.on}{extra}"


class PinFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tests: list[Pin] = Field(min_length=1)


def read_pins(file: Path) -> tuple[list[Pin], str, LineFinder]:
    """The pins of `file` (`-`: standard input), or InputError naming each problem's line and its fix."""
    from pydantic import TypeAdapter

    from feoc.data.yamlio import LineFinder, parse_yaml, read_text
    from feoc.load.validation import validation_problems

    name = "<stdin>" if str(file) == "-" else str(file)
    text = sys.stdin.read() if name == "<stdin>" else read_text(file)
    data = parse_yaml(text, name, dates=False)  # dates are read by `_day`: only YYYY-MM-DD
    finder = LineFinder(text)
    if not isinstance(data, dict) or "tests" not in data or not isinstance(data["tests"], list):
        raise InputError([Problem(name, 1, "no `tests:` list", "write `tests:` and under it one `- check: …` item "
                                  "per pinned verdict (README, `feoc test`)")])
    extra = sorted(str(k) for k in data if k != "tests")
    if extra:
        raise InputError([Problem(name, finder.line((extra[0],)), f"unknown top-level key `{extra[0]}`",
                                  "keep only `tests:` at the top of the file")])
    try:
        pins = TypeAdapter(list[Pin]).validate_python(data["tests"])
    except ValidationError as exc:
        raise InputError(validation_problems(exc, name, "tests", finder)) from None
    if not pins:
        raise InputError([Problem(name, finder.line(("tests",)), "`tests:` is empty", "pin at least one verdict")])
    return pins, name, finder


def _known(pins: list[Pin], dataset: Dataset, law: Law, name: str, finder: LineFinder, data: Path) -> None:
    """Every id is a record of its kind in the dataset and every reading is one of the law's, or InputError."""
    import difflib

    records: dict[str, Sequence[Any]] = {"entity": dataset.entities, "facility": dataset.facilities, "vehicle": dataset.vehicles}
    ids = {kind: [r.id for r in rows] for kind, rows in records.items()}
    problems = []
    for i, pin in enumerate(pins):
        if pin.id not in set(ids[pin.check]):
            other = next((k for k in ids if pin.id in set(ids[k])), None)
            close = difflib.get_close_matches(pin.id, ids[pin.check], n=3)
            fix = (f"that id is a {other}: write check: {other}" if other else
                   f"did you mean {', '.join(close)}?" if close else f"`feoc validate {data}` checks the dataset")
            problems.append(Problem(name, finder.line(("tests", i, "id")),
                                    f"tests[{i}] id: no {pin.check} with id `{pin.id}` in {data}", fix))
        if pin.interpretation is not None:
            try:
                law.reading_name(pin.interpretation)
            except KeyError:
                problems.append(Problem(name, finder.line(("tests", i, "interpretation")),
                                        f"tests[{i}] interpretation: unknown reading `{pin.interpretation}`",
                                        f"use one of {', '.join(law.reading_names())}"))
    if problems:
        raise InputError(problems)


def judge(pin: Pin, dataset: Dataset, law: Law) -> Any:
    """The verdict `feoc check` gives for `pin` (cli/check.py `_check`, `_check_45x`, `check_vehicle`): the same
    verdict function on the same cut of the dataset."""
    from feoc.determine.closure import dependencies

    reading = law.reading_name(pin.interpretation) if pin.interpretation else None
    judged = "facility-45x" if pin.credit == "45x" else pin.check
    cut = dependencies(dataset, judged, pin.id, law.vocabulary.government_types)
    if pin.check == "vehicle":
        from feoc.verdicts.vehicle import vehicle_verdict

        return vehicle_verdict(cut, pin.id, pin.on, pin.acquired or pin.on, law, reading)
    if pin.credit == "45x":
        from feoc.verdicts.facility45x import facility_45x_verdict

        return facility_45x_verdict(cut, pin.id, pin.on, law)
    from feoc.verdicts.subject import entity_verdict, facility_verdict

    return (entity_verdict if pin.check == "entity" else facility_verdict)(cut, pin.id, pin.on, law, reading)


def mismatches(expect: Expect, verdict: Any) -> list[str]:
    """`expected X, got Y` for each expectation the verdict does not meet (none: the pin holds)."""
    wrong = []
    if expect.status is not None and verdict.status != expect.status:
        wrong.append(f"status: expected {expect.status.value}, got {Status(verdict.status).value}")
    if expect.eligible is not None and bool(verdict.eligible) != expect.eligible:
        wrong.append(f"eligible: expected {str(expect.eligible).lower()}, got {str(bool(verdict.eligible)).lower()}")
    # to the cent: the credit is a dollar amount, and a float sum must not fail a pin by a rounding error
    if expect.credit_usd is not None and round(verdict.credit_usd, 2) != round(expect.credit_usd, 2):
        wrong.append(f"credit_usd: expected {expect.credit_usd:,.2f}, got {verdict.credit_usd:,.2f}")
    return wrong


def _got(expect: Expect, verdict: Any) -> str:
    """What the verdict answered, for the pins it meets: the fields the pin names."""
    shown = [f"status {Status(verdict.status).value}"] if expect.status is not None else []
    shown += [f"eligible {str(bool(verdict.eligible)).lower()}"] if expect.eligible is not None else []
    shown += [f"credit_usd {verdict.credit_usd:,.2f}"] if expect.credit_usd is not None else []
    return ", ".join(shown)


@app.command("test")
def test_pins(file: Path = typer.Argument(..., metavar="FILE", help="YAML file of pinned verdicts (`-`: stdin)"),
              data: Path = DATA_OPTION, rules: Path | None = RULES_OPTION,
              fmt: PinFormat = typer.Option(PinFormat.text, "--format", help="text (one line per pin and a summary) "
                                            "or junit (JUnit XML for CI)")) -> None:
    """Judge each pinned verdict of FILE as `feoc check` would and compare it with the answer expected. Exit 0 every
    pin holds, 1 one or more do not, 2 input error (the file, a record or the dataset), 3 rule engine error."""
    from feoc.cli.app import load_law
    from feoc.load.folder import load_dataset

    with judging():
        pins, name, finder = read_pins(file)
        with starting():
            law = load_law(rules)
            say_skipped(data)
            dataset = load_dataset(data, law)
            say_warnings(dataset, law)
        _known(pins, dataset, law, name, finder, data)
        results = [(i, pin, mismatches(pin.expect, verdict), verdict)
                   for i, pin in enumerate(pins) for verdict in [judge(pin, dataset, law)]]
    lines = [(finder.line(("tests", i)), pin, wrong, _got(pin.expect, verdict)) for i, pin, wrong, verdict in results]
    emit(_junit(name, lines) if fmt == PinFormat.junit else _text(name, lines), nl=False)
    raise typer.Exit(1 if any(wrong for _, _, wrong, _ in lines) else 0)


Line = tuple[int, Pin, list[str], str]


def _text(name: str, lines: list[Line]) -> str:
    from feoc.render.sanitize import terminal

    out = []
    for line, pin, wrong, got in lines:
        verdict = f"FAIL {name}:{line}: {pin.label()} — " + "; ".join(wrong) if wrong else \
            f"PASS {name}:{line}: {pin.label()} — {got}"
        out.append(terminal(verdict))
    failed = sum(1 for _, _, wrong, _ in lines if wrong)
    out.append(terminal(f"{len(lines) - failed} passed, {failed} failed, {len(lines)} pinned in {name}"))
    return "\n".join(out) + "\n"


def _junit(name: str, lines: list[Line]) -> str:
    from feoc.render.junit import Case, junit_xml

    return junit_xml(name, [Case(pin.label(), f"feoc.check.{pin.check}" + (".45x" if pin.credit else ""),
                                 "; ".join(wrong) if wrong else None, f"{name}:{line}: " + "; ".join(wrong))
                            for line, pin, wrong, _ in lines])
