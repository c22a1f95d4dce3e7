"""Issue 14, hostile round: real-world and legal cases tried as a new user would.

Each test names the user story or legal case it encodes. Every dataset is written to a temporary folder and
judged through the real CLI, as an analyst, a tax adviser or a journalist would run it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from feoc.cli import app

RUN = CliRunner()


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "d.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def _check(folder: Path, *args: str) -> tuple[int, str]:
    result = RUN.invoke(app, ["check", *args, "--data", str(folder)])
    return result.exit_code, result.stdout


def _vehicle_world(**vehicle: Any) -> dict[str, Any]:
    """A U.S.-built car with Korean-run U.S. cells and lithium refined in the U.S.: both halves met."""
    return {
        "entities": [{"id": "kr-op", "name": "KR Operator", "type": "company", "incorporated_in": "KR",
                      "headquartered_in": "KR"},
                     {"id": "oem", "name": "OEM", "type": "company", "incorporated_in": "US", "headquartered_in": "US"}],
        "facilities": [{"id": "cells", "name": "Cells", "operator": "kr-op", "country": "US",
                        "activities": ["battery_cell_manufacturing", "critical_mineral_processing"]}],
        "batteries": [{"id": "pack", "components": [{"component": "battery_cell", "manufactured_at": "cells",
                                                     "value_usd": 1000}],
                       "critical_minerals": [{"mineral": "lithium", "processed_at": "cells", "value_usd": 500}]}],
        "vehicles": [{"id": "ev", "name": "EV", "model_year": 2024, "manufacturer": "oem", "battery": "pack",
                      "final_assembly_country": "US", **vehicle}],
    }


def test_tax_adviser_msrp_under_every_cap_without_a_class_is_eligible(tmp_path: Path) -> None:
    """A $40,000 EV whose body class is not recorded: $40,000 is under the lowest cap of any class (the car's
    $55,000), so the class cannot change the answer; the MSRP cap passes and the credit is $7,500."""
    folder = _write(tmp_path, _vehicle_world(msrp_usd=40000))
    code, out = _check(folder, "vehicle", "ev", "--on", "2024-06-01")
    assert code == 0, out
    assert "ELIGIBLE for 7,500 USD" in out
    assert "[pass] MSRP cap" in out


def test_tax_adviser_msrp_between_caps_without_a_class_cannot_be_determined(tmp_path: Path) -> None:
    """The other side of the threshold: $60,000 is over the car's cap but under the SUV's: the class decides."""
    folder = _write(tmp_path, _vehicle_world(msrp_usd=60000))
    code, out = _check(folder, "vehicle", "ev", "--on", "2024-06-01")
    assert code == 4, out
    assert "vehicle_class" in out


def _licence_world(rights: list[str]) -> dict[str, Any]:
    return {"entities": [{"id": "cn-lic", "name": "CN Licensor", "type": "company", "incorporated_in": "CN"},
                         {"id": "us-maker", "name": "US Maker", "type": "company", "incorporated_in": "US",
                          "headquartered_in": "US"}],
            "agreements": [{"id": "lic", "kind": "license", "licensor": "cn-lic", "licensee": "us-maker",
                            "rights": rights}]}


def test_analyst_licence_with_a_control_right_and_retained_ip_is_a_clear_feoc(tmp_path: Path) -> None:
    """Ford–CATL-type licence that keeps the IP *and* the say over who buys the output (feoc-law.md §3.4 E-7,
    §7.5): the control right decides — a FEOC — and nothing asks for review of rights that are recorded, nor
    says the rights are "recorded only as technology_ip_retained"."""
    folder = _write(tmp_path, _licence_world(["technology_ip_retained", "output_buyers"]))
    code, out = _check(folder, "entity", "us-maker", "--on", "2024-06-01", "--format", "json")
    assert code == 1, out
    verdict = json.loads(out)
    assert verdict["status"] == "feoc"
    assert verdict["missing"] == []
    assert {f["rule"] for f in verdict["findings"]} == {"feoc-effective-control"}


def test_analyst_licence_with_only_retained_ip_still_needs_review(tmp_path: Path) -> None:
    """The other side: retained IP (with royalties) and no control right is still *cannot be determined*."""
    folder = _write(tmp_path, _licence_world(["technology_ip_retained", "royalty_only"]))
    code, out = _check(folder, "entity", "us-maker", "--on", "2024-06-01")
    assert code == 4, out
    assert "feoc-undetermined-licence" in out


def _45x_world() -> dict[str, Any]:
    return {"entities": [{"id": "cn-op", "name": "CN Operator", "type": "company", "incorporated_in": "CN",
                          "headquartered_in": "CN"}],
            "facilities": [{"id": "plant", "name": "Plant", "operator": "cn-op", "country": "US",
                            "activities": ["battery_cell_manufacturing"]}]}


def test_tax_adviser_45x_in_2025_makes_no_claim_about_prohibited_foreign_entity_status(tmp_path: Path) -> None:
    """feoc-law.md §7.6: a 2025 date is before the §45X restrictions — "not in force", with no claim about
    prohibited-foreign-entity status. The JSON must not say `operator_pfe: false` (a claim) for a Chinese
    operator; it says null (not judged). In 2026 the same operator is a prohibited foreign entity."""
    folder = _write(tmp_path, _45x_world())
    code, out = _check(folder, "facility", "plant", "--credit", "45x", "--on", "2025-06-01", "--format", "json")
    assert code == 0, out
    verdict = json.loads(out)
    assert verdict["status"] == "not_in_force"
    assert verdict["operator_pfe"] is None
    code, out = _check(folder, "facility", "plant", "--credit", "45x", "--on", "2026-01-01", "--format", "json")
    assert code == 1, out
    assert json.loads(out)["operator_pfe"] is True


def test_tax_adviser_45x_no_credit_for_a_pfe_operator_asks_for_nothing_more(tmp_path: Path) -> None:
    """A prohibited-foreign-entity taxpayer gets no §45X credit whatever its material inputs: the verdict is
    decided, so it does not list the products' material inputs as facts "to decide" it."""
    folder = _write(tmp_path, _45x_world())
    code, out = _check(folder, "facility", "plant", "--credit", "45x", "--on", "2026-01-01")
    assert code == 1, out
    assert "NO CREDIT" in out
    assert "missing:" not in out


