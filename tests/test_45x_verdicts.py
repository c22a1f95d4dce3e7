"""The shape of a §45X plant verdict (issue 16, "Verdict shape"), through the CLI in text and JSON: per-product
verdicts under a plant status that never hides an undetermined product; a prohibited-foreign-entity operator
decides alone (IRC 45X as amended by P.L. 119-21 §70514; IRC 7701(a)(51)-(52)); a facility record that does not
cover the date is not judged; each finding and chain said once; the §45X sections of the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app

SEEDS = str(Path(__file__).resolve().parents[1] / "seeds")
runner = CliRunner()

PRODUCTS = "[cathode_electrode_manufacturing, anode_electrode_manufacturing, battery_cell_manufacturing, " \
           "battery_module_assembly]"


def check(fid: str, on: str, data: str, *extra: str):
    return runner.invoke(app, ["check", "facility", fid, "--data", data, "--on", on, "--credit", "45x", *extra])


def _data(tmp_path: Path, operator_country: str = "US", inputs: str = "", record: str = "") -> str:
    """One plant making four battery components; `inputs` are its `material_inputs` lines."""
    data = tmp_path / "d"
    data.mkdir(exist_ok=True)
    (data / "d.yaml").write_text(f"""
entities:
  - {{id: maker, name: Maker, type: company, incorporated_in: {operator_country}, headquartered_in: {operator_country}}}
  - {{id: kr-sup, name: KR Supplier, type: company, incorporated_in: KR}}
  - {{id: cn-sup, name: CN Supplier, type: company, incorporated_in: CN}}
facilities:
  - {{id: plant, name: Plant, operator: maker, country: US, activities: {PRODUCTS}{record}}}
material_inputs:
  - {{facility: plant, product: cathode_electrode, input: cathode active material, supplier: kr-sup, cost_usd: 90}}
  - {{facility: plant, product: cathode_electrode, input: binder, supplier: cn-sup, cost_usd: 10}}
{inputs}""")
    return str(data)


def test_one_product_eligible_three_undetermined_is_cannot_be_determined_not_no_credit(tmp_path):
    """Issue 16: a plant with 3 of 4 products undetermined was "NO CREDIT" as a whole. Now: cannot be
    determined (exit 4), the reason naming the eligible product and the three missing ones."""
    data = _data(tmp_path)
    text = check("plant", "2026-06-01", data)
    assert text.exit_code == 4, text.output
    assert ("reason: eligible for cathode_electrode; cannot be determined for 3 products: missing material_inputs "
            "for anode_electrode, battery_cell, battery_module") in text.output
    body = json.loads(check("plant", "2026-06-01", data, "--format", "json").output)
    assert body["status"] == "cannot_be_determined"
    assert {p["product"]: p["status"] for p in body["products"]} == {
        "anode_electrode": "cannot_be_determined", "battery_cell": "cannot_be_determined",
        "battery_module": "cannot_be_determined", "cathode_electrode": "eligible"}
    assert sorted(m["fact"] for m in body["missing"]) == [
        "material_inputs for anode_electrode", "material_inputs for battery_cell", "material_inputs for battery_module"]


def test_material_assistance_with_an_undetermined_product_is_still_cannot_be_determined(tmp_path):
    """A product failing its MACR does not make the plant "no credit" while another might still be eligible."""
    cn_cell = "  - {facility: plant, product: battery_cell, input: anode, supplier: cn-sup, cost_usd: 100}\n"
    result = check("plant", "2026-06-01", _data(tmp_path, inputs=cn_cell), "--format", "json")
    body = json.loads(result.output)
    assert result.exit_code == 4 and body["status"] == "cannot_be_determined"
    assert "no credit for battery_cell (material assistance from prohibited foreign entities)" in body["reason"]
    assert next(p for p in body["products"] if p["product"] == "battery_cell")["status"] == "no_credit"


@pytest.mark.parametrize(("supplier", "status", "code"), [("kr-sup", "eligible", 0), ("cn-sup", "partly_eligible", 0)])
def test_every_product_determined_eligible_or_partly(tmp_path, supplier, status, code):
    """With no product undetermined: every product passes → eligible; some fail → partly eligible (exit 0)."""
    rows = "".join(f"  - {{facility: plant, product: {p}, input: x, supplier: {supplier}, cost_usd: 100}}\n"
                   for p in ("anode_electrode", "battery_cell", "battery_module"))
    result = check("plant", "2026-06-01", _data(tmp_path, inputs=rows), "--format", "json")
    assert result.exit_code == code and json.loads(result.output)["status"] == status, result.output


def test_pfe_operator_is_no_credit_and_asks_for_nothing(tmp_path):
    """IRC 7701(a)(51)(C): an operator organized in China is foreign-controlled; no credit (exit 1) whatever its
    products, so no material input is asked for, in text or JSON ("what would change" suggests only what could)."""
    data = _data(tmp_path, operator_country="CN")
    text = check("plant", "2026-06-01", data)
    assert text.exit_code == 1, text.output
    assert "NO CREDIT" in text.output and "missing:" not in text.output
    assert "products (material assistance cost ratio; not needed: the operator is a prohibited foreign entity):" \
        in text.output
    body = json.loads(check("plant", "2026-06-01", data, "--format", "json").output)
    assert body["status"] == "no_credit" and body["missing"] == [] and body["operator_pfe"] is True
    assert body["operator_status"] == "specified foreign entity"


def test_product_lines_say_cannot_be_determined_once(tmp_path):
    """Issue 16: product lines read "cannot be determined — cannot be determined: …"."""
    text = check("plant", "2026-06-01", _data(tmp_path)).output
    assert "  battery_cell: cannot be determined — missing material_inputs for battery_cell at plant" in text
    assert "cannot be determined — cannot be determined" not in text


def test_operator_findings_are_listed_once_each():
    """Issue 16: the same finding printed several times. Each (rule, explanation, path) is printed once."""
    result = check("aesc-smyrna", "2026-06-01", SEEDS, "--format", "json")
    keys = [(f["rule"], f["explanation"], tuple(f["paths"])) for f in json.loads(result.output)["operator_findings"]]
    assert keys and len(keys) == len(set(keys))


@pytest.mark.parametrize("record", [", until: 2026-03-31", ", from: 2026-09-01"])
def test_facility_record_not_covering_the_date_is_not_judged(tmp_path, record):
    """A facility whose record has ended (or not begun) before the date: who ran it — the taxpayer — is not
    recorded, so it cannot be determined, naming the record (as §30D `check facility` does)."""
    data = _data(tmp_path, operator_country="CN", record=record)
    text = check("plant", "2026-06-01", data)
    assert text.exit_code == 4, text.output
    assert "does not cover 2026-06-01" in text.output and "operator (taxpayer)" not in text.output
    body = json.loads(check("plant", "2026-06-01", data, "--format", "json").output)
    assert body["status"] == "cannot_be_determined" and body["operator_pfe"] is None and body["products"] == []
    assert [m["fact"] for m in body["missing"]] == ["a record of the facility on the date"]


def test_record_inside_its_span_is_judged(tmp_path):
    """The other side of the record's end (`until` is the first day not covered): on 2026-03-30 it is judged."""
    result = check("plant", "2026-03-30", _data(tmp_path, operator_country="CN", record=", until: 2026-03-31"))
    assert result.exit_code == 1, result.output


