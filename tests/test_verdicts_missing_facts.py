"""Issue 14, item 2: a missing fact never counts as compliance.

Each test names the user story it encodes. Vehicles go through the real CLI (`feoc check vehicle`) on a
dataset folder written to disk; the §30D order records a `cannot_be_determined` check for each missing fact
and does not end, so a later clear denial still decides (shared contract of issue 14). Entity stories
check the `undetermined` findings the verdict's status is built from (verdicts/subject.py turns them into
*cannot be determined*), on the per-fact path and the bulk path alike.
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
from feoc.determine.bulk import bulk_determine
from feoc.determine.regime30d import determine
from feoc.law.law import Law
from feoc.rulecases import inline_dataset

LAW = Law.load()


def world(*, msrp: float | None = 40000, assembly: str | None = "US", minerals: list[dict] | None = None,
          cell_operator: str = "kr-maker", cell_plant: dict | None = None, extra: dict | None = None) -> dict:
    """A one-vehicle world: Korean cells made in the U.S., lithium mined in Australia and refined in Korea (both
    halves met)."""
    entities = [{"id": "kr-maker", "name": "KR Maker", "type": "company", "incorporated_in": "KR"},
                {"id": "au-miner", "name": "AU Miner", "type": "company", "incorporated_in": "AU"},
                {"id": "cn-maker", "name": "CN Maker", "type": "company", "incorporated_in": "CN"},
                {"id": "oem", "name": "OEM", "type": "company", "incorporated_in": "US"}]
    plant = {"id": "cell-plant", "name": "Cell plant", "operator": cell_operator, "country": "US",
             "activities": ["battery_cell_manufacturing"], **(cell_plant or {})}
    refinery = {"id": "refinery", "name": "Refinery", "operator": "kr-maker", "country": "KR",
                "activities": ["critical_mineral_processing"]}
    cn_refinery = {"id": "cn-refinery", "name": "CN refinery", "operator": "cn-maker", "country": "CN",
                   "activities": ["critical_mineral_processing"]}
    mine = {"id": "mine", "name": "Mine", "operator": "au-miner", "country": "AU",
            "activities": ["critical_mineral_extraction"]}
    vehicle: dict[str, Any] = {"id": "ev", "name": "EV", "model_year": 2025, "manufacturer": "oem", "battery": "pack",
                               "vehicle_class": "car"}
    if msrp is not None:
        vehicle["msrp_usd"] = msrp
    if assembly is not None:
        vehicle["final_assembly_country"] = assembly
    pack = {"id": "pack", "components": [{"component": "battery_cell", "manufactured_at": "cell-plant", "value_usd": 5000}],
            "critical_minerals": ([{"mineral": "lithium", "extracted_at": "mine", "processed_at": "refinery",
                                    "value_usd": 900}] if minerals is None else minerals)}
    out = {"entities": entities, "facilities": [plant, refinery, cn_refinery, mine], "batteries": [pack],
           "vehicles": [vehicle]}
    for kind, records in (extra or {}).items():
        out[kind] = out.get(kind, []) + records
    return out


def check_vehicle(tmp_path: Path, data: dict, on: str, acquired: str | None = None) -> tuple[int, dict]:
    (tmp_path / "world.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    extra = ["--acquired", acquired] if acquired else []
    result = CliRunner().invoke(app, ["check", "vehicle", "ev", "--data", str(tmp_path), "--on", on, "--format", "json",
                                      *extra])
    return result.exit_code, json.loads(result.stdout)


def outcome(body: dict, name: str) -> str:
    return next(c["outcome"] for c in body["checks"] if c["name"] == name)


def detail(body: dict, name: str) -> str:
    return next(c["detail"] for c in body["checks"] if c["name"] == name)


# --- 1. MSRP -------------------------------------------------------------------------------------------------

def test_vehicle_without_msrp_cannot_be_determined_and_says_what_decides(tmp_path):
    """Issue 14: "a vehicle without an MSRP is ELIGIBLE 7,500, exit 0" — now cannot be determined, naming
    the field to add and the cap that decides it."""
    code, body = check_vehicle(tmp_path, world(msrp=None), "2025-06-01")
    assert code != 0 and body["status"] == "cannot_be_determined" and body["credit_usd"] == 0
    assert outcome(body, "MSRP cap") == "cannot_be_determined"
    assert "msrp_usd" in detail(body, "MSRP cap") and "55,000" in detail(body, "MSRP cap")
    assert "MSRP" in body["reason"] and body["deciding_rule"] == "msrp_cap_usd"  # what is open, not the halves


def test_vehicle_with_msrp_under_the_cap_is_eligible(tmp_path):
    """The other side: the same vehicle with an MSRP of 40,000 USD (car cap 55,000) keeps 7,500."""
    code, body = check_vehicle(tmp_path, world(msrp=40000), "2025-06-01")
    assert code == 0 and body["status"] == "eligible" and body["credit_usd"] == 7500


def test_no_msrp_but_a_feoc_cell_is_a_clear_no(tmp_path):
    """A later step that clearly denies still decides: cells by a China-incorporated maker exclude the
    vehicle whatever its MSRP (IRC 30D(d)(7)(B))."""
    code, body = check_vehicle(tmp_path, world(msrp=None, cell_operator="cn-maker"), "2025-06-01")
    assert code == 1 and body["status"] == "not_eligible"
    assert outcome(body, "MSRP cap") == "cannot_be_determined"
    assert outcome(body, "no FEOC in the battery") == "fail"
    assert body["missing"] == []  # decided: the MSRP would change nothing, so nothing is left "to decide"


def test_msrp_without_a_class_over_every_cap_is_a_clear_no(tmp_path):
    """An MSRP over the highest cap of any class (80,000 USD) denies whatever the class."""
    data = world(msrp=90000)
    del data["vehicles"][0]["vehicle_class"]
    code, body = check_vehicle(tmp_path, data, "2025-06-01")
    assert code == 1 and body["status"] == "not_eligible" and outcome(body, "MSRP cap") == "fail"


def test_msrp_without_a_class_under_the_higher_cap_cannot_be_determined(tmp_path):
    """60,000 USD is over the car cap and under the SUV cap: the class decides, so it is asked for."""
    data = world(msrp=60000)
    del data["vehicles"][0]["vehicle_class"]
    _, body = check_vehicle(tmp_path, data, "2025-06-01")
    assert body["status"] == "cannot_be_determined" and "vehicle_class" in detail(body, "MSRP cap")


# --- 2. final assembly ---------------------------------------------------------------------------------------

def test_vehicle_without_final_assembly_country_cannot_be_determined(tmp_path):
    """Issue 14: likewise without a final-assembly country (IRC 30D(d)(1)(G))."""
    code, body = check_vehicle(tmp_path, world(assembly=None), "2025-06-01")
    assert code != 0 and body["status"] == "cannot_be_determined"
    assert outcome(body, "final assembly in North America") == "cannot_be_determined"
    assert "final_assembly_country" in detail(body, "final assembly in North America")


def test_final_assembly_outside_north_america_is_still_a_clear_no(tmp_path):
    """Both facts missing but one known fact denying: an MSRP-less vehicle assembled in Japan is not eligible."""
    code, body = check_vehicle(tmp_path, world(msrp=None, assembly="JP"), "2025-06-01")
    assert code == 1 and body["status"] == "not_eligible"


# --- 3. a battery with no critical-mineral records ------------------------------------------------------------

def test_battery_without_minerals_cannot_pass_the_2025_mineral_test(tmp_path):
    """Issue 14: "a battery with no critical-mineral records passes the 2025 mineral test"."""
    code, body = check_vehicle(tmp_path, world(minerals=[]), "2025-06-01")
    assert code != 0 and body["status"] == "cannot_be_determined"
    assert outcome(body, "no FEOC in the battery") == "cannot_be_determined"
    assert "records no critical minerals" in detail(body, "no FEOC in the battery")
    assert body["halves"]["critical_minerals"]["cannot_be_determined"]


def test_battery_without_minerals_in_2023_the_half_cannot_be_judged(tmp_path):
    """Before the mineral FEOC test (2023-06-01) the critical-minerals half is in force: not judged met or not."""
    _, body = check_vehicle(tmp_path, world(minerals=[]), "2023-06-01")
    assert body["status"] == "cannot_be_determined"
    assert outcome(body, "sourcing requirements") == "cannot_be_determined"


def test_battery_without_minerals_before_the_sourcing_requirements_is_eligible(tmp_path):
    """The other side of the date: before 2023-04-18 no sourcing requirement applies, nothing is missing."""
    code, body = check_vehicle(tmp_path, world(minerals=[]), "2023-04-17")
    assert code == 0 and body["status"] == "eligible"


# --- 6. a facility whose record has ended ---------------------------------------------------------------------

def test_part_from_a_plant_whose_record_ended_cannot_be_determined(tmp_path):
    """Issue 14: a facility whose record has ended: who ran it when the part was made is not recorded."""
    code, body = check_vehicle(tmp_path, world(cell_plant={"until": "2025-01-01"}), "2025-06-01")
    assert code != 0 and body["status"] == "cannot_be_determined"
    assert "cell-plant" in detail(body, "no FEOC in the battery")


def test_part_from_a_plant_whose_record_covers_the_date_is_judged(tmp_path):
    code, body = check_vehicle(tmp_path, world(cell_plant={"until": "2025-06-02"}), "2025-06-01")
    assert code == 0 and body["status"] == "eligible"


def check_facility(tmp_path: Path, data: dict, fid: str, on: str) -> tuple[int, dict]:
    (tmp_path / "world.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = CliRunner().invoke(app, ["check", "facility", fid, "--data", str(tmp_path), "--on", on, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_a_plant_checked_after_its_record_ended_is_no_clear_no(tmp_path):
    """Issue 14: a facility whose record has ended. `check facility` on a date its record does not cover
    cannot say "no activity performed by a FEOC" (who ran it then is not recorded): cannot be determined,
    naming the record as the missing fact; on a date the record covers, the same plant is a clear no."""
    data = world(cell_plant={"until": "2025-01-01"})
    code, body = check_facility(tmp_path, data, "cell-plant", "2025-06-01")
    assert (code, body["status"]) == (4, "cannot_be_determined")
    assert [m["subject"] for m in body["missing"]] == ["cell-plant"] and "until" in body["missing"][0]["decide"]
    assert check_facility(tmp_path, data, "cell-plant", "2024-12-31")[:1] == (0,)


def test_a_feoc_run_plant_after_its_record_ended_stays_a_clear_yes(tmp_path):
    """A known FEOC operator still decides, as a FEOC cell decides a vehicle whatever else is missing."""
    code, body = check_facility(tmp_path, world(cell_operator="cn-maker", cell_plant={"until": "2025-01-01"}),
                                "cell-plant", "2025-06-01")
    assert (code, body["status"]) == (1, "feoc")


# --- 7. a material that cannot hold the mineral ----------------------------------------------------------------

NICKEL_BINDER = [{"mineral": "lithium", "processed_at": "refinery", "value_usd": 900},
                 {"mineral": "nickel", "processed_at": "cn-refinery", "value_usd": 100, "impracticable_to_trace": True,
                  "material": "electrode_binder"}]


def test_nickel_as_an_electrode_binder_is_a_validate_warning(tmp_path):
    """Issue 14: "a mineral `material` that does not fit the mineral (nickel as `electrode_binder`)"."""
    (tmp_path / "world.yaml").write_text(yaml.safe_dump(world(minerals=NICKEL_BINDER), sort_keys=False))
    result = CliRunner().invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 0
    assert "warning:" in result.output and "electrode_binder" in result.output and "nickel" in result.output


def test_nickel_as_an_electrode_binder_cannot_be_determined_during_the_transition(tmp_path):
    """FEOC-refined nickel claiming the binder transition: neither left out nor excluded while it is open."""
    _, body = check_vehicle(tmp_path, world(minerals=NICKEL_BINDER), "2026-06-01", acquired="2025-09-01")
    assert body["status"] == "cannot_be_determined"
    assert "cannot hold nickel" in detail(body, "no FEOC in the battery")


def test_nickel_as_an_electrode_binder_is_excluded_once_the_transition_is_over(tmp_path):
    _, body = check_vehicle(tmp_path, world(minerals=NICKEL_BINDER), "2027-01-01", acquired="2025-09-01")
    assert body["status"] == "not_eligible"


# --- 8. impracticable to trace on a material the transition does not cover -------------------------------------

def test_untraced_feoc_mineral_outside_the_transition_says_why(tmp_path):
    """Issue 14: `impracticable_to_trace: true` on `other`: the finding says why the transition did not apply."""
    minerals = [{"mineral": "lithium", "processed_at": "cn-refinery", "value_usd": 900, "impracticable_to_trace": True}]
    _, body = check_vehicle(tmp_path, world(minerals=minerals), "2025-06-01")
    assert body["status"] == "not_eligible"
    assert any("transition covers only" in f["explanation"] and "`other`" in f["explanation"] for f in body["findings"])


def test_untraced_mineral_outside_the_transition_is_no_silent_pass(tmp_path):
    """The same mineral recorded at a Korean refinery: untraced, so the refinery proves nothing."""
    minerals = [{"mineral": "lithium", "processed_at": "refinery", "value_usd": 900, "impracticable_to_trace": True}]
    code, body = check_vehicle(tmp_path, world(minerals=minerals), "2025-06-01")
    assert code != 0 and body["status"] == "cannot_be_determined"
    assert "transition covers only" in detail(body, "no FEOC in the battery")


def test_traced_mineral_at_the_same_refinery_passes(tmp_path):
    code, body = check_vehicle(tmp_path, world(), "2025-06-01")
    assert code == 0 and body["status"] == "eligible"


def test_a_mineral_whose_mine_is_not_recorded_is_no_silent_pass(tmp_path):
    """The review's case (session 32): lithium refined in Korea, its mine not recorded, got the full credit (exit 0).
    IRC 30D(d)(7)(A) excludes a mineral *extracted*, processed or recycled by a FEOC: the unrecorded extraction may
    have been a FEOC's, so from 2025 the vehicle cannot be determined (exit 4), naming the step to record; before
    the minerals test (2024) it is eligible."""
    minerals = [{"mineral": "lithium", "processed_at": "refinery", "value_usd": 900}]
    code, body = check_vehicle(tmp_path, world(minerals=minerals), "2025-06-01")
    assert code == 4 and body["status"] == "cannot_be_determined", body
    assert "records its processing at refinery but not its extraction" in detail(body, "no FEOC in the battery")
    assert check_vehicle(tmp_path, world(minerals=minerals), "2024-06-01")[1]["status"] == "eligible"


def test_a_supplier_attestation_fills_an_unrecorded_mine(tmp_path):
    """feoc-law.md §7.7: an attestation can fill a gap in the data. The refiner's signed word that no FEOC took part
    in the lithium decides the unrecorded extraction: eligible (exit 0), relying on it, the part it decides named
    (the review found it silently dropped while the verdict stayed open)."""
    minerals = [{"mineral": "lithium", "processed_at": "refinery", "value_usd": 900}]
    said = {"id": "att-li", "by": "kr-maker", "about": {"battery": "pack", "mineral": "lithium"}, "claim": "no_feoc",
            "signed": "2025-01-15", "document": "li.pdf"}
    code, body = check_vehicle(tmp_path, world(minerals=minerals, extra={"attestations": [said]}), "2025-06-01")
    assert code == 0 and body["status"] == "eligible", body
    relied = [a for a in body["relies_on"] if a["attestation"] == "att-li"]
    assert relied and "lithium (extraction not recorded)" in relied[0]["parts"], body["relies_on"]


# --- 4. licences ----------------------------------------------------------------------------------------------

def licence_world(rights: list[str] | None) -> dict:
    agreement: dict[str, Any] = {"id": "lic", "kind": "license", "licensor": "cn-maker", "licensee": "us-maker"}
    if rights is not None:
        agreement["rights"] = rights
    return {"entities": [{"id": "cn-maker", "name": "CN Maker", "type": "company", "incorporated_in": "CN"},
                         {"id": "us-maker", "name": "US Maker", "type": "company", "incorporated_in": "US"}],
            "agreements": [agreement]}


def conclusions(raw: dict, subject: str, on: str = "2024-06-01") -> dict[str, set[str]]:
    """Per reading, the conclusions about `subject` (per-fact path)."""
    ds = inline_dataset(raw, "test", LAW)
    day = dt.date.fromisoformat(on)
    return {n: {f.conclusion for f in determine(ds, day, LAW, n, upto="entities").about(subject)}
            for n in LAW.reading_names()}


@pytest.mark.parametrize("rights, expected", [
    (None, {"undetermined"}),  # issue 14: a licence from a FEOC whose rights are not recorded
    (["technology_ip_retained"], {"undetermined"}),  # feoc-law.md §7.5: retained IP only needs review
    # a right that clearly gives control decides the agreement (parameter effective_control_rights): its
    # retained IP is not also "needs review" (tests/test_hostile_issue14.py)
    (["technology_ip_retained", "output_buyers"], {"feoc"}),
    (["royalty_only"], set()),  # E-7: royalties only, decided: no control
])
def test_licence_from_a_feoc(rights, expected):
    for reading, found in conclusions(licence_world(rights), "us-maker").items():
        assert found == expected, reading


# --- 5. unrecorded voting and board shares ---------------------------------------------------------------------

def stake_world(equity: float, **more: float) -> dict:
    return {"entities": [{"id": "cn-gov", "name": "CN Government", "type": "government", "country": "CN"},
                         {"id": "maker", "name": "Maker", "type": "company", "incorporated_in": "US"}],
            "holdings": [{"holder": "cn-gov", "entity": "maker", "equity": equity, **more}]}


@pytest.mark.parametrize("equity, more, expected", [
    (0.24, {}, {"undetermined"}),  # issue 14: "a 24 % equity stake with board and voting shares unrecorded"
    (0.24, {"voting": 0, "board_seats": 0}, set()),  # recorded as none: decided
    (0.24, {"voting": 0.3}, {"feoc"}),  # a recorded measure over 25 % decides, whatever is missing
    (0.0499, {}, set()),  # under the floor (parameter unrecorded_measure_floor): read as recorded
])
def test_unrecorded_measures_of_a_government_stake(equity, more, expected):
    for reading, found in conclusions(stake_world(equity, **more), "maker").items():
        assert found == expected, reading


def test_a_decided_feoc_lists_no_missing_fact_to_decide(tmp_path):
    """An SDN-listed company with no jurisdiction recorded is a FEOC whatever the jurisdiction: the gap shows
    in its findings, but `missing` ("what would decide it") is for verdicts that cannot be determined only."""
    data = {"entities": [{"id": "maker", "name": "Maker", "type": "company"}],
            "listings": [{"entity": "maker", "list": "ofac-sdn", "from": "2020-01-01"}]}
    (tmp_path / "world.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = CliRunner().invoke(app, ["check", "entity", "maker", "--data", str(tmp_path), "--on", "2024-06-01",
                                      "--format", "json"])
    body = json.loads(result.stdout)
    assert (result.exit_code, body["status"], body["missing"]) == (1, "feoc", [])
    assert "feoc-undetermined-jurisdiction" in {f["rule"] for f in body["findings"]}
    del data["listings"]
    (tmp_path / "world.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    body = json.loads(CliRunner().invoke(app, ["check", "entity", "maker", "--data", str(tmp_path), "--on",
                                               "2024-06-01", "--format", "json"]).stdout)
    assert body["status"] == "cannot_be_determined" and [m["subject"] for m in body["missing"]] == ["maker"]


BARE = {"entities": [{"id": "maker", "name": "Maker", "type": "company", "country": "CN"}]}


def test_company_with_no_jurisdiction_recorded_cannot_be_determined():
    """Issue 14 ("a Chinese company imported this way is not a FEOC"): with neither `incorporated_in` nor
    `headquartered_in` the jurisdiction prongs cannot be tested; one of them recorded decides."""
    assert all(found == {"undetermined"} for found in conclusions(BARE, "maker").values())
    decided = {"entities": [{"id": "maker", "name": "Maker", "type": "company", "incorporated_in": "KR"}]}
    assert all(found == set() for found in conclusions(decided, "maker").values())


@pytest.mark.parametrize("raw", [stake_world(0.24), stake_world(0.24, voting=0, board_seats=0),
                                 licence_world(None), licence_world(["royalty_only"]), BARE])
def test_bulk_path_never_says_no_where_the_per_fact_path_says_undetermined(raw):
    """`feoc screen` (the bulk path) marks the same entities undetermined as `check entity`."""
    ds = inline_dataset(raw, "test", LAW)
    day = dt.date(2024, 6, 1)
    for reading in LAW.reading_names():
        per_fact = {f.subject for f in determine(ds, day, LAW, reading, upto="entities").findings
                    if f.conclusion == "undetermined"}
        res = bulk_determine(ds, day, LAW, reading)
        assert res.undetermined is not None
        assert {res.ids[i] for i in range(len(res.ids)) if res.undetermined[i]} == per_fact, reading


def test_a_part_from_an_operator_that_cannot_be_determined_cannot_be_judged(tmp_path):
    """The same principle down the chain: cells from a licensee whose FEOC licence has unrecorded rights."""
    extra = {"entities": [{"id": "us-maker", "name": "US Maker", "type": "company", "incorporated_in": "US"}],
             "agreements": [{"id": "lic", "kind": "license", "licensor": "cn-maker", "licensee": "us-maker"}]}
    _, body = check_vehicle(tmp_path, world(cell_operator="us-maker", extra=extra), "2025-06-01")
    assert body["status"] == "cannot_be_determined"
    assert "us-maker" in detail(body, "no FEOC in the battery")


@pytest.mark.parametrize("evaluator", ["vectorised", "durable-rules"])
def test_screen_row_of_an_undetermined_entity_names_what_keeps_it_open(evaluator):
    """`feoc screen`: the row of a licensee whose FEOC licence has unrecorded rights is not a silent "no":
    its rules column names the undetermined rule, on the bulk and the per-fact path alike."""
    from feoc.verdicts.screen import screen_rows

    ds = inline_dataset(licence_world(None), "test", LAW)
    row = next(r for r in screen_rows(ds, dt.date(2024, 6, 1), LAW, evaluator=evaluator) if r["entity"] == "us-maker")
    assert row["feoc"] is False and row["rules"] == "feoc-undetermined-licence"


# --- an undecided holder: its doubt is passed down the chain (review of issue 14; determine/doubt.py) ----------

UNDECIDED_HOLDERS = {
    "entities": [{"id": "cn-gov", "name": "CN Government", "type": "government", "country": "CN"},
                 {"id": "nojur", "name": "No jurisdiction", "type": "company"},
                 {"id": "child", "name": "Child", "type": "company", "incorporated_in": "US", "headquartered_in": "US"},
                 {"id": "gov24", "name": "Gov 24", "type": "company", "incorporated_in": "US", "headquartered_in": "US"},
                 {"id": "sub", "name": "Sub", "type": "company", "incorporated_in": "US", "headquartered_in": "US"},
                 {"id": "licensee", "name": "Licensee", "type": "company", "incorporated_in": "US",
                  "headquartered_in": "US"}],
    "agreements": [{"id": "lic", "kind": "license", "licensor": "nojur", "licensee": "licensee",
                    "rights": ["production_quantity_or_timing"]}],
    "holdings": [{"holder": "nojur", "entity": "child", "equity": 0.3, "voting": 0.3, "board_seats": 0.3},
                 {"holder": "cn-gov", "entity": "gov24", "equity": 0.24},
                 {"holder": "gov24", "entity": "sub", "equity": 1.0, "voting": 1.0, "board_seats": 1.0}]}


@pytest.mark.parametrize("subject", ["child", "sub", "licensee"])
def test_a_stake_held_by_an_undecided_entity_is_no_clear_no(tmp_path, subject):
    """`child` (30 % held by a company whose jurisdiction is not recorded: a FEOC under feoc-lookthrough if that
    company is one), `sub` (wholly held by an entity whose government votes are unrecorded) and `licensee` (a
    control right licensed by the company of unknown jurisdiction) cannot be determined (exit 4), never 'no'."""
    (tmp_path / "world.yaml").write_text(yaml.safe_dump(UNDECIDED_HOLDERS, sort_keys=False))
    result = CliRunner().invoke(app, ["check", "entity", subject, "--data", str(tmp_path), "--on", "2024-06-01",
                                      "--format", "json"])
    assert (result.exit_code, json.loads(result.stdout)["status"]) == (4, "cannot_be_determined")


@pytest.mark.parametrize("evaluator", ["vectorised", "durable-rules"])
def test_screen_passes_an_undecided_holders_doubt_down_as_check_does(evaluator):
    """`feoc screen` on both paths: `child`, `sub` and `licensee` cannot be determined (the rule
    feoc-undetermined-upstream), as `check entity` says, never a silent "no"."""
    from feoc.verdicts.screen import screen_rows

    ds = inline_dataset(UNDECIDED_HOLDERS, "test", LAW)
    rows = {r["entity"]: r for r in screen_rows(ds, dt.date(2024, 6, 1), LAW, evaluator=evaluator)}
    for subject in ("child", "sub", "licensee"):
        assert rows[subject]["status"] == "cannot_be_determined", rows[subject]
    assert "feoc-undetermined-upstream" in rows["sub"]["rules"]


def test_a_cell_from_a_plant_run_by_an_entity_under_upstream_doubt_cannot_be_determined(tmp_path):
    """A vehicle whose cells come from a plant run by `sub` (wholly held by a company whose government votes
    are unrecorded) cannot be determined: the doubt reaches the part, never ELIGIBLE."""
    data = world(cell_operator="sub", extra={k: UNDECIDED_HOLDERS[k] for k in ("entities", "holdings")})
    code, body = check_vehicle(tmp_path, data, "2024-06-01")
    assert (code, body["status"]) == (4, "cannot_be_determined"), body["reason"]
