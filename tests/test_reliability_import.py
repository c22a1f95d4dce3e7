"""Issue 15, reliability round 2, class 6: importers that change data without saying so, and `import --out`.
Every test runs the real CLI on real files and names the attack it encodes."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from feoc.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

OWNER = {"id": "own", "schema": "Company", "properties": {"name": ["Owner"], "jurisdiction": ["cn"]}}
ASSET = {"id": "ast", "schema": "Company", "properties": {"name": ["Asset"], "jurisdiction": ["us"]}}


def stake(**props: object) -> dict:
    return {"id": "stake", "schema": "Ownership",
            "properties": {"owner": ["own"], "asset": ["ast"], "percentage": ["30"], **props}}


def ftm(tmp_path: Path, *lines: object) -> tuple[int, str, Path]:
    src = tmp_path / "in.jsonl"
    src.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                   encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", "ftm", str(src), "--out", str(out)])
    return result.exit_code, result.output, out


def records(out: Path, kind: str) -> list[dict]:
    path = out / f"{kind}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))[kind] if path.exists() else []


# --- FtM -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["2021-02-30", "2021-13", "20211", "next year", "2021-02-29T00:00", "9999-12-31",
                                 "9999"])
def test_attack_ftm_unreadable_end_date_never_makes_a_stake_current(tmp_path, end):
    """Attack: an impossible `endDate` silently made the stake current (9999-12-31 crashed on the day after)."""
    code, output, out = ftm(tmp_path, OWNER, ASSET, stake(startDate=["2019-01-01"], endDate=[end]))
    assert code == 0, output
    assert records(out, "holdings") == []
    assert "in.jsonl:3: ownership stake:" in output and "left out" in output, output


def test_attack_ftm_unreadable_start_date_is_reported(tmp_path):
    code, output, out = ftm(tmp_path, OWNER, ASSET, stake(startDate=["2019-02-30"]))
    assert code == 0 and records(out, "holdings") == [] and "not a real calendar date" in output, output


def test_ftm_readable_dates_still_map(tmp_path):
    code, output, out = ftm(tmp_path, OWNER, ASSET, stake(startDate=["2019-03"], endDate=["2020"]))
    assert code == 0, output
    [holding] = records(out, "holdings")
    assert (str(holding["from"]), str(holding["until"])) == ("2019-03-01", "2021-01-01")


def test_attack_ftm_datasets_as_a_string_is_read(tmp_path):
    """Attack: `datasets: "us_ofac_sdn"` (a string) was ignored and the sanctions listing lost."""
    code, output, out = ftm(tmp_path, {**OWNER, "datasets": "us_ofac_sdn"})
    assert code == 0, output
    assert [x["list"] for x in records(out, "listings")] == ["ofac-sdn"]
    assert "`datasets` is a single string, not a list: read as a one-item list" in output


@pytest.mark.parametrize("value", [7, {"a": 1}, [1, "us_ofac_sdn", None], True])
def test_attack_ftm_wrong_typed_datasets_and_topics_are_reported(tmp_path, value):
    """Attack: wrong-typed `datasets`/`topics` crashed (sorted() of mixed types)."""
    entity = {**OWNER, "datasets": value, "properties": {**OWNER["properties"], "topics": value}}
    code, output, out = ftm(tmp_path, entity)
    assert code == 0, output
    assert "`datasets`" in output and "property `topics`" in output, output
    expected = ["ofac-sdn"] if isinstance(value, list) else []
    assert [x["list"] for x in records(out, "listings")] == expected


@pytest.mark.parametrize("percentage", ["2_5", "1e1", "inf", "nan", "٢٥", 25])
def test_attack_ftm_percentage_read_strictly(tmp_path, percentage):
    code, output, out = ftm(tmp_path, OWNER, ASSET, stake(percentage=[percentage]))
    assert code == 0, output
    assert records(out, "holdings") == [] and "no readable percentage" in output, output


def test_attack_ftm_property_values_dropped_are_reported(tmp_path):
    """A second jurisdiction or a property written as a string is not dropped without a word."""
    entity = {"id": "x", "schema": "Company", "properties": {"name": "Solo", "jurisdiction": ["us", "cn"]}}
    code, output, out = ftm(tmp_path, entity)
    assert code == 0, output
    assert records(out, "entities")[0]["name"] == "Solo"
    assert "property `name` is a single string" in output and "`us` imported, cn left out" in output, output


@pytest.mark.parametrize("line, what", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (json.dumps({**OWNER, "deep": json.loads("[" * 60 + "]" * 60)}), "nested deeper than"),
    ('{"id": "x", "schema": "Company", "n": ' + "9" * 5000 + "}", "5000 digits"),
    ('{"id": "x", "schema": "Company", "n": ' + "1" + "0" * 400 + ".5}", "characters"),
    ('{"id": "x", "schema": "Company", "n": NaN}', "NaN"),
    ('{"id": "x", "schema": "Company", "n": -Infinity}', "Infinity"),
    ("\xff", "not a JSON object"),
])
def test_attack_ftm_hostile_json_is_refused_with_its_line(tmp_path, line, what):
    """Attack: deep nesting, 5,000-digit numbers crashed the importer."""
    code, output, out = ftm(tmp_path, OWNER, line)
    assert code == 2, output
    assert "in.jsonl:2:" in output and what in output, output
    assert "Traceback" not in output and not out.exists()


def test_attack_ftm_overlong_line_is_refused_before_decoding(tmp_path):
    code, output, _ = ftm(tmp_path, OWNER, '{"id": "' + "x" * (2 << 20) + '"}', ASSET)
    assert code == 2 and "in.jsonl:2: line longer than 1 MiB" in output, output


def test_attack_ftm_dev_zero_is_refused_at_once(tmp_path):
    """Attack: `import ftm /dev/zero` read without end (no newline ever comes)."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "feoc.cli", "import", "ftm", "/dev/zero", "--out", str(tmp_path / "o")],
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 2 and "not a regular file" in result.stderr, result.stderr
    assert time.monotonic() - started < 30


