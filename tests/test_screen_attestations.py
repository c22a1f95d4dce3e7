"""Issue 20, item 4 on the bulk path: `feoc screen` judges supplier attestations as `feoc check` does.

26 CFR 1.30D-6(b): "Reasonable reliance on a supplier attestation or certification will be considered due
diligence if the qualified manufacturer ... does not know or have reason to know that such supplier attestation or
certification is incorrect." The bulk path (`determine.bulk_attest`) settles the entities a valid attestation
decides before the doubt passed down and after it, and its worst case never takes an attested entity for a FEOC,
in the order `determine.regime30d` runs them; the differential tests below hold every entity's status and the
attestations its row shows equal to `feoc check entity` on the seeds and on generated worlds, under every reading.
The table gains `relies_on` / `not_relied_on` only when the dataset records an attestation.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from feoc.cli import app
from feoc.data.dataset import Dataset
from feoc.data.model import Attestation
from feoc.determine.regime30d import determine
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.verdicts.screen import COLUMNS, bulk_screen, screen
from feoc.verdicts.screen_attested import ATTESTATION_COLUMNS
from feoc.verdicts.subject import entity_verdict

RULES = Law.load()
ROOT = Path(__file__).resolve().parents[1]
READINGS = RULES.reading_names()
RUNNER = CliRunner()
ON = "2026-06-01"


def attest(ident: str, about: str, *, by: str | None = None, signed: dt.date = dt.date(2024, 1, 1),
           until: dt.date | None = None) -> Attestation:
    return Attestation.model_validate({"id": ident, "by": by or about, "about": {"entity": about}, "claim": "no_feoc",
                                       "signed": signed, "document": f"{ident}.pdf",
                                       **({"until": until} if until else {})})


def _ids(entries: list[dict[str, Any]], name: str | None = None) -> str:
    """The attestation ids of a verdict's `relies_on` / `not_relied_on` (those judged under `name`, if given), as
    the screen's column gives them."""
    return ";".join(sorted({e["attestation"] for e in entries if name is None or name in e["readings"]}))


def assert_screen_is_check(world: Dataset, day: dt.date) -> list[Any]:
    """The bulk screen of `world` on `day` (every reading, and each reading alone) gives every entity the status,
    `relies_on` and `not_relied_on` of `feoc check entity`; returns the verdicts."""
    dets = {name: determine(world, day, RULES, name, "durable-rules", "entities") for name in READINGS}
    table = bulk_screen(world, day, RULES)
    ids = table.columns["entity"]
    verdicts = [entity_verdict(world, eid, day, RULES, determinations=dets) for eid in ids]
    assert table.names == COLUMNS + [c for c in table.names if c.endswith("_max")] + ATTESTATION_COLUMNS
    assert list(table.columns["status"]) == [v.status for v in verdicts]
    assert table.columns["relies_on"] == [_ids(v.relies_on) for v in verdicts]
    assert table.columns["not_relied_on"] == [_ids(v.not_relied_on) for v in verdicts]
    for name in READINGS:
        alone = bulk_screen(world, day, RULES, name)
        assert list(alone.columns["status"]) == [v.readings[name] for v in verdicts], name
        assert alone.columns["relies_on"] == [_ids(v.relies_on, name) for v in verdicts], name
        assert alone.columns["not_relied_on"] == [_ids(v.not_relied_on, name) for v in verdicts], name
    return verdicts


# --- (a) the seeds plus attestations --------------------------------------------------------------------------------

VARIANTS = [  # (signed, until): valid; expired before the date; signed after it; valid, signed by another entity
    (dt.date(2024, 1, 1), None), (dt.date(2023, 1, 1), dt.date(2024, 3, 1)), (dt.date(2030, 1, 1), None),
    (dt.date(2024, 1, 1), dt.date(2031, 1, 1)),
]