@pytest.fixture(scope="module")
def seed_reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    for fmt, where in (("md", out / "md"), ("json", out / "json")):
        result = runner.invoke(app, ["report", "--data", SEEDS, "--out", str(where), "--format", fmt])
        assert result.exit_code == 0, result.output
    return out


def test_aesc_us_plants_no_credit_from_2026_with_the_envision_path(seed_reports):
    """The seeds' AESC US plants stay "no credit" from 2026: Envision (CN) holds 80 % of AESC, which holds
    AESC US — foreign-controlled (IRC 7701(a)(51)(C)); the Markdown shows the path up to Envision."""
    md = (seed_reports / "md" / "entities" / "aesc-us.md").read_text(encoding="utf-8")
    section = md[md.index("## §45X"):md.index("## Sources")]
    # each chain once, its measures on one line (issue 18)
    assert section.count("- `envision-group → aesc`: 80.00% equity, 80.00% voting") == 1
    assert section.count("- `aesc → aesc-us`: 100.00% equity, 100.00% voting") == 1
    for plant in ("aesc-smyrna", "aesc-florence", "aesc-bowling-green"):
        row = next(line for line in section.splitlines()
                   if line.startswith("| 2026-01-01 | ") and f"(`{plant}`)" in line)
        assert "| no credit |" in row and "not needed: the operator is a prohibited foreign entity" in row
    assert "What would change these verdicts" not in section  # nothing could, the operator decided
    index = (seed_reports / "md" / "index.md").read_text(encoding="utf-8")
    smyrna = next(line for line in index.splitlines() if "(`aesc-smyrna`) |" in line)
    assert "no credit: operator specified foreign entity and foreign-influenced" in smyrna


def test_index_shows_each_products_status(seed_reports):
    """The index's plants table: the plant's §45X status and, after it, each product in words, its own status
    named where it differs from the plant's (no raw HTML, issue 18; no ids, the status said once: hostile probe)."""
    index = (seed_reports / "md" / "index.md").read_text(encoding="utf-8")
    row = next(line for line in index.splitlines() if "(`skba-commerce-2`) |" in line)
    assert "cannot be determined: anode electrode; battery cell; battery module; cathode electrode |" in row


def test_report_json_has_the_45x_section(seed_reports):
    """report.json: per entity and date, the operator's PFE findings and each plant's verdict — status per
    product, operator status, the findings with their paths and citations."""
    body = json.loads((seed_reports / "json" / "report.json").read_text(encoding="utf-8"))
    aesc_us = next(s for s in body["subjects"] if s["subject"] == "aesc-us")
    day = next(d for d in aesc_us["facilities45x"] if d["on"] == "2026-01-01")
    smyrna = next(v for v in day["verdicts"] if v["subject"] == "aesc-smyrna")
    assert smyrna["status"] == "no_credit" and smyrna["operator_pfe"] is True
    assert smyrna["operator_status"] == "specified foreign entity and foreign-influenced"
    # issue 16 (h16b-show): a PFE operator's products are no credit, their material assistance not judged
    assert {(p["status"], p["outcome"]) for p in smyrna["products"]} == {("no_credit", "operator_pfe")}
    assert smyrna["missing"] == []
    upstream = json.dumps(smyrna["upstream_findings"])
    assert "envision-group" in upstream and "IRC 7701(a)(51)(C)" in upstream


def test_undetermined_operator_and_products_both_named():
    """The seeds' Ford Marshall plant (CATL licence, payments unrecorded): the operator's open status and the
    undetermined product are both in the reason, and the operator is not called "not a PFE"."""
    result = check("ford-marshall-battery-plant", "2026-06-01", SEEDS)
    assert result.exit_code == 4, result.output
    assert ("reason: operator status cannot be determined: missing whether payments were made; cannot be "
            "determined for 1 product: missing material_inputs for battery_cell") in result.output
    assert "blueoval-battery-park-michigan — cannot be determined on the data given" in result.output