# --- CSV -------------------------------------------------------------------------------------------------------


def csv_import(tmp_path: Path, text: str | bytes) -> tuple[int, str, Path]:
    src = tmp_path / "suppliers.csv"
    src.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", "csv", str(src), "--out", str(out)])
    return result.exit_code, result.output, out


def test_attack_csv_duplicated_header_names_both_columns(tmp_path):
    """Attack: a duplicated header column kept only the last one."""
    code, output, out = csv_import(tmp_path, "id,name,equity,parent,equity\nb,B,,,\na,A,0.3,b,0.6\n")
    assert code == 2 and "suppliers.csv:1: columns 3 and 5 are both `equity`" in output, output
    assert not out.exists()


def test_attack_csv_extra_cells_name_the_row(tmp_path):
    """Attack: extra cells in a row were dropped."""
    code, output, _ = csv_import(tmp_path, "id,name,country\na,A,US\nb,B,US,CN\n")
    assert code == 2 and "suppliers.csv:3: row 3 has 4 cells, the header 3 columns" in output, output


@pytest.mark.parametrize("share", ["2_5", "2_5%", "1e-1", "٢٥%", "0x10", "inf", "+0.3", "25%%"])
def test_attack_csv_numbers_are_parsed_strictly(tmp_path, share):
    """Attack: `"2_5"` read as 25 (Python's float/int accept digit separators)."""
    code, output, _ = csv_import(tmp_path, f"id,name,parent,equity\nb,B,,\na,A,b,{share}\n")
    assert code == 2 and f"suppliers.csv:3: equity `{share}` is not a share" in output, output


def test_attack_csv_dates_are_parsed_strictly(tmp_path):
    code, output, _ = csv_import(tmp_path, "id,name,parent,equity,from\nb,B,,,\na,A,b,0.3,20210101\n")
    assert code == 2 and "suppliers.csv:3: from `20210101` is not a date" in output, output


