"""Issue 20 (session 19): a hostile new user tries share ranges, BODS, GLEIF and attestations, through the real CLI.

Each test names the run that found a defect and the answer the law asks for (26 CFR 1.30D-6(b); 42 U.S.C.
18741(a)(5) as read by DOE, 89 FR 37079; BODS 0.4 `Interest.share`): never a confident wrong answer — a share
the file does not pin down stays *cannot be determined* (exit 4), a bound no share satisfies is refused (exit 2)
with the file, the line and the fix, and a verdict never claims an attestation decided what it did not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from feoc.cli import app

RUNNER = CliRunner()
ON = "2025-06-01"
PUB = {"publicationDate": "2026-11-30", "bodsVersion": "0.4", "publisher": {"name": "a registry"}}


def _statement(rid: str, kind: str, details: dict[str, Any], n: int) -> dict[str, Any]:
    return {"statementId": f"st-{n}", "declarationSubject": rid, "statementDate": "2026-11-30",
            "publicationDetails": PUB, "recordId": rid, "recordStatus": "new", "recordType": kind,
            "recordDetails": details}


def state_body_holds(tmp_path: Path, *interests: dict[str, Any]) -> Path:
    """A BODS 0.4 file as a registry publishes it: China's SASAC (a state body) holding `interests` in a Korean
    battery maker."""
    sasac = {"isComponent": False, "entityType": {"type": "stateBody", "subtype": "stateAgency"}, "name": "SASAC",
             "jurisdiction": {"name": "China", "code": "CN"}}
    maker = {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": "KR Maker",
             "jurisdiction": {"name": "Korea", "code": "KR"}}
    rel = {"isComponent": False, "subject": "rec-kr", "interestedParty": "rec-sasac", "interests": list(interests)}
    lines = [_statement("rec-sasac", "entity", sasac, 1), _statement("rec-kr", "entity", maker, 2),
             _statement("rec-rel", "relationship", rel, 3)]
    src = tmp_path / "register.jsonl"
    src.write_text("".join(json.dumps(s) + "\n" for s in lines), encoding="utf-8")
    return src


def interest(share: dict[str, Any] | None = None, kind: str = "shareholding", direct: str = "direct") -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind, "directOrIndirect": direct, "beneficialOwnershipOrControl": False,
                           "startDate": "2020-01-01"}
    return out | ({"share": share} if share is not None else {})


def imported(tmp_path: Path, src: Path) -> tuple[Any, Path]:
    out = tmp_path / "out"
    return RUNNER.invoke(app, ["import", "bods", str(src), "--out", str(out)]), out


def check(data: Path, kind: str, ident: str, on: str = ON, *extra: str) -> Any:
    return RUNNER.invoke(app, ["--quiet", "check", kind, ident, "--on", on, "--data", str(data), *extra])


def holdings(out: Path) -> list[dict[str, Any]]:
    return yaml.safe_load((out / "holdings.yaml").read_text(encoding="utf-8"))["holdings"]


@pytest.mark.parametrize("share", [{"exclusiveMinimum": 25, "exclusiveMaximum": 25},
                                   {"minimum": 25, "exclusiveMaximum": 25},
                                   {"exclusiveMinimum": 25, "maximum": 25}])
def test_bods_bounds_no_share_satisfies_are_refused_not_read_as_25_percent(tmp_path, share):
    """Run: SASAC's band `exclusiveMinimum: 25, exclusiveMaximum: 25` (or an inclusive bound against an exclusive one
    at the same value) was imported as exactly 25 % and the maker judged a FEOC (exit 1). No share lies in such a
    band: the import is refused (exit 2) at the statement's line, naming both bounds."""
    result, out = imported(tmp_path, state_body_holds(tmp_path, interest(share)))
    assert result.exit_code == 2, result.output
    assert "register.jsonl:3:" in result.output and "no share satisfies both bounds" in result.output
    assert not out.exists()


def test_bods_an_exact_share_on_an_exclusive_bound_is_refused(tmp_path):
    """Run: `exact: 25` with `exclusiveMinimum: 25` contradicts itself: refused, never a FEOC at 25 %."""
    result, _ = imported(tmp_path, state_body_holds(tmp_path, interest({"exact": 25, "exclusiveMinimum": 25})))
    assert result.exit_code == 2 and "outside the share's own bounds" in result.output, result.output


