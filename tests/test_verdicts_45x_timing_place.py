"""§45X verdicts after a hostile new-user probe (issue 16, "Hidden §45X cases"): a plant abroad earns no §45X
credit (IRC 45X: produced within the United States or a possession, IRC 638); an operator the data cannot
decide is `operator_pfe: null`, never `false`; the foreign-influence tests' "during the taxable year" (IRC
7701(a)(51)(D)) against the one-day status test of the 2025 law (feoc-law.md §5.2): both answers, contested."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from feoc.cli import app

runner = CliRunner()
SEEDS = str(Path(__file__).resolve().parents[1] / "seeds")


def check(fid: str, on: str, data: str, *extra: str):
    return runner.invoke(app, ["check", "facility", fid, "--data", data, "--on", on, "--credit", "45x", *extra])


def _write(tmp_path: Path, text: str) -> str:
    data = tmp_path / "d"
    data.mkdir(parents=True)
    (data / "d.yaml").write_text(text, encoding="utf-8")
    return str(data)


def test_a_plant_in_korea_is_not_applicable_whoever_runs_it():
    """The seeds' Umicore Cheonan cathode plant (KR) read ELIGIBLE before: §45X covers only production in the
    United States and its possessions, so it is not applicable (exit 1), and the reason says why."""
    result = check("umicore-cheonan", "2026-06-01", SEEDS)
    assert result.exit_code == 1, result.output
    assert "NOT APPLICABLE" in result.output
    assert "§45X credits only components produced within the United States or a U.S. possession" in result.output
    body = json.loads(check("umicore-cheonan", "2026-06-01", SEEDS, "--format", "json").stdout)
    assert body["status"] == "not_applicable" and body["operator_pfe"] is None and body["products"] == []


def test_a_plant_in_puerto_rico_is_judged(tmp_path):
    """A possession (IRC 638(2)) counts as the United States for §45X: the plant is judged as any U.S. plant."""
    data = _write(tmp_path, """
entities:
  - {id: maker, name: Maker, type: company, incorporated_in: US}
  - {id: kr, name: KR Supplier, type: company, incorporated_in: KR}
facilities:
  - {id: pr-plant, name: PR plant, operator: maker, country: PR, activities: [battery_cell_manufacturing]}
material_inputs:
  - {facility: pr-plant, product: battery_cell, input: cathode, supplier: kr, cost_usd: 100}
""")
    result = check("pr-plant", "2026-06-01", data)
    assert result.exit_code == 0, result.output
    assert "ELIGIBLE" in result.output


# a maker held by a Chinese citizen whose U.S. status is not recorded (`STAKE`: the holding's share and dates)
HELD_BY_A_PERSON = """
entities:
  - {id: who, name: Who, type: person, citizenship: [CN]}
  - {id: maker, name: Maker, type: company, incorporated_in: US}
  - {id: kr, name: KR Supplier, type: company, incorporated_in: KR}
holdings:
  - {holder: who, entity: maker, STAKE}
facilities:
  - {id: plant, name: Plant, operator: maker, country: US, activities: [battery_cell_manufacturing]}
material_inputs:
  - {facility: plant, product: battery_cell, input: cathode, supplier: kr, cost_usd: 100}
"""


def test_an_undecided_operator_is_operator_pfe_null_not_false(tmp_path):
    """A program reading `operator_pfe: false` concludes "not a PFE": an operator wholly owned by a Chinese
    citizen whose U.S. status is unrecorded is `null`, with `operator_status` cannot be determined."""
    data = _write(tmp_path, HELD_BY_A_PERSON.replace("STAKE", 'equity: "100%", voting: "100%"'))
    result = check("plant", "2026-06-01", data)
    assert result.exit_code == 4, result.output
    assert "operator (taxpayer): maker — cannot be determined on the data given" in result.output
    body = json.loads(check("plant", "2026-06-01", data, "--format", "json").stdout)
    assert body["operator_pfe"] is None and body["operator_status"] == "cannot be determined"


DURING = """
entities:
  - {id: cnco, name: CN Co, type: company, incorporated_in: CN}
  - {id: maker, name: Maker, type: company, incorporated_in: US}
  - {id: kr, name: KR Supplier, type: company, incorporated_in: KR}
holdings:
  - {holder: cnco, entity: maker, equity: 0.3, from: 2027-01-01, until: UNTIL}
facilities:
  - {id: plant, name: Plant, operator: maker, country: US, activities: [battery_cell_manufacturing]}
material_inputs:
  - {facility: plant, product: battery_cell, input: cathode, supplier: kr, cost_usd: 100}
