"""Analysts' bulk path: import FollowTheMoney (OpenSanctions) data, then screen every entity on a date."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from feoc.cli import app

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ftm"
SEEDS = str(Path(__file__).resolve().parents[1] / "seeds")
runner = CliRunner()


def test_ftm_import_maps_each_schema_and_says_what_it_skipped(tmp_path):
    out = tmp_path / "imported"
    result = runner.invoke(app, ["import", "ftm", str(FIXTURES / "supply-chain.jsonl"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    entities = {e["name"]: e for e in yaml.safe_load((out / "entities.yaml").read_text())["entities"]}
    assert entities["Envision Group"]["incorporated_in"] == "CN" and entities["Envision Group"]["type"] == "company"
    assert entities["State assets commission"] == {**entities["State assets commission"], "type": "agency", "country": "CN"}
    assert entities["A founder"]["type"] == "person" and entities["A founder"]["country"] == "CN"
    assert entities["A body without a country"]["type"] == "company"  # no country: cannot be a government body
    assert "country" not in entities["Old Soviet Trust"] and "headquartered_in" not in entities["Old Soviet Trust"]
    holdings = yaml.safe_load((out / "holdings.yaml").read_text())["holdings"]
    by_pair = {(h["holder"], h["entity"]): h for h in holdings}
    envision = next(h for h in holdings if h["equity"] == 0.8)
    assert str(envision["from"]) == "2019-03-01"  # partial start date: the first day of the month
    sasac = next(h for h in holdings if h["equity"] == 0.3 and "until" in h)
    assert str(sasac["from"]) == "2015-01-01" and str(sasac["until"]) == "2025-07-01"  # end month is inclusive
    assert len(by_pair) == len(holdings) == 6  # 80, 100, 30 (dated), the cycle 30 + 20, the founder's 25
    listings = yaml.safe_load((out / "listings.yaml").read_text())["listings"]
    assert [x["list"] for x in listings] == ["ofac-sdn"]
    for what in ("no readable percentage", "suhh", "Sanction", "name no specific list", "not in the file",
                 "imported as a company"):
        assert what in result.output, what
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    # every imported record carries provenance
    for path in out.glob("*.yaml"):
        for records in yaml.safe_load(path.read_text()).values():
            assert all(r["sources"][0]["doc"] == "supply-chain.jsonl" for r in records)


def test_imported_cycle_converges_and_chain_is_judged(tmp_path):
    out = tmp_path / "imported"
    runner.invoke(app, ["import", "ftm", str(FIXTURES / "supply-chain.jsonl"), "--out", str(out)])
    aesc_us = next(e["id"] for e in yaml.safe_load((out / "entities.yaml").read_text())["entities"] if e["name"] == "AESC US")
    result = runner.invoke(app, ["check", "entity", aesc_us, "--data", str(out), "--on", "2024-06-01",
                                 "--interpretation", "feoc-lookthrough"])  # where a private FEOC's stake counts
    assert result.exit_code == 1, result.output  # AESC US ← 100 % AESC ← 80 % Envision (China)
    screen = runner.invoke(app, ["screen", "--data", str(out), "--on", "2024-06-01", "--format", "json"])
    assert screen.exit_code == 0
    rows = {r["name"]: r for r in json.loads(screen.output)["entities"]}
    assert rows["Holdco | *Ltd*"]["gov_equity"] > 0.3  # 30 % direct plus the share through the cross-holding
    assert rows["Holdco | *Ltd*"]["gov_nation"] == "CN" and rows["Holdco | *Ltd*"]["feoc"] is True


def test_malformed_ftm_is_refused_with_line_numbers_and_nothing_written(tmp_path):
    out = tmp_path / "imported"
    result = runner.invoke(app, ["import", "ftm", str(FIXTURES / "malformed.jsonl"), "--out", str(out)])
    assert result.exit_code == 2
    assert "malformed.jsonl:2:" in result.output and "malformed.jsonl:3:" in result.output
    assert not out.exists()


def test_import_refuses_to_overwrite_a_dataset(tmp_path):
    out = tmp_path / "imported"
    out.mkdir()
    (out / "mine.yaml").write_text("entities: []\n")
    result = runner.invoke(app, ["import", "ftm", str(FIXTURES / "supply-chain.jsonl"), "--out", str(out)])
    assert result.exit_code == 2 and (out / "mine.yaml").read_text() == "entities: []\n"


def test_screen_seeds_csv_columns_and_verdicts(tmp_path):
    out = tmp_path / "screen.csv"
    result = runner.invoke(app, ["screen", "--data", SEEDS, "--on", "2024-06-01", "--out", str(out),
                                 "--interpretation", "feoc-lookthrough"])  # where Envision's 80 % of AESC counts
    assert result.exit_code == 0, result.output
    rows = {r["entity"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows["aesc"]["feoc"] == "True" and "feoc-ownership" in rows["aesc"]["rules"]
    assert rows["sk-on"]["feoc"] == "False" and rows["sk-on"]["rules"] == ""
    assert rows["gov-cn"]["feoc"] == "True"
    # issue 14: a `status` column, of the reading asked for (as `check entity --interpretation` gives it) ...
    assert rows["aesc"]["status"] == "feoc" and rows["sk-on"]["status"] == "not_feoc"
    assert rows["gov-cn"]["status"] == "feoc"
    # ... or agreed across every reading when none is asked for: AESC is contested
    every = runner.invoke(app, ["screen", "--data", SEEDS, "--on", "2024-06-01", "--out", str(tmp_path / "all.csv")])
    assert every.exit_code == 0, every.output
    agreed = {r["entity"]: r for r in csv.DictReader(io.StringIO((tmp_path / "all.csv").read_text()))}
    assert agreed["aesc"]["status"] == "contested" and agreed["sk-on"]["status"] == "not_feoc"
    assert list(rows["aesc"]) == ["entity", "name", "type", "status", "feoc", "rules", "gov_equity", "gov_voting",
                                  "gov_board_seats", "gov_nation"]


def test_screen_markdown_and_reference_path_agree():
    md = runner.invoke(app, ["screen", "--data", SEEDS, "--on", "2024-06-01", "--format", "md"])
    assert md.exit_code == 0 and "| `aesc` |" in md.output
    a = runner.invoke(app, ["screen", "--data", SEEDS, "--on", "2024-06-01", "--format", "json"]).output
    b = runner.invoke(app, ["screen", "--data", SEEDS, "--on", "2024-06-01", "--format", "json",
                            "--evaluator", "reference"]).output
    assert a == b


def test_screen_before_the_law_finds_nothing_and_after_the_stake_ends_neither(tmp_path):
    """Dates matter: the FEOC definition is law from 2021-11-15; the state stake ends 2025-06 (until 2025-07-01)."""
    out = tmp_path / "imported"
    runner.invoke(app, ["import", "ftm", str(FIXTURES / "supply-chain.jsonl"), "--out", str(out)])
    for day in ("2018-06-01", "2025-07-01"):
        rows = {r["name"]: r for r in json.loads(runner.invoke(
            app, ["screen", "--data", str(out), "--on", day, "--format", "json"]).output)["entities"]}
        assert rows["Holdco | *Ltd*"]["gov_equity"] == 0.0, day


CSV = Path(__file__).resolve().parent / "fixtures" / "csv"


def test_supplier_master_csv_import(tmp_path):
    """A supplier spreadsheet exported to CSV: rows become entities, parent + shares become holdings."""
    out = tmp_path / "suppliers"
    result = runner.invoke(app, ["import", "csv", str(CSV / "suppliers.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "suppliers.csv:6: parent given without equity" in result.output
    entities = {e["name"]: e for e in yaml.safe_load((out / "entities.yaml").read_text())["entities"]}
    assert entities["Acme | Cells <b>"]["incorporated_in"] == "NO"  # Norway stays Norway
    assert entities["Envision Group"]["incorporated_in"] == "CN"
    check = runner.invoke(app, ["check", "entity", "aesc-us", "--data", str(out), "--on", "2024-06-01", "--explain",
                                "--interpretation", "feoc-lookthrough"])  # where Envision's stake counts
    assert check.exit_code == 1 and "envision → 80.00% equity → aesc" in check.output


def test_supplier_csv_with_unknown_column_or_parent_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,parent,equtiy\nA,,\nB,Nobody,25%\n")
    result = runner.invoke(app, ["import", "csv", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "bad.csv:1:" in result.output and "equtiy" in result.output
    bad.write_text("name,parent,equity\nA,,\nB,Nobody,25%\n")
    result = runner.invoke(app, ["import", "csv", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "bad.csv:3:" in result.output and not (tmp_path / "o").exists()
