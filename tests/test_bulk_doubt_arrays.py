"""Issue 17 (time): the bulk path's doubt passed down the chain finds its `upstream_doubt` subjects on masks over the
entity indexes (`bulk_doubt.possible`), not on sets of up to a million ids. Issue 14's rule ("a gap in the data is
never a pass": an entity a FEOC or undecided in the worst case the data allow, and not in the real one, cannot be
determined) is decided by `doubt.doubt_facts` on the per-fact path; these tests hold the array function's subjects
equal to `doubt_facts`' on the very same real run and worst case, reading by reading, on the seeds and on generated
worlds (exact shares, a compact Parquet load, share ranges, attestations)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from feoc.data.dataset import Dataset
from feoc.determine import bulk, bulk_doubt
from feoc.determine.bulk import BulkReadings, _Bulk
from feoc.determine.bulk_attest import trusted
from feoc.determine.doubt import doubt_facts, more_scoped
from feoc.law.law import Law
from feoc.load.folder import load_dataset

RULES = Law.load()
ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2024, 6, 1)


def by_sets(readings: BulkReadings, run: _Bulk, reading: str) -> list[int]:
    """The subjects of `doubt.doubt_facts` for `run`, with the worst case judged as the bulk path judges it (the
    set-based code the array function replaced), as entity indexes in the facts' order."""
    never = trusted(run)

    def worst(data: Dataset, assumed: frozenset[str]) -> set[str]:
        assert readings.worst is not None  # made by the array function, which asks whenever doubt_facts does
        result = readings.worst.determine(reading, assumed, never)
        mask = result.feoc if result.undetermined is None else result.feoc | result.undetermined
        return {result.ids[i] for i in np.flatnonzero(mask).tolist()} | more_scoped(result.scoped, run.scoped)

    ids = run.ids
    feoc = {ids[i] for i in np.flatnonzero(run.feoc).tolist()}
    undecided = {ids[i] for i in np.flatnonzero(run.undetermined & ~run.feoc).tolist()}
    assert readings.worst_case is not None
    facts = doubt_facts(readings.dataset, readings.day, readings.worst_case, feoc, undecided, worst)
    return [run.index[f["subject"]] for f in facts]


def compared(monkeypatch: pytest.MonkeyPatch, dataset: Dataset, days: tuple[dt.date, ...]) -> list[int]:
    """Screen `dataset` on `days` under every reading, each reading's doubt block checked against `by_sets` on the
    state it was made from; returns the number of subjects of each comparison."""
    sizes: list[int] = []
    made = bulk_doubt.doubt_block

    def checked(readings: BulkReadings, run: _Bulk, reading: str) -> list[Any]:
        blocks = made(readings, run, reading)
        got = blocks[0].subjects.tolist() if blocks else []
        assert got == by_sets(readings, run, reading), reading
        if blocks:  # the block's fields are those of the per-fact path's facts, the texts empty
            columns = blocks[0].columns
            assert [columns("subject").values[c] for c in columns("subject").codes] == [run.ids[i] for i in got]
            assert all(columns(f).values == (v,) for f, v in
                       [("kind", "upstream_doubt"), ("possible", True), ("undecided", ""), ("gaps", "")])
        sizes.append(len(got))
        return blocks
    monkeypatch.setattr(bulk_doubt, "doubt_block", checked)
    for day in days:
        readings = BulkReadings(dataset, day, RULES)
        for reading in RULES.reading_names():
            readings.determine(reading)
    return sizes


@pytest.mark.parametrize("folder", ["seeds", "seeds with gaps closed by attestations"])
def test_issue_14_the_seeds_doubt_is_the_same_on_masks_as_on_sets(monkeypatch, folder):
    """The seeds (user story: screening the shipped example companies) on both sides of the statute's and the
    entity prongs' dates; and with two parents' jurisdictions unrecorded, their own attestations relied on."""
    from test_screen_attestations import seeds_with_attestations  # pytest puts tests/ on sys.path (rootdir-relative)

    dataset = load_dataset(ROOT / "seeds", RULES) if folder == "seeds" else \
        seeds_with_attestations(gaps=("sk-innovation", "envision-group"))
    sizes = compared(monkeypatch, dataset, (dt.date(2021, 11, 14), dt.date(2023, 12, 31), DAY, dt.date(2025, 3, 1)))
    assert len(sizes) == 4 * len(RULES.reading_names())
    assert folder == "seeds" or sum(sizes) > 0  # the seeds pass no doubt down; the parents left open do


@pytest.mark.parametrize("seed", [5, 6])
def test_issue_14_a_generated_worlds_doubt_is_the_same_on_masks_as_on_sets(monkeypatch, seed):
    """test_differential's world (shares at the 25 % edge, agreements, listings, undecided entities): a doubt found,
    reading by reading."""
    from test_differential import synthetic_world

    sizes = compared(monkeypatch, synthetic_world(2_000, seed=seed), (DAY,))
    assert sum(sizes) > 0  # not an empty comparison


def test_issue_14_a_compact_parquet_worlds_doubt_is_the_same_on_masks_as_on_sets(monkeypatch, parquet_world_2000):
    """bench/gen_world.py's world loaded compact (the worst case on the holdings' columns, `worst_columns`): the
    unrecorded voting rights and board seats filled pass doubt down."""
    sizes = compared(monkeypatch, load_dataset(parquet_world_2000, RULES, compact=True), (DAY, dt.date(2025, 6, 1)))
    assert sum(sizes) > 0


