"""`feoc validate --format github`: one GitHub Actions workflow command per problem, which the runner turns into
an annotation on the pull request's file and line (issue 18, "CI integration").

The form is GitHub's "Workflow commands for GitHub Actions" (docs.github.com/en/actions/reference/workflow-
commands-for-github-actions, "Setting an error message"): `::error file={name},line={line},title={title}::{message}`,
`::warning` alike. That page gives no escaping rules (github/docs#11713); GitHub's own toolkit defines them
(actions/toolkit, packages/core/src/command.ts, `escapeData` and `escapeProperty`): in the message `%`, CR and
LF become `%25`, `%0D`, `%0A`; in a property value `:` and `,` also become `%3A`, `%2C`. So a message or file
name holding `::`, a line break or `%0A` cannot end the command early or forge a second one.

Before that, every other character the terminal policy never writes raw (render/sanitize.py: ANSI escapes,
bidi overrides, …) is shown as its escape text, as on the terminal. A problem without a line (a whole file, a
Parquet table's `row N, column X`, which the message says) has no `line=`; feoc's problems carry a line,
never a column, so there is no `col=`; a warning that names no file has
no `file=` (GitHub shows it on the run's summary). Paths are relative to the working directory, the
repository root in a workflow, so the annotations attach to the files of the pull request. Lines that are not
commands (the entries not read, the summary) start with a word, never `::`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from feoc.render.sanitize import terminal

if TYPE_CHECKING:
    from feoc.data.problems import Problem
    from feoc.render.base import ValidateView

TITLE = "feoc validate"
_BREAKS = re.compile(r"(\r|\n)")
_DATA = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY = {**_DATA, ":": "%3A", ",": "%2C"}


def _escaped(text: str, table: dict[str, str]) -> str:
    # the terminal policy on the text between line breaks (it would write a break as `\x0a`), then GitHub's
    # escapes; `%` first of all, so an escape written here is never escaped twice
    shown = "".join(part if _BREAKS.fullmatch(part) else terminal(part) for part in _BREAKS.split(text))
    return "".join(table.get(ch, ch) for ch in shown)


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF escaped (actions/toolkit `escapeData`)."""
    return _escaped(text, _DATA)


def escape_property(text: str) -> str:
    """A workflow command's property value: also `:` and `,` (actions/toolkit `escapeProperty`)."""
    return _escaped(text, _PROPERTY)


def workspace_path(file: str, cwd: Path | None) -> str:
    """`file` as a path relative to `cwd` with `/` separators when it lies inside `cwd` (a workflow's
    working directory is the repository's root: GitHub matches annotations by that path), else as given."""
    path = Path(file)
    if not path.is_absolute():
        return PurePath(os.path.normpath(file)).as_posix()
    if cwd is None:
        return path.as_posix()
    for inside, base in ((path, cwd), (path.resolve(), cwd.resolve())):
        try:
            return inside.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def what_and_fix(problem: Problem) -> str:
    """`what — fix`, the words of the terminal's `file:line: what — fix` after the place."""
    return f"{problem.message} — {problem.fix}" if problem.fix else problem.message


def command(kind: str, problem: Problem, cwd: Path | None) -> str:
    """One `::error` or `::warning` workflow command for `problem`."""
    props = [f"file={escape_property(workspace_path(problem.file, cwd))}"] if problem.file else []
    props += [f"line={problem.line}"] if problem.line > 0 else []
    props.append(f"title={escape_property(TITLE)}")
    return f"::{kind} {','.join(props)}::{escape_data(what_and_fix(problem))}"


def validate(view: ValidateView) -> str:
    """Every problem as `::error`, every warning as `::warning`, the entries not read and a summary as plain
    log lines."""
    lines = [terminal(f"skipped: {line}") for line in view.skipped]
    lines += [command("error", p, view.cwd) for p in view.problems]
    lines += [command("warning", w, view.cwd) for w in view.warnings]
    if view.problems:
        lines.append(terminal(f"{TITLE}: {view.data}: {len(view.problems)} problem(s) found"))
    else:
        counts = ", ".join(f"{n} {kind}" for kind, n in view.counts.items())
        lines.append(terminal(f"{TITLE}: {view.data}: valid — {counts}; {len(view.warnings)} warning(s)"))
    return "\n".join(lines) + "\n"
