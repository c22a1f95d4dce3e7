"""§45X rule fidelity to P.L. 119-21 §70514 (feoc-law.md §5 and §7.6), through the real CLI: who is a specified
foreign entity (15 U.S.C. 4651(8)(D) included), who is a foreign-controlled individual ("a citizen or national of
a covered nation"), and the critical minerals' own schedules."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from feoc.cli import app
from feoc.law.law import Law

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
    """feoc-law.md §7.6 and IRC 7701(a)(51)(B)(i): a specified foreign entity includes 15 U.S.C. 4651(8)(D): an
    operator the Attorney General designated (`doj-conviction`) is a FEOC under §30D and gets no §45X credit."""
    data = _data(tmp_path, rest="listings:\n  - {entity: maker, list: doj-conviction}")
    result = check(data, "2026-06-01")
    assert result.exit_code == 1, result.output
    assert "NO CREDIT" in result.output and "[pfe-sfe-listed]" in result.output
    assert "4651(8)" in result.output


def test_an_operator_the_secretary_of_commerce_designated_gets_no_45x_credit(tmp_path):
    """IRC 7701(a)(51)(B)(i) names 15 U.S.C. 4651(8)(E) too: a Secretary of Commerce determination
    (`commerce-determination`) makes the operator a specified foreign entity, so its plant gets no §45X credit in 2026."""
    data = _data(tmp_path, rest="listings:\n  - {entity: maker, list: commerce-determination}")
    result = check(data, "2026-06-01")
    assert result.exit_code == 1, result.output
    assert "NO CREDIT" in result.output and "[pfe-sfe-listed]" in result.output
    assert "4651(8)(A), (B), (D) or (E)" in result.output


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


def _held_by(tmp_path: Path, founder: str) -> str:
    return _data(tmp_path, extra_entities=f"  - {{id: founder, name: A founder, type: person, {founder}}}",
                 rest="holdings:\n  - {holder: founder, entity: maker, equity: \"60%\", voting: \"60%\", "
                      "board_seats: \"60%\"}")


def test_an_operator_held_by_a_chinese_citizen_is_foreign_controlled(tmp_path):
    """IRC 7701(a)(51)(C)(ii) (feoc-law.md §7.6): "a citizen or national of a covered nation" not a U.S. citizen,
    national or permanent resident is foreign-controlled, and so is an operator more than 50 % held by one."""
    result = check(_held_by(tmp_path, "country: SG, citizenship: [CN], us_person: false"), "2026-06-01")
    assert result.exit_code == 1, result.output
    assert "[pfe-foreign-controlled-person]" in result.output and "citizen or national" in result.output


def test_a_chinese_citizen_who_is_a_us_permanent_resident_is_not(tmp_path):
    """The exception: a U.S. citizen, national or lawful permanent resident is not a foreign-controlled entity."""
    result = check(_held_by(tmp_path, "country: US, citizenship: [CN], us_person: true"), "2026-06-01")
    assert result.exit_code == 0, result.output


def test_a_korean_citizen_resident_in_china_is_not(tmp_path):
    """Residence alone is not enough (feoc-law.md §7.6: "citizen or national", not "resident")."""
    result = check(_held_by(tmp_path, "country: CN, citizenship: [KR], us_person: false"), "2026-06-01")
    assert result.exit_code == 0, result.output


def test_a_holder_with_only_country_cn_cannot_be_determined(tmp_path):
    """`country: CN` may be residence: the holder's citizenship is not read from it, so the operator it holds
    60 % of cannot be determined (exit 4), naming what to record."""
    result = check(_held_by(tmp_path, "country: CN"), "2026-06-01")
    assert result.exit_code == 4, result.output
    assert "CANNOT BE DETERMINED" in result.output.upper() and "citizenship" in result.output
    as_json = runner.invoke(app, ["check", "facility", "plant", "--data", _held_by(tmp_path, "country: CN"),
                                  "--on", "2026-06-01", "--credit", "45x", "--format", "json"])
    assert as_json.exit_code == 4 and "citizenship" in as_json.output


def test_a_citizen_of_a_covered_nation_with_us_status_unrecorded_cannot_be_determined(tmp_path):
    result = check(_held_by(tmp_path, "citizenship: [CN]"), "2026-06-01")
    assert result.exit_code == 4 and "us_person" in result.output, result.output


def test_citizenship_must_be_iso_codes_and_us_person_a_person_field(tmp_path):
    """Bad input is a clear message naming the field (exit 2)."""
    bad = _held_by(tmp_path, "citizenship: [XX], us_person: false")
    result = runner.invoke(app, ["validate", bad])
    assert result.exit_code == 2 and "citizenship" in result.output, result.output
    data = tmp_path / "e"
    data.mkdir()
    (data / "d.yaml").write_text("entities:\n  - {id: co, name: Co, type: company, incorporated_in: US, us_person: true}\n")
    result = runner.invoke(app, ["validate", str(data)])
    assert result.exit_code == 2 and "us_person" in result.output and "person only" in result.output, result.output


# --- Schedules: critical minerals have their own (feoc-law.md §5.4 and §7.6) ---------------------------------

PHASE_OUT_BOUNDARIES = {  # (day, share left): the day before and the first day of each step
    "battery_components": [("2029-12-31", 1.0), ("2030-01-01", 0.75), ("2030-12-31", 0.75), ("2031-01-01", 0.5),
                           ("2031-12-31", 0.5), ("2032-01-01", 0.25), ("2032-12-31", 0.25), ("2033-01-01", 0.0)],
    "critical_minerals": [("2030-12-31", 1.0), ("2031-01-01", 0.75), ("2031-12-31", 0.75), ("2032-01-01", 0.5),
                          ("2032-12-31", 0.5), ("2033-01-01", 0.25), ("2033-12-31", 0.25), ("2034-01-01", 0.0)],
}


def test_each_45x_product_class_has_its_own_phase_out_at_every_year_boundary():
    """IRC 45X(b)(3) as amended by P.L. 119-21 §70514: components phase out 2030-2032 (feoc-law.md §5.4);
    critical minerals follow their own, later schedule (§7.6), so a mineral sold in 2030 keeps the whole credit."""
    law = Law.load()
    names = law.credit_order.phase_out_45x
    assert names["critical_minerals"] != names["battery_components"]
    for cls, steps in PHASE_OUT_BOUNDARIES.items():
        for day, share in steps:
            assert law.param(names[cls], dt.date.fromisoformat(day)) == share, (cls, day)


def test_the_critical_minerals_schedule_is_marked_unconfirmed():
    """feoc-law.md §7.6: the minerals' years are UNCONFIRMED, and the parameter says so."""
    law = Law.load()
    param = law.parameters[law.credit_order.phase_out_45x["critical_minerals"]]
    assert param.unconfirmed and "UNCONFIRMED" in param.citation


