"""Issue 20 (h20-polish, item 2): the wording the hostile pass left open, each as the new user met it.

Every message names the place and the fix (common brief: "bad input → a clear message naming the file, the place
and the fix"); an import lists as *skipped* only what it left out, and says in a *note* what it did instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from feoc.cli import app
from test_hostile_issue20_s19 import CHILD, GLEIF, RUNNER, _statement

TWO = [{"id": "p", "name": "P", "type": "company", "incorporated_in": "KR", "headquartered_in": "KR"},
       {"id": "s", "name": "S", "type": "company", "incorporated_in": "KR", "headquartered_in": "KR"}]


def validate(tmp_path: Path, holding: dict) -> tuple[int, str]:
    folder = tmp_path / "data"
    folder.mkdir(parents=True)
    (folder / "world.yaml").write_text(yaml.safe_dump({"entities": TWO, "holdings": [holding]}, sort_keys=False),
                                       encoding="utf-8")
    result = RUNNER.invoke(app, ["validate", str(folder)])
    return result.exit_code, result.output


def test_an_empty_range_bound_names_the_bound_and_the_fix_not_a_python_type(tmp_path):
    """Run: `equity: {min: null}` said "a share must be a number or a percentage string, not a NoneType". It now
    names the empty bound and how to fix it (write a share, or leave the bound out)."""
    code, out = validate(tmp_path, {"holder": "p", "entity": "s", "equity": {"min": None}})
    assert code == 2, out
    assert "NoneType" not in out
    assert "world.yaml:" in out and "holdings[0] equity: `min` of the share range is empty (YAML `null`)" in out
    assert "leave `min` out (it is then 0)" in out


def test_an_empty_share_says_empty_not_nonetype(tmp_path):
    """The same for an exact share given as YAML null inside a range's `max`."""
    code, out = validate(tmp_path, {"holder": "p", "entity": "s", "voting": {"min": "20%", "max": None}})
    assert code == 2 and "`max` of the share range is empty" in out and "NoneType" not in out


def test_a_band_written_as_one_string_hints_at_the_range_syntax(tmp_path):
    """Run: `equity: "20%-30%"` said only "is not a share — write 0.25 or 25%", though a band is what the register
    gave. It now points at the range syntax with the user's own bounds."""
    code, out = validate(tmp_path, {"holder": "p", "entity": "s", "equity": "20%-30%"})
    assert code == 2, out
    assert "`20%-30%` is not a share but a band written as text" in out and "`{min: 20%, max: 30%}`" in out
    code, out = validate(tmp_path / "b", {"holder": "p", "entity": "s", "equity": "0.2 to 0.3"})
    assert code == 2 and "`{min: 0.2, max: 0.3}`" in out


def test_a_plain_bad_share_keeps_its_message(tmp_path):
    """A share that is no band (`abc`) is told to write a share, not a range."""
    code, out = validate(tmp_path, {"holder": "p", "entity": "s", "equity": "abc"})
    assert code == 2 and "`abc` is not a share" in out and "band" not in out


