"""Every command that reads a dataset or a rules folder, on every kind of bad input: a clean exit 2.

Two matrices, generated (never listed by hand):

- every invalid dataset folder of tests/bad_inputs/ (the `valid-*` traps excluded), plus a few written
  here (binary, wrongly encoded), × every command that reads a dataset (`validate`, `check entity`,
  `check facility`, `check vehicle`, `report`, `report --check`, and `screen` where the CLI has it);
- every mutation of tests/bad_rules/ (one mistake each in a copy of the shipped rules; see its README) ×
  every command that takes `--rules DIR` (`rules test`, `rules list`, `validate`, `check entity`, `report`,
  `screen`).

Each run must exit 2, name the bad file (for rules also the line, where there is one) in the
`file:line: what — fix` form, print no traceback and write nothing: a report folder keeps exactly the
sentinel file it held, byte for byte, and the rules folder is unchanged. The sizes are in the id of
`test_matrix_size` (`pytest -v -k matrix_size`) and printed with `-s`.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.yamlio import load_yaml_file
from feoc.law.data import default_rules_dir

TESTS = Path(__file__).parent
BAD_INPUTS = TESTS / "bad_inputs"
BAD_RULES = TESTS / "bad_rules"
SEEDS = TESTS.parent / "seeds"
ON = "2024-06-01"
SENTINEL = "index.md"
SENTINEL_BYTES = "# an index written by hand\n\nnot to be touched by a failed run: ü\n".encode()
# a problem line names its file, then (usually) its line: `path:line: what — fix`, or `path: what — fix`
NAMED_LINE = re.compile(r"^(?P<file>[^\s:]+?)(?::(?P<line>\d+))?: (?P<rest>.+)$")
FIX_FORM = re.compile(r"^.+ — .+$")  # the rest of the line: `what — fix`


class Uncaught(AssertionError):
    """An exception escaped the command (CliRunner catches it; a real process prints a traceback)."""


class WrongExit(AssertionError):
    """The command did not exit 2."""


class NoFix(AssertionError):
    """The problem line says what is wrong but not how to fix it (no ` — fix`)."""


KNOWN = {"uncaught": Uncaught, "wrong-exit": WrongExit, "no-fix": NoFix}


# ---- the dataset matrix -----------------------------------------------------------------------------------

def _corpus_case(name: str) -> Callable[[Path], Path]:
    return lambda tmp: BAD_INPUTS / name


def _written_case(content: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        folder = tmp / "data"
        folder.mkdir()
        (folder / "entities.yaml").write_text("entities:\n  - {id: catl, name: CATL, type: company, incorporated_in: CN}\n",
                                              encoding="utf-8")
        (folder / "bad.yaml").write_bytes(content)
        return folder
    return make


DATASET_CASES: dict[str, Callable[[Path], Path]] = {
    **{p.name: _corpus_case(p.name) for p in sorted(BAD_INPUTS.iterdir())
       if p.is_dir() and not p.name.startswith("valid-")},
    # binary and wrongly encoded files are not stored in the corpus (see its README): written here
    "written:non-utf8": _written_case("entities:\n  - {id: nissan, name: Nis\xe9an, type: company}\n".encode("latin-1")),
    "written:utf16": _written_case("entities:\n  - {id: nissan, name: Nissan, type: company}\n".encode("utf-16")),
    "written:binary": _written_case(b"\x7fELF\x02\x01\x01\x00\x00\x00entities: []\n"),
}

DATASET_COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "validate": lambda data, out: ["validate", str(data)],
    "check-entity": lambda data, out: ["check", "entity", "x", "--data", str(data), "--on", ON],
    "check-facility": lambda data, out: ["check", "facility", "x", "--data", str(data), "--on", ON],
    "check-vehicle": lambda data, out: ["check", "vehicle", "x", "--data", str(data), "--on", ON],
    "report": lambda data, out: ["report", "--data", str(data), "--out", str(out)],
    "report-check": lambda data, out: ["report", "--data", str(data), "--out", str(out), "--check"],
}

# commands added since the brief that read a dataset and take --rules join both matrices when present
TOP_LEVEL = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
if "screen" in TOP_LEVEL:
    DATASET_COMMANDS["screen"] = lambda data, out: ["screen", "--data", str(data), "--on", ON, "--out", str(out / "screen.csv")]
DATASET_COMMANDS["check-facility-45x"] = lambda data, out: ["check", "facility", "x", "--data", str(data), "--on", "2026-06-01",
                                                            "--credit", "45x"]
# the importer reads one file, not a folder: each bad file is a bad FtM file too (YAML is not JSON lines)
DATASET_COMMANDS["import-csv"] = lambda data, out: ["import", "csv", str(sorted(p for p in data.rglob("*") if p.is_file())[-1]),
                                                    "--out", str(out / "imported")]
DATASET_COMMANDS["import-ftm"] = lambda data, out: ["import", "ftm", str(sorted(p for p in data.rglob("*") if p.is_file())[-1]),
                                                    "--out", str(out / "imported")]
DATASET_COMMANDS["import-bods"] = lambda data, out: ["import", "bods", str(sorted(p for p in data.rglob("*") if p.is_file())[-1]),
                                                     "--out", str(out / "imported")]
DATASET_COMMANDS["import-gleif"] = lambda data, out: ["import", "gleif", "--lei", str(sorted(p for p in data.rglob("*")
                                                                                            if p.is_file())[-1]),
                                                      "--out", str(out / "imported")]

DATASET_MATRIX = [pytest.param(case, command, id=f"{case}×{command}")
                  for case in DATASET_CASES for command in DATASET_COMMANDS]


# ---- the rules matrix ---------------------------------------------------------------------------------------

@dataclass
class RulesMutation:
    """One mistake in a copy of the shipped rules, as described by tests/bad_rules/<name>/mutation.yaml."""

    name: str
    what: str
    file: str
    expect: str
    copy_to: str | None = None
    set: list[dict[str, Any]] = field(default_factory=list)
    delete: list[list[Any]] = field(default_factory=list)
    keep_first: dict[str, Any] | None = None
    replace: list[dict[str, str]] = field(default_factory=list)
    content: str | None = None
    blame: list[str] = field(default_factory=list)
    line_contains: str | None = None
    line: str = "required"
    xfail: dict[str, Any] | None = None  # {reason: ..., raises: KIND or {command or "*": KIND}}

    @property
    def target(self) -> str:
        return self.copy_to or self.file

    def blamed(self) -> list[str]:
        return self.blame or [self.target]

    def apply(self, rules_dir: Path) -> None:
        source = rules_dir / self.file
        target = rules_dir / self.target
        assert source.is_file(), f"{self.name}: the shipped rules have no {self.file}; update the mutation"
        if self.copy_to:
            shutil.copyfile(source, target)
        if self.set or self.delete or self.keep_first:
            raw, _ = load_yaml_file(target)  # read as feoc reads it (YAML 1.2), then edit the structure
            raw = copy.deepcopy(raw)
            for edit in self.set:
                parent, last = _walk(raw, edit["path"], self.name)
                parent[last] = edit["value"]
            for path in self.delete:
                parent, last = _walk(raw, path, self.name)
                del parent[last]
            if self.keep_first:
                parent, last = _walk(raw, self.keep_first["path"], self.name)
                parent[last] = parent[last][: self.keep_first["n"]]
            # flow style for leaf collections keeps `value: {param: X}` on the line the finder points at
            target.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=10_000,
                                             default_flow_style=None), encoding="utf-8")
        if self.content is not None:
            target.write_text(self.content, encoding="utf-8")
        for edit in self.replace:
            text = target.read_text(encoding="utf-8")
            assert edit["old"] in text, f"{self.name}: `{edit['old']}` is not in {self.file}; update the mutation"
            target.write_text(text.replace(edit["old"], edit["new"], 1), encoding="utf-8")


def _walk(raw: Any, path: list[Any], name: str) -> tuple[Any, Any]:
    node = raw
    for step in path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError) as err:
            raise AssertionError(f"{name}: the path {path} no longer exists in the shipped rules; update the mutation") from err
    return node, path[-1]


def _load_mutations() -> dict[str, RulesMutation]:
    out = {}
    for folder in sorted(p for p in BAD_RULES.iterdir() if p.is_dir()):
        spec = yaml.safe_load((folder / "mutation.yaml").read_text(encoding="utf-8"))
        out[folder.name] = RulesMutation(name=folder.name, **spec)
    return out


MUTATIONS = _load_mutations()

RULES_COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "rules-test": lambda rules, out: ["rules", "test", "--rules", str(rules)],
    "rules-list": lambda rules, out: ["rules", "list", "--rules", str(rules)],
    "validate": lambda rules, out: ["validate", str(SEEDS), "--rules", str(rules)],
    "check-entity": lambda rules, out: ["check", "entity", "aesc", "--data", str(SEEDS), "--on", ON, "--rules", str(rules),
                                        "--interpretation", "feoc-lookthrough"],  # one reading: a clear 1 (not contested)
    "report": lambda rules, out: ["report", "--data", str(SEEDS), "--out", str(out), "--rules", str(rules)],
}


if "screen" in TOP_LEVEL:
    RULES_COMMANDS["screen"] = lambda rules, out: ["screen", "--data", str(SEEDS), "--on", ON, "--rules", str(rules),
                                                   "--out", str(out / "screen.csv")]


def _rules_param(case: str, command: str) -> Any:
    """A matrix cell; a known bug (the spec's `xfail`) is expected to fail with exactly its own kind of failure,
    so any other failure of the same cell still fails the run, and a fix makes the strict xfail fail too."""
    known = MUTATIONS[case].xfail
    marks = []
    if known:
        kinds = known["raises"] if isinstance(known["raises"], dict) else {"*": known["raises"]}
        kind = kinds.get(command, kinds.get("*"))
        if kind:
            marks = [pytest.mark.xfail(strict=True, raises=KNOWN[kind], reason=f"{kind}: {known['reason']}")]
    return pytest.param(case, command, id=f"{case}×{command}", marks=marks)


RULES_MATRIX = [_rules_param(case, command) for case in MUTATIONS for command in RULES_COMMANDS]


# ---- shared checks -------------------------------------------------------------------------------------------

def _out_folder(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / SENTINEL).write_bytes(SENTINEL_BYTES)
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(args: list[str]) -> Any:
    result = CliRunner().invoke(app, args)
    assert "Traceback" not in result.output, result.output
    # an exception that escaped the command (CliRunner catches it: exit 1, no traceback printed)
    if not (result.exception is None or isinstance(result.exception, SystemExit)):
        raise Uncaught(f"uncaught {type(result.exception).__name__}: {result.exception}\n{result.output}")
    if result.exit_code != 2:
        raise WrongExit(f"exit {result.exit_code}, not 2\n{result.output}")
    return result


def _named_lines(output: str, files: set[str]) -> list[re.Match]:
    """The output lines that start with one of `files` (a problem about that file)."""
    return [m for m in map(NAMED_LINE.match, output.splitlines()) if m and m["file"] in files]


def _check_fix_form(hits: list[re.Match]) -> None:
    bare = [m.group(0) for m in hits if not FIX_FORM.match(m["rest"])]
    if bare:
        raise NoFix("no ` — fix` in: " + "\n".join(bare))


# ---- the tests -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("total", [len(DATASET_MATRIX) + len(RULES_MATRIX)],
                         ids=[f"{len(DATASET_MATRIX)}-dataset-cells+{len(RULES_MATRIX)}-rules-cells"])
def test_matrix_size(total):
    """The size of both matrices: in this test's id (`pytest -v -k matrix_size`), printed with `-s`, and in
    the assertion message."""
    sizes = (f"dataset matrix: {len(DATASET_CASES)} bad folders × {len(DATASET_COMMANDS)} commands = {len(DATASET_MATRIX)}; "
             f"rules matrix: {len(MUTATIONS)} mutations × {len(RULES_COMMANDS)} commands = {len(RULES_MATRIX)}; "
             f"total {len(DATASET_MATRIX) + len(RULES_MATRIX)}")
    print(sizes)
    assert total == len(DATASET_MATRIX) + len(RULES_MATRIX) and len(DATASET_MATRIX) >= 100, sizes
    assert len(MUTATIONS) >= 13 and len(RULES_MATRIX) >= 65, sizes


@pytest.mark.parametrize("case, command", DATASET_MATRIX)
def test_bad_dataset(case, command, tmp_path):
    data = DATASET_CASES[case](tmp_path)
    out = _out_folder(tmp_path)
    before = _snapshot(data)
    result = _run(DATASET_COMMANDS[command](data, out))
    files = {str(p) for p in data.rglob("*") if p.is_file()}
    hits = _named_lines(result.output, files)
    assert hits, f"no problem line names a file of {data}:\n{result.output}"
    _check_fix_form(hits)
    assert _snapshot(out) == {SENTINEL: SENTINEL_BYTES}, "the report folder was changed"
    assert _snapshot(data) == before


@pytest.mark.parametrize("case, command", RULES_MATRIX)
def test_bad_rules(case, command, tmp_path):
    mutation = MUTATIONS[case]
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    mutation.apply(rules)
    before = _snapshot(rules)
    out = _out_folder(tmp_path)
    result = _run(RULES_COMMANDS[command](rules, out))
    assert mutation.expect in result.output, result.output
    blamed = {str(rules / name) for name in mutation.blamed()}
    hits = _named_lines(result.output, blamed)
    assert hits, f"no problem line names {' or '.join(sorted(blamed))}:\n{result.output}"
    if mutation.line == "required":
        with_line = [m for m in hits if m["line"] and int(m["line"]) > 0]
        assert with_line, f"the problem has no line number:\n{result.output}"
        if mutation.line_contains:
            shown = [Path(m["file"]).read_text(encoding="utf-8").splitlines()[int(m["line"]) - 1] for m in with_line]
            assert any(mutation.line_contains in text for text in shown), (
                f"the line pointed at does not hold `{mutation.line_contains}`: {shown}\n{result.output}")
    assert _snapshot(out) == {SENTINEL: SENTINEL_BYTES}, "the report folder was changed"
    assert _snapshot(rules) == before, "the rules folder was changed"
    _check_fix_form(hits)  # last: a known message without a fix must not hide the checks above


CONTROL_EXIT = {"rules-test": 0, "rules-list": 0, "validate": 0, "check-entity": 1,  # feoc-lookthrough only
                "report": 0, "screen": 0}


@pytest.mark.parametrize("command", RULES_COMMANDS)
def test_unmutated_rules_copy_works(command, tmp_path):
    """The control: the harness itself (copying the rules, the seeds, the sentinel) causes no exit 2."""
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    out = _out_folder(tmp_path)
    args = RULES_COMMANDS[command](rules, out)
    if command == "report":  # the sentinel makes the folder foreign: a report writes beside it only when told to
        args.append("--force")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == CONTROL_EXIT[command], result.output


def test_every_mutation_is_a_real_change(tmp_path):
    """A mutation whose path or text vanished from the shipped rules fails loudly instead of testing nothing."""
    for name, mutation in MUTATIONS.items():
        rules = tmp_path / name
        shutil.copytree(default_rules_dir(), rules)
        original = (rules / mutation.file).read_bytes()
        mutation.apply(rules)
        assert (rules / mutation.target).read_bytes() != original or mutation.copy_to, name


@pytest.mark.parametrize("command", list(DATASET_COMMANDS))
def test_bad_dataset_in_a_real_process(command, tmp_path):
    """Through the console entry point, too: a bad folder gives exit 2 and no traceback on stderr."""
    data = BAD_INPUTS / "three-errors-two-files"
    out = _out_folder(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "feoc.cli", *DATASET_COMMANDS[command](data, out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    if command.startswith("import-"):  # an importer reads the file as its own format: it names the file
        assert f"{data / 'holdings.yaml'}:" in proc.stderr
    else:
        assert f"{data / 'holdings.yaml'}:4: " in proc.stderr
    assert _snapshot(out) == {SENTINEL: SENTINEL_BYTES}