@pytest.mark.parametrize("kind", ["ranges", "attestations"])
def test_issue_20_ranges_and_attestations_doubt_is_the_same_on_masks_as_on_sets(monkeypatch, kind):
    """Share ranges (the worst case at their maxima, record by record) and attestations (an entity relied on never a
    FEOC in the worst case, 26 CFR 1.30D-6(b))."""
    from test_ranges_screen import ranged_world
    from test_screen_attestations import attested_world

    world = ranged_world(600, 2) if kind == "ranges" else attested_world(600, 3, ranged=True)
    sizes = compared(monkeypatch, world, (DAY,))
    assert sum(sizes) > 0


def test_issue_14_a_licence_scoped_by_an_undecided_licensor_is_the_same_on_masks_as_on_sets(monkeypatch):
    """tests/test_doubt_review.py's licence for cell manufacturing only, from a company whose jurisdiction is not
    recorded: the licensee is a FEOC in more activities in the worst case (`doubt.more_scoped`), so it is open."""
    from feoc.rulecases import inline_dataset

    world = inline_dataset({
        "entities": [{"id": "nojur", "name": "NOJUR", "type": "company"},
                     {"id": "us-maker", "name": "US-MAKER", "type": "company", "incorporated_in": "US",
                      "headquartered_in": "US"}],
        "agreements": [{"id": "lic", "kind": "license", "licensor": "nojur", "licensee": "us-maker",
                        "rights": ["production_quantity_or_timing"], "activities": ["battery_cell_manufacturing"]}]},
        "test", RULES)
    assert compared(monkeypatch, world, (DAY,)) == [1] * len(RULES.reading_names())


def test_issue_17_the_worst_case_reads_the_real_holdings_in_force_again(parquet_world_2000):
    """The worst case of a compact load fills shares only: it reads the real case's holdings in force (positions,
    holder and entity indexes) instead of looking every holder and entity up again, and builds the very same stake
    graphs; a worst case whose holdings are records (the columns dropped), or another date, reads its own."""
    from feoc.data.model import MEASURES
    from feoc.determine.bulk_doubt import worst_columns
    from feoc.determine.bulk_graphs import in_force, stake_graphs
    from feoc.determine.doubt import FLOOR, worst_case

    dataset = load_dataset(parquet_world_2000, RULES, compact=True)
    readings = BulkReadings(dataset, DAY, RULES)
    base = readings.run(None, frozenset())  # the real case's graphs only (no doubt pass)
    real = base.in_force
    assert real is not None and len(real.keep) > 1000
    floor = float(RULES.param(FLOOR, DAY) or 0.0)
    found = worst_columns(dataset, floor)
    assert found is not None and len(found[1])  # the generated world has holdings filled in the worst case
    worst = found[0]
    assert in_force(worst, base.index, DAY, real) is real
    for other, day in [(worst_case(dataset, floor)[0], DAY), (worst, dt.date(2025, 6, 1))]:
        own, fresh = in_force(other, base.index, day, real), in_force(other, base.index, day)
        assert own is not real and all(np.array_equal(getattr(own, f), getattr(fresh, f)) for f in ("keep", "holder", "target"))
    like = (dataset, base.graphs)
    shared = stake_graphs(worst, base.index, base.rank, DAY, like, real)[0]
    alone = stake_graphs(worst, base.index, base.rank, DAY)[0]
    for m in MEASURES:
        assert all(np.array_equal(getattr(shared[m], f), getattr(alone[m], f)) for f in ("holder", "target", "share"))


def _outcome(res: Any) -> tuple[Any, ...]:
    return (res.feoc.tolist(), {k: v.tolist() for k, v in res.fired.items()}, res.scoped, res.rounds,
            None if res.undetermined is None else res.undetermined.tolist(),
            {k: v.tolist() for k, v in (res.undetermined_rules or {}).items()})


@pytest.mark.parametrize("world", ["differential", "parquet"])
def test_issue_17_a_group_traced_from_the_same_sources_is_not_traced_again(monkeypatch, world, parquet_world_2000):
    """A chaining round does not trace again a holder group whose sources the round before traced (a nation's
    government bodies, every round after the first; the real case and the worst case of the doubt alike): every
    reading decides exactly as when every group is traced every round (the status, the rules fired, the licences'
    scopes, the rounds, the entities left open and why), with fewer interest blocks."""
    from test_differential import synthetic_world

    dataset = synthetic_world(2_000, seed=5) if world == "differential" else \
        load_dataset(parquet_world_2000, RULES, compact=True)
    made: list[int] = []
    block = bulk._Bulk._interest_block

    def counted(self: Any, *args: Any) -> Any:
        made[-1] += 1
        return block(self, *args)
    monkeypatch.setattr(bulk._Bulk, "_interest_block", counted)
    outcomes = []
    for again in (False, True):
        if again:
            monkeypatch.setattr(bulk._Bulk, "_traced", lambda self, *args: False)
        made.append(0)
        readings = BulkReadings(dataset, DAY, RULES)
        outcomes.append({n: _outcome(readings.determine(n)) for n in RULES.reading_names()})
    assert outcomes[0] == outcomes[1]
    assert made[0] < made[1]
    # not an empty comparison: the worst case of the doubt left entities open
    assert any(any(o[5].get("feoc-undetermined-upstream", ())) for o in outcomes[0].values())
