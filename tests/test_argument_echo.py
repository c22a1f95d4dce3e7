"""Session 32: what the command line says back about the arguments it was given.

An id, a reading, an evaluator or an --out path holding an ANSI or OSC 52 escape, BEL or U+202E was echoed raw
in its error line (a pasted id could set the clipboard or recolour the terminal); it is now shown as text
(`\\x1b[31m`) by the terminal policy (render/sanitize.py), as --on, --data and the problems of a dataset were.
And the fix for a dataset path or rules folder that is not there names what the user can do: `validate` and
`convert` take the dataset as an argument, not --data; a mistyped --rules is named, not its parameters.yaml.

The runs ask click for colour (`color=True`): without it click strips CSI sequences itself (not OSC 52, BEL or
U+202E), which would hide the raw escape these tests look for.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.render.sanitize import UNSHOWN

SEEDS = str(Path(__file__).resolve().parents[1] / "seeds")
OSC52 = "ev\x1b]52;c;aGVsbG8=\x07il\x1b[31mRED"  # sets the clipboard to "hello", then turns the text red
RED = "\x1b[31m"
ONE_COMPANY = "entities:\n  - {id: acme, name: Acme, type: company, incorporated_in: US}\n"
_RAW = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in UNSHOWN) + "]")


def run(*args: str):
    return CliRunner().invoke(app, list(args), color=True)


def raw_free(text: str) -> bool:
    """No UNSHOWN character but the newlines that end the lines."""
    return not _RAW.search(text.replace("\n", ""))


@pytest.fixture
def small(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "d.yaml").write_text(ONE_COMPANY, encoding="utf-8")
    return data


@pytest.mark.parametrize(("ident", "shown"), [(OSC52, "ev\\x1b]52;c;aGVsbG8=\\x07il\\x1b[31mRED"),
                                              ("aesc\u202e", "aesc\\u202e")])
def test_an_unknown_id_with_an_escape_is_echoed_as_text(ident, shown):
    """User story: an id pasted from a hostile page (OSC 52, a colour, U+202E) is named in the unknown-id line
    as text, and the terminal is left as it was."""
    result = run("check", "entity", ident, "--on", "2025-01-01", "--data", SEEDS)
    assert result.exit_code == 2 and raw_free(result.output), repr(result.output)
    assert f"unknown entity id `{shown}`" in result.output


def test_an_unknown_reading_with_an_escape_is_echoed_as_text():
    """User story: a mistyped --interpretation holding a clear-screen escape does not clear the screen."""
    result = run("check", "entity", "aesc", "--on", "2025-01-01", "--data", SEEDS, "--interpretation", "x\x1b[2J")
    assert result.exit_code == 2 and raw_free(result.output), repr(result.output)
    assert result.output.startswith("--interpretation x\\x1b[2J: unknown — use one of:")


def test_an_unknown_evaluator_with_an_escape_is_echoed_as_text(small):
    result = run("screen", "--on", "2025-01-01", "--data", str(small), "--evaluator", f"x{RED}")
    assert result.exit_code == 2 and raw_free(result.output), repr(result.output)
    assert result.output.startswith("--evaluator x\\x1b[31m: use one of")


def test_a_refused_screen_out_path_is_echoed_as_text(small):
    """User story: `screen --out` inside the dataset is refused in one line naming the path as text."""
    result = run("screen", "--on", "2025-01-01", "--data", str(small), "--out", str(small / f"o{RED}.csv"))
    assert result.exit_code == 2 and raw_free(result.output), repr(result.output)
    assert "o\\x1b[31m.csv: inside the input" in result.output


def test_an_unwritable_report_out_path_is_echoed_as_text(small, tmp_path):
    """User story: `report --out` below a file: the I/O fault's line names the path as text."""
    afile = tmp_path / "afile"
    afile.write_text("", encoding="utf-8")
    result = run("report", "--on", "2025-01-01", "--data", str(small), "--out", str(afile / f"x{RED}"))
    assert result.exit_code == 2 and raw_free(result.output), repr(result.output)
    assert "afile/x\\x1b[31m: cannot write" in result.output


@pytest.mark.parametrize("command", ["screen", "report"])
def test_a_written_out_path_is_echoed_as_text(small, tmp_path, command):
    """User story: the line saying what was written names an --out holding an escape as text (the file is
    written under its real name)."""
    out = tmp_path / f"out{RED}"
    result = run(command, "--on", "2025-01-01", "--data", str(small), "--out", str(out))
    assert result.exit_code == 0 and out.exists() and raw_free(result.output), repr(result.output)
    assert f"out\\x1b[31m: {'1 entities' if command == 'screen' else '2 report file(s)'}" in result.output


@pytest.mark.parametrize("command", [["validate", "nowhere"], ["convert", "nowhere", "--to", "yaml", "--out", "c"]])
def test_a_missing_dataset_argument_is_not_told_to_pass_data(tmp_path, command):
    """User story: `feoc validate nowhere` (the dataset is an argument, not --data) is told to give the path of
    a dataset, not to pass an option the command does not have."""
    args = [str(tmp_path / a) if a in ("nowhere", "c") else a for a in command]
    result = run(*args)
    assert result.exit_code == 2 and "--data" not in result.output, result.output
    assert (f"{tmp_path / 'nowhere'}: no such dataset folder or file — give the path of a dataset folder of YAML "
            "or Parquet files, or of one such file") in result.output


def test_a_missing_data_option_still_gets_its_fix(tmp_path):
    result = run("check", "entity", "aesc", "--on", "2025-01-01", "--data", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "no such dataset folder or file — give the path of a dataset" in result.output


def test_an_empty_dataset_folder_is_told_to_add_files_or_give_another(tmp_path):
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2 and "--data" not in result.output, result.output
    assert "holds no .yaml or .parquet files — add dataset files, or give the path of another" in result.output


@pytest.mark.parametrize(("make", "what"), [(False, "the rules folder does not exist"),
                                            (True, "not a folder, so not a rules folder")])
def test_a_mistyped_rules_folder_is_named_itself(tmp_path, make, what):
    """User story: `--rules nowhere` says the rules folder is not there, not that `nowhere/parameters.yaml`
    cannot be read (which sends the user looking for a file)."""
    rules = tmp_path / "nowhere"
    if make:
        rules.write_text("", encoding="utf-8")
    result = run("check", "entity", "aesc", "--on", "2025-01-01", "--data", SEEDS, "--rules", str(rules))
    assert result.exit_code == 2 and "cannot read the file" not in result.output, result.output
    assert result.output.startswith(f"{rules}: {what} — pass --rules PATH to a folder of rules")
