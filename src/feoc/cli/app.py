"""The typer application every command module registers on, and what the commands share: the common
options, the one `--format` choice per command (from the renderers' registry), dates, the law, errors.

Exit codes (`EXIT_CODES`, shown by `feoc --help`; a verdict's own code comes from the one table
`feoc.verdicts.status.EXIT_CODES`): 0 = pass (valid / not a FEOC / eligible / not in force), 1 = fail (a FEOC /
not eligible / no credit / stale reports), 2 = usage, input or I/O error, 3 = the rule engine (durable-rules)
disagreed with the reference and no verdict is given, 4 = cannot be determined, 5 = contested (4 takes
precedence over 5); `feoc.cli.main` adds 70 (internal error), 130 (interrupted) and 141 (closed output pipe).
Input problems are printed as `file:line: what — fix`, never as a traceback.

Only typer and the error types are imported here: each command imports what it needs when it runs, so a
`feoc check` does not pay for the report, screen or import machinery (bench/bench_check.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import gc
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperOption

from feoc.data.problems import EngineError, InputError  # not from .engine: that would import pydantic before argv is read
from feoc.render.base import format_help, format_names

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.law.law import Law

EXIT_CODES = ("Exit codes: 0 pass (valid, not a FEOC, eligible, not in force, written); 1 fail (a FEOC, not "
              "eligible, no credit, stale reports); 2 input, usage or I/O error (every problem listed); 3 the rule "
              "engine disagreed with the reference (no verdict); 4 cannot be determined (a fact is missing); 5 "
              "contested (the readings of the law disagree; 4 takes precedence); 70 internal error (a bug: please "
              "report it; --debug shows the traceback); 130 interrupted (Ctrl-C); 141 the output pipe was closed.")
# completion on (issue 18): `feoc --install-completion` / `--show-completion [bash|zsh|fish|powershell]`; a shell
# asking for completions (_FEOC_COMPLETE set) is answered in feoc.cli._invoke, which runs the command itself
app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Check suppliers and EV batteries against the U.S. FEOC rules, as of a date, and say why.",
                  epilog=EXIT_CODES)

SEEDS = Path("seeds")  # the default dataset folder where it exists: the repository's seed data


def default_data() -> Path:
    """The dataset when none is named: `seeds/` in the current folder (the repository; its paths stay relative,
    so reports and messages read `seeds/aesc.yaml`), else the seed data shipped in the wheel (`feoc/_seeds`,
    pyproject.toml), else the `seeds/` of the source checkout an editable install runs from (issue 18)."""
    if SEEDS.is_dir():
        return SEEDS
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_seeds", package.parent.parent / SEEDS):
        if candidate.is_dir():
            # it matters here: a command run outside the repository without --data judges the sample data
            note(f"note: no --data and no ./{SEEDS}: using the seed dataset shipped with feoc ({candidate})")
            return candidate
    return SEEDS  # neither: the usual message names `seeds`


def _data_or_default(ctx: typer.Context, value: Path | None) -> Path:
    if value is None and ctx.resilient_parsing:  # a shell asking for completions: no note over its prompt
        return SEEDS
    return default_data() if value is None else value


DATA_HELP = "dataset folder (YAML files and Parquet tables); default ./seeds, else the seed data shipped with feoc"
DATA_OPTION = typer.Option(None, "--data", help=DATA_HELP, callback=_data_or_default, show_default=False)
DATA_ARGUMENT = typer.Argument(None, help=DATA_HELP, callback=_data_or_default, show_default=False)
RULES_OPTION = typer.Option(None, "--rules", help="rules folder (default: the rules shipped with feoc)")
ON_OPTION = typer.Option(..., "--on", help="the date to judge as of (YYYY-MM-DD)")
INTERP_HELP = ("judge under this reading of unsettled law only (rules/interpretations.yaml); without it every "
               "reading is judged and a disagreement is contested (exit 5)")
INTERP_OPTION = typer.Option(None, "--interpretation", help=INTERP_HELP)


def name_readings(params: Sequence[Any], rules: Path | None = None) -> None:
    """--interpretation's help with the readings of `rules` (default: the shipped rules; issue 18), filled in
    when help is shown: the rules are loaded then, never when `feoc` starts (`feoc --help` stays fast)."""
    try:
        law = load_law(rules)
    except InputError:  # a broken rules folder: help still shows, without the names (the check itself says why)
        return
    source = f"rules in {rules}" if rules else "shipped rules"
    names = ", ".join(law.reading_names())
    for param in params:
        if "--interpretation" in getattr(param, "opts", ()):
            param.help = f"{INTERP_HELP}. One of: {names} ({source}; default {law.default_interpretation})"


def _flag_type(param: TyperOption, ctx: Any) -> str | None:
    """A flag's type column left empty: `--explain`, not `--explain <bool>` (issue 18) — a flag takes no value."""
    return None if param.is_flag and param.metavar is None else _value_type(param, ctx)