def test_bods_a_computed_third_is_kept_as_a_tight_range_not_refused(tmp_path):
    """Run: a registry's `exact: 33.333333333333336` (a third, as a float prints it) was refused as "more than 15
    significant digits — write 24.99999%", a fix no registry can follow. It is widened to the 15-digit shares on
    either side, so it decides every test not on its very bound: a FEOC (exit 1)."""
    result, out = imported(tmp_path, state_body_holds(tmp_path, interest({"exact": 33.333333333333336}),
                                                      interest({"exact": 0}, "votingRights"),
                                                      interest({"exact": 0}, "appointmentOfBoard")))
    assert result.exit_code == 0, result.output
    assert holdings(out)[0]["equity"] == {"min": 0.333333333333333, "max": 0.333333333333334}
    assert check(out, "entity", "rec-kr").exit_code == 1


def test_bods_a_float_just_below_25_percent_is_never_rounded_onto_it(tmp_path):
    """Run: `exact: 24.999999999999996` rounded to 15 digits would be 25 % (a FEOC); widened, it stays open
    (exit 4), never a confident yes."""
    result, out = imported(tmp_path, state_body_holds(tmp_path, interest({"exact": 24.999999999999996}),
                                                      interest({"exact": 0}, "votingRights"),
                                                      interest({"exact": 0}, "appointmentOfBoard")))
    assert result.exit_code == 0, result.output
    assert check(out, "entity", "rec-kr").exit_code == 4


def test_bods_minus_zero_is_zero(tmp_path):
    """Run: `minimum: -0.0` (valid JSON for 0) was refused as "`-0.0%` is not a share"."""
    result, out = imported(tmp_path, state_body_holds(tmp_path, interest({"minimum": -0.0, "maximum": 30})))
    assert result.exit_code == 0, result.output
    assert holdings(out)[0]["equity"] == {"min": 0.0, "max": 0.3}


def test_bods_a_state_body_stake_of_unknown_size_is_no_confident_no(tmp_path):
    """Run: SASAC holds shares in the maker, the register gives no share: the interest was left out and the maker
    judged NOT a FEOC (exit 0) — a stake of unknown size read as none. It is imported as 0-100 % (noted), so the
    maker cannot be determined (exit 4) and the verdict says which range to narrow."""
    result, out = imported(tmp_path, state_body_holds(tmp_path, interest()))
    assert result.exit_code == 0, result.output
    assert "gives no share: imported as a range of 0-100 %" in result.output
    assert holdings(out)[0]["equity"] == {"max": 1.0}
    verdict = check(out, "entity", "rec-kr")
    assert verdict.exit_code == 4, verdict.output
    assert "rec-sasac -> rec-kr (equity between 0.00% and 100.00%)" in verdict.output


def test_bods_two_share_classes_of_one_holder_are_not_cut_to_the_first(tmp_path):
    """Run: SASAC's two shareholding interests of 15 % each (ordinary and preference shares), votes and board
    recorded as 0: the second was dropped ("the first is kept") and the maker judged NOT a FEOC (exit 0) although
    together they may be 30 %. They are read as 15-30 % (from the larger alone to their sum): cannot be
    determined (exit 4); at 30 % + 30 % (each alone over 25 %) a FEOC either way (exit 1)."""
    zeros = (interest({"exact": 0}, "votingRights"), interest({"exact": 0}, "appointmentOfBoard"))
    result, out = imported(tmp_path, state_body_holds(tmp_path, interest({"exact": 15}), interest({"exact": 15}),
                                                      *zeros))
    assert result.exit_code == 0 and "read as 15.00%-30.00%" in result.output, result.output
    assert holdings(out)[0]["equity"] == {"min": 0.15, "max": 0.3}
    assert check(out, "entity", "rec-kr").exit_code == 4
    again = tmp_path / "again"
    again.mkdir()
    result, out = imported(again, state_body_holds(again, interest({"exact": 30}), interest({"exact": 30}), *zeros))
    assert holdings(out)[0]["equity"] == {"min": 0.3, "max": 0.6}
    assert check(out, "entity", "rec-kr").exit_code == 1


