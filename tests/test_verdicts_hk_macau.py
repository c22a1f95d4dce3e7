"""Issue 14 item 5: Hong Kong and Macau are treated as China for the jurisdiction prongs, and the finding says so
(reference feoc-law.md §7.3: both are special administrative regions of the People's Republic of China; Taiwan
is not a covered nation). The mapping is law, in `rules/parameters.yaml` (`covered_nation_regions`). Each test
runs the real CLI on a real dataset folder and names the user story it encodes."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from feoc.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
NOTE = "a special administrative region of the People's Republic of China, treated as CN (feoc-law.md §7.3)"

WORLD = """
entities:
  - {id: hk-trader, name: HK Battery Trading Ltd, type: company, incorporated_in: HK, headquartered_in: SG}
  - {id: mo-holding, name: MO Holding, type: company, incorporated_in: VG, headquartered_in: MO}
  - {id: tw-maker, name: TW Cell Maker, type: company, incorporated_in: TW, headquartered_in: TW}
  - {id: jp-maker, name: JP Maker, type: company, incorporated_in: JP, headquartered_in: JP}
  - {id: us-maker, name: US Maker, type: company, incorporated_in: US, headquartered_in: US}
holdings:
  - {holder: hk-trader, entity: us-maker, equity: "60%", voting: "60%"}
facilities:
  - {id: jp-hk-plant, name: JP Maker Kwun Tong plant, operator: jp-maker, country: HK, activities: [battery_module_assembly]}
  - {id: jp-tw-plant, name: JP Maker Taoyuan plant, operator: jp-maker, country: TW, activities: [battery_module_assembly]}
  - {id: hk-us-plant, name: HK Trader Texas plant, operator: hk-trader, country: US, activities: [battery_cell_manufacturing]}
material_inputs:
  - {facility: hk-us-plant, product: battery_cell, input: cathode active material, supplier: jp-maker, cost_usd: 100}
"""


@pytest.fixture()
def world(tmp_path: Path) -> str:
    (tmp_path / "world.yaml").write_text(WORLD, encoding="utf-8")
    return str(tmp_path)


def run(*args: str):
    return runner.invoke(app, list(args))


def check_json(kind: str, ident: str, data: str, on: str = "2024-06-01", *extra: str):
    result = run("check", kind, ident, "--data", data, "--on", on, "--format", "json", *extra)
    return result, json.loads(result.stdout)


def test_a_company_incorporated_in_hong_kong_is_a_feoc_and_the_finding_says_why(world):
    """User story: a Hong Kong trading company (incorporated in HK, offices in Singapore) supplies cells; before
    issue 14 feoc called it "not a FEOC" with no note. Now it is one, and the finding shows HK and the reason."""
    result, body = check_json("entity", "hk-trader", world)
    assert result.exit_code == 1, result.output
    assert body["feoc"] is True
    finding = next(f for f in body["findings"] if f["rule"] == "feoc-jurisdiction-incorporation")
    assert f"under the laws of HK, {NOTE}, a covered nation" in finding["explanation"]
    # the record's own code stays visible; the nation it counts as is a separate fact
    assert finding["facts"]["incorporated_in"] == "HK" and finding["facts"]["incorporated_nation"] == "CN"
    text = run("check", "entity", "hk-trader", "--data", world, "--on", "2024-06-01")
    assert text.exit_code == 1 and f"HK, {NOTE}" in text.output


def test_a_company_headquartered_in_macau_is_a_feoc_wherever_it_is_incorporated(world):
    """User story: a holding incorporated in the British Virgin Islands with its principal place of business in
    Macau (feoc-law.md §7.3)."""
    result, body = check_json("entity", "mo-holding", world)
    assert result.exit_code == 1, result.output
    finding = next(f for f in body["findings"] if f["rule"] == "feoc-jurisdiction-headquarters")
    assert f"headquartered (principal place of business or domicile) in MO, {NOTE}" in finding["explanation"]
    assert finding["facts"]["headquartered_in"] == "MO" and finding["facts"]["headquartered_nation"] == "CN"


def test_a_taiwanese_company_is_not_a_feoc(world):
    """Legal point (feoc-law.md §7.3): Taiwan is not a covered nation; TW must not be swept in with HK and MO."""
    result, body = check_json("entity", "tw-maker", world)
    assert result.exit_code == 0, result.output
    assert body["feoc"] is False
    assert not [f for f in body["findings"] if f["conclusion"] == "feoc"]


def test_before_the_covered_nation_list_applies_hong_kong_is_not_judged_china(world):
    """Both sides of the parameter's first date (2021-11-15, IIJA enactment): the day before, nothing fires."""
    before = run("check", "entity", "hk-trader", "--data", world, "--on", "2021-11-14")
    assert before.exit_code == 0, before.output
    assert "special administrative region" not in before.output
    on = run("check", "entity", "hk-trader", "--data", world, "--on", "2021-11-15")
    assert on.exit_code == 1 and "special administrative region" in on.output


def test_an_activity_performed_in_hong_kong_is_performed_in_china_and_taiwan_is_not(world):
    """E-2 of feoc-law.md §3.6 with §7.3: a Japanese company's module line in Hong Kong makes FEOC modules; its
    line in Taiwan does not."""
    hk = run("check", "facility", "jp-hk-plant", "--data", world, "--on", "2024-06-01")
    assert hk.exit_code == 1, hk.output
    assert "[feoc-jurisdiction-activity]" in hk.output and f"takes place in HK, {NOTE}, a covered nation" in hk.output
    tw = run("check", "facility", "jp-tw-plant", "--data", world, "--on", "2024-06-01")
    assert tw.exit_code == 0, tw.output
    assert "[feoc-jurisdiction-activity]" not in tw.output  # no finding (the checked list names the prong as not met)


