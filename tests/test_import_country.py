"""Issue 14 item 7: importers. `feoc import csv` wrote the column `country` to a field the jurisdiction rules
ignore for a company, so a Chinese supplier imported that way was "not a FEOC", and `validate` said nothing; a
parent given by a name two rows share bound silently to one of them. Every test runs the real CLI on real files
and names the user story it encodes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from feoc.cli import app

runner = CliRunner()

SUPPLIERS = """id,name,type,country,incorporated_in,headquartered_in,parent,equity
cn-cells,China Cells Co,,CN,,,,
us-pack,US Pack Assembly,company,US,,,cn-cells,30%
ky-holding,Cayman Holding,company,CN,KY,,,
us-office,US Office Co,company,CN,,US,,
prc,PRC central government,government,CN,,,,
founder,A founder,person,cn,,,,
"""


def import_csv(tmp_path: Path, text: str, name: str = "suppliers.csv"):
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "imported"
    result = runner.invoke(app, ["import", "csv", str(src), "--out", str(out)])
    return result, out


def entities(out: Path) -> dict[str, dict]:
    return {e["id"]: e for e in yaml.safe_load((out / "entities.yaml").read_text(encoding="utf-8"))["entities"]}


def test_a_chinese_supplier_imported_from_csv_with_country_only_is_a_feoc(tmp_path):
    """User story (issue 14): a supplier master lists `China Cells Co` with only `country: CN`. After the import
    it is judged headquartered in China: a FEOC (exit 1), not "not a FEOC"."""
    result, out = import_csv(tmp_path, SUPPLIERS)
    assert result.exit_code == 0, result.output
    record = entities(out)["cn-cells"]
    assert record["headquartered_in"] == "CN" and "country" not in record
    check = runner.invoke(app, ["check", "entity", "cn-cells", "--data", str(out), "--on", "2024-06-01",
                                "--format", "json"])
    assert check.exit_code == 1, check.output
    body = json.loads(check.stdout)
    assert body["feoc"] is True
    assert [f["rule"] for f in body["findings"]] == ["feoc-jurisdiction-headquarters"]


def test_csv_country_is_mapped_as_the_ftm_importer_maps_it(tmp_path):
    """The rule (load/csv_master.py, README): as FtM's `country` of a Company is its principal place of business
    (`headquartered_in`, after `mainCountry`), and a Person's or a public body's `country` stays `country`."""
    result, out = import_csv(tmp_path, SUPPLIERS)
    assert result.exit_code == 0, result.output
    rows = entities(out)
    assert rows["ky-holding"]["incorporated_in"] == "KY" and rows["ky-holding"]["headquartered_in"] == "CN"
    assert rows["prc"]["country"] == "CN" and "headquartered_in" not in rows["prc"]
    assert rows["founder"]["country"] == "CN" and "headquartered_in" not in rows["founder"]
    # the same supplier through FtM lands on the same field
    ftm = tmp_path / "same.jsonl"
    ftm.write_text(json.dumps({"id": "cn-cells", "schema": "Company",
                               "properties": {"name": ["China Cells Co"], "country": ["cn"]}}) + "\n", encoding="utf-8")
    via_ftm = tmp_path / "via-ftm"
    assert runner.invoke(app, ["import", "ftm", str(ftm), "--out", str(via_ftm)]).exit_code == 0
    assert entities(via_ftm)["cn-cells"]["headquartered_in"] == rows["cn-cells"]["headquartered_in"] == "CN"


def test_a_country_that_disagrees_with_headquartered_in_is_kept_and_said(tmp_path):
    """Nothing is changed silently: `country: CN` beside `headquartered_in: US` is kept as written, and the
    import summary names the row and says no rule reads it (it may be the place of incorporation)."""
    result, out = import_csv(tmp_path, SUPPLIERS)
    assert result.exit_code == 0, result.output
    assert entities(out)["us-office"]["country"] == "CN"
    assert "suppliers.csv:5: country `CN` is kept but not judged" in result.output
    assert "fill incorporated_in" in result.output


def _folder_with_a_country_only_company(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "entities.yaml").write_text(
        "entities:\n"
        "  - {id: prc, name: PRC, type: government, country: CN}\n"
        "  - id: cn-co\n"
        "    name: CN Co\n"
        "    type: company\n"
        "    country: CN\n"
        "  - {id: founder, name: Founder, type: person, country: CN}\n", encoding="utf-8")
    return data


def test_validate_warns_of_a_company_with_country_but_no_incorporation_or_headquarters(tmp_path):
    """User story (issue 14): a hand-written record `country: CN` on a company passed `validate` without a word
    and was judged in no covered nation. `validate` still accepts the folder (exit 0) but warns, naming the
    file:line of `country` and the fix; a government's or a person's `country` is no cause for a warning."""
    data = _folder_with_a_country_only_company(tmp_path)
    result = runner.invoke(app, ["validate", str(data)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.output
    assert f"warning: {data / 'entities.yaml'}:6: entities[1] country: `cn-co` is a company with `country: CN`" \
        in warnings[0]
    assert "write `headquartered_in: CN` (its principal place of business) and/or `incorporated_in: CN`" in warnings[0]
    assert "1 warning(s) (listed above)" in result.stdout


def test_check_screen_and_report_say_the_same_warning_on_stderr(tmp_path):
    """The judging commands print the warning on stderr before their verdict, as they do `skipped:` lines, so
    the verdict on stdout stays machine-readable."""
    data = _folder_with_a_country_only_company(tmp_path)
    check = runner.invoke(app, ["check", "entity", "cn-co", "--data", str(data), "--on", "2024-06-01",
                                "--format", "json"])
    # as the data stand it is not found a FEOC (or, where missing jurisdiction facts are asked for, undetermined)
    assert check.exit_code in (0, 4) and json.loads(check.stdout)["feoc"] is False, check.output
    assert "warning:" in check.stderr and "`cn-co` is a company with `country: CN`" in check.stderr
    screen = runner.invoke(app, ["screen", "--data", str(data), "--on", "2024-06-01"])
    assert screen.exit_code == 0 and "warning:" not in screen.stdout
    assert "`cn-co` is a company with `country: CN`" in screen.stderr
    report = runner.invoke(app, ["report", "--data", str(data), "--on", "2024-06-01", "--out", str(tmp_path / "r")])
    assert report.exit_code == 0, report.output
    assert "`cn-co` is a company with `country: CN`" in report.stderr


def test_seeds_carry_no_such_warning():
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    result = runner.invoke(app, ["validate", str(seeds)])
    assert result.exit_code == 0 and "warning:" not in result.output


def test_a_parent_named_by_a_name_two_rows_share_is_an_error_naming_both(tmp_path):
    """Issue 14: `parent: Acme` bound silently to one of two rows called Acme (one without an id, one with).
    Now the import fails (exit 2, nothing written) naming both rows."""
    result, out = import_csv(tmp_path, "id,name,parent,equity\n,Acme,,\nacme-2,Acme,,\nsub,Sub,Acme,30%\n")
    assert result.exit_code == 2, result.output
    assert "suppliers.csv:4: parent `Acme` is ambiguous: it names row 2 (its name) and row 3 (its name)" \
        in result.output
    assert not out.exists()


def test_a_parent_that_is_one_rows_id_and_another_rows_name_is_an_error_naming_both(tmp_path):
    """The same doubt when the parent's text is one row's id and another row's name."""
    result, out = import_csv(tmp_path, "id,name,parent,equity\nacme,Acme One,,\nx,acme,,\nsub,Sub,acme,30%\n")
    assert result.exit_code == 2, result.output
    assert "parent `acme` is ambiguous: it names row 2 (its id) and row 3 (its name)" in result.output
    assert not out.exists()


def test_a_parent_named_by_a_unique_name_still_binds(tmp_path):
    """The other side: a name only one row has is a parent (README: an id, or a name only one row has)."""
    result, out = import_csv(tmp_path, "id,name,parent,equity\nacme,Acme Corp,,\nsub,Sub,Acme Corp,30%\n")
    assert result.exit_code == 0, result.output
    holdings = yaml.safe_load((out / "holdings.yaml").read_text(encoding="utf-8"))["holdings"]
    assert [(h["holder"], h["entity"]) for h in holdings] == [("acme", "sub")]