def test_bods_an_interest_of_unknown_directness_is_no_confident_yes(tmp_path):
    """Run: `directOrIndirect: "unknown"` with 60 % was read as a direct 60 % (exit 1); were it indirect, the
    chain already carries it and it would count twice. It is read as a direct share of 0-60 % (noted): exit 4."""
    zeros = (interest({"exact": 0}, "votingRights"), interest({"exact": 0}, "appointmentOfBoard"))
    result, out = imported(tmp_path, state_body_holds(tmp_path, interest({"exact": 60}, direct="unknown"), *zeros))
    assert result.exit_code == 0 and "may be direct or indirect (`unknown`)" in result.output, result.output
    assert holdings(out)[0]["equity"] == {"max": 0.6}
    assert check(out, "entity", "rec-kr").exit_code == 4


def attested_world(tmp_path: Path, *attestations: dict[str, Any]) -> Path:
    """A holding company whose jurisdiction is not recorded, 60 % above a Korean company wholly owning a U.S.
    battery maker (two levels down), its plants, and a vehicle whose cells the maker makes."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "world.yaml").write_text(yaml.safe_dump({
        "entities": [
            {"id": "top", "name": "Top Holdco", "type": "company"},
            {"id": "mid", "name": "Mid Co", "type": "company", "incorporated_in": "KR", "headquartered_in": "KR"},
            {"id": "maker", "name": "Maker", "type": "company", "incorporated_in": "US", "headquartered_in": "US"},
            {"id": "oem", "name": "OEM", "type": "company", "incorporated_in": "US", "headquartered_in": "US"},
            {"id": "ca-proc", "name": "CA Processor", "type": "company", "incorporated_in": "CA",
             "headquartered_in": "CA"}],
        "holdings": [{"holder": "top", "entity": "mid", "equity": 0.6, "voting": 0.6, "board_seats": 0.6},
                     {"holder": "mid", "entity": "maker", "equity": 1.0, "voting": 1.0, "board_seats": 1.0}],
        "facilities": [
            {"id": "plant", "name": "Plant", "operator": "maker", "country": "US",
             "activities": ["battery_cell_manufacturing"]},
            {"id": "old-plant", "name": "Old Plant", "operator": "maker", "country": "US",
             "activities": ["battery_cell_manufacturing"], "until": "2024-01-01"},
            {"id": "ca-refinery", "name": "CA refinery", "operator": "ca-proc", "country": "CA",
             "activities": ["critical_mineral_processing"]},
            {"id": "ca-mine", "name": "CA mine", "operator": "ca-proc", "country": "CA",
             "activities": ["critical_mineral_extraction"]}],
        "batteries": [{"id": "pack", "components": [{"component": "battery_cell", "manufactured_at": "plant",
                                                     "value_usd": 5000}],
                       "critical_minerals": [{"mineral": "lithium", "extracted_at": "ca-mine", "processed_at": "ca-refinery",
                                              "value_usd": 1000}]}],
        "vehicles": [{"id": "ev", "name": "EV", "model_year": 2025, "manufacturer": "oem", "battery": "pack",
                      "final_assembly_country": "US", "msrp_usd": 40000}],
        "attestations": list(attestations)}, sort_keys=False), encoding="utf-8")
    return data


def attestation(ident: str, about: dict[str, str], by: str = "top", signed: str = "2025-01-01") -> dict[str, Any]:
    return {"id": ident, "by": by, "about": about, "claim": "no_feoc", "signed": signed, "document": f"{ident}.pdf"}


def test_an_attestation_two_levels_up_never_shows_as_deciding_the_makers_own_prongs(tmp_path):
    """Run: the holding company two levels above the maker attests about itself; the maker (incorporated and
    headquartered in the U.S.) is decided not a FEOC (exit 0), right — but its `checked` list showed its own
    jurisdiction prong "[undetermined] … decided on attestation att-top", a claim about the maker the data
    contradict. Only the attested entity's own prongs are marked; the maker lists the attestation it rests on."""
    data = attested_world(tmp_path, attestation("att-top", {"entity": "top"}))
    maker = check(data, "entity", "maker")
    assert maker.exit_code == 0, maker.output
    assert "relies on: attestation att-top" in maker.output
    assert "decided on attestation" not in maker.output
    body = json.loads(check(data, "entity", "maker", ON, "--format", "json").output)
    assert all(c["outcome"] != "undetermined" for c in body["checked"]), body["checked"]
    top = check(data, "entity", "top")
    assert top.exit_code == 0 and "decided on attestation att-top" in top.output, top.output
    plant = check(data, "facility", "plant")
    assert plant.exit_code == 0 and "decided on attestation" not in plant.output, plant.output