@pytest.mark.parametrize("separator", ["\u0085", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c"])
def test_attack_csv_unicode_line_separators_never_split_a_row(tmp_path, separator):
    """Attack: U+0085 inside a cell split the row (`str.splitlines`) and invented a supplier."""
    code, output, out = csv_import(tmp_path, f"id,name\na,Acme{separator}evil,x\n".replace(",x", "")
                                   + "b,Beta\n")
    if code == 0:  # the name is kept whole
        assert [e["id"] for e in records(out, "entities")] == ["a", "b"], output
    else:  # or the loader refuses the character in a name: then at the CSV row, never a third supplier
        assert code == 2 and "suppliers.csv:2:" in output, output


def test_attack_csv_line_break_in_a_quoted_cell_is_kept(tmp_path):
    code, output, out = csv_import(tmp_path, 'id,name,source\na,Acme,"line one\r\nline two"\nb,B,\n')
    assert code == 0, output
    assert [e["id"] for e in records(out, "entities")] == ["a", "b"]


def test_attack_csv_nul_is_refused_with_its_row(tmp_path):
    code, output, _ = csv_import(tmp_path, "id,name\na,A\nb,B\x00x\n")
    assert code == 2 and "suppliers.csv:3: row 3 holds a NUL character" in output, output


def test_attack_csv_oversized_cell_is_refused(tmp_path):
    """Attack: an oversized cell crashed the importer (csv.Error: field larger than field limit)."""
    code, output, _ = csv_import(tmp_path, "id,name\na,A\nb," + "B" * (2 << 20) + "\n")
    assert code == 2 and "suppliers.csv:3: cannot read the CSV row: a cell over 1 MiB" in output, output
    assert "Traceback" not in output


def test_attack_csv_bad_share_is_reported_at_the_csv_row(tmp_path):
    """Attack: a bad share was reported against a YAML file that is never written."""
    code, output, out = csv_import(tmp_path, "id,name,parent,equity\nb,B,,\na,A,b,150%\n")
    assert code == 2, output
    assert "suppliers.csv:3: imported holdings record: equity: share" in output, output
    assert "holdings.yaml" not in output and not out.exists()


def test_attack_csv_record_problem_is_reported_at_the_csv_row(tmp_path):
    code, output, _ = csv_import(tmp_path, "id,name,country\nb,B,US\na,A,ZZ\n")
    assert code == 2 and "suppliers.csv:3: imported entities record: country: `ZZ`" in output, output


def test_attack_csv_ambiguous_parent_and_repeated_ids_are_errors(tmp_path):
    code, output, _ = csv_import(tmp_path, "id,name,parent,equity\nb1,Beta,,\nb2,Beta,,\na,A,Beta,0.3\n")
    # issue 14: the error names both rows the name could mean (it said only "not … exactly one row")
    assert code == 2 and "suppliers.csv:4: parent `Beta` is ambiguous: it names row 2 (its name) and row 3 (its name)" \
        in output, output
    (tmp_path / "again").mkdir()
    code, output, _ = csv_import(tmp_path / "again", "id,name\na,A\na,B\n")
    assert code == 2 and "rows 2 and 3 are both `a`" in output, output


def test_attack_csv_dates_without_parent_are_reported(tmp_path):
    code, output, _ = csv_import(tmp_path, "id,name,from\na,A,2020-01-01\n")
    assert code == 0 and "suppliers.csv:2: shares or dates given without a parent" in output, output


def test_attack_csv_from_a_device_is_refused(tmp_path):
    result = runner.invoke(app, ["import", "csv", "/dev/zero", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "not a regular file" in result.output


# --- --out ---------------------------------------------------------------------------------------------------------

GOOD_CSV = "id,name,country\na,A,US\n"


def run_csv(tmp_path: Path, out: Path) -> tuple[int, str]:
    src = tmp_path / "good.csv"
    src.write_text(GOOD_CSV, encoding="utf-8")
    result = runner.invoke(app, ["import", "csv", str(src), "--out", str(out)])
    return result.exit_code, result.output


def test_attack_import_into_a_non_empty_folder_is_refused(tmp_path):
    """Attack: importing into a folder that already held data succeeded and made an invalid dataset."""
    out = tmp_path / "data"
    out.mkdir()
    (out / "mine.yaml").write_text("entities: []\n", encoding="utf-8")
    (out / "notes.txt").write_text("x", encoding="utf-8")
    code, output = run_csv(tmp_path, out)
    assert code == 2 and output.strip().count("\n") == 0, output  # one line
    assert "not empty" in output
    assert sorted(p.name for p in out.iterdir()) == ["mine.yaml", "notes.txt"]


def test_attack_import_out_a_file_or_link_is_refused(tmp_path):
    (tmp_path / "f").write_text("x", encoding="utf-8")
    code, output = run_csv(tmp_path, tmp_path / "f")
    assert code == 2 and "--out is a file" in output and output.strip().count("\n") == 0, output
    (tmp_path / "empty").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    code, output = run_csv(tmp_path, tmp_path / "link")
    assert code == 2 and "symbolic link" in output, output
    code, output = run_csv(tmp_path, Path("/"))
    assert code == 2, output


def test_import_into_an_empty_or_new_folder_follows_the_umask(tmp_path):
    (tmp_path / "empty").mkdir()
    assert run_csv(tmp_path, tmp_path / "empty")[0] == 0
    code, output = run_csv(tmp_path, tmp_path / "new" / "deeper")
    assert code == 0, output
    mask = os.umask(0o022)
    os.umask(mask)
    assert (tmp_path / "new" / "deeper").stat().st_mode & 0o777 == 0o777 & ~mask
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left


def test_attack_killed_import_leftover_is_cleaned_by_the_next_import(tmp_path):
    """A killed import leaves only its hidden sibling (ignored by dataset loading); the next import into the
    same folder removes it (its process is gone). A live import's folder is left alone."""
    parent = tmp_path / "data"
    parent.mkdir()
    (parent / "entities.yaml").write_text("entities:\n- id: acme\n  name: Acme\n  type: company\n", encoding="utf-8")
    dead = parent / ".imported.feoc-import.999999999.abcd"
    live = parent / f".imported.feoc-import.{os.getpid()}.efgh"
    for leftover in (dead, live):
        leftover.mkdir()
        (leftover / "entities.yaml").write_text("entities:\n- id: [half", encoding="utf-8")
    assert runner.invoke(app, ["validate", str(parent)]).exit_code == 0
    code, output = run_csv(tmp_path, parent / "imported")
    assert code == 0, output
    assert not dead.exists() and live.exists()
    assert runner.invoke(app, ["validate", str(parent)]).exit_code == 0


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_attack_sigkill_during_import_leaves_nothing_that_breaks_the_parent(tmp_path):
    """SIGKILL at random moments of an import into a dataset's subfolder: the output folder is complete or
    absent, and the parent dataset stays valid."""
    parent = tmp_path / "data"
    parent.mkdir()
    (parent / "entities.yaml").write_text("entities:\n- id: acme\n  name: Acme\n  type: company\n", encoding="utf-8")
    src = tmp_path / "big.csv"
    src.write_text("id,name,country,parent,equity\n" + "".join(f"s{i},S {i},US,{'s0' if i else ''},{'0.0001' if i else ''}\n"
                                                               for i in range(3000)), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    rng = random.Random(6)
    for trial in range(5):
        out = parent / f"imported{trial}"
        proc = subprocess.Popen([sys.executable, "-m", "feoc.cli", "import", "csv", str(src), "--out", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.3, 2.0))
        proc.kill()
        proc.wait()
        if out.exists():
            assert sorted(p.name for p in out.iterdir()) == ["entities.yaml", "holdings.yaml"]
        result = runner.invoke(app, ["validate", str(parent)])
        assert result.exit_code == 0, result.output
        if out.exists():  # a finished import is data: the next trial imports the same suppliers again
            shutil.rmtree(out)


# --- BODS and GLEIF (issue 20) --------------------------------------------------------------------------------

BODS_PUB = {"bodsVersion": "0.4", "publicationDate": "2026-11-30", "publisher": {"name": "t"}}


def bods_entity(rec: str, name: str = "Acme", code: str = "GB") -> dict:
    return {"statementId": f"s-{rec}", "recordId": rec, "recordType": "entity", "recordStatus": "new",
            "publicationDetails": BODS_PUB, "recordDetails": {"entityType": {"type": "registeredEntity"}, "name": name,
                                                              "jurisdiction": {"name": code, "code": code}}}


def bods_stake(share: object, party: str = "own") -> dict:
    return {"statementId": "s-rel", "recordId": "rel", "recordType": "relationship", "recordStatus": "new",
            "publicationDetails": BODS_PUB, "recordDetails": {"subject": "ast", "interestedParty": party, "interests": [
                {"type": "shareholding", "directOrIndirect": "direct", "share": share}]}}


def bods_import(tmp_path: Path, text: str | bytes, suffix: str = "jsonl") -> tuple[int, str, Path]:
    src = tmp_path / f"in.{suffix}"
    src.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", "bods", str(src), "--out", str(out)])
    return result.exit_code, result.output, out


def _jsonl(*statements: object) -> str:
    return "".join((s if isinstance(s, str) else json.dumps(s)) + "\n" for s in statements)


OWN, AST = bods_entity("own", "Owner", "CN"), bods_entity("ast", "Asset", "US")


@pytest.mark.parametrize("text, suffix, where, what", [
    (json.dumps(OWN) + "\n" + json.dumps(AST)[:-1] + "\n", "jsonl", "in.jsonl:2:", "malformed JSON"),
    ("[\n" + json.dumps(OWN) + "\n" + json.dumps(AST) + "\n]\n", "json", "in.json:3:", "expected `,` or `]`"),
    ("[\n" + json.dumps(OWN) + ",\n" + json.dumps(AST) + "\n", "json", "in.json:", "the array is not closed"),
    (_jsonl(OWN, "\ufeff" + json.dumps(AST)), "jsonl", "in.jsonl:2:", "malformed JSON"),
    (_jsonl(OWN, bods_entity("ast", "\x1b[2J<script>alert(1)</script>")), "jsonl", "in.jsonl:2:", "imported entities"),
    (_jsonl(OWN, AST, json.dumps(bods_stake({"exact": 1})).replace('"exact": 1', '"exact": ' + "9" * 5000)), "jsonl",
     "in.jsonl:3:", "5000 digits"),
    (_jsonl(OWN, AST, json.dumps(bods_stake({"exact": 1})).replace('"exact": 1', '"exact": 1e400')), "jsonl",
     "in.jsonl:3:", "not a finite number"),
    (_jsonl(OWN, AST, bods_stake({"exact": 250})), "jsonl", "in.jsonl:3:", "lies outside 0-100"),
    (_jsonl(OWN, AST, bods_stake({"minimum": 30, "maximum": 20})), "jsonl", "in.jsonl:3:",
     "minimum (30.00%) is above its maximum (20.00%)"),
    (_jsonl(OWN, AST, bods_stake({"exact": True})), "jsonl", "in.jsonl:3:", "not a number"),
    (_jsonl(OWN, AST, bods_stake({"exact": 30}, party="nobody")), "jsonl", "in.jsonl:3:",
     "the interestedParty 'nobody' is not a record of this file"),
    (_jsonl(OWN, "[" * 100_000 + "]" * 100_000), "jsonl", "in.jsonl:2:", "nested too deeply"),
    (_jsonl(OWN, {**AST, "x": json.loads("[" * 60 + "]" * 60)}), "jsonl", "in.jsonl:2:", "nested deeper than"),
    (_jsonl(OWN, "42"), "jsonl", "in.jsonl:2:", "must be a JSON object"),
    (_jsonl(OWN, '{"recordId": NaN}'), "jsonl", "in.jsonl:2:", "NaN"),
    ("", "json", "in.json:", "the file is empty"),
    ("[ ]", "json", "in.json:1:", "no BODS statement in the file"),
    (" \n\n", "jsonl", "in.jsonl:", "the file is empty"),
    (b'[{"name": "\xff"}]', "json", "in.json:1:", "not UTF-8"),
])
def test_attack_bods_hostile_input_is_refused_with_its_place(tmp_path, text, suffix, where, what):
    """Attack (issue 20): malformed JSON, an escape sequence in a name, huge or impossible shares, a minimum above
    the maximum, a reference to no record, a byte order mark inside the text, deep nesting, an empty file: exit 2,
    the file and line named, nothing written, no traceback."""
    code, output, out = bods_import(tmp_path, text, suffix)
    assert code == 2, output
    assert where in output and what in output, output
    assert "Traceback" not in output and not out.exists()


def test_attack_bods_markup_in_a_name_is_kept_as_text_and_a_leading_bom_is_read(tmp_path):
    """A name `<script>…` is text (every renderer escapes it: tests/test_reliability_sanitise.py), kept exactly;
    a leading UTF-8 byte order mark is dropped as `import csv` drops it (RFC 8259 §8.1)."""
    name = "<script>alert(1)</script> & Co"
    code, output, out = bods_import(tmp_path, "\ufeff" + _jsonl(bods_entity("own", name), AST, bods_stake({"exact": 30})))
    assert code == 0, output
    assert records(out, "entities")[0]["name"] == name and records(out, "holdings")[0]["equity"] == 0.3


def test_attack_bods_dev_zero_is_refused_at_once(tmp_path):
    result = runner.invoke(app, ["import", "bods", "/dev/zero", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "not a regular file" in result.output, result.output


GLEIF_HEADER = '"LEI","Entity.LegalName","Entity.LegalJurisdiction","Entity.HeadquartersAddress.Country"\n'
GOOD_LEI = "5493000CHILDUSCOXX72"


def gleif_import(tmp_path: Path, text: str | bytes) -> tuple[int, str, Path]:
    src = tmp_path / "lei.csv"
    src.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", "gleif", "--lei", str(src), "--out", str(out)])
    return result.exit_code, result.output, out


@pytest.mark.parametrize("text, where, what", [
    ("", "lei.csv:", "the file is empty"),
    (GLEIF_HEADER + f'"{GOOD_LEI[:-1]}3","Child","US","US"\n', "lei.csv:2:", "is not an LEI"),
    (GLEIF_HEADER + f'"{GOOD_LEI}","Child","US","US"\n"{GOOD_LEI}","Again","US","US"\n', "lei.csv:3:", "appears twice"),
    (GLEIF_HEADER + f'"{GOOD_LEI}","Child","US","US","CN"\n', "lei.csv:2:", "has 5 cells, the header 4 columns"),
    (GLEIF_HEADER + f'"{GOOD_LEI}","Ch\x00ild","US","US"\n', "lei.csv:2:", "NUL"),
    (GLEIF_HEADER + f'"{GOOD_LEI}","\x1b]52;c;ZXZpbA==\x07<script>","US","US"\n', "lei.csv:2:", "imported entities"),
    ('"LEI","Name"\n', "lei.csv:1:", "no column Entity.LegalName"),
])
def test_attack_gleif_hostile_csv_is_refused_with_its_row(tmp_path, text, where, what):
    """Attack (issue 20): an empty file, a mistyped LEI, an LEI twice, extra cells, a NUL, an OSC 52 escape in a
    name, a file of another kind: exit 2, the file and row named, nothing written."""
    code, output, out = gleif_import(tmp_path, text)
    assert code == 2, output
    assert where in output and what in output, output
    assert "Traceback" not in output and not out.exists()


def test_attack_gleif_leading_bom_is_read(tmp_path):
    code, output, out = gleif_import(tmp_path, "\ufeff" + GLEIF_HEADER + f'"{GOOD_LEI}","Child","US-DE","US"\n')
    assert code == 0, output
    assert records(out, "entities")[0]["incorporated_in"] == "US"