def seeds_with_attestations(gaps: tuple[str, ...] = ()) -> Dataset:
    """The seeds, every entity attested once (the variants in turn), and the entities `gaps` with their
    jurisdiction unrecorded (a gap an attestation can close, passed down to what they hold)."""
    seeds = load_dataset(ROOT / "seeds", RULES)
    entities = tuple(e.model_copy(update={"incorporated_in": None, "headquartered_in": None}) if e.id in gaps else e
                     for e in seeds.entities)
    ids = sorted(e.id for e in entities)
    atts = [attest(f"att-{i}", eid, signed=VARIANTS[i % 4][0], until=VARIANTS[i % 4][1],
                   by=ids[(i + 1) % len(ids)] if i % 4 == 3 else None) for i, eid in enumerate(ids)]
    return dataclasses.replace(seeds, entities=entities, attestations=tuple(atts))


@pytest.mark.parametrize("day", [dt.date(2024, 6, 1), dt.date(2025, 1, 1), dt.date(2026, 6, 1)])
def test_the_seeds_with_attestations_screen_as_check_decides_every_entity(day):
    """Differential on the seeds: every seed entity attested (valid, expired, signed late, signed by another entity):
    the screen's status, `relies_on` and `not_relied_on` are `feoc check entity`'s, entity by entity, every reading."""
    verdicts = assert_screen_is_check(seeds_with_attestations(), day)
    assert any(v.relies_on for v in verdicts)  # not an empty comparison: some seed entity is decided on one
    why = [e["why"] for v in verdicts for e in v.not_relied_on]
    assert any("reason to know" in w for w in why) and any("expired" in w for w in why)
    assert any("after the date judged" in w for w in why)


def test_the_seeds_with_gaps_closed_by_attestations_screen_as_check():
    """Differential on the seeds with two parents' jurisdictions unrecorded (their subsidiaries open by the doubt
    passed down): the parents' own valid attestations decide them, and the screen follows check below them too."""
    world = seeds_with_attestations(gaps=("sk-innovation", "envision-group"))
    verdicts = assert_screen_is_check(world, dt.date(2026, 6, 1))
    decided_below = [v for v in verdicts if v.relies_on and all(e["about"]["entity"] != v.subject for e in v.relies_on)]
    assert decided_below  # an entity whose verdict rests on an attestation about an entity above it


# --- (b) generated worlds with attestations -------------------------------------------------------------------------

DAY = dt.date(2025, 1, 1)


