"""Issue 14 item 1 through the real CLI: every check kind answers with a status of the vocabulary and the exit
code of the one table; without --interpretation every reading is judged (5 contested, each reading listed),
with it only that reading (0/1/4); a missing fact (4) takes precedence over a disagreement (5); before the
first FEOC test the answer is "not in force" (item 4)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app
from feoc.law.law import Law
from feoc.verdicts.status import Status

ROOT = Path(__file__).resolve().parents[1]
SEEDS = str(ROOT / "seeds")
runner = CliRunner()
READINGS = Law.load().reading_names()

# A private Chinese company holds 30 % of a U.S. joint venture: a FEOC where any FEOC's stake counts, not where
# only government stakes do (the AESC story in miniature). A Singapore company trips the test rule below.
DATASET = """
entities:
  - {id: cn-private, name: CN Private Co, type: company, incorporated_in: CN}
  - {id: jv, name: Joint Venture, type: company, incorporated_in: US}
  - {id: us-co, name: US Co, type: company, incorporated_in: US}
  - {id: sg-co, name: SG Co, type: company, incorporated_in: SG}
  - {id: sg-jv, name: SG Joint Venture, type: company, incorporated_in: SG}
holdings:
  - {holder: cn-private, entity: jv, equity: "30%"}
  - {holder: cn-private, entity: sg-jv, equity: "30%"}
facilities:
  - {id: jv-plant, name: JV plant, operator: jv, country: US, activities: [battery_cell_manufacturing]}
  - {id: us-plant, name: US plant, operator: us-co, country: US, activities: [battery_cell_manufacturing]}
  - {id: cn-plant, name: CN plant, operator: cn-private, country: CN, activities: [battery_cell_manufacturing]}
  - {id: sg-plant, name: SG plant, operator: sg-co, country: SG, activities: [battery_cell_manufacturing]}
"""

# A §30D rule with a missing fact, as helper rules will have (conclusion `undetermined`, a remedy)
UNDETERMINED_RULE = """
id: test-undetermined-singapore
title: Whether a Singapore company is controlled from a covered nation is not in the data
citation: "test rule (issue 14 status contract)"
effective: {from: 2021-11-15}
applies_to: entity
when:
  fact: entity
  all:
    - {field: incorporated_in, op: eq, value: SG}
then: {conclusion: undetermined, prong: "cannot be determined: missing who controls the company"}
explain: "Cannot be determined: the dataset does not say who controls {subject_name}."
remedy: "record who controls {subject!c}: a covered-nation controller makes it a FEOC, any other does not"
cases:
  - name: fires
    on: 2024-06-01
    subject: a
    dataset: {entities: [{id: a, name: A, type: company, incorporated_in: SG}]}
    expect: fires
  - name: does not fire
    on: 2024-06-01
    subject: a
    dataset: {entities: [{id: a, name: A, type: company, incorporated_in: US}]}
    expect: does_not_fire
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    base = tmp_path_factory.mktemp("contract")
    (base / "data").mkdir()
    (base / "data" / "d.yaml").write_text(DATASET)
    shutil.copytree(ROOT / "rules", base / "rules")
    (base / "rules" / "feoc" / "test-undetermined.yaml").write_text(UNDETERMINED_RULE)
    return str(base / "data"), str(base / "rules")


def check(world: tuple[str, str], kind: str, ident: str, on: str, *extra: str) -> tuple[int, str]:
    data, rules = world
    result = runner.invoke(app, ["check", kind, ident, "--data", data, "--rules", rules, "--on", on, *extra])
    return result.exit_code, result.output


@pytest.mark.parametrize("kind,ident,status,code", [
    ("entity", "us-co", "not_feoc", 0), ("entity", "cn-private", "feoc", 1), ("entity", "sg-co", "cannot_be_determined", 4),
    ("entity", "jv", "contested", 5),
    ("facility", "us-plant", "not_feoc", 0), ("facility", "cn-plant", "feoc", 1),
    ("facility", "sg-plant", "cannot_be_determined", 4), ("facility", "jv-plant", "contested", 5)])
def test_every_status_of_an_entity_or_facility_has_its_exit_code(world, kind, ident, status, code):
    """User story: a compliance script branches on the exit code of `feoc check` and reads `status` from JSON."""
    got, out = check(world, kind, ident, "2024-06-01", "--format", "json")
    body = json.loads(out)
    assert (got, body["status"]) == (code, status), out
    assert set(body["readings"]) == set(READINGS)
    assert all(s in set(Status) for s in body["readings"].values())