def test_journalist_small_government_stake_with_votes_unrecorded_prints_the_assumption(tmp_path: Path) -> None:
    """Issue 14 item 2: unrecorded voting/board shares are either *cannot be determined* or an explicit, printed
    assumption with what would change it. A 4 % Chinese-government equity stake (below the 5 % floor) with votes
    and board seats unrecorded is read as recorded — and the verdict says so, naming the fields to record."""
    data = {"entities": [{"id": "gov-cn", "name": "Gov CN", "type": "government", "country": "CN"},
                         {"id": "maker", "name": "Maker", "type": "company", "incorporated_in": "US",
                          "headquartered_in": "US"}],
            "holdings": [{"holder": "gov-cn", "entity": "maker", "equity": "4%"}]}
    folder = _write(tmp_path, data)
    code, out = _check(folder, "entity", "maker", "--on", "2024-06-01")
    assert code == 0, out
    line = next(x for x in out.splitlines() if "feoc-undetermined-unrecorded-measure:" in x)
    assert "read as none, an assumption" in line and "`voting:` and `board_seats:`" in line
    data["holdings"] = [{"holder": "gov-cn", "entity": "maker", "equity": "24%"}]
    (folder / "d.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code, out = _check(folder, "entity", "maker", "--on", "2024-06-01")
    assert code == 4, out


def test_analyst_facility_whose_record_ended_is_not_a_clean_no(tmp_path: Path) -> None:
    """Issue 14 item 2, "a facility whose record has ended", asked of the plant itself (`check facility`): the
    dataset does not say who ran it, or where, after its record ends, so "no activity performed by a FEOC"
    (exit 0) would count a missing fact as compliance. While the record runs the answer is a clear no; after
    it ends (and before a record begins) it is *cannot be determined*, naming the record to add."""
    data = {"entities": [{"id": "op", "name": "Operator", "type": "company", "incorporated_in": "US",
                          "headquartered_in": "US"}],
            "facilities": [{"id": "plant", "name": "Plant", "operator": "op", "country": "US",
                            "activities": ["battery_cell_manufacturing"], "from": "2022-01-01",
                            "until": "2024-01-01"}]}
    folder = _write(tmp_path, data)
    code, out = _check(folder, "facility", "plant", "--on", "2023-12-31")
    assert code == 0, out
    for day in ("2024-01-01", "2021-12-31"):
        code, out = _check(folder, "facility", "plant", "--on", day, "--format", "json")
        assert code == 4, out
        verdict = json.loads(out)
        assert verdict["status"] == "cannot_be_determined"
        assert set(verdict["readings"].values()) == {"cannot_be_determined"}
        assert [m["fact"] for m in verdict["missing"]] == ["a record of the facility on the date"]
        assert "None" not in out


def test_journalist_45x_finding_never_shows_a_blank_place(tmp_path: Path) -> None:
    """A §45X operator incorporated in China whose headquarters is not recorded: the finding that makes it
    foreign-controlled must not read "principal place of business in , at least one a covered nation"."""
    world = _45x_world()
    del world["entities"][0]["headquartered_in"]
    folder = _write(tmp_path, world)
    code, out = _check(folder, "facility", "plant", "--credit", "45x", "--on", "2026-01-01", "--format", "json")
    assert code == 1, out
    texts = [f["explanation"] if "explanation" in f else json.dumps(f) for f in json.loads(out)["operator_findings"]]
    assert texts and not any(" in ," in t for t in texts), texts


def test_analyst_csv_country_kept_as_written_is_a_note_not_a_skip(tmp_path: Path) -> None:
    """A supplier master row `Dual Co, country CN, headquartered_in SG`: CN is kept as written (it may be the
    place of incorporation) and said, but nothing was skipped — the summary must not count it as one."""
    src = tmp_path / "suppliers.csv"
    src.write_text("name,country,headquartered_in\nDual Co,CN,SG\n", encoding="utf-8")
    result = RUN.invoke(app, ["import", "csv", str(src), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "note: suppliers.csv:2: country `CN` is kept but not judged" in result.output
    assert "skipped:" not in result.output and "0 item(s) skipped, 1 note(s)" in result.output


def test_tax_adviser_halves_without_values_are_not_a_clear_no(tmp_path: Path) -> None:
    """A battery whose components and minerals are all recorded with `value_usd: 0` (values not yet known): no
    share can be computed, so neither half is known to be *not met* — the credit cannot be determined (exit 4),
    not "NOT eligible: neither sourcing requirement met" (exit 1) with a "missing" line beside it. With the
    values recorded and below the thresholds, the clear no stands."""
    world = _vehicle_world(msrp_usd=40000, vehicle_class="car")
    world["batteries"][0]["components"][0]["value_usd"] = 0
    world["batteries"][0]["critical_minerals"][0]["value_usd"] = 0
    folder = _write(tmp_path, world)
    code, out = _check(folder, "vehicle", "ev", "--on", "2024-06-01")
    assert code == 4, out
    assert "CANNOT BE DETERMINED" in out and "— not met" not in out
    world["facilities"][0]["country"] = "KR"  # made in Korea: components not North American, minerals FTA
    world["batteries"][0]["components"][0]["value_usd"] = 1000
    world["batteries"][0]["critical_minerals"] = [{"mineral": "lithium", "processed_at": "cells", "value_usd": 0}]
    (folder / "d.yaml").write_text(yaml.safe_dump(world, sort_keys=False), encoding="utf-8")
    code, out = _check(folder, "vehicle", "ev", "--on", "2024-06-01")
    assert code == 4, out  # components known not met, minerals unknown: $3,750 still possible


def test_tax_adviser_45x_zero_percent_threshold_needs_no_material_inputs(tmp_path: Path) -> None:
    """§45X critical minerals sold in 2026 face a 0 % material-assistance threshold (feoc-law.md §5.4,
    parameter `macr_threshold_critical_minerals`): a ratio is never below 0 %, so missing material inputs
    cannot change the answer — the product passes, not "cannot be determined ... against 0% decides it".
    From 2028 (30 %) the inputs decide, and without them the answer cannot be determined."""
    world = {"entities": [{"id": "op", "name": "Op", "type": "company", "incorporated_in": "US",
                           "headquartered_in": "US"}],
             "facilities": [{"id": "refinery", "name": "Refinery", "operator": "op", "country": "US",
                             "activities": ["critical_mineral_processing"]}]}
    folder = _write(tmp_path, world)
    code, out = _check(folder, "facility", "refinery", "--credit", "45x", "--on", "2026-06-01", "--format", "json")
    assert code == 0, out
    assert json.loads(out)["products"][0]["outcome"] == "pass"
    code, out = _check(folder, "facility", "refinery", "--credit", "45x", "--on", "2028-06-01")
    assert code == 4, out


def test_analyst_screen_of_a_dataset_without_entities_is_not_a_crash(tmp_path: Path) -> None:
    """A new user's first dataset file holds `entities: []`: `validate` says it is valid, so `screen` must
    answer with an empty table in every format (exit 0), never an internal error (exit 70)."""
    folder = _write(tmp_path, {"entities": []})
    for fmt in ("csv", "json", "md"):
        result = RUN.invoke(app, ["screen", "--on", "2024-06-01", "--data", str(folder), "--format", fmt])
        assert result.exit_code == 0, (fmt, result.output)
        assert "internal error" not in result.output
