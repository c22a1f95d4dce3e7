"""`feoc validate --format github|sarif` (issue 18, "CI integration: none of JUnit XML, GitHub annotations or SARIF").

User stories: a compliance team validates its supplier dataset on every pull request; a bad record shows as an
annotation on the changed file's line (`--format github`), or as a code-scanning alert (`--format sarif`,
uploaded with github/codeql-action/upload-sarif). The exit codes are those of `validate`: 0 clean, 2 problems.

The SARIF log is validated against the OASIS SARIF 2.1.0 JSON schema, vendored in tests/data/ (source noted in
tests/data/README.md). Hostile names and messages (`::`, line breaks, `%`) cannot forge a second annotation.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.problems import Problem
from feoc.render.github import command, escape_data, escape_property, workspace_path
from feoc.render.sarif import artifact

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
BAD = ROOT / "tests" / "bad_inputs"
runner = CliRunner()


@pytest.fixture
def in_repo(monkeypatch):
    """Run from the repository root, as a workflow step does from its checkout."""
    monkeypatch.chdir(ROOT)


def _validate(*args: str):
    return runner.invoke(app, ["validate", *args])


def _annotations(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("::")]


def _country_only_company(folder: Path) -> Path:
    """A valid dataset with one warning (issue 14: `country: CN` on a company, no incorporated_in) at line 6."""
    folder.mkdir(parents=True)
    (folder / "entities.yaml").write_text(
        "entities:\n  - id: cn-co\n    name: CN Co\n    type: company\n    incorporated_in: null\n    country: CN\n",
        encoding="utf-8")
    return folder


# --- github ---------------------------------------------------------------------------------------------------

def test_github_one_error_per_problem_at_its_file_and_line(in_repo):
    """A dangling reference in a pull request: `::error file=…,line=…` on the line of `links.yaml` that names the
    missing entity, the path relative to the checkout, the message `what — fix`; exit 2 as in text."""
    result = _validate("tests/bad_inputs/dangling-references", "--format", "github")
    assert result.exit_code == 2
    errors = _annotations(result.stdout)
    text = _validate("tests/bad_inputs/dangling-references")
    problems = [line for line in text.stderr.splitlines() if ".yaml:" in line]
    assert len(errors) == len(problems) == 14
    assert ("::error file=tests/bad_inputs/dangling-references/links.yaml,line=2,title=feoc validate::"
            "`holder: ghost-holder` names no entity in this dataset — define an entity with id `ghost-holder` or "
            "correct the id") in errors
    assert result.stdout.splitlines()[-1] == "feoc validate: tests/bad_inputs/dangling-references: 14 problem(s) found"


def test_github_absolute_paths_inside_the_checkout_are_made_relative(in_repo):
    """`feoc validate $GITHUB_WORKSPACE/data`: GitHub matches annotations by the repository path."""
    result = _validate(str(BAD / "dangling-references"), "--format", "github")
    assert result.exit_code == 2
    assert all(line.startswith("::error file=tests/bad_inputs/dangling-references/")
               for line in _annotations(result.stdout))


def test_github_escapes_percent_in_the_message(in_repo):
    """`"25%"` in a fix is written `25%25`, which GitHub shows as `25%` (a bare `%0A` would be a line break)."""
    result = _validate("tests/bad_inputs/bad-shares", "--format", "github")
    assert result.exit_code == 2
    assert any('a percentage like "25%25"' in line for line in _annotations(result.stdout))


def test_github_a_warning_is_a_warning_annotation_and_the_exit_is_0(tmp_path, monkeypatch):
    """Issue 14's advice (a company with `country` only) stays advice: `::warning` at its line, exit 0."""
    _country_only_company(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    result = _validate("data", "--format", "github")
    assert result.exit_code == 0, result.output
    [warning] = _annotations(result.stdout)
    assert warning.startswith("::warning file=data/entities.yaml,line=6,title=feoc validate::entities[0] country: ")
    assert "1 warning(s)" in result.stdout.splitlines()[-1]


def test_github_a_table_problem_says_its_row_and_column_in_the_message(tmp_path, monkeypatch):
    """A Parquet row has no line: the annotation names the file, and the message its row and column."""
    rows = [{"id": f"e{i}", "name": "E", "type": "company", "incorporated_in": "CN" if i < 3 else "XX"}
            for i in range(1, 4)]
    (tmp_path / "data").mkdir()
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "data" / "entities.parquet")
    monkeypatch.chdir(tmp_path)
    result = _validate("data", "--format", "github")
    assert result.exit_code == 2, result.output
    [error] = _annotations(result.stdout)
    assert error.startswith("::error file=data/entities.parquet,title=feoc validate::row 3, column incorporated_in: ")
    assert ",line=" not in error