def test_a_contested_entity_lists_each_readings_answer(world):
    """Issue 14: `check entity aesc --on 2024-06-01` is contested and names each reading's answer."""
    code, out = check(world, "entity", "jv", "2024-06-01")
    assert code == 5 and "CONTESTED" in out
    for name in READINGS:
        assert sum(line.strip().startswith(f"{name}: ") for line in out.splitlines()) == 1, out
    assert "FEOC" in out and "not a FEOC" in out


def test_with_an_interpretation_only_that_reading_is_judged(world):
    """--interpretation NAME answers 0, 1 or 4, never 5."""
    answers = set()
    for name in READINGS:
        code, out = check(world, "entity", "jv", "2024-06-01", "--interpretation", name, "--format", "json")
        assert code in (0, 1), out
        assert list(json.loads(out)["readings"]) == [name]
        answers.add(code)
    assert answers == {0, 1}  # the readings really disagree
    code, _ = check(world, "entity", "sg-co", "2024-06-01", "--interpretation", READINGS[0])
    assert code == 4


def test_a_missing_fact_is_asked_for_before_a_disagreement(world):
    """Precedence 4 before 5: sg-jv is a FEOC under one reading and undecidable under the others."""
    code, out = check(world, "entity", "sg-jv", "2024-06-01", "--format", "json")
    body = json.loads(out)
    assert code == 4 and body["status"] == "cannot_be_determined"
    assert "feoc" in body["readings"].values() and "cannot_be_determined" in body["readings"].values()
    assert body["missing"] == [{"subject": "sg-jv", "fact": "cannot be determined: missing who controls the company",
                                "decide": "record who controls `sg-jv`: a covered-nation controller makes it a "
                                          "FEOC, any other does not"}]


def test_missing_facts_are_named_in_text_too(world):
    code, out = check(world, "entity", "sg-co", "2024-06-01")
    assert code == 4 and "CANNOT BE DETERMINED" in out
    assert "missing: sg-co: cannot be determined: missing who controls the company — to decide: record who" in out


def test_not_in_force_before_the_statute_and_in_force_on_its_first_day(world):
    """Issue 14 item 4 (feoc-law.md §7.4): 1900 is "not in force", exit 0, naming the first date; the IIJA's
    date judges, with a note that DOE's 2024 interpretation is applied to the earlier date."""
    code, out = check(world, "entity", "cn-private", "1900-01-01")
    assert code == 0 and "NOT IN FORCE" in out and "2021-11-15" in out and "IS a foreign" not in out
    code, out = check(world, "entity", "cn-private", "2021-11-14", "--format", "json")
    assert code == 0 and json.loads(out)["status"] == "not_in_force"
    code, out = check(world, "entity", "cn-private", "2021-11-15")
    assert code == 1 and "IS a foreign entity of concern" in out and "applies it to 2021-11-15" in out
    code, out = check(world, "facility", "cn-plant", "2021-11-14")
    assert code == 0 and "NOT IN FORCE" in out
    code, out = check(world, "entity", "cn-private", "2024-05-06")
    assert code == 1 and "applies it to" not in out


def test_an_unknown_interpretation_is_an_input_error(world):
    code, _ = check(world, "entity", "jv", "2024-06-01", "--interpretation", "no-such-reading")
    assert code == 2


def test_an_unknown_interpretation_is_an_input_error_for_45x_too():
    """§45X has one reading, so a reading's name changes nothing; a misspelt one was ignored (exit 1 here)
    where every other check refuses it."""
    base = ["check", "facility", "aesc-smyrna", "--data", SEEDS, "--on", "2026-06-01", "--credit", "45x"]
    assert runner.invoke(app, [*base, "--interpretation", "no-such-reading"]).exit_code == 2
    assert runner.invoke(app, [*base, "--interpretation", "feoc-holders"]).exit_code == runner.invoke(app, base).exit_code


@pytest.mark.parametrize("vid,on,status,code", [
    ("nissan-leaf-2024", "2024-06-01", "contested", 5),
    ("nissan-leaf-2023", "2022-06-01", "not_in_force", 0),
    ("nissan-leaf-2023", "2026-06-01", "terminated", 1)])
def test_vehicle_statuses_and_exit_codes(vid, on, status, code):
    """The Nissan Leaf with AESC Smyrna cells: the readings disagree in 2024 (issue 14 item 8)."""
    result = runner.invoke(app, ["check", "vehicle", vid, "--data", SEEDS, "--on", on, "--format", "json"])
    body = json.loads(result.output)
    assert (result.exit_code, body["status"]) == (code, status), result.output
    assert all(set(r) == {"status", "credit_usd"} for r in body["readings"].values())