def attested_world(n: int, seed: int, ranged: bool = False) -> Dataset:
    """test_differential's world (with share ranges: test_ranges_screen's), some entities' jurisdiction unrecorded
    (mostly holders, so the doubt passes down), and attestations: about most of those gaps (relied on), about
    entities the data show FEOCs (contradicted), expired, signed after the date, and about holders higher up."""
    from test_differential import synthetic_world
    from test_ranges_screen import ranged_world

    world = ranged_world(n, seed) if ranged else synthetic_world(n, seed)
    rng = random.Random(seed)
    holders = sorted({h.holder for h in world.holdings if h.holder.startswith("e")})
    gaps = set(rng.sample(holders, max(3, len(holders) // 12))) | {f"e{rng.randrange(n)}" for _ in range(n // 50)}
    entities = tuple(e.model_copy(update={"incorporated_in": None, "headquartered_in": None}) if e.id in gaps else e
                     for e in world.entities)
    about = sorted(gaps)[: int(len(gaps) * 0.8)] + rng.sample(holders, len(holders) // 10) + \
        [f"e{rng.randrange(n)}" for _ in range(n // 20)]
    atts = []
    for i, eid in enumerate(about):
        roll = rng.random()
        signed, until = (dt.date(2024, 1, 1), None)
        if roll < 0.12:
            signed, until = dt.date(2023, 1, 1), dt.date(2024, 12, 31)  # expired the day before
        elif roll < 0.24:
            signed = dt.date(2025, 1, 2)  # signed the day after
        elif roll < 0.3:
            until = DAY  # `until` is exclusive: expired on the date itself
        by = eid if rng.random() < 0.7 else entities[rng.randrange(len(entities))].id
        atts.append(attest(f"a{i}", eid, by=by, signed=signed, until=until))
    return dataclasses.replace(world, entities=entities, attestations=tuple(atts))


@pytest.mark.parametrize(("seed", "ranged"), [(1, False), (2, False), (3, True)])
def test_screen_equals_check_on_every_entity_of_a_generated_world_with_attestations(seed, ranged):
    """Differential (issue 20): a generated world with gaps and attestations (relied on, contradicted by the data,
    expired, signed late, about entities above others), with share ranges in one: each entity's status (agreed,
    and under each reading alone) and the attestations its row names are `feoc check entity`'s; some attestations are
    signed by an entity the data show a FEOC (not relied on, issue 20: a FEOC's word is no basis for reliance)."""
    verdicts = assert_screen_is_check(attested_world(300, seed, ranged), DAY)
    relied = [v for v in verdicts if v.relies_on]
    assert relied and any(v.status == "not_feoc" for v in relied)
    why = " ".join(e["why"] for v in verdicts for e in v.not_relied_on)
    assert "reason to know" in why and "expired" in why and "after the date judged" in why
    assert "which the data show is a foreign entity of concern" in why  # a FEOC signer: its word not relied on
    passed_down = [v for v in verdicts if any(e["about"]["entity"] != v.subject for e in v.relies_on)]
    assert passed_down  # an attestation about an entity above decides, or is listed for, one below


@pytest.mark.parametrize("reading", READINGS)
def test_the_bulk_table_with_attestations_equals_the_durable_rules_one(reading):
    """The whole table (status, rules, interests, the attestation columns) by the bulk path equals the one built
    from the durable-rules determination, under each reading."""
    world = attested_world(300, 5)
    fast = bulk_screen(world, DAY, RULES, reading)
    assert fast == screen(world, DAY, RULES, reading, "durable-rules")


# --- (c) through the CLI and the server -----------------------------------------------------------------------------

def cli_world() -> dict:
    """A supplier whose jurisdiction is not recorded, wholly owning a Korean subsidiary; a Chinese state-owned
    maker; a U.S. manufacturer. The supplier attests (relied on); the Chinese maker attests (contradicted by the
    data); the manufacturer's attestation was signed after the date (not needed, and not there to rely on)."""
    def a(ident: str, about: str, signed: str = "2026-01-01") -> dict:
        return {"id": ident, "by": about, "about": {"entity": about}, "claim": "no_feoc", "signed": signed,
                "document": f"{ident}.pdf"}
    return {
        "entities": [
            {"id": "supplier", "name": "Supplier Ltd", "type": "company"},
            {"id": "kr-sub", "name": "KR Sub", "type": "company", "incorporated_in": "KR", "headquartered_in": "KR"},
            {"id": "cn-maker", "name": "CN Maker", "type": "company", "incorporated_in": "CN", "headquartered_in": "CN"},
            {"id": "maker", "name": "Maker Inc", "type": "company", "incorporated_in": "US", "headquartered_in": "US"},
        ],
        "holdings": [{"holder": "supplier", "entity": "kr-sub", "equity": 1.0, "voting": 1.0, "board_seats": 1.0}],
        "attestations": [a("att-supplier", "supplier"), a("att-cn", "cn-maker"), a("att-late", "maker", "2026-07-01")],
    }


def _folder(tmp_path: Path, data: dict) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    (folder / "world.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def test_screen_csv_shows_the_attestation_relied_on_and_the_refused_ones(tmp_path):
    """Story: a buyer screens its suppliers; the supplier's gap is closed by its attestation (not_feoc, `relies_on`,
    and its subsidiary decided too), the Chinese maker's attestation is not relied on (the data show it a FEOC), the
    late one is not either; `feoc check` agrees on each (exit 0 / 1)."""
    folder = _folder(tmp_path, cli_world())
    result = RUNNER.invoke(app, ["screen", "--data", str(folder), "--on", ON])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ",".join(COLUMNS + ATTESTATION_COLUMNS)
    rows = {r["entity"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert "supplier,Supplier Ltd,company,not_feoc,False,,0.0,0.0,0.0,,att-supplier," in lines
    assert "kr-sub,KR Sub,company,not_feoc,False,,0.0,0.0,0.0,,att-supplier," in lines
    assert rows["cn-maker"]["status"] == "feoc" and rows["cn-maker"]["not_relied_on"] == "att-cn"
    assert (rows["maker"]["status"], rows["maker"]["relies_on"], rows["maker"]["not_relied_on"]) == \
        ("not_feoc", "", "att-late")
    for entity, code in (("supplier", 0), ("kr-sub", 0), ("cn-maker", 1), ("maker", 0)):
        check = RUNNER.invoke(app, ["check", "entity", entity, "--data", str(folder), "--on", ON, "--format", "json"])
        assert check.exit_code == code, check.output
        body = json.loads(check.output)
        assert _ids(body["relies_on"]) == rows[entity]["relies_on"]
        assert _ids(body["not_relied_on"]) == rows[entity]["not_relied_on"]


def test_screen_without_the_attestation_leaves_the_gap_open_and_keeps_its_columns(tmp_path):
    """Story: the same dataset without attestations: the supplier and its subsidiary cannot be determined, and the
    table has exactly the columns it always had (exact data without attestations keep their bytes)."""
    data = cli_world()
    del data["attestations"]
    result = RUNNER.invoke(app, ["screen", "--data", str(_folder(tmp_path, data)), "--on", ON])
    assert result.exit_code == 0, result.output
    rows = {r["entity"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert result.output.splitlines()[0] == ",".join(COLUMNS)
    assert rows["supplier"]["status"] == rows["kr-sub"]["status"] == "cannot_be_determined"


@pytest.mark.parametrize("fmt", ["json", "md"])
def test_screen_shows_the_attestations_in_json_and_markdown(tmp_path, fmt):
    """Story: the same screen as JSON (`relies_on` / `not_relied_on` on each entity) or Markdown (two columns)."""
    result = RUNNER.invoke(app, ["screen", "--data", str(_folder(tmp_path, cli_world())), "--on", ON, "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        rows = {r["entity"]: r for r in json.loads(result.output)["entities"]}
        assert (rows["supplier"]["relies_on"], rows["supplier"]["not_relied_on"]) == ("att-supplier", "")
        assert rows["cn-maker"]["not_relied_on"] == "att-cn"
    else:
        assert "| relies on | not relied on |" in result.output
        row = next(line for line in result.output.splitlines() if line.startswith("| `supplier`"))
        assert row.endswith("| `att-supplier` | — |"), row


def test_serve_screen_is_the_bytes_of_the_cli_with_attestations(tmp_path):
    """/v1/screen on a dataset with attestations streams the bytes `feoc screen` prints (csv and json)."""
    from fastapi.testclient import TestClient

    from feoc.serve.app import create_app
    from feoc.serve.state import ServeState

    folder = _folder(tmp_path, cli_world())
    client = TestClient(create_app(ServeState(folder)))
    for fmt in ("csv", "json"):
        expected = RUNNER.invoke(app, ["screen", "--data", str(folder), "--on", ON, "--format", fmt])
        assert expected.exit_code == 0
        got = client.get(f"/v1/screen?on={ON}&format={fmt}")
        assert got.status_code == 200 and got.content == expected.stdout_bytes
        assert b"att-supplier" in got.content


def test_screen_an_attested_middle_entity_stops_the_doubt_below_it(tmp_path):
    """Story (test_attestations' middle entity, screened): the parent stays undecided, its subsidiary attests and
    licenses a plant company with a control right; the subsidiary is decided on its attestation and, in the worst
    case, is never taken for a FEOC, so the plant company's doubt (only from that licensor) is gone too: the screen
    gives both not_feoc and `relies_on` att-1 under every reading, as `feoc check` does (exit 0)."""
    data = cli_world()
    data["attestations"] = [{"id": "att-1", "by": "kr-sub", "about": {"entity": "kr-sub"}, "claim": "no_feoc",
                             "signed": "2026-01-01", "document": "kr-sub-attestation.pdf"}]
    data["entities"].append({"id": "plant-co", "name": "Plant Co", "type": "company", "incorporated_in": "US",
                             "headquartered_in": "US"})
    data["agreements"] = [{"id": "lic-1", "kind": "license", "licensor": "kr-sub", "licensee": "plant-co",
                           "rights": ["exclusive_operation"]}]
    folder = _folder(tmp_path, data)
    result = RUNNER.invoke(app, ["screen", "--data", str(folder), "--on", ON])
    assert result.exit_code == 0, result.output
    rows = {r["entity"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert rows["supplier"]["status"] == "cannot_be_determined" and rows["supplier"]["relies_on"] == ""
    for subject in ("kr-sub", "plant-co"):
        assert (rows[subject]["status"], rows[subject]["relies_on"]) == ("not_feoc", "att-1"), subject
        check = RUNNER.invoke(app, ["check", "entity", subject, "--data", str(folder), "--on", ON])
        assert check.exit_code == 0, check.output


@pytest.mark.parametrize(("band", "status"), [({"min": "0%", "max": "6%"}, "cannot_be_determined"),
                                              ({"min": "0%", "max": "4%"}, "not_feoc")])
def test_screen_reads_a_ranged_stakes_maximum_against_the_unrecorded_measure_floor(tmp_path, band, status):
    """Found by the differential above (a generated world with ranges): a holding records its equity as a band and
    leaves votes and board seats out; its holder is 30 % held (equity) by a Chinese state body. `feoc check`
    compares the band's maximum with the 5 % floor of `unrecorded_measure_floor` (the votes could still pass the
    state body 25 %: rule feoc-undetermined-unrecorded-measure); the screen read the minimum and said not_feoc
    where check says cannot be determined. Both sides of the floor, under the government reading, through the CLI
    (the screen: exit 0; check: exit 4 / 0)."""
    from test_ranges_cli import state_body_world

    data = state_body_world(0.3, voting=0.1, board_seats=0.1)
    data["entities"].append({"id": "kr-sub", "name": "KR Sub", "type": "company", "incorporated_in": "KR",
                             "headquartered_in": "KR"})
    data["holdings"].append({"holder": "kr-maker", "entity": "kr-sub", "equity": band})
    folder = _folder(tmp_path, data)
    args = ["--data", str(folder), "--on", "2025-01-01", "--interpretation", "government"]
    result = RUNNER.invoke(app, ["screen", *args])
    assert result.exit_code == 0, result.output
    rows = {r["entity"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert rows["kr-sub"]["status"] == status
    assert ("feoc-undetermined-unrecorded-measure" in rows["kr-sub"]["rules"]) == (status != "not_feoc")
    check = RUNNER.invoke(app, ["check", "entity", "kr-sub", *args])
    assert check.exit_code == {"cannot_be_determined": 4, "not_feoc": 0}[status], check.output


def test_a_parquet_copy_with_attestations_screens_byte_for_byte_the_same(tmp_path):
    """Story: the dataset converted to Parquet (attestations.parquet) screens to the same CSV bytes as the YAML."""
    folder = _folder(tmp_path, cli_world())
    assert RUNNER.invoke(app, ["convert", str(folder), "--to", "parquet", "--out", str(tmp_path / "pq")]).exit_code == 0
    yaml_csv = RUNNER.invoke(app, ["screen", "--data", str(folder), "--on", ON])
    parquet_csv = RUNNER.invoke(app, ["screen", "--data", str(tmp_path / "pq"), "--on", ON])
    assert parquet_csv.exit_code == 0 and parquet_csv.stdout_bytes == yaml_csv.stdout_bytes
    assert b"att-supplier" in parquet_csv.stdout_bytes
