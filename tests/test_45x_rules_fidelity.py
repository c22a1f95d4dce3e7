"""§45X rule fidelity to P.L. 119-21 §70514 (feoc-law.md §5 and §7.6), through the real CLI: who is a specified
foreign entity (15 U.S.C. 4651(8)(D) included), who is a foreign-controlled individual ("a citizen or national of
a covered nation"), and the critical minerals' own schedules."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from feoc.cli import app

runner = CliRunner()

PLANT = """
entities:
  - {{id: maker, name: Maker, type: company, incorporated_in: US}}
  - {{id: kr-sup, name: KR Supplier, type: company, incorporated_in: KR}}
{extra_entities}
facilities:
  - {{id: plant, name: Plant, operator: maker, country: US, activities: [battery_cell_manufacturing]}}
material_inputs:
  - {{facility: plant, product: battery_cell, input: cathode, supplier: kr-sup, cost_usd: 100}}
{rest}
"""


def _data(tmp_path: Path, extra_entities: str = "", rest: str = "") -> str:
    data = tmp_path / "d"
    data.mkdir(exist_ok=True)
    (data / "d.yaml").write_text(PLANT.format(extra_entities=extra_entities, rest=rest))
    return str(data)


def check(data: str, on: str):
    return runner.invoke(app, ["check", "facility", "plant", "--data", data, "--on", on, "--credit", "45x", "--explain"])


def test_an_operator_with_a_doj_conviction_listing_is_no_eligible_45x_taxpayer(tmp_path):
    """feoc-law.md §7.6: a specified foreign entity includes every prong of 15 U.S.C. 4651(8), (D) too: an
    operator the Attorney General designated (`doj-conviction`) is a FEOC under §30D and gets no §45X credit."""
    data = _data(tmp_path, rest="listings:\n  - {entity: maker, list: doj-conviction}")
    result = check(data, "2026-06-01")
    assert result.exit_code == 1, result.output
    assert "NO CREDIT" in result.output and "[pfe-sfe-listed]" in result.output
    assert "4651(8)" in result.output


def test_the_same_operator_unlisted_keeps_the_credit(tmp_path):
    """The other side: no listing, inputs all from a Korean supplier, so the plant is eligible in 2026."""
    result = check(_data(tmp_path), "2026-06-01")
    assert result.exit_code == 0, result.output
    assert "[pfe-sfe-listed]" not in result.output
    assert "[not met] pfe-sfe-listed" in result.output and "doj-conviction" in result.output


def test_a_doj_conviction_listing_in_2025_is_not_in_force(tmp_path):
    """Before the first taxable year beginning after 2025-07-04 the restrictions do not apply (§7.6)."""
    data = _data(tmp_path, rest="listings:\n  - {entity: maker, list: doj-conviction}")
    result = check(data, "2025-12-31")
    assert result.exit_code == 0 and "NOT IN FORCE" in result.output, result.output