# --- Constructive ownership: "section 318(a)(2) shall apply" (feoc-law.md §7.6) -----------------------------

def _indirect(tmp_path: Path, mid_share: str) -> str:
    return _data(tmp_path, extra_entities="  - {id: sfe-co, name: SFE Co, type: company, incorporated_in: CN}\n"
                                          "  - {id: mid, name: Mid Co, type: company, incorporated_in: US}",
                 rest=f"holdings:\n  - {{holder: sfe-co, entity: mid, equity: \"50%\"}}\n"
                      f"  - {{holder: mid, entity: maker, equity: \"{mid_share}\"}}")


def test_an_sfe_stake_held_through_an_entity_counts_for_the_single_sfe_test(tmp_path):
    """IRC 7701(a)(51)(D)(i)(II) with 318(a)(2): an SFE owning 50 % of A, which owns 60 % of the operator, owns
    30 % of the operator constructively: at least 25 %, a foreign-influenced entity, no §45X credit."""
    result = check(_indirect(tmp_path, "60%"), "2026-06-01")
    assert result.exit_code == 1, result.output
    assert "[pfe-fie-single-sfe-25]" in result.output and "30.00%" in result.output
    assert "sfe-co → 50.00% equity → mid → 60.00% equity → maker" in result.output


def test_an_indirect_stake_below_25_percent_does_not(tmp_path):
    """The other side: 50 % x 49.98 % = 24.99 %, below 25 %: the operator keeps the credit."""
    result = check(_indirect(tmp_path, "49.98%"), "2026-06-01")
    assert result.exit_code == 0, result.output
    assert "[pfe-fie-single-sfe-25]" not in result.output