def test_a_subsidiary_of_a_hong_kong_company_is_caught_through_it_under_the_feoc_holders_reading(world):
    """The chain: a U.S. maker 60 % held by the Hong Kong company is a FEOC under the reading in which any FEOC's
    stake counts; its verdict names the HK parent."""
    result = run("check", "entity", "us-maker", "--data", world, "--on", "2024-06-01",
                 "--interpretation", "feoc-holders", "--explain")
    assert result.exit_code == 1, result.output
    assert "hk-trader" in result.output


def test_45x_an_operator_organized_in_hong_kong_is_foreign_controlled(world):
    """IRC 7701(a)(51)(C)(iii) with §7.3: a plant run by an entity organized in HK gets no §45X credit (2026)."""
    result = run("check", "facility", "hk-us-plant", "--data", world, "--on", "2026-06-01", "--credit", "45x",
                 "--explain")
    assert result.exit_code == 1, result.output
    assert "[pfe-foreign-controlled-organized]" in result.output
    assert f"organized in HK, {NOTE}" in result.output


def test_screen_agrees_on_both_paths(world):
    """`feoc screen` (the bulk path) and its durable-rules path judge HK and MO as China, TW not."""
    tables = {}
    for evaluator in ("vectorised", "durable-rules"):
        result = run("screen", "--data", world, "--on", "2024-06-01", "--evaluator", evaluator)
        assert result.exit_code == 0, result.output
        tables[evaluator] = {r["entity"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert tables["vectorised"] == tables["durable-rules"]
    rows = tables["vectorised"]
    assert rows["hk-trader"]["feoc"] == "True" and rows["hk-trader"]["rules"] == "feoc-jurisdiction-incorporation"
    assert rows["mo-holding"]["feoc"] == "True" and rows["mo-holding"]["rules"] == "feoc-jurisdiction-headquarters"
    assert rows["tw-maker"]["feoc"] == "False" and rows["jp-maker"]["feoc"] == "False"


def test_a_region_mapped_to_no_country_code_is_refused_when_the_law_loads(tmp_path, world):
    """The mapping is law in rules/: a mistake in it is an input error naming the file and line, not a pass."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    params = rules / "parameters.yaml"
    raw = yaml.safe_load(params.read_text(encoding="utf-8"))
    assert raw["covered_nation_regions"]["values"]  # the shipped law has the parameter
    text = params.read_text(encoding="utf-8").replace("HK: {nation: CN,", "HK: {nation: China,", 1)
    params.write_text(text, encoding="utf-8")
    result = run("check", "entity", "hk-trader", "--data", world, "--on", "2024-06-01", "--rules", str(rules))
    assert result.exit_code == 2, result.output
    assert "parameters.yaml:" in result.output and "covered_nation_regions" in result.output


def test_a_government_body_or_figure_of_a_region_is_not_judged_china_but_is_warned_about(tmp_path):
    """The limit of the mapping, said rather than hidden: §7.3 covers the jurisdiction prongs; the government
    prongs (a government body's `country`, a senior political figure's nation) do not map regions. `validate`
    (and, on stderr, `check`) warn at the line, with the fix that would count them as China's."""
    data = tmp_path / "d"
    data.mkdir()
    (data / "gov.yaml").write_text(
        "entities:\n"
        "  - {id: hksar, name: HKSAR Government, type: government, country: HK}\n"
        "  - {id: mo-official, name: MO official, type: person, political_figure_of: MO}\n"
        "  - {id: cn-gov, name: PRC, type: government, country: CN}\n", encoding="utf-8")
    result = run("validate", str(data))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2, result.output
    assert warnings[0].startswith(f"warning: {data / 'gov.yaml'}:2: entities[0] country: `hksar` (government) has "
                                  "`country: HK`, a region the jurisdiction rules count as CN")
    assert "write `country: CN`" in warnings[0]
    assert f"{data / 'gov.yaml'}:3: entities[1] political_figure_of:" in warnings[1]
    assert "write `political_figure_of: CN`" in warnings[1]
    check = run("check", "entity", "hksar", "--data", str(data), "--on", "2024-06-01")
    assert "warning:" in check.stderr and "`hksar` (government) has `country: HK`" in check.stderr


def test_screen_warns_about_the_very_records_validate_warns_about(tmp_path):
    """`feoc screen` reads a bulk load's coded columns and looks only at the records it can warn about (issue 17,
    time); its warnings are `validate`'s, line for line: a company with a country but no jurisdiction, a region's
    government body and political figure; not a company placed by `incorporated_in`, a person living in a region,
    a nation's government."""
    data = tmp_path / "d"
    data.mkdir()
    (data / "a.yaml").write_text(
        "entities:\n"
        "  - {id: hksar, name: HKSAR Government, type: government, country: HK}\n"
        "  - {id: placed, name: Placed Ltd, type: company, country: CN, incorporated_in: CN}\n"
        "  - {id: resident, name: A resident, type: person, country: HK}\n", encoding="utf-8")
    (data / "b.yaml").write_text(
        "entities:\n"
        "  - {id: mo-official, name: MO official, type: person, political_figure_of: MO}\n"
        "  - {id: unplaced, name: Unplaced Ltd, type: company, country: JP}\n"
        "  - {id: cn-gov, name: PRC, type: government, country: CN}\n", encoding="utf-8")
    validate = run("validate", str(data))
    warned = [line for line in validate.stdout.splitlines() if line.startswith("warning:")]
    assert len(warned) == 3, validate.output
    screen = run("screen", "--data", str(data), "--on", "2024-06-01")
    assert screen.exit_code == 0, screen.output
    assert [line for line in screen.stderr.splitlines() if line.startswith("warning:")] == warned
