"""The §45X question for battery plants since P.L. 119-21: is the operator a prohibited foreign entity, and do
the components have material assistance from one? (IRC 45X; 7701(a)(51)-(52).) Story: AESC's U.S. plants
(AESC 80 % owned by China-based Envision Group) against SK On's."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from typer.testing import CliRunner

from feoc import schemas
from feoc.cli import app

SEEDS = str(Path(__file__).resolve().parents[1] / "seeds")
runner = CliRunner()


def check(fid, on, *extra, data=SEEDS):
    return runner.invoke(app, ["check", "facility", fid, "--data", data, "--on", on, "--credit", "45x", *extra])


def test_aesc_smyrna_2026_no_credit_with_the_chain_to_envision():
    result = check("aesc-smyrna", "2026-06-01", "--explain")
    assert result.exit_code == 1, result.output
    assert "NO CREDIT" in result.output and "[pfe-foreign-controlled-subsidiary]" in result.output
    assert "envision-group → 80.00% equity → aesc" in result.output
    assert "IRC 7701(a)(51)" in result.output


def test_sk_on_plant_2026_cannot_be_determined_without_material_costs():
    result = check("skba-commerce-2", "2026-06-01")
    assert result.exit_code == 4, result.output
    assert "not a prohibited foreign entity on the data given" in result.output
    assert "battery_cell: cannot be determined — missing material_inputs for battery_cell" in result.output


def test_before_the_first_taxable_year_the_rules_do_not_apply():
    result = check("aesc-smyrna", "2025-12-31")
    assert result.exit_code == 0 and "NOT IN FORCE" in result.output


def test_ford_catl_licence_without_payment_data_cannot_be_determined():
    result = check("ford-marshall-battery-plant", "2026-06-01")
    assert result.exit_code == 4 and "missing whether payments were made" in result.output


def _plant(tmp_path: Path, korean: float, chinese: float) -> str:
    data = tmp_path / "d"
    data.mkdir(exist_ok=True)
    (data / "d.yaml").write_text(f"""
entities:
  - {{id: maker, name: Maker, type: company, incorporated_in: US}}
  - {{id: kr-sup, name: KR Supplier, type: company, incorporated_in: KR}}
  - {{id: cn-sup, name: CN Supplier, type: company, incorporated_in: CN}}
facilities:
  - {{id: plant, name: Plant, operator: maker, country: US, activities: [battery_cell_manufacturing, separator_manufacturing]}}
material_inputs:
  - {{facility: plant, product: battery_cell, input: cathode active material, supplier: kr-sup, cost_usd: {korean}}}
  - {{facility: plant, product: battery_cell, input: anode active material, supplier: cn-sup, cost_usd: {chinese}}}
  - {{facility: plant, product: separator, input: polyethylene film, supplier: kr-sup, cost_usd: 100}}
""")
    return str(data)


def test_macr_at_and_below_the_2026_threshold(tmp_path):
    ok = check("plant", "2026-06-01", "--format", "json", data=_plant(tmp_path, 60, 40))
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["status"] == "eligible"
    bad = check("plant", "2026-06-01", "--format", "json", data=_plant(tmp_path, 59, 41))
    body = json.loads(bad.output)
    assert bad.exit_code == 0 and body["status"] == "partly_eligible"  # the separator still passes
    cell = next(p for p in body["products"] if p["product"] == "battery_cell")
    assert cell["outcome"] == "material_assistance" and cell["ratio"] == 0.59 and cell["pfe_suppliers"] == ["cn-sup"]


def test_json_matches_the_shipped_schema():
    body = json.loads(check("aesc-smyrna", "2026-06-01", "--format", "json").output)
    registry = Registry().with_resources(
        [(f"https://feoc.invalid/schemas/{n}.schema.json", Resource.from_contents(schemas.load(n))) for n in schemas.NAMES])
    jsonschema.Draft202012Validator(schemas.load("check-facility-45x"), registry=registry,
                                    format_checker=jsonschema.FormatChecker()).validate(body)


def test_reports_judge_the_seed_plants_for_2026():
    root = Path(__file__).resolve().parents[1] / "reports"
    aesc_us = (root / "entities" / "aesc-us.md").read_text(encoding="utf-8")
    assert "## §45X advanced manufacturing credit" in aesc_us
    # plants by name, the id after it (issue 18)
    assert "| 2026-01-01 | AESC Smyrna battery plant (Smyrna, Tennessee) (`aesc-smyrna`)" in aesc_us
    assert "| no credit |" in aesc_us
    index = (root / "index.md").read_text(encoding="utf-8")
    assert "## Plants (IRC §45X advanced manufacturing credit, the operator as taxpayer)" in index
    assert "(`skba-commerce-2`)" in index


def test_the_45x_amendment_is_cited_as_section_70514():
    """feoc-law.md §7.6: the section of P.L. 119-21 that amends §45X is §70514 (§70512 amends §45Y). Every rule
    or parameter that cites the §45X amendment cites §70514."""
    import re

    from feoc.law.law import Law

    law = Law.load()
    cited = [src.rule.citation for src in law.rules] + [str(p.citation) for p in law.parameters.values()]
    amending = [c for c in cited if re.search(r"45X as amended by P\.L\. 119-21 §\d+|§\d+ amending IRC 45X", c)]
    assert amending and all(re.search(r"§70514\b", c) and not re.search(r"§70512 amending|§70512;", c)
                            for c in amending), amending