_value_type = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign,assignment]  # no typer setting
# the exit codes of every `feoc check` command (verdicts/status.py EXIT_CODES; 2, 3 and 70 are the CLI's)
CHECK_EXITS = ("Exit codes: 0 clear no (not a FEOC), eligible in whole or part, or not in force; 1 clear yes (a "
               "FEOC), not eligible or no credit; 2 input error; 3 the rule engine disagreed with the reference; "
               "4 cannot be determined (each missing fact is named with what would decide it); 5 contested (the "
               "readings disagree; each reading's answer is listed). 4 takes precedence over 5: a missing fact is "
               "asked for first. With --interpretation only that reading is judged: 0, 1 or 4. 70 internal error.")
EVALUATOR_HELP = "durable-rules (the engine of record), reference or vectorised"


_DEBUG: dict[str, bool] = {"on": False}  # set by the root option; read by feoc.cli.main on an internal error
_QUIET: dict[str, bool] = {"on": False}  # set by --quiet: no warnings or notes on stderr


def _version(value: bool) -> None:
    """`feoc --version`: the installed package's version, one line (importlib.metadata: pyproject.toml's)."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"feoc {version('feoc')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("feoc (not installed: no version recorded)")
        raise typer.Exit(0)


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="on an internal error (exit 70) or Ctrl-C, print the "
                                     "Python traceback too (or set FEOC_DEBUG=1)"),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="no warnings or notes on stderr (skipped files, "
                                     "advice about the data, the engine used); verdicts and errors are unchanged"),
          version: bool = typer.Option(False, "--version", help="print feoc's version and exit", is_eager=True,
                                       callback=_version)) -> None:
    """feoc: FEOC and clean vehicle credit checks, explained."""
    _DEBUG["on"] = debug
    _QUIET["on"] = quiet
    # the engine's note (durable-rules missing): the engine is imported for it only when it must be silenced, so
    # other commands do not pay for it; an engine already imported (an earlier run in this process) is reset
    if quiet or "feoc.engine.evaluators" in sys.modules:
        from feoc.engine.evaluators import quiet_notes

        quiet_notes(quiet)


def note(line: str) -> None:
    """A warning or note on stderr, unless `--quiet`: never a verdict or an error. Written as `say` writes."""
    if not _QUIET["on"]:
        say(line)


def say(line: object) -> None:
    """One line on stderr through the terminal policy (render/sanitize.py): a message may echo an argument (an
    id, a path, an option's value) holding an ANSI or OSC 52 escape or U+202E, shown as text (`\\x1b`), never raw."""
    from feoc.render.sanitize import terminal

    typer.echo(terminal(line), err=True)


def debugging() -> bool:
    """Whether `--debug` was given or FEOC_DEBUG is set (to anything but empty, 0, false or no): an environment
    variable reaches a failure that happens before the options are read, and a typo in it changes nothing else."""
    return _DEBUG["on"] or os.environ.get("FEOC_DEBUG", "").strip().lower() not in ("", "0", "false", "no")


def format_choice(command: str) -> Any:
    """The `--format` values of `command` as a typer choice, made from the renderers' registry (render/base.py)."""
    return Enum(f"{command.capitalize()}Format", [(name, name) for name in format_names(command)], type=str)


def format_option(choice: Any, command: str) -> Any:
    """`--format`, defaulting to the command's first format."""
    return typer.Option(next(iter(choice)), "--format", help=format_help(command))


def fail_input(exc: InputError) -> None:
    """Print every input problem and exit 2. A problem quotes the offending value, which may hold an ANSI or
    OSC 52 escape, `\r` or U+202E: each line is written through the terminal policy (render/sanitize.py)."""
    for problem in exc.problems:
        say(problem)
    typer.echo(f"{len(exc.problems)} problem(s) found; nothing was written.", err=True)
    raise typer.Exit(2)


@contextlib.contextmanager
def judging(engine_note: str = "") -> Iterator[None]:
    """Input problems exit 2 with every problem listed; a rule-engine failure exits 3 with no verdict."""
    try:
        yield
    except InputError as exc:
        fail_input(exc)
    except EngineError as exc:
        say(f"rule engine error: {exc}{engine_note}")
        raise typer.Exit(3) from None


@contextlib.contextmanager
def starting() -> Iterator[None]:
    """A command's start-up with the cyclic garbage collector paused, its objects frozen after it (issue 17).

    Starting means importing what the command needs (pydantic, the models, the engine) and loading the law and
    the dataset: tens of thousands of objects that live to the end of the process. The collector would walk
    them ~100 times while they are made, to free nothing, and CPython walks all of them once more in the full
    collection it runs when the process ends. Frozen (`gc.freeze`, as `feoc screen` does after its load), later
    collections and that last one skip them: one `feoc check` on the seeds takes ~40 ms less CPU (most of it
    the collection at exit), its output unchanged. Judging makes cyclic garbage, so the collector is never
    paused there (off for a whole check of a 10,000-entity world, the process grew from 0.3 to 1.7 GB).
    A collector already paused by the caller is left to the caller."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def load_law(rules: Path | None) -> Law:
    """The rules folder, every file of it checked up front (parameters, vocabulary, interpretations, rules):
    a mistake in any of them is an InputError (exit 2, `file:line: what — fix`) for every command that
    takes --rules, before any work is done, rather than a pass, a failed case or a crash later on."""
    from feoc.law.law import Law

    return Law.load(rules, keep=True)  # the copy kept between processes (law/cache.py, issue 17)


def say_skipped(data: Path) -> None:
    """Every entry of a dataset folder that is not read, one `skipped:` line each on stderr (issue 15: every
    file is read or reported; a listing in `sanctions.yaml.bak` must not pass silently). `validate` lists them
    on stdout; the judging commands say them here, before the verdict."""
    from feoc.load.scan import scan_folder

    if data.is_dir():
        for line in scan_folder(data).skipped:
            note(f"skipped: {line}")


def say_warnings(dataset: Dataset, law: Law, err: bool = True) -> int:
    """Advice about a valid dataset that would still mislead a verdict (`load.checks.country_warnings` and
    `material_warnings`), one `warning: file:line: what — fix` line each: on stderr before a verdict (as
    `say_skipped`), on stdout for `validate`. Returns how many."""
    from feoc.load.checks import country_warnings, material_warnings, region_nations
    from feoc.render.sanitize import terminal

    warnings = [str(p) for p in country_warnings(dataset, law.vocabulary, region_nations(law))]
    warnings += material_warnings(dataset, law)  # a material that cannot hold its mineral (issue 14)
    for line in warnings:
        if err:
            note(f"warning: {line}")
        else:
            typer.echo(terminal(f"warning: {line}"))
    return len(warnings)


def read_day(value: str, option: str = "--on") -> dt.date:
    """An ISO date, or ValueError saying how to write it. Only YYYY-MM-DD: Python also reads `20240601` and the
    week date `2024W011`, which the message and the parameters' dates do not allow."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option} {value!r}: not a valid date — write it as YYYY-MM-DD, e.g. 2024-06-01") from None
    if not 1900 <= day.year <= 2100:
        raise ValueError(f"{option} {value}: the year is outside 1900-2100 — check the date")
    return day


def parse_day(value: str, option: str = "--on") -> dt.date:
    """An ISO date from the command line (`read_day`), or exit 2 saying how to write it."""
    try:
        return read_day(value, option)
    except ValueError as exc:
        say(exc)
        raise typer.Exit(2) from None


def unknown(kind: str, ident: str, known: list[str], data: Path) -> NoReturn:
    """Exit 2: no `kind` with id `ident` among `known` (the ids of that kind only); see `unknown_id`."""
    unknown_id(kind, ident, {kind: known}, data)


_ARTICLE = {"entity": "an"}  # "an entity", "a facility", "a vehicle"


def _a(kind: str) -> str:
    return f"{_ARTICLE.get(kind, 'a')} {kind}"


def closest_ids(ident: str, ids: list[str]) -> list[str]:
    """Up to three close ids, closest first, without those clearly further than the closest (a typo has one
    answer: `aesc-smyrn` is `aesc-smyrna`, not also `aesc-us`)."""
    close = difflib.get_close_matches(ident, ids, n=3)
    ratios = [difflib.SequenceMatcher(None, ident, c).ratio() for c in close]
    return [c for c, r in zip(close, ratios) if r >= ratios[0] - 0.1]


def _check_command(kind: str, ident: str) -> str:
    return f"`feoc check {kind} {ident}`"


def unknown_id(kind: str, ident: str, ids: Mapping[str, Sequence[str]], data: Path) -> NoReturn:
    """Exit 2 with one line and its fix (`unknown_id_line`)."""
    say(unknown_id_line(kind, ident, ids, data))  # exact for `feoc serve`'s JSON, made visible here
    raise typer.Exit(2)


def unknown_id_line(kind: str, ident: str, ids: Mapping[str, Sequence[str]], data: Path,
                    how: Callable[[str, str], str] = _check_command) -> str:
    """No `kind` with id `ident` in `data`, in one line with its fix (issue 18). The fix is how to ask about the
    kind the id has (`how(kind, id)`: `aesc-smyrna` is a facility: use `feoc check facility aesc-smyrna`; `feoc
    serve` names its route), else the close ids of every kind (`difflib`), one of another kind with how to ask
    about it, else some ids of `kind` to copy from."""
    line = f"{data}: unknown {kind} id `{ident}` — "
    owner = next((other for other, known in ids.items() if other != kind and ident in known), None)
    if owner:
        return f"{line}it is {_a(owner)}: use {how(owner, ident)}"
    mine = set(ids.get(kind, ()))
    kind_of = {i: other for other, known in ids.items() for i in known if i not in mine}
    close = closest_ids(ident, [*mine, *kind_of])
    if close:
        others = [c for c in close if c in kind_of]
        hints = [f"{_a(kind_of[c])}: use {how(kind_of[c], c)}" for c in others]
        if len(close) > 1:  # several: the hint names the id it is about
            hints = [f"`{c}` is {hint}" for c, hint in zip(others, hints)]
        after = f" ({'; '.join(hints)})" if hints else ""
        return f"{line}did you mean {', '.join(f'`{c}`' for c in close)}?{after}"
    if mine:
        some = ", ".join(f"`{i}`" for i in sorted(mine)[:5])
        return (f"{line}no id is close; its {kind} ids include {some} ({len(mine)} in all; the `id:` of each "
                f"record in the dataset's files)")
    return f"{line}the dataset has no {kind}: add one, or name the dataset with --data"


def chosen_reading(law: Law, name: str | None) -> str | None:
    """The reading chosen with --interpretation, by its canonical name (an old name is an alias of it; None:
    the law's default), or exit 2 listing the readings."""
    if name is None:
        return None
    try:
        return law.reading_name(name)
    except KeyError:
        old = ", ".join(f"{a} = {r}" for a, r in sorted(law.aliases.items()))
        say(f"--interpretation {name}: unknown — use one of: {', '.join(law.reading_names())} "
            f"(default {law.default_interpretation}; old names: {old or 'none'})")
        raise typer.Exit(2) from None


def check_evaluator(evaluator: str) -> None:
    """Exit 2 unless `evaluator` is one the engine offers."""
    from feoc.engine.evaluators import EVALUATORS

    if evaluator not in EVALUATORS:
        say(f"--evaluator {evaluator}: use one of {', '.join(EVALUATORS)}")
        raise typer.Exit(2)
