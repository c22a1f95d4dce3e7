"""Issue 20, item 4: supplier attestations (26 CFR 1.30D-6(b)) through the real CLI.

26 CFR 1.30D-6(b): "Reasonable reliance on a supplier attestation or certification will be considered due
diligence if the qualified manufacturer ... does not know or have reason to know that such supplier attestation or
certification is incorrect." Each test names the user story it encodes: a gap in the data (a supplier whose
jurisdiction is not recorded) closed by the supplier's signed attestation — or not, when the data contradict it,
it expired, it was signed after the date judged, or its signer is not recorded.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from feoc.cli import app

RUNNER = CliRunner()
ON = "2026-06-01"


def attestation(about: dict, *, ident: str = "att-1", by: str = "supplier", signed: str = "2026-01-01",
                until: str | None = None, document: str = "supplier-feoc-attestation-2026.pdf") -> dict:
    out = {"id": ident, "by": by, "about": about, "claim": "no_feoc", "signed": signed, "document": document}
    return out | ({"until": until} if until else {})


def world(*attestations: dict, supplier: dict | None = None) -> dict:
    """A supplier whose jurisdiction is not recorded (a gap: *cannot be determined*), wholly owning a Korean
    subsidiary that runs a cell plant, and a manufacturer that records nothing but itself."""
    return {
        "entities": [
            {"id": "supplier", "name": "Supplier Ltd", "type": "company", **(supplier or {})},
            {"id": "kr-sub", "name": "KR Sub", "type": "company", "incorporated_in": "KR", "headquartered_in": "KR"},
            {"id": "maker", "name": "Maker Inc", "type": "company", "incorporated_in": "US", "headquartered_in": "US"},
        ],
        "holdings": [{"holder": "supplier", "entity": "kr-sub", "equity": 1.0, "voting": 1.0, "board_seats": 1.0}],
        "facilities": [{"id": "kr-plant", "name": "KR Plant", "operator": "kr-sub", "country": "KR",
                        "activities": ["battery_cell_manufacturing"]}],
        "attestations": list(attestations),
    }


def written(tmp_path: Path, data: dict) -> Path:
    """`data` as the dataset folder `tmp_path/data` (one file, world.yaml)."""
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    (folder / "world.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def run(tmp_path: Path, data: dict, *args: str) -> Any:
    return RUNNER.invoke(app, [*args[:3], "--data", str(written(tmp_path, data)), *args[3:]])


def as_json(result: Any) -> dict:
    return json.loads(result.output)


def test_without_an_attestation_the_gap_stays_open(tmp_path):
    """Baseline (issue 14): a supplier with neither incorporation nor headquarters recorded cannot be determined."""
    result = run(tmp_path, world(), "check", "entity", "supplier", "--on", ON)
    assert result.exit_code == 4, result.output


def test_a_valid_attestation_decides_the_gap_and_the_verdict_says_it_rests_on_it(tmp_path):
    """Story: the supplier signs an attestation that it is not a FEOC; the data do not contradict it: not a FEOC
    (exit 0), and the verdict names the document, the signer and the date (1.30D-6(b) reasonable reliance)."""
    result = run(tmp_path, world(attestation({"entity": "supplier"})), "check", "entity", "supplier", "--on", ON)
    assert result.exit_code == 0, result.output
    assert "is NOT a foreign entity of concern" in result.output
    assert ("relies on: attestation att-1 (supplier-feoc-attestation-2026.pdf, signed by supplier on 2026-01-01) "
            "about entity supplier") in result.output
    assert "decided on attestation att-1" in result.output  # the checked list shows the gap it decides
    body = as_json(run(tmp_path, world(attestation({"entity": "supplier"})), "check", "entity", "supplier",
                       "--on", ON, "--format", "json"))
    assert body["status"] == "not_feoc" and body["missing"] == [] and body["not_relied_on"] == []
    [relied] = body["relies_on"]
    assert relied["document"] == "supplier-feoc-attestation-2026.pdf" and relied["by"] == "supplier"
    assert relied["signed"] == "2026-01-01" and relied["about"] == {"entity": "supplier"}
    assert relied["decides"] == ["feoc-undetermined-jurisdiction"]
    assert set(relied["readings"]) == {"government", "feoc-lookthrough", "government-all-nations",
                                       "government-control"}


def test_the_data_showing_a_feoc_contradict_the_attestation(tmp_path):
    """Story: the supplier attests it is not a FEOC, but the data record it incorporated in China: reason to know
    the attestation is incorrect; the clear yes stands (exit 1) and the verdict says why it is not relied on."""
    data = world(attestation({"entity": "supplier"}), supplier={"incorporated_in": "CN"})
    result = run(tmp_path, data, "check", "entity", "supplier", "--on", ON)
    assert result.exit_code == 1, result.output
    assert "not relied on: attestation att-1" in result.output
    assert "reason to know the attestation is incorrect" in result.output
    body = as_json(run(tmp_path, data, "check", "entity", "supplier", "--on", ON, "--format", "json"))
    assert body["relies_on"] == [] and "reason to know" in body["not_relied_on"][0]["why"]


@pytest.mark.parametrize("on, code", [("2026-12-31", 0), ("2027-01-01", 4), ("2027-06-01", 4)])
def test_an_expired_attestation_is_not_relied_on(tmp_path, on, code):
    """Story: the attestation runs until 2027-01-01 (exclusive): relied on the day before, not on or after it."""
    data = world(attestation({"entity": "supplier"}, until="2027-01-01"))
    body = as_json(run(tmp_path, data, "check", "entity", "supplier", "--on", on, "--format", "json"))
    result = run(tmp_path, data, "check", "entity", "supplier", "--on", on)
    assert result.exit_code == code, result.output
    if code == 0:
        assert body["relies_on"] and not body["not_relied_on"]
    else:
        assert body["status"] == "cannot_be_determined" and not body["relies_on"]
        assert body["not_relied_on"][0]["why"] == f"expired: valid until 2027-01-01 (exclusive), not on {on}"
        assert "not relied on: attestation att-1" in result.output and "expired" in result.output


@pytest.mark.parametrize("signed, code", [("2026-06-01", 0), ("2026-06-02", 4)])
def test_an_attestation_signed_after_the_date_judged_is_not_relied_on(tmp_path, signed, code):
    """Story: an attestation signed on the date judged is relied on; one signed the day after was not there to
    rely on (a verdict on a past date must not rest on a later document)."""
    data = world(attestation({"entity": "supplier"}, signed=signed))
    result = run(tmp_path, data, "check", "entity", "supplier", "--on", ON)
    assert result.exit_code == code, result.output
    if code == 4:
        assert "after the date judged (2026-06-01)" in result.output


def test_an_unknown_signer_is_an_input_error(tmp_path):
    """Story: the attestation names a signer the dataset does not record: exit 2, the file, the place and the fix."""
    result = run(tmp_path, world(attestation({"entity": "supplier"}, by="ghost-co")), "check", "entity", "supplier",
                 "--on", ON)
    assert result.exit_code == 2, result.output
    assert "world.yaml" in result.output and "`by: ghost-co` names no entity" in result.output


@pytest.mark.parametrize("about, message", [
    ({"entity": "nobody"}, "names no entity"),
    ({"facility": "no-plant"}, "names no facility"),
    ({"entity": "supplier", "facility": "kr-plant"}, "exactly one of"),
    ({"entity": "supplier", "component": "battery_cell"}, "with a battery only"),
])
def test_what_an_attestation_is_about_must_exist(tmp_path, about, message):
    """Story: a typo in `about:` is an input error (exit 2), never an attestation silently about nothing."""
    result = run(tmp_path, world(attestation(about)), "check", "entity", "maker", "--on", ON)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_an_unknown_claim_is_an_input_error(tmp_path):
    """Story: the claim is a word of rules/vocabulary.yaml `attestation_claims` (`no_feoc`)."""
    data = world(attestation({"entity": "supplier"}) | {"claim": "compliant"})
    result = run(tmp_path, data, "check", "entity", "maker", "--on", ON)
    assert result.exit_code == 2, result.output
    assert "unknown claim `compliant`" in result.output and "no_feoc" in result.output


def test_downstream_an_entity_whose_only_doubt_was_the_attested_one_is_decided(tmp_path):
    """Story: the Korean subsidiary is clear on its own records, but its parent (the supplier) is undecided, so it
    cannot be determined either; once the parent's attestation is relied on, the doubt pass sees the parent as not
    a FEOC and the subsidiary (and the plant it runs) is decided too, naming the attestation upstream."""
    before = run(tmp_path, world(), "check", "entity", "kr-sub", "--on", ON)
    assert before.exit_code == 4, before.output
    data = world(attestation({"entity": "supplier"}))
    result = run(tmp_path, data, "check", "entity", "kr-sub", "--on", ON, "--format", "json")
    assert result.exit_code == 0, result.output
    assert as_json(result)["relies_on"][0]["about"] == {"entity": "supplier"}
    plant = run(tmp_path, data, "check", "facility", "kr-plant", "--on", ON)
    assert plant.exit_code == 0, plant.output
    assert "relies on: attestation att-1" in plant.output


def test_an_attested_middle_entity_stops_the_doubt_below_it(tmp_path):
    """Story: the parent stays undecided (no attestation), the subsidiary attests; its own doubt came from the
    parent and is decided on its attestation, and it no longer passes the doubt down to the plant company it
    licenses with a control right (whose doubt came only from the licensor: effective control, 89 FR 37079)."""
    data = world(attestation({"entity": "kr-sub"}, by="kr-sub"))
    data["entities"].append({"id": "plant-co", "name": "Plant Co", "type": "company", "incorporated_in": "US",
                             "headquartered_in": "US"})
    data["agreements"] = [{"id": "lic-1", "kind": "license", "licensor": "kr-sub", "licensee": "plant-co",
                           "rights": ["exclusive_operation"]}]
    assert run(tmp_path, world() | {"entities": data["entities"], "agreements": data["agreements"]}, "check", "entity",
               "plant-co", "--on", ON).exit_code == 4  # without the attestation the licence passes the doubt down
    for subject in ("kr-sub", "plant-co"):
        body = as_json(run(tmp_path, data, "check", "entity", subject, "--on", ON, "--format", "json"))
        assert body["status"] == "not_feoc", (subject, body["missing"])
        assert any(a["attestation"] == "att-1" for a in body["relies_on"])


def test_a_facility_attestation_decides_its_operators_gap(tmp_path):
    """Story: the operator of a plant records no jurisdiction; the plant's attestation (signed by the operator, its
    supplier) decides the facility verdict, not the operator entity's own verdict (it is about the facility)."""
    data = world(attestation({"facility": "kr-plant"}, by="kr-sub"))
    data["entities"][1] = {"id": "kr-sub", "name": "KR Sub", "type": "company"}
    data["holdings"] = []
    plant = run(tmp_path, data, "check", "facility", "kr-plant", "--on", ON, "--format", "json")
    assert plant.exit_code == 0, plant.output
    assert as_json(plant)["relies_on"][0]["about"] == {"facility": "kr-plant"}
    assert run(tmp_path, data, "check", "entity", "kr-sub", "--on", ON).exit_code == 4