def test_github_the_entries_not_read_are_plain_log_lines(tmp_path, monkeypatch):
    data = _country_only_company(tmp_path / "data")
    (data / "README.md").write_text("notes", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = _validate("data", "--format", "github")
    assert "skipped: data/README.md: not a .yaml, .yml or .parquet file: not read" in result.stdout.splitlines()


def test_hostile_a_file_name_with_colons_percent_and_a_line_break_forges_no_annotation(tmp_path, monkeypatch):
    """A dataset file named `x::error file=forged.yaml::forged%0A\n::error::second.yaml` with a bad record: one
    annotation, its file property escaped (`:` `%3A`, `,` `%2C`, `%` `%25`, LF `%0A`), no second `::` line."""
    data = tmp_path / "data"
    data.mkdir()
    name = "x::error file=forged.yaml,line=1::forged%0A\n::error::second.yaml"
    (data / name).write_text("entities:\n  - id: a\n    name: A\n    type: nonsense\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = _validate("data", "--format", "github")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert [line[:8] for line in lines if line.startswith("::")] == ["::error "]
    [error] = _annotations(result.stdout)
    assert error.startswith("::error file=data/x%3A%3Aerror file=forged.yaml%2Cline=1%3A%3Aforged%250A%0A%3A%3Aerror"
                            "%3A%3Asecond.yaml,line=4,title=feoc validate::")
    assert len(lines) == 2  # the annotation and the summary


def test_hostile_a_message_with_a_line_break_and_escapes_stays_one_command():
    """A message quoting a value with `\\n::error::`, `%0A`, CR and an ANSI escape: one line, nothing raw."""
    problem = Problem("data/a,b:c.yaml", 3, "value `x\n::error::forged` and 100%0A\r\x1b[2J", "fix it")
    line = command("error", problem, Path.cwd())
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert line == ("::error file=data/a%2Cb%3Ac.yaml,line=3,title=feoc validate::value `x%0A::error::forged` and "
                    "100%250A%0D\\x1b[2J — fix it")


def test_the_escapes_are_githubs():
    """actions/toolkit packages/core/src/command.ts: escapeData (% CR LF) and escapeProperty (also : and ,)."""
    assert escape_data("50%\r\nnext: a, b") == "50%25%0D%0Anext: a, b"
    assert escape_property("50%\r\nnext: a, b") == "50%25%0D%0Anext%3A a%2C b"


def test_workspace_paths(tmp_path):
    assert workspace_path(str(tmp_path / "d" / "e.yaml"), tmp_path) == "d/e.yaml"
    assert workspace_path("./d/../d/e.yaml", tmp_path) == "d/e.yaml"
    assert workspace_path("/elsewhere/e.yaml", tmp_path) == "/elsewhere/e.yaml"


# --- sarif ----------------------------------------------------------------------------------------------------

def _sarif(*args: str) -> tuple[int, dict, str]:
    result = _validate(*args, "--format", "sarif")
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    return result.exit_code, log, result.stdout


def test_sarif_problems_validate_against_the_sarif_2_1_0_schema(in_repo):
    """The code-scanning upload: SARIF 2.1.0, one run by feoc, one error result per problem at its file (relative
    to %SRCROOT%) and line; exit 2 as in text."""
    code, log, _ = _sarif("tests/bad_inputs/dangling-references")
    assert code == 2
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "feoc" and [r["id"] for r in driver["rules"]] == ["feoc/input-problem",
                                                                              "feoc/data-warning"]
    assert len(run["results"]) == 14 and {r["level"] for r in run["results"]} == {"error"}
    first = run["results"][0]
    assert first["ruleId"] == "feoc/input-problem" and first["ruleIndex"] == 0
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "tests/bad_inputs/dangling-references/entities.yaml",
                                            "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 22}
    assert first["message"]["text"].startswith("`operator: ghost-operator` names no entity in this dataset — define")


def test_sarif_is_byte_identical_for_the_same_input(in_repo):
    """No timestamp, duration or host name: two runs write the same bytes (a diffable, cacheable artifact)."""
    _, _, first = _sarif("tests/bad_inputs/three-errors-two-files")
    _, _, second = _sarif("tests/bad_inputs/three-errors-two-files")
    assert first == second


def test_sarif_a_clean_dataset_is_an_empty_run_and_exit_0(in_repo):
    code, log, _ = _sarif("seeds")
    assert code == 0 and log["runs"][0]["results"] == []


def test_sarif_a_warning_is_a_warning_result(tmp_path, monkeypatch):
    _country_only_company(tmp_path / "data")
    (tmp_path / "data" / "notes.txt").write_text("x", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = _validate("data", "--format", "sarif")
    assert result.exit_code == 0
    [warning] = json.loads(result.stdout)["runs"][0]["results"]
    assert warning["level"] == "warning" and warning["ruleId"] == "feoc/data-warning" and warning["ruleIndex"] == 1
    assert warning["locations"][0]["physicalLocation"]["region"] == {"startLine": 6}
    assert "skipped: data/notes.txt" in result.stderr  # stdout is the log alone


def test_sarif_hostile_names_and_messages_are_exact_json(tmp_path, monkeypatch):
    """The file name with `::`, `%` and a line break is percent-encoded in the URI; the log stays valid."""
    data = tmp_path / "data"
    data.mkdir()
    name = "x::y%0A\nz.yaml"
    (data / name).write_text("entities:\n  - id: a\n    name: A\n    type: nonsense\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, log, _ = _sarif("data")
    assert code == 2
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "data/x%3A%3Ay%250A%0Az.yaml"


def test_sarif_a_file_outside_the_working_directory_is_a_file_uri(tmp_path):
    outside = tmp_path / "a b.yaml"
    assert artifact(str(outside), tmp_path / "elsewhere") == {"uri": outside.as_uri()}
    assert artifact("data/a b.yaml", tmp_path) == {"uri": "data/a%20b.yaml", "uriBaseId": "%SRCROOT%"}


def test_the_text_format_is_unchanged(in_repo):
    """`--format text` (the default) prints what `validate` always has: problems on stderr, exit 2."""
    result = _validate("tests/bad_inputs/dangling-references", "--format", "text")
    default = _validate("tests/bad_inputs/dangling-references")
    assert result.exit_code == default.exit_code == 2 and result.stderr == default.stderr
    assert result.stderr.splitlines()[-1] == ("14 problem(s) found: fix each where it says, then run `feoc validate` "
                                              "again.")
    assert result.stdout == ""


def test_validate_help_names_the_formats():
    result = runner.invoke(app, ["validate", "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert "github" in result.stdout and "sarif" in result.stdout


def test_a_removed_working_folder_still_validates(tmp_path, monkeypatch):
    """Run from a folder deleted meanwhile (a CI cleanup step): paths are shown as given, no internal error."""
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    result = _validate(str(BAD / "dangling-references"), "--format", "github")
    assert result.exit_code == 2
    assert _annotations(result.stdout)[0].startswith(f"::error file={BAD.as_posix().replace(':', '%3A')}/")