def test_a_30_percent_holder_with_only_country_cn_leaves_foreign_influence_open(tmp_path):
    """IRC 7701(a)(51)(D)(i)(II): if the holder is a Chinese national (an SFE), 30 % makes the operator
    foreign-influenced; `country: CN` cannot say, so the plant cannot be determined (exit 4), not eligible."""
    data = _data(tmp_path, extra_entities="  - {id: founder, name: A founder, type: person, country: CN}",
                 rest="holdings:\n  - {holder: founder, entity: maker, equity: \"30%\"}")
    result = check(data, "2026-06-01")
    assert result.exit_code == 4, result.output
    assert "[pfe-undetermined-foreign-influence]" in result.output and "citizenship" in result.output


def test_the_verdict_notes_each_product_class_phase_out_on_its_own_schedule(tmp_path):
    """IRC 45X(b)(3) after §70514: in 2031 a cell plant's note gives the components' share, a refinery's the
    critical minerals' own (years UNCONFIRMED); neither borrows the other's schedule."""
    law = Law.load()
    day = dt.date(2031, 6, 1)
    cells = law.param(law.credit_order.phase_out_45x["battery_components"], day)
    minerals = law.param(law.credit_order.phase_out_45x["critical_minerals"], day)
    result = check(_data(tmp_path), "2031-06-01")
    assert f"{cells:.0%} of the credit remains for battery components sold in 2031" in result.output, result.output
    assert "for critical minerals" not in result.output
    refinery = tmp_path / "r"
    refinery.mkdir()
    (refinery / "d.yaml").write_text(PLANT.format(extra_entities="", rest="").replace(
        "battery_cell_manufacturing", "critical_mineral_processing").replace(
        "product: battery_cell", "product: critical_mineral"))
    minerals_run = check(str(refinery), "2031-06-01")
    assert minerals is not None and minerals != cells  # the rules give minerals their own 2031 share
    assert f"{minerals:.0%} of the credit remains for critical minerals sold in 2031" in minerals_run.output, \
        minerals_run.output
    assert "for battery components" not in minerals_run.output


def test_a_product_whose_credit_has_phased_out_earns_nothing(tmp_path):
    """IRC 45X(b)(3): with 0 % of the credit left for components sold in the year, a cell plant whose MACR passes
    gets no credit (exit 1), never "eligible"; the year before, with 25 % left, it is eligible (exit 0)."""
    law = Law.load()
    schedule = law.credit_order.phase_out_45x["battery_components"]
    last, gone = dt.date(2032, 6, 1), dt.date(2033, 6, 1)
    assert law.param(schedule, last) > 0 and law.param(schedule, gone) == 0
    data = _data(tmp_path)
    before = check(data, last.isoformat())
    assert before.exit_code == 0, before.output
    after = runner.invoke(app, ["check", "facility", "plant", "--data", data, "--on", gone.isoformat(), "--credit", "45x",
                                "--format", "json"])
    assert after.exit_code == 1, after.output
    body = json.loads(after.stdout)
    assert body["status"] == "no_credit" and body["missing"] == []
    assert [p["outcome"] for p in body["products"]] == ["phased_out"]
    assert "phased out" in body["reason"]