def test_a_contested_credit_is_a_range_with_each_readings_amount():
    result = runner.invoke(app, ["check", "vehicle", "nissan-leaf-2024", "--data", SEEDS, "--on", "2024-06-01"])
    assert result.exit_code == 5
    assert "CONTESTED: $0–$" in result.output
    for name in READINGS:
        assert any(line.strip().startswith(f"{name}: ") and "$" in line for line in result.output.splitlines())
    for name in READINGS:
        one = runner.invoke(app, ["check", "vehicle", "nissan-leaf-2024", "--data", SEEDS, "--on", "2024-06-01",
                                  "--interpretation", name])
        assert one.exit_code in (0, 1, 4)


def test_45x_not_in_force_says_nothing_about_prohibited_foreign_entities():
    """Issue 14: in 2025 the §45X check said "not in force" and then "not a prohibited foreign entity"."""
    result = runner.invoke(app, ["check", "facility", "aesc-smyrna", "--data", SEEDS, "--on", "2025-06-01",
                                 "--credit", "45x"])
    assert result.exit_code == 0 and "NOT IN FORCE" in result.output
    assert "prohibited foreign entity on the data given" not in result.output


def test_45x_cannot_be_determined_lists_the_missing_facts():
    result = runner.invoke(app, ["check", "facility", "skba-commerce-2", "--data", SEEDS, "--on", "2026-06-01",
                                 "--credit", "45x", "--format", "json"])
    body = json.loads(result.output)
    assert result.exit_code == 4 and body["status"] == "cannot_be_determined" and body["missing"]


@pytest.mark.parametrize("command", [["check", "entity"], ["check", "facility"], ["check", "vehicle"]])
def test_every_check_help_lists_the_exit_codes_and_the_precedence(command):
    out = " ".join(runner.invoke(app, [*command, "--help"], terminal_width=200).output.split())
    for code in ("0 clear no", "1 clear yes", "2 input error", "3 the rule engine", "4 cannot be determined",
                 "5 contested", "4 takes precedence over 5", "70 internal error"):
        assert code in out, (command, code)


def test_screen_carries_the_same_statuses(world):
    """`feoc screen` shows a contested entity as such, in CSV, JSON and Markdown."""
    data, rules = world
    for evaluator in ("durable-rules", "vectorised"):
        result = runner.invoke(app, ["screen", "--data", data, "--rules", rules, "--on", "2024-06-01", "--format",
                                     "json", "--evaluator", evaluator])
        rows = {r["entity"]: r["status"] for r in json.loads(result.output)["entities"]}
        assert rows == {"cn-private": "feoc", "jv": "contested", "us-co": "not_feoc", "sg-co": "cannot_be_determined",
                        "sg-jv": "cannot_be_determined"}, evaluator
        assert json.loads(result.output)["readings"] == READINGS
    csv_out = runner.invoke(app, ["screen", "--data", data, "--rules", rules, "--on", "2024-06-01"]).output
    assert csv_out.splitlines()[0].startswith("entity,name,type,status,feoc")
    assert any(line.startswith("jv,") and ",contested," in line for line in csv_out.splitlines())
    md_out = runner.invoke(app, ["screen", "--data", data, "--rules", rules, "--on", "1900-01-01", "--format", "md"]).output
    assert "| not in force |" in md_out


def test_reports_and_the_index_show_contested_and_missing_verdicts(world, tmp_path):
    """Issue 14: the reports and the index show contested verdicts as such (each reading's answer in the
    subject's report) and cannot-be-determined ones; report.json carries the same statuses."""
    data, rules = world
    out = tmp_path / "md"
    result = runner.invoke(app, ["report", "--data", data, "--rules", rules, "--on", "2024-06-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    index = (out / "index.md").read_text()
    row = {line.split("(`")[1].split("`)")[0]: line for line in index.splitlines() if line.startswith("| [")}
    assert "| contested" in row["jv"] and "| cannot be determined" in row["sg-co"] and "| FEOC" in row["cn-private"]
    timeline = (out / "entities" / "jv.md").read_text()
    # issue 18: the headline table says "contested:" before the readings' answers (it said "yes:")
    assert all(f"{name}: " in timeline for name in READINGS) and "| contested: " in timeline
    assert "record who controls `sg-co`" in (out / "entities" / "sg-co.md").read_text()  # what would decide it
    out_json = tmp_path / "json"
    assert runner.invoke(app, ["report", "--data", data, "--rules", rules, "--on", "2024-06-01", "--out",
                               str(out_json), "--format", "json"]).exit_code == 0
    body = json.loads((out_json / "report.json").read_text())
    statuses = {s["subject"]: s["points"][0]["status"] for s in body["subjects"]}
    assert statuses == {"cn-private": "feoc", "jv": "contested", "us-co": "not_feoc", "sg-co": "cannot_be_determined",
                        "sg-jv": "cannot_be_determined"}
