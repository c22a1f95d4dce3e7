"""Issue 20, item 1 for §45X: a specified foreign entity's stake in a plant's operator recorded as a range
(IRC 7701(a)(51)(D)(i)(II): a single SFE owning 25 % or more makes the operator foreign-influenced, a prohibited
foreign entity, and the plant loses the credit; P.L. 119-21 §70514). Through the real CLI: the lower bound
reaching 25 % is no credit, the upper bound below it eligible, in between cannot be determined with the interval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feoc.cli import app

runner = CliRunner()
PRODUCTS = ("cathode_electrode", "anode_electrode", "battery_cell", "battery_module")


def plant(tmp_path: Path, equity: str) -> str:
    """A U.S. plant whose operator a China-organized company (an SFE) holds `equity` of; every input Korean."""
    data = tmp_path / "d"
    data.mkdir(exist_ok=True)
    rows = "".join(f"  - {{facility: plant, product: {p}, input: x, supplier: kr-sup, cost_usd: 100}}\n" for p in PRODUCTS)
    (data / "d.yaml").write_text(f"""
entities:
  - {{id: maker, name: Maker, type: company, incorporated_in: US, headquartered_in: US}}
  - {{id: cn-parent, name: CN Parent, type: company, incorporated_in: CN, headquartered_in: CN}}
  - {{id: kr-sup, name: KR Supplier, type: company, incorporated_in: KR, headquartered_in: KR}}
holdings:
  - {{holder: cn-parent, entity: maker, equity: {equity}, voting: 0, board_seats: 0}}
facilities:
  - {{id: plant, name: Plant, operator: maker, country: US, activities: [cathode_electrode_manufacturing,
      anode_electrode_manufacturing, battery_cell_manufacturing, battery_module_assembly]}}
material_inputs:
{rows}""")
    return str(data)


def check(data: str, *extra: str):
    return runner.invoke(app, ["check", "facility", "plant", "--data", data, "--on", "2026-06-01", "--credit", "45x",
                               *extra])


def test_an_sfe_band_of_20_to_30_percent_in_the_operator_cannot_be_determined(tmp_path):
    """Story: a register gives the Chinese parent's stake in the operator as a 20-30 % band: whether one SFE owns
    25 % is open, so the plant's credit cannot be determined (exit 4), the interval and the band named."""
    result = check(plant(tmp_path, '{min: "20%", max: "30%"}'))
    assert result.exit_code == 4, result.output
    assert "between 20.00% and 30.00%" in result.output
    assert "cn-parent -> maker (equity between 20.00% and 30.00%)" in result.output
    body = json.loads(check(plant(tmp_path, '{min: "20%", max: "30%"}'), "--format", "json").output)
    assert body["status"] == "cannot_be_determined"
    assert any("narrowing the share ranges" in m["decide"] for m in body["missing"])


@pytest.mark.parametrize(("equity", "code", "status"), [('{min: "25%", max: "60%"}', 1, "no_credit"),
                                                          ('{max: "24.99%"}', 0, "eligible")])
def test_the_band_decides_when_it_lies_on_one_side_of_25_percent(tmp_path, equity, code, status):
    """Story: "25 % or more" makes the operator foreign-influenced on the minimum (no credit, exit 1); "at most
    24.99 %" keeps it below on the maximum (eligible, exit 0)."""
    result = check(plant(tmp_path, equity), "--format", "json")
    assert result.exit_code == code, result.output
    assert json.loads(result.output)["status"] == status
