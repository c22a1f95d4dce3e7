"""`-` for standard input where a command reads one file (issue 18, "CLI habits: no `-` for stdin").

User stories: `curl …/entities.ftm.json | feoc import ftm - --out data`; `export-suppliers | feoc import csv - --out
data`; a CI job generating pins on the fly, `make-pins | feoc test -`. Problems name the file `<stdin>` with the
line numbers of what was piped; empty or bad input is exit 2 with nothing written; standard input is read whole
up to the bound of a dataset file (MAX_FILE_BYTES, load/stdin.py). A FIFO named as FILE is still refused unread
(reading a named pipe by accident can hang): `-` is the explicit opt-in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app

ROOT = Path(__file__).resolve().parents[1]
SEEDS = str(ROOT / "seeds")
PINS = (ROOT / "docs" / "pins-example.yaml").read_text(encoding="utf-8")
runner = CliRunner()

FTM = "\n".join(json.dumps(e) for e in (
    {"id": "c1", "schema": "Company", "properties": {"name": ["Cee One"], "jurisdiction": ["cn"]}},
    {"id": "c2", "schema": "Company", "properties": {"name": ["Cee Two"], "jurisdiction": ["jp"]}},
    {"id": "o1", "schema": "Ownership", "properties": {"owner": ["c1"], "asset": ["c2"], "percentage": ["60"]}},
)) + "\n"
CSV = "id,name,type,incorporated_in,parent,equity\nparent-co,Parent Co,company,CN,,\nsub-co,Sub Co,company,JP,parent-co,0.6\n"


def _import(kind: str, out: Path, stdin: str | bytes):
    return runner.invoke(app, ["import", kind, "-", "--out", str(out)], input=stdin)


# --- import ftm - ------------------------------------------------------------------------------------------

def test_import_ftm_from_stdin_writes_a_valid_dataset(tmp_path):
    """`… | feoc import ftm - --out data`: the same dataset as from a file; the source cited is `<stdin>`."""
    out = tmp_path / "data"
    result = _import("ftm", out, FTM)
    assert result.exit_code == 0, result.output
    assert "imported 2 entities, 1 holdings" in result.stdout
    assert "doc: <stdin>" in (out / "entities.yaml").read_text(encoding="utf-8")
    from_file = tmp_path / "file.jsonl"
    from_file.write_text(FTM, encoding="utf-8")
    again = runner.invoke(app, ["import", "ftm", str(from_file), "--out", str(tmp_path / "data2")])
    assert again.exit_code == 0
    assert (tmp_path / "data2" / "holdings.yaml").read_text().replace("file.jsonl", "<stdin>") == \
        (out / "holdings.yaml").read_text()


def test_import_ftm_bad_stdin_names_stdin_and_the_line_and_writes_nothing(tmp_path):
    out = tmp_path / "data"
    result = _import("ftm", out, FTM + "not json\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("<stdin>:4: not a JSON object")
    assert "nothing was written" in result.stderr and not out.exists()


def test_import_ftm_empty_stdin_is_an_input_error(tmp_path):
    out = tmp_path / "data"
    result = _import("ftm", out, "")
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr.startswith("<stdin>: standard input is empty — pipe FtM JSON lines into feoc")


def test_import_ftm_stdin_over_the_bound_is_refused_not_cut(tmp_path, monkeypatch):
    """Read whole with a bound: more than MAX_FILE_BYTES is refused (never imported in part)."""
    monkeypatch.setattr("feoc.load.stdin.MAX_FILE_BYTES", len(FTM) - 1)
    out = tmp_path / "data"
    result = _import("ftm", out, FTM)
    assert result.exit_code == 2 and not out.exists()
    assert f"<stdin>: standard input is over the {len(FTM) - 1} byte limit — save it to a file" in result.stderr


def test_import_ftm_through_a_real_pipe(tmp_path):
    """The console script with its real standard input (bytes, not a test runner's stream)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = tmp_path / "data"
    proc = subprocess.run([sys.executable, "-m", "feoc", "import", "ftm", "-", "--out", str(out)], input=FTM.encode(),
                          capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (out / "entities.yaml").is_file()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_named_as_file_is_still_refused_unread(tmp_path):
    """Only `-` opts in to a stream: a named pipe given as FILE is refused without being opened (no hang)."""
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["import", "ftm", str(fifo), "--out", str(tmp_path / "data")])
    assert result.exit_code == 2 and "not a regular file" in result.stderr


# --- import csv - ------------------------------------------------------------------------------------------

def test_import_csv_from_stdin_writes_a_valid_dataset(tmp_path):
    out = tmp_path / "data"
    result = _import("csv", out, CSV)
    assert result.exit_code == 0, result.output
    assert "imported 2 entities, 1 holdings" in result.stdout
    assert "<stdin> row 3: Sub Co" in (out / "holdings.yaml").read_text(encoding="utf-8")


def test_import_csv_bad_row_on_stdin_names_stdin_and_the_row(tmp_path):
    out = tmp_path / "data"
    result = _import("csv", out, CSV + "x,X Co,company,ZZZ,,\n")
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr.startswith("<stdin>:4: ") and "`ZZZ` is not an ISO 3166-1 alpha-2" in result.stderr


def test_import_csv_empty_stdin_is_an_input_error(tmp_path):
    out = tmp_path / "data"
    result = _import("csv", out, "")
    assert result.exit_code == 2 and not out.exists()
    assert "<stdin>: standard input is empty — pipe a CSV file into feoc" in result.stderr


def test_import_csv_stdin_that_is_not_utf8_names_its_line(tmp_path):
    result = _import("csv", tmp_path / "data", CSV.encode() + b"y,Caf\xe9,company,FR,,\n")
    assert result.exit_code == 2
    assert "<stdin>:4: not UTF-8 text (byte 0xe9)" in result.stderr


# --- feoc test - -------------------------------------------------------------------------------------------

def test_feoc_test_reads_pins_from_stdin():
    """`make-pins | feoc test -`: the README's example pins, piped; each line names `<stdin>` and its line."""
    result = runner.invoke(app, ["test", "-", "--data", SEEDS], input=PINS)
    assert result.exit_code == 0, result.output
    assert "PASS <stdin>:3: check facility aesc-smyrna" in result.stdout
    assert result.stdout.splitlines()[-1].endswith("pinned in <stdin>")


def test_feoc_test_bad_pins_on_stdin_exit_2_judging_nothing():
    result = runner.invoke(app, ["test", "-", "--data", SEEDS], input="tests:\n  - check: planet\n    id: x\n")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("<stdin>:2: ")


def test_feoc_test_empty_stdin_is_an_input_error():
    result = runner.invoke(app, ["test", "-", "--data", SEEDS], input="")
    assert result.exit_code == 2 and result.stdout == ""
    assert "<stdin>: standard input is empty — pipe a YAML file of pins into feoc" in result.stderr


def test_feoc_test_binary_stdin_is_refused_as_a_file_is():
    result = runner.invoke(app, ["test", "-", "--data", SEEDS], input=b"tests:\x00\n")
    assert result.exit_code == 2
    assert "<stdin>:1: file holds binary data (a NUL byte)" in result.stderr


def test_import_bods_reads_standard_input_and_names_it(tmp_path):
    """User story: `curl … | feoc import bods - --out DIR` — BODS statements piped in are imported as from a file,
    and a problem in them names `<stdin>` with its line (issue 18's `-`, kept for issue 20's importer)."""
    fixture = sorted((Path(__file__).parent / "data" / "bods").glob("*.json"))[0]
    good = runner.invoke(app, ["import", "bods", "-", "--out", str(tmp_path / "ok")],
                         input=fixture.read_text(encoding="utf-8"))
    assert good.exit_code == 0, good.output
    assert (tmp_path / "ok").is_dir()
    bad = runner.invoke(app, ["import", "bods", "-", "--out", str(tmp_path / "bad")], input='[{"statementId": 1,\n')
    assert bad.exit_code == 2
    assert "<stdin>" in bad.output
    assert not (tmp_path / "bad").exists()