def test_a_facility_attestation_never_overturns_a_feoc_operator(tmp_path):
    """Story: the plant's operator is owned by the Chinese government; the plant's attestation is not relied on
    (exit 1), with why."""
    data = world(attestation({"facility": "kr-plant"}, by="kr-sub"))
    data["entities"].append({"id": "gov-cn", "name": "Government of China", "type": "government", "country": "CN"})
    data["holdings"] = [{"holder": "gov-cn", "entity": "kr-sub", "equity": 1.0, "voting": 1.0, "board_seats": 1.0}]
    plant = run(tmp_path, data, "check", "facility", "kr-plant", "--on", ON)
    assert plant.exit_code == 1, plant.output
    assert "not relied on: attestation att-1" in plant.output and "reason to know" in plant.output


def test_screen_takes_a_dataset_with_attestations(tmp_path):
    """Decision changed (issue 20, task h20-sattest): `feoc screen` judges attestations as `feoc check` does (exit 0,
    the supplier decided on its attestation shows it in `relies_on`); tests/test_screen_attestations.py holds it."""
    result = run(tmp_path, world(attestation({"entity": "supplier"})), "screen", "--on", ON)
    assert result.exit_code == 0, result.output
    assert "supplier,Supplier Ltd,company,not_feoc,False,,0.0,0.0,0.0,,att-1," in result.output.splitlines()