def test_bods_a_state_body_without_jurisdiction_is_noted_not_skipped(tmp_path):
    """Run: a BODS state body without a jurisdiction was imported as a company but listed under "skipped" (and
    counted as a skip). It is a note of what was done; nothing is listed as skipped."""
    body = {"isComponent": False, "entityType": {"type": "stateBody", "subtype": "stateAgency"}, "name": "SASAC"}
    src = tmp_path / "register.jsonl"
    src.write_text(json.dumps(_statement("rec-gov", "entity", body, 1)) + "\n", encoding="utf-8")
    result = RUNNER.invoke(app, ["import", "bods", str(src), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("note:") and "stateBody `SASAC` has no jurisdiction" in line
               and "imported as a company" in line for line in lines), result.output
    assert not any(line.startswith("skipped:") for line in lines), result.output
    entities = yaml.safe_load((tmp_path / "out" / "entities.yaml").read_text(encoding="utf-8"))["entities"]
    assert entities[0]["type"] == "company"


def test_gleif_a_consolidation_loop_is_one_clear_note(tmp_path):
    """Run: A consolidated by B and B by A (one row reversed in an extract) were imported in silence. One note now
    names the loop and its rows and says to check them; both holdings are imported as written."""
    mid = "5493000MIDHKHOLDXX97"
    rr = tmp_path / "rr.csv"
    rr.write_text('"Relationship.StartNode.NodeID","Relationship.EndNode.NodeID","Relationship.RelationshipType"\n'
                  f'"{CHILD}","{mid}","IS_DIRECTLY_CONSOLIDATED_BY"\n"{mid}","{CHILD}","IS_DIRECTLY_CONSOLIDATED_BY"\n',
                  encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["import", "gleif", "--lei", str(GLEIF / "lei.csv"), "--rr", str(rr), "--out", str(out)])
    assert result.exit_code == 0, result.output
    loops = [line for line in result.output.splitlines() if "forms a loop" in line]
    assert loops == [f"note: rr.csv:2: IS_DIRECTLY_CONSOLIDATED_BY forms a loop: {CHILD} → {mid} → {CHILD} (rows 2, 3): "
                     "each is consolidated by the next, which accounts cannot all be; imported as written (each a "
                     "majority of the next one's votes) — check those rows, one is likely reversed"]
    assert len(yaml.safe_load((out / "holdings.yaml").read_text(encoding="utf-8"))["holdings"]) == 2
    assert RUNNER.invoke(app, ["validate", str(out)]).exit_code == 0


def test_gleif_a_chain_without_a_loop_has_no_loop_note(tmp_path):
    """The other side: child by mid, mid by parent — no loop, no note."""
    result = RUNNER.invoke(app, ["import", "gleif", "--lei", str(GLEIF / "lei.csv"), "--rr", str(GLEIF / "rr.csv"),
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0 and "forms a loop" not in result.output


def test_validate_does_not_claim_it_wrote_nothing(tmp_path):
    """Run: `feoc validate` ended its problems with "nothing was written" — validate never writes, so the line read
    as if something might have been. It now says to fix each problem and run validate again (exit 2)."""
    code, out = validate(tmp_path, {"holder": "p", "entity": "s", "equity": "abc"})
    assert code == 2
    assert "nothing was written" not in out
    assert out.strip().splitlines()[-1] == "1 problem(s) found: fix each where it says, then run `feoc validate` again."


# --- item 3: a §45X verdict says why the operator's attestations were not used ------------------------------------

def _plant_world(*attestations: dict) -> dict:
    from test_attestations import world

    data = world(*attestations)
    data["entities"][1] = {"id": "kr-sub", "name": "KR Sub", "type": "company"}  # the operator's gap
    data["holdings"] = []
    data["facilities"][0].update({"country": "US", "id": "us-plant", "name": "US Plant"})
    return data


def test_a_45x_verdict_says_the_operators_attestation_is_not_read_there(tmp_path):
    """Story: the plant's operator attests it is not a FEOC (the §30D verdict relies on it); under --credit 45x the
    verdict says, in one note, that §45X reads the certifications on `material_inputs`, not attestations."""
    from test_attestations import attestation, run

    data = _plant_world(attestation({"entity": "kr-sub"}, by="kr-sub"),
                        attestation({"facility": "us-plant"}, ident="att-2", by="kr-sub"))
    result = run(tmp_path, data, "check", "facility", "us-plant", "--on", "2026-06-01", "--credit", "45x",
                 "--format", "json")
    notes = [n for n in json.loads(result.output)["notes"] if "not read for §45X" in n]
    assert notes == ["attestation(s) att-1, att-2 about the operator or this facility are not read for §45X: it reads "
                     "the certifications on `material_inputs` (IRS Notice 2026-15), not supplier attestations (26 CFR "
                     "1.30D-6(b), a §30D rule; `feoc check facility` without --credit 45x reads them)"]
    assert run(tmp_path, data, "check", "facility", "us-plant", "--on", "2026-06-01").exit_code == 0  # §30D: relied on


def test_a_45x_verdict_without_attestations_has_no_such_note(tmp_path):
    """The other side: no attestation about the operator or the plant, no note."""
    from test_attestations import run

    result = run(tmp_path, _plant_world(), "check", "facility", "us-plant", "--on", "2026-06-01", "--credit", "45x")
    assert "not read for §45X" not in result.output


# --- item 4: one helper builds the edges the doubt and the attestations follow -----------------------------------

def test_the_edges_on_a_day_are_holdings_and_agreements_in_force_then():
    """`Dataset.edges_on` (used by `determine.doubt._above`, `verdicts.screen_attested._below` and
    `verdicts.attested.above`): a holder over its entity and a licensor over its licensee, only on the days they are
    in force (`from` inclusive, `until` exclusive), so the doubt passed down and the attestations reached through it
    follow the very same edges."""
    import datetime as dt

    from feoc.data.dataset import Dataset
    from feoc.data.model import Agreement, Entity, Holding
    from feoc.determine.doubt import _above
    from feoc.verdicts.screen_attested import _below

    entities = tuple(Entity.model_validate({"id": i, "name": i, "type": "company"}) for i in ("a", "b", "c"))
    holding = Holding.model_validate({"holder": "a", "entity": "b", "equity": 0.3, "from": "2025-01-01",
                                      "until": "2026-01-01"})
    licence = Agreement.model_validate({"id": "l1", "kind": "license", "licensor": "c", "licensee": "b",
                                        "rights": ["exclusive_operation"]})
    data = Dataset(entities=entities, holdings=(holding,), agreements=(licence,))
    assert data.edges_on(dt.date(2025, 1, 1)) == [("a", "b"), ("c", "b")]
    assert data.edges_on(dt.date(2024, 12, 31)) == data.edges_on(dt.date(2026, 1, 1)) == [("c", "b")]
    assert _above(data, dt.date(2025, 6, 1)) == {"b": ["a", "c"]}
    assert _below(data, dt.date(2025, 6, 1)) == {"a": {"b"}, "c": {"b"}}