"""


def test_foreign_influenced_for_eleven_months_but_not_on_the_test_day_is_contested(tmp_path):
    """A Chinese company holds 30 % of the maker from 2027-01-01 until 2027-12-01. Its 2027 status is tested on
    2027-12-31 (a later taxable year: the last day), when the stake is gone: eligible on that reading; but during
    the taxable year a single SFE owned 25 % or more: no credit on the other. Contested (exit 5), both named."""
    data = _write(tmp_path, DURING.replace("UNTIL", "2027-12-01"))
    result = check("plant", "2027-06-01", data)
    assert result.exit_code == 5, result.output
    assert "CONTESTED" in result.output
    assert "read on the day the status is tested (2027-12-31), eligible" in result.output
    assert ("read as any day during the taxable year, no credit: maker was foreign-influenced 2027-01-01 to 2027-11-30"
            in result.output)
    body = json.loads(check("plant", "2027-06-01", data, "--format", "json").stdout)
    assert body["status"] == "contested" and body["during_year"][0]["from"] == "2027-01-01"
    assert body["during_year"][0]["findings"][0]["rule"] == "pfe-fie-single-sfe-25"


def test_a_stake_held_on_the_test_day_is_plain_no_credit_and_one_sold_the_year_before_is_plain_eligible(tmp_path):
    """Both readings agree where the stake is still held on 2027-12-31 (no credit, exit 1), and for 2028 where it
    ended in 2027 (eligible, exit 0): the other reading looks only inside the taxable year."""
    held = check("plant", "2027-06-01", _write(tmp_path, DURING.replace("UNTIL", "2028-06-01")))
    assert held.exit_code == 1, held.output
    assert "contested" not in held.output.lower()
    later = check("plant", "2028-06-01", _write(tmp_path / "x", DURING.replace("UNTIL", "2027-12-01")))
    assert later.exit_code == 0, later.output


def test_a_control_character_in_a_certificate_name_is_refused_in_plain_words(tmp_path):
    """Hostile string: a terminal escape in `certification.document` is refused with the position and the fix,
    like any name, not with the raw pattern."""
    data = _write(tmp_path, """
entities:
  - {id: maker, name: Maker, type: company, incorporated_in: US}
  - {id: kr, name: KR, type: company, incorporated_in: KR}
facilities:
  - {id: plant, name: Plant, operator: maker, country: US, activities: [battery_cell_manufacturing]}
material_inputs:
  - {facility: plant, product: battery_cell, input: a, supplier: kr, cost_usd: 1,
     certification: {document: "x\\u001b[31mred", signed: 2026-01-01}}
""")
    result = check("plant", "2026-06-01", data)
    assert result.exit_code == 2, result.output
    assert "`document` holds U+001B at character 2" in result.output and "match pattern" not in result.output


def test_interpretation_with_45x_says_it_changes_nothing():
    """A user passing a §30D reading to a §45X check is told it does not apply (not silently accepted)."""
    result = check("aesc-smyrna", "2026-06-01", SEEDS, "--interpretation", "feoc-lookthrough")
    assert result.exit_code == 1, result.output
    assert "--interpretation feoc-lookthrough changes nothing here" in result.output


def test_a_span_of_the_year_the_data_cannot_decide_is_cannot_be_determined_naming_the_fact(tmp_path):
    """Second probe of issue 16: a Chinese citizen whose U.S. status is unrecorded holds 30 % from 2027-03-01 until
    2027-06-01; on the test day (2027-12-31) the stake is gone. Read on the test day: eligible; read as any day of
    the year: it depends on `us_person`. A missing fact never passes: cannot be determined (exit 4), naming it."""
    data = _write(tmp_path, HELD_BY_A_PERSON.replace("STAKE", "equity: 0.3, from: 2027-03-01, until: 2027-06-01"))
    result = check("plant", "2027-12-31", data)
    assert result.exit_code == 4, result.output
    assert "whether maker was foreign-influenced 2027-03-01 to 2027-05-31" in result.output
    assert "missing: who: us_person — to decide: recording `us_person:` for `who`" in result.output


def test_a_stake_bought_in_the_first_taxable_year_is_the_other_reading(tmp_path):
    """The 2026 year of a calendar-year taxpayer is tested as of 2026-01-01 (feoc-law.md §5.2): a 30 % Chinese
    stake held from 2026-06-01 to 2026-08-31 (the legal review's case) leaves the plant eligible on that reading.
    The enacted text fixes only the listed SFEs on a first year's first day (IRC 7701(a)(51)(A)(ii)(II)) and the
    foreign-influence tests hold "during the taxable year": no credit on the other. Contested (exit 5), as the same
    stake is in a later year: the same facts never give a confident answer one year and a contested one the next."""
    for year in ("2026", "2027"):
        stake = f"from: {year}-06-01, until: {year}-09-01"
        data = _write(tmp_path / year, DURING.replace("from: 2027-01-01, until: UNTIL", stake))
        result = check("plant", f"{year}-07-01", data)
        assert result.exit_code == 5, (year, result.output)
        assert f"foreign-influenced {year}-06-01 to {year}-08-31" in result.output


# DURING's 30 % holder, now a Singapore company, put on the DoD 1260H list on 2026-07-01
LISTED_LATER = DURING.replace("{id: cnco, name: CN Co, type: company, incorporated_in: CN}",
                              "{id: cnco, name: SG Co, type: company, incorporated_in: SG}").replace(
    ", from: 2027-01-01, until: UNTIL}", "}\nlistings:\n  - {entity: cnco, list: dod-1260h, from: 2026-07-01}")


def test_a_holder_listed_during_the_first_taxable_year_counts_from_the_next(tmp_path):
    """IRC 7701(a)(51)(A)(ii)(II): in the first taxable year the listed SFEs are those of its first day. A Singapore
    holder of 30 % put on the DoD 1260H list on 2026-07-01 is no SFE for 2026 (eligible, no other reading), and an
    SFE for 2027 (tested on its last day: a single SFE owns 25 %, no credit)."""
    data = _write(tmp_path, LISTED_LATER)
    first = check("plant", "2026-09-01", data, "--format", "json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["during_year"] == []
    assert check("plant", "2027-03-01", data).exit_code == 1