def test_attestations_survive_convert_to_parquet_and_back(tmp_path):
    """Story: a dataset with attestations converted to Parquet judges the same."""
    folder = written(tmp_path, world(attestation({"entity": "supplier"}, until="2027-01-01")))
    out = tmp_path / "pq"
    assert RUNNER.invoke(app, ["convert", str(folder), "--to", "parquet", "--out", str(out)]).exit_code == 0
    result = RUNNER.invoke(app, ["check", "entity", "supplier", "--data", str(out), "--on", ON, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert as_json(result)["relies_on"][0]["until"] == "2027-01-01"


def test_the_dates_of_an_attestation_are_ordered():
    """Model: `until` after `signed`, as a certification's (the loader reports it at the field)."""
    from pydantic import ValidationError

    from feoc.data.model import Attestation

    with pytest.raises(ValidationError, match="must be after `signed`"):
        Attestation.model_validate(attestation({"entity": "x"}, until="2025-01-01"))
    ok = Attestation.model_validate(attestation({"entity": "x"}))
    assert ok.signed == dt.date(2026, 1, 1) and ok.end is None


def vehicle_world(*attestations: dict, operator: dict | None = None) -> dict:
    """A U.S. vehicle whose battery cells are made at a U.S. plant by an operator whose jurisdiction is not recorded
    (the component test cannot be decided), with a critical mineral mined and processed in Canada by a Canadian
    company."""
    return {
        "entities": [
            {"id": "oem", "name": "OEM", "type": "company", "incorporated_in": "US", "headquartered_in": "US"},
            {"id": "cell-op", "name": "Cell Op", "type": "company", **(operator or {})},
            {"id": "ca-proc", "name": "CA Processor", "type": "company", "incorporated_in": "CA",
             "headquartered_in": "CA"},
        ],
        "facilities": [
            {"id": "cell-plant", "name": "Cell plant", "operator": "cell-op", "country": "US",
             "activities": ["battery_cell_manufacturing"]},
            {"id": "ca-refinery", "name": "CA refinery", "operator": "ca-proc", "country": "CA",
             "activities": ["critical_mineral_processing"]},
            {"id": "ca-mine", "name": "CA mine", "operator": "ca-proc", "country": "CA",
             "activities": ["critical_mineral_extraction"]},
        ],
        "batteries": [{"id": "pack", "components": [{"component": "battery_cell", "manufactured_at": "cell-plant",
                                                     "value_usd": 5000}],
                       "critical_minerals": [{"mineral": "lithium", "extracted_at": "ca-mine",
                                              "processed_at": "ca-refinery", "value_usd": 1000}]}],
        "vehicles": [{"id": "ev", "name": "EV", "model_year": 2025, "manufacturer": "oem", "battery": "pack",
                      "final_assembly_country": "US", "msrp_usd": 40000}],
        "attestations": list(attestations),
    }


VEHICLE_ON = "2025-06-01"


@pytest.mark.parametrize("about", [{"battery": "pack"}, {"battery": "pack", "component": "battery_cell"}])
def test_a_battery_attestation_decides_a_component_whose_operator_is_open(tmp_path, about):
    """Story: the cell maker's status is open; the cell supplier attests the pack's cells (or the whole pack) are
    not from a FEOC: the excluded-component test is decided and the vehicle verdict names the attestation."""
    before = run(tmp_path, vehicle_world(), "check", "vehicle", "ev", "--on", VEHICLE_ON)
    assert before.exit_code == 4, before.output
    data = vehicle_world(attestation(about, by="cell-op", signed="2025-01-01"))
    result = run(tmp_path, data, "check", "vehicle", "ev", "--on", VEHICLE_ON, "--format", "json")
    body = as_json(result)
    assert "cell-op" not in json.dumps(body["missing"]), body["missing"]
    [relied] = body["relies_on"]
    assert relied["about"] == about and relied["parts"] == ["battery_cell (manufacturing at cell-plant)"]
    text = run(tmp_path, data, "check", "vehicle", "ev", "--on", VEHICLE_ON)
    assert "relies on: attestation att-1" in text.output and text.exit_code == result.exit_code


def test_a_mineral_attestation_does_not_cover_a_component(tmp_path):
    """Story: the attestation is about the pack's lithium only; the open cell maker stays open (exit 4)."""
    data = vehicle_world(attestation({"battery": "pack", "mineral": "lithium"}, by="cell-op", signed="2025-01-01"))
    result = run(tmp_path, data, "check", "vehicle", "ev", "--on", VEHICLE_ON, "--format", "json")
    assert result.exit_code == 4, result.output
    assert as_json(result)["relies_on"] == []


def test_a_battery_attestation_never_clears_a_component_made_by_a_feoc(tmp_path):
    """Story: the cell maker is recorded as incorporated in China: the pack attestation is contradicted (reason to
    know), the vehicle stays not eligible (exit 1) and says why the attestation is not relied on."""
    data = vehicle_world(attestation({"battery": "pack"}, by="cell-op", signed="2025-01-01"),
                         operator={"incorporated_in": "CN"})
    result = run(tmp_path, data, "check", "vehicle", "ev", "--on", VEHICLE_ON, "--format", "json")
    assert result.exit_code == 1, result.output
    body = as_json(result)
    assert body["relies_on"] == [] and "reason to know" in body["not_relied_on"][0]["why"]


def test_an_entity_attestation_of_the_operator_decides_the_vehicle_too(tmp_path):
    """Story: the cell maker attests about itself: its status is decided, so is the component test, and the vehicle
    verdict names the attestation behind its part."""
    data = vehicle_world(attestation({"entity": "cell-op"}, by="cell-op", signed="2025-01-01"))
    result = run(tmp_path, data, "check", "vehicle", "ev", "--on", VEHICLE_ON, "--format", "json")
    body = as_json(result)
    assert "cell-op" not in json.dumps(body["missing"]), body["missing"]
    assert body["relies_on"][0]["about"] == {"entity": "cell-op"}


def _valid(body: dict, schema: str) -> None:
    import jsonschema
    from referencing import Registry, Resource

    from feoc import schemas

    registry = Registry().with_resources(
        [(f"https://feoc.invalid/schemas/{n}.schema.json", Resource.from_contents(schemas.load(n))) for n in schemas.NAMES])
    jsonschema.Draft202012Validator(schemas.load(schema), registry=registry,
                                    format_checker=jsonschema.FormatChecker()).validate(body)


def test_json_with_attestations_matches_the_shipped_schemas(tmp_path):
    """JSON `relies_on` / `not_relied_on` of an entity, a facility and a vehicle are in the shipped schemas."""
    data = world(attestation({"entity": "supplier"}, until="2026-03-01"), attestation({"entity": "supplier"},
                 ident="att-2"))
    for kind, ident in (("entity", "supplier"), ("facility", "kr-plant")):
        body = as_json(run(tmp_path, data, "check", kind, ident, "--on", ON, "--format", "json"))
        assert body["relies_on"] and body["not_relied_on"]
        _valid(body, "check-subject")
    vehicle = vehicle_world(attestation({"battery": "pack"}, by="cell-op", signed="2025-01-01"))
    body = as_json(run(tmp_path, vehicle, "check", "vehicle", "ev", "--on", VEHICLE_ON, "--format", "json"))
    assert body["relies_on"]
    _valid(body, "check-vehicle")


def test_the_report_lists_the_evidence_relied_on_per_date(tmp_path):
    """Story: a report over two dates lists, under each date, the attestation relied on, then the same one expired."""
    folder = written(tmp_path, world(attestation({"entity": "supplier"}, until="2027-01-01")))
    out = tmp_path / "reports"
    result = RUNNER.invoke(app, ["report", "--data", str(folder), "--on", ON, "--on", "2027-06-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "entities" / "supplier.md").read_text(encoding="utf-8")
    first, second = text.split("### As of 2027-06-01")
    assert "#### Evidence relied on" in first and "- relied on: attestation `att-1`" in first
    assert "- not relied on: attestation `att-1`" in second and "expired" in second
