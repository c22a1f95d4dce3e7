"""Issue 20, item 3: `feoc import gleif` through the real CLI, on small fixtures in GLEIF's golden-copy CSV format
(tests/data/gleif/: LEI-CDF `lei.csv`, RR-CDF `rr.csv`, column names as GLEIF publishes them). Each test names
the user story it encodes; the hostile inputs are in tests/test_reliability_import.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from feoc.cli import app
from feoc.load.gleif import valid_lei

DATA = Path(__file__).parent / "data" / "gleif"
RUNNER = CliRunner()
SASAC, PARENT, MID, CHILD = "5493000CNSTATEAGXX06", "5493000PARENTCNABX74", "5493000MIDHKHOLDXX97", "5493000CHILDUSCOXX72"
FUND, ISLAND, ANNULLED = "5493000KYFUNDXXXXX60", "5493000ISLANDKRXXX49", "5493000ANNULLEDXXX39"


def gleif(out: Path, *extra: str) -> Any:
    return RUNNER.invoke(app, ["import", "gleif", "--lei", str(DATA / "lei.csv"), *extra, "--out", str(out)])


def records(out: Path, kind: str) -> list[dict[str, Any]]:
    path = out / f"{kind}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))[kind] if path.exists() else []


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("gleif") / "out"
    result = gleif(out, "--rr", str(DATA / "rr.csv"))
    assert result.exit_code == 0, result.output
    return result.output, out


def test_lei_check_digits_follow_iso_17442():
    """An LEI's last two digits make the whole ≡ 1 mod 97 (ISO 7064): one changed character is caught."""
    assert valid_lei(CHILD) and valid_lei("5493001KJTIIGC8Y1R12")
    assert not valid_lei(CHILD[:-1] + "3") and not valid_lei(CHILD.lower()) and not valid_lei(CHILD[:19])


def test_lei_records_give_jurisdiction_headquarters_and_kind(imported):
    """Story: a buyer imports GLEIF's Level 1 records: LegalJurisdiction `US-DE` is the U.S. (incorporated_in), the
    headquarters address country is headquartered_in, a FUND is a fund, a RESIDENT_GOVERNMENT_ENTITY is an agency of
    its nation, an ANNULLED record is listed and left out, and a fund without a LegalJurisdiction takes its legal
    address country with a note."""
    output, out = imported
    entities = {e["id"]: e for e in records(out, "entities")}
    child = entities[CHILD.lower()]
    assert (child["name"], child["incorporated_in"], child["headquartered_in"]) == ("Child Battery US, Inc.", "US", "US")
    assert (entities[SASAC.lower()]["type"], entities[SASAC.lower()]["country"]) == ("agency", "CN")
    fund = entities[FUND.lower()]
    assert (fund["type"], fund["incorporated_in"], fund["headquartered_in"]) == ("fund", "KY", "SG")
    assert "the legal address's country KY read as where it was formed" in output
    assert ANNULLED.lower() not in entities and f"LEI {ANNULLED} is ANNULLED" in output


def test_consolidation_is_a_holding_of_more_than_half_the_votes(imported):
    """Story: Level 2 says Child is directly consolidated by Mid, Mid by Parent: each is a holding of `voting: {min:
    50%}` from the relationship period's start (not the accounting period's); the ultimate Child → Parent is implied
    by the direct chain and listed, not imported twice."""
    output, out = imported
    pairs = {(h["holder"], h["entity"]): h for h in records(out, "holdings")}
    direct = pairs[(MID.lower(), CHILD.lower())]
    assert direct["voting"] == {"min": 0.5} and str(direct["from"]) == "2019-06-01" and "until" not in direct
    assert (PARENT.lower(), MID.lower()) in pairs and (PARENT.lower(), CHILD.lower()) not in pairs
    assert f"IS_ULTIMATELY_CONSOLIDATED_BY {CHILD} → {PARENT}: implied by the direct consolidations" in output


def test_every_relationship_not_imported_is_listed(imported):
    """An INACTIVE relationship without an end, a branch relationship, a parent not in --lei, a child left out
    (annulled) are each listed; rows naming no LEI of the file are counted in one line."""
    output, _ = imported
    for reason in (f"{FUND} → {PARENT} is INACTIVE without an end date",
                   f"IS_INTERNATIONAL_BRANCH_OF {CHILD} → {FUND}: not an accounting consolidation",
                   "5493000NOTINFILEXX05 is not in the --lei file", f"LEI {ANNULLED} is not in the --lei file",
                   "rr.csv: 2 relationship row(s) name no LEI of the --lei file: not read"):
        assert reason in output, reason


def test_an_ultimate_parent_no_direct_chain_reaches_is_imported_with_its_period(imported):
    """Story: the Chinese state-assets agency ultimately consolidated Island Parts from 2020-01-01 to 2024-06-30
    (GLEIF's period end is its last day), with no direct record in the file: a holding until 2024-07-01."""
    _, out = imported
    [held] = [h for h in records(out, "holdings") if h["entity"] == ISLAND.lower()]
    assert (held["holder"], str(held["from"]), str(held["until"])) == (SASAC.lower(), "2020-01-01", "2024-07-01")


@pytest.mark.parametrize("on, code", [("2024-06-30", 1), ("2024-07-01", 0)])
def test_feoc_check_on_an_imported_government_consolidation(imported, on, code):
    """Story: consolidated by a covered-nation government agency, Island Parts is a FEOC on the last day of the
    relationship period (more than half the votes is at least 25 %) and not the day after."""
    _, out = imported
    result = RUNNER.invoke(app, ["check", "entity", ISLAND.lower(), "--on", on, "--data", str(out)])
    assert result.exit_code == code, result.output


def test_lei_file_alone_imports_entities_only(tmp_path):
    result = gleif(tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert len(records(tmp_path / "out", "entities")) == 6 and records(tmp_path / "out", "holdings") == []


def test_files_given_the_wrong_way_round_are_refused(tmp_path):
    """The relationship file given to --lei is refused naming the missing column; nothing written."""
    result = RUNNER.invoke(app, ["import", "gleif", "--lei", str(DATA / "rr.csv"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "rr.csv:1: no column LEI, Entity.LegalName" in result.output and not (tmp_path / "out").exists()


def test_the_same_relationship_twice_is_read_once(tmp_path):
    """A relationship row repeated (an extract concatenated twice) is read once and the repeat listed: two
    majorities of the votes of one child would be an impossible total."""
    lines = (DATA / "rr.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    twice = tmp_path / "rr.csv"
    twice.write_text(lines[0] + lines[1] + lines[1], encoding="utf-8")
    result = gleif(tmp_path / "out", "--rr", str(twice))
    assert result.exit_code == 0, result.output
    assert len(records(tmp_path / "out", "holdings")) == 1
    assert "rr.csv:3: IS_DIRECTLY_CONSOLIDATED_BY" in result.output and "the same relationship as row 2" in result.output