def test_an_attestation_about_a_plant_out_of_its_record_is_listed_as_not_relied_on(tmp_path):
    """Run: a plant whose record ends 2024-01-01, judged 2025-06-01, with an attestation about it: the verdict stays
    cannot be determined (right) but the attestation was listed nowhere. It is now under `not_relied_on`, saying
    why: where the plant was and who ran it are facts of the record, not a supplier's word."""
    data = attested_world(tmp_path, attestation("att-old", {"facility": "old-plant"}, by="maker"))
    result = check(data, "facility", "old-plant", ON, "--format", "json")
    assert result.exit_code == 4, result.output
    body = json.loads(result.output)
    [refused] = body["not_relied_on"]
    assert refused["attestation"] == "att-old" and "record does not cover 2025-06-01" in refused["why"]
    assert all(r["attestation"] != "att-old" for r in body["relies_on"])


def test_an_attestation_about_a_component_the_battery_lacks_is_not_silent(tmp_path):
    """Run: an attestation about the pack's `anode_electrode`, which the pack does not record, was accepted and
    shown nowhere (a mistyped part passes in silence). The vehicle verdict lists it as not relied on, saying the
    battery records no such component."""
    data = attested_world(tmp_path, attestation("att-anode", {"battery": "pack", "component": "anode_electrode"},
                                                by="maker"))
    result = check(data, "vehicle", "ev", ON, "--format", "json")
    body = json.loads(result.output)
    [refused] = [r for r in body["not_relied_on"] if r["attestation"] == "att-anode"]
    assert "records no component anode_electrode" in refused["why"]


def test_a_range_no_covered_interest_runs_through_is_not_named_to_narrow(tmp_path):
    """Run: the government of China holds 10-30 % of Mid Co and a private holding company (no covered interest in
    it) 20-60 %: the verdict (exit 4, right) told the user to narrow both bands, though under the government
    readings only the government's band can move its interest. Only bands the holder group's interest can run
    through are named."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "d.yaml").write_text("""
entities:
  - {id: gov-cn, name: Government of China, type: government, country: CN}
  - {id: top, name: Top Holdco, type: company, incorporated_in: KR, headquartered_in: KR}
  - {id: mid, name: Mid Co, type: company, incorporated_in: KR, headquartered_in: KR}
holdings:
  - {holder: top, entity: mid, equity: {min: "20%", max: "60%"}, voting: 0, board_seats: 0}
  - {holder: gov-cn, entity: mid, equity: {min: "10%", max: "30%"}, voting: 0, board_seats: 0}
