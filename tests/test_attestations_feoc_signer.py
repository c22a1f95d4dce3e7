"""Issue 20 (h20-polish, item 1): a FEOC's word is no basis for reliance.

26 CFR 1.30D-6(b): reliance on a supplier attestation is due diligence if the manufacturer "does not know or have
reason to know that such supplier attestation or certification is incorrect". feoc's reading (UNCONFIRMED): an
attestation signed by an entity the data show a foreign entity of concern on the date judged is not relied on,
whatever it is about — an entity, a facility, a battery's parts — on `feoc check` and on `feoc screen` alike. Each
test is one user story, on both sides: the same attestation signed by an entity that is not a FEOC is relied on.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from test_attestations import ON, VEHICLE_ON, as_json, attestation, run, vehicle_world, world

CN_MAKER = {"id": "cn-maker", "name": "CN Maker", "type": "company", "incorporated_in": "CN", "headquartered_in": "CN"}
SIGNED_BY_FEOC = f"signed by cn-maker, which the data show is a foreign entity of concern on {ON}"


def with_cn_maker(data: dict) -> dict:
    data["entities"].append(dict(CN_MAKER))
    return data


@pytest.mark.parametrize(("by", "code"), [("cn-maker", 4), ("maker", 0)])
def test_an_entity_attestation_signed_by_a_feoc_is_not_relied_on(tmp_path, by, code):
    """Story: the supplier's gap (no jurisdiction recorded) is 'closed' by an attestation a Chinese company signed:
    not relied on (exit 4, the gap stays, the verdict says who signed and why); signed by the U.S. maker, relied on
    (exit 0)."""
    data = with_cn_maker(world(attestation({"entity": "supplier"}, by=by)))
    result = run(tmp_path, data, "check", "entity", "supplier", "--on", ON, "--format", "json")
    assert result.exit_code == code, result.output
    body = as_json(result)
    if by == "cn-maker":
        assert body["relies_on"] == [] and body["status"] == "cannot_be_determined"
        [refused] = body["not_relied_on"]
        assert refused["why"].startswith(SIGNED_BY_FEOC) and "UNCONFIRMED" in refused["why"]
    else:
        assert body["not_relied_on"] == [] and body["relies_on"][0]["by"] == "maker"
    text = run(tmp_path, data, "check", "entity", "supplier", "--on", ON)
    assert text.exit_code == code and (SIGNED_BY_FEOC in text.output) == (by == "cn-maker")


@pytest.mark.parametrize(("by", "status", "relied", "refused"),
                         [("cn-maker", "cannot_be_determined", "", "att-1"), ("maker", "not_feoc", "att-1", "")])
def test_the_screen_judges_the_signer_as_check_does(tmp_path, by, status, relied, refused):
    """Story: the same two datasets screened: the supplier and the subsidiary below it (reached by the doubt passed
    down) keep their gap when a FEOC signed, and are decided when the U.S. maker did; `feoc check` agrees (4 / 0)."""
    data = with_cn_maker(world(attestation({"entity": "supplier"}, by=by)))
    result = run(tmp_path, data, "screen", "--on", ON)
    assert result.exit_code == 0, result.output
    rows = {r["entity"]: r for r in csv.DictReader(io.StringIO(result.output))}
    for subject in ("supplier", "kr-sub"):
        assert (rows[subject]["status"], rows[subject]["relies_on"], rows[subject]["not_relied_on"]) == \
            (status, relied, refused), subject
        check = run(tmp_path, data, "check", "entity", subject, "--on", ON)
        assert check.exit_code == {"cannot_be_determined": 4, "not_feoc": 0}[status], check.output


@pytest.mark.parametrize(("owner", "code"), [("gov-cn", 4), (None, 0)])
def test_the_signer_decided_a_feoc_through_ownership(tmp_path, owner, code):
    """Story: the signer looks clean (incorporated in Korea) but the Chinese government holds it wholly: the rounds
    find it a FEOC, so its attestation about the supplier is not relied on (exit 4); without that holding, relied on
    (exit 0)."""
    data = world(attestation({"entity": "supplier"}, by="signer"))
    data["entities"] += [{"id": "signer", "name": "Signer", "type": "company", "incorporated_in": "KR",
                          "headquartered_in": "KR"},
                         {"id": "gov-cn", "name": "Government of China", "type": "government", "country": "CN"}]
    if owner:
        data["holdings"].append({"holder": owner, "entity": "signer", "equity": 1.0, "voting": 1.0,
                                 "board_seats": 1.0})
    result = run(tmp_path, data, "check", "entity", "supplier", "--on", ON, "--format", "json")
    assert result.exit_code == code, result.output
    assert bool(as_json(result)["relies_on"]) == (owner is None)


@pytest.mark.parametrize(("by", "code"), [("cn-maker", 4), ("kr-sub", 0)])
def test_a_facility_attestation_signed_by_a_feoc_is_not_relied_on(tmp_path, by, code):
    """Story: the plant's operator records no jurisdiction; the plant's attestation signed by a Chinese company is
    not relied on (exit 4, with why), the one signed by the operator is (exit 0)."""
    data = with_cn_maker(world(attestation({"facility": "kr-plant"}, by=by)))
    data["entities"][1] = {"id": "kr-sub", "name": "KR Sub", "type": "company"}
    data["holdings"] = []
    plant = run(tmp_path, data, "check", "facility", "kr-plant", "--on", ON, "--format", "json")
    assert plant.exit_code == code, plant.output
    why = " ".join(e["why"] for e in as_json(plant)["not_relied_on"])
    assert (SIGNED_BY_FEOC in why) == (by == "cn-maker")


@pytest.mark.parametrize(("by", "code"), [("cn-maker", 4), ("cell-op", None)])
def test_a_battery_attestation_signed_by_a_feoc_is_not_relied_on(tmp_path, by, code):
    """Story: the cell maker's status is open; a Chinese company attests the pack's cells are clean: not relied on,
    the vehicle stays *cannot be determined* (exit 4); the cell maker's own attestation decides the part."""
    data = vehicle_world(attestation({"battery": "pack"}, by=by, signed="2025-01-01"))
    data["entities"].append(dict(CN_MAKER))
    result = run(tmp_path, data, "check", "vehicle", "ev", "--on", VEHICLE_ON, "--format", "json")
    body = as_json(result)
    if code is not None:
        assert result.exit_code == code, result.output
        assert body["relies_on"] == []
        assert body["not_relied_on"][0]["why"].startswith(
            f"signed by cn-maker, which the data show is a foreign entity of concern on {VEHICLE_ON}")
    else:
        assert "cell-op" not in json.dumps(body["missing"]) and body["relies_on"][0]["by"] == "cell-op"
