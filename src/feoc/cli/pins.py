"""`feoc test FILE`: a user's pinned verdicts, each judged as `feoc check` judges it (issue 18).

A compliance team keeps its own regression suite: a YAML file of checks with the answer it expects, run in CI
(the habit of OpenFisca's YAML tests and `opa test`). Each item is judged by the same verdict functions `feoc
check` calls (verdicts/subject.py, verdicts/facility45x.py, verdicts/vehicle.py) on the same dataset cut
(`determine.closure.dependencies`), so a pin and a `feoc check` can never disagree. The law and the dataset
are loaded once for the whole file. Exit 0 when every expectation holds, 1 when any does not, 2 for a file
that cannot be used (every problem listed as `file:line: what — fix`; nothing is judged then).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from feoc.cli.app import DATA_OPTION, RULES_OPTION, app, judging, say_skipped, say_warnings, starting
from feoc.cli.output import emit
from feoc.data.problems import InputError, Problem

if TYPE_CHECKING:
    from feoc.cli.pin_file import Expect, Pin
    from feoc.data.dataset import Dataset
    from feoc.data.yamlio import LineFinder
    from feoc.law.law import Law


class PinFormat(str, Enum):
    text = "text"
    junit = "junit"


def read_pins(file: Path) -> tuple[list[Pin], str, LineFinder]:
    """The pins of `file` (`-`: standard input), or InputError naming each problem's line and its fix."""
    from pydantic import TypeAdapter, ValidationError

    from feoc.cli.pin_file import Pin
    from feoc.data.yamlio import LineFinder, decode_text, parse_yaml, read_text
    from feoc.load.stdin import STDIN_NAME, is_stdin, read_stdin
    from feoc.load.validation import validation_problems

    # `-`: standard input, whole and bounded as a dataset file is (load/stdin.py)
    name = STDIN_NAME if is_stdin(file) else str(file)
    text = decode_text(read_stdin("a YAML file of pins"), name) if is_stdin(file) else read_text(file)
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
    from feoc.cli.app import closest_ids

    records: dict[str, Sequence[Any]] = {"entity": dataset.entities, "facility": dataset.facilities, "vehicle": dataset.vehicles}
    ids = {kind: [r.id for r in rows] for kind, rows in records.items()}
    problems = []
    for i, pin in enumerate(pins):
        if pin.id not in set(ids[pin.check]):
            other = next((k for k in ids if pin.id in set(ids[k])), None)
            close = closest_ids(pin.id, ids[pin.check])
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
    """The verdict `feoc check` gives for `pin`: the one shared function (`verdicts.single.judge_subject`), the
    same verdict function on the same cut of the dataset."""
    from feoc.verdicts.single import judge_subject

    reading = None if pin.credit == "45x" else pin.interpretation  # §45X has one reading: no note about it
    return judge_subject(dataset, law, pin.check, pin.id, pin.on, reading, credit=pin.credit or "30d",
                         acquired=pin.acquired)


def mismatches(expect: Expect, verdict: Any) -> list[str]:
    """`expected X, got Y` for each expectation the verdict does not meet (none: the pin holds)."""
    from feoc.verdicts.status import Status

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
    from feoc.verdicts.status import Status

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


if TYPE_CHECKING:  # a pin's line, the pin, what it got wrong and what it got
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