""", encoding="utf-8")
    result = check(data, "entity", "mid", ON, "--interpretation", "government")
    assert result.exit_code == 4, result.output
    assert "narrowing the share ranges above it (gov-cn -> mid (equity between 10.00% and 30.00%)) until" in result.output
    assert "top -> mid" not in result.output


GLEIF = Path(__file__).parent / "data" / "gleif"
CHILD, AGENCY = "5493000CHILDUSCOXX72", "5493000CNSTATEAGXX06"  # tests/data/gleif/lei.csv


def _rr(tmp_path: Path, child: str, parent: str) -> Path:
    rr = tmp_path / "rr.csv"
    rr.write_text('"Relationship.StartNode.NodeID","Relationship.EndNode.NodeID","Relationship.RelationshipType"\n'
                  f'"{child}","{parent}","IS_DIRECTLY_CONSOLIDATED_BY"\n', encoding="utf-8")
    return rr


def test_gleif_a_mistyped_lei_in_the_rr_file_is_named_as_mistyped(tmp_path):
    """Run: a relationship naming the agency's LEI with a wrong check digit was skipped as "not in the --lei file:
    add its LEI record" — a fix that cannot work. It now says the LEI's check digits fail."""
    result = RUNNER.invoke(app, ["import", "gleif", "--lei", str(GLEIF / "lei.csv"), "--rr",
                                 str(_rr(tmp_path, CHILD, AGENCY[:-1] + "7")), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert f"`{AGENCY[:-1]}7` is not an LEI (20 characters, ISO 17442 check digits)" in result.output


def test_gleif_a_consolidation_without_a_start_date_is_noted(tmp_path):
    """Run: an RR file without the Relationship.Period columns imported the consolidation as held on every date,
    in silence. It is imported (the parent consolidates the child), with a note that no start date was given."""
    result = RUNNER.invoke(app, ["import", "gleif", "--lei", str(GLEIF / "lei.csv"), "--rr",
                                 str(_rr(tmp_path, CHILD, AGENCY)), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "gives no RELATIONSHIP_PERIOD start date" in result.output


def test_bods_a_fraction_a_float_would_round_onto_25_percent_stays_open(tmp_path):
    """Run: `exact: 24.99999999999999999999` (under 25 %) was read by the JSON parser as the float 25.0 and the maker
    judged a FEOC (exit 1) — the rounding the YAML loader refuses. JSON fractions are read as written (decimals)
    and widened to 15 digits: cannot be determined (exit 4), never a confident yes."""
    src = state_body_holds(tmp_path, interest({"exact": 30}), interest({"exact": 0}, "votingRights"),
                           interest({"exact": 0}, "appointmentOfBoard"))
    src.write_text(src.read_text(encoding="utf-8").replace('"exact": 30', '"exact": 24.99999999999999999999'),
                   encoding="utf-8")
    result, out = imported(tmp_path, src)
    assert result.exit_code == 0, result.output
    assert holdings(out)[0]["equity"] == {"min": 0.249999999999999, "max": 0.25}
    assert check(out, "entity", "rec-kr").exit_code == 4


def test_bods_a_name_twice_in_one_object_is_refused(tmp_path):
    """Run: `"share": {"exact": 30, "exact": 10}` was read as 10 % (the JSON parser keeps the last): which the
    publisher meant is unknowable, so the file is refused at the line (exit 2)."""
    src = state_body_holds(tmp_path, interest({"exact": 30}))
    src.write_text(src.read_text(encoding="utf-8").replace('"exact": 30', '"exact": 30, "exact": 10'),
                   encoding="utf-8")
    result, _ = imported(tmp_path, src)
    assert result.exit_code == 2, result.output
    assert "register.jsonl:3:" in result.output and "the name `exact` appears twice in one object" in result.output


def test_one_bounded_read_serves_every_importer_with_its_own_fix(tmp_path):
    """Refactor (s19): `load.stdin.read_bounded` is the one bounded regular-file read of `import bods`, `import csv`
    and `import gleif`; a folder given as the file is refused unopened, each command naming its own fix."""
    from feoc.data.problems import InputError
    from feoc.load.stdin import read_bounded

    (tmp_path / "f.csv").write_bytes(b"a,b\n")
    assert read_bounded(tmp_path / "f.csv", "give a CSV file", "split it") == b"a,b\n"
    with pytest.raises(InputError) as caught:
        read_bounded(tmp_path, "give a CSV file", "split it")
    assert caught.value.problems[0].message == "not a regular file (a device, FIFO or folder)"
    for command, fix in ((["import", "bods", str(tmp_path)], "give BODS 0.4 statements"),
                         (["import", "csv", str(tmp_path)], "give a CSV file"),
                         (["import", "gleif", "--lei", str(tmp_path)], "give a CSV file")):
        result = RUNNER.invoke(app, [*command, "--out", str(tmp_path / "out")])
        assert result.exit_code == 2 and f"not a regular file (a device, FIFO or folder) — {fix}" in result.output


def test_a_vehicle_open_under_another_reading_never_reads_cannot_be_determined_reason_eligible(tmp_path):
    """Run: the holding company's attestation expired the day judged; under the look-through reading the cell maker is
    then open, under the default reading the vehicle is eligible. The text said "EV CANNOT BE DETERMINED" and on
    the next line "reason: eligible for 7,500 USD" — the default reading's reason, unnamed. It now names the
    reading it is under."""
    until = attestation("att-top", {"entity": "top"}) | {"until": ON}  # expires the day judged (exclusive)
    result = check(attested_world(tmp_path, until), "vehicle", "ev")
    assert result.exit_code == 4, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("ev (EV) CANNOT BE DETERMINED")
    assert lines[1].startswith("reason under government (another reading cannot be determined; see missing): eligible")
    assert "expired: valid until 2025-06-01 (exclusive), not on 2025-06-01" in result.output
