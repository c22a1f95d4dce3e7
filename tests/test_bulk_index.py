"""Issue 17, memory: the bulk path finds an entity's index by its id without a dictionary of every entity
(`determine/bulk_index.py`), and builds a stake graph letting each step's input go (`ownership/arrays.py`,
`determine/bulk_graphs.py`). Each gives what the dictionary and the copies gave; the figures are in bench/README.md
("The bulk analysis's memory and time"), no test here weighs anything."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pytest

from feoc.determine.bulk import BulkReadings
from feoc.determine.bulk_index import _MANY, EntityIndex
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.ownership.arrays import StakeGraph

LAW = Law.load()
DAY = dt.date(2024, 6, 1)


def _index(n: int, seed: int = 17) -> tuple[list[str], EntityIndex]:
    rng = random.Random(seed)
    ids = [f"{rng.choice(['cn', 'ru', 'us'])}-entity-{i}" for i in range(n)]
    rng.shuffle(ids)  # dataset order is not id order
    order = np.argsort(np.array(ids, dtype=object), kind="stable").astype(np.int32)
    return ids, EntityIndex(ids, order)


def test_user_story_a_holding_names_its_holder_by_the_entities_own_id():
    """A compact load's holdings hold the entities' own id objects (load/shared_ids.py): each is found by the
    object it is, every one where the dictionary of every id found it, and no dictionary is made."""
    ids, index = _index(5000)
    rng = random.Random(1)
    column = [ids[rng.randrange(len(ids))] for _ in range(20000)]
    expected = {e: i for i, e in enumerate(ids)}
    got = index.of(column)
    assert got.dtype == np.int32 and got.tolist() == [expected[e] for e in column]
    assert index._texts is None


@pytest.mark.parametrize("count", [3, 3000 // _MANY + 1, 6000])
def test_user_story_ids_read_from_another_file_are_found_by_their_text(count: int):
    """A reference that is another object with the same text (a load that does not share the ids, a listing, an
    attestation): found by its text, a few one at a time, many through a dictionary; mixed with shared ones."""
    ids, index = _index(3000)
    rng = random.Random(count)
    picks = [rng.randrange(len(ids)) for _ in range(count)]
    copies = ["".join(list(ids[p])) for p in picks]  # equal strings, other objects
    assert all(c is not ids[p] for c, p in zip(copies, picks))
    mixed = [x for pair in zip(copies, (ids[p] for p in picks)) for x in pair]
    assert index.of(copies).tolist() == picks
    assert index.of(mixed).tolist() == [p for p in picks for _ in (0, 1)]
    assert [index[c] for c in copies[:50]] == picks[:50]


def test_user_story_a_few_licensors_are_found_each_by_a_binary_search(monkeypatch):
    """Issue 17, time: a few ids read from another file (a licence agreement's licensor and licensee) among many
    entities are each found by a binary search (`_FEW`), the answer the laid-out search and the dictionary give;
    an unknown one is refused."""
    from feoc.determine import bulk_index

    ids, index = _index(20000, seed=3)
    rng = random.Random(5)
    picks = [rng.randrange(len(ids)) for _ in range(4)]
    copies = ["".join(list(ids[p])) for p in picks]
    assert len(copies) * bulk_index._FEW <= len(ids)  # the binary-search branch
    assert index.of(copies).tolist() == picks
    assert index._texts is None
    with pytest.raises(KeyError):
        index.of([copies[0], "zz-no-such-entity"])
    monkeypatch.setattr(bulk_index, "_FEW", len(ids) + 1)  # every list goes the laid-out way
    assert EntityIndex(ids, index.order).of(copies).tolist() == picks


def test_user_story_an_id_that_is_no_entity_is_refused_not_guessed():
    """An unknown id raises KeyError (the dictionary's answer), as one lookup and in a column; `in` says no."""
    ids, index = _index(100)
    for probe in ("zz-not-there", "", "a", ids[0] + "x"):
        with pytest.raises(KeyError):
            index[probe]
        with pytest.raises(KeyError):
            index.of([ids[1], probe])
        assert probe not in index
    assert ids[5] in index and len(index) == 100
    empty = EntityIndex([], np.zeros(0, dtype=np.int32))
    assert empty.of([]).tolist() == [] and "x" not in empty
    with pytest.raises(KeyError):
        empty.of(["x"])


def test_user_story_an_unrecorded_share_is_no_stake_in_the_graph():
    """`bulk_graphs` hands the graph every holding in force, NaN where the measure is unrecorded: the graph is
    the one built from the recorded stakes only, edge for edge, and its interests the same floats."""
    rng = np.random.default_rng(17)
    n, e = 400, 1200
    holder, target = rng.integers(0, n, e), rng.integers(0, n, e)
    share = rng.choice([0.0, 0.1, 0.25, 0.5, 0.07], e)
    share[rng.random(e) < 0.3] = np.nan
    rank = rng.permutation(n).astype(np.int32)
    has = ~np.isnan(share)
    for reference in (False, True):
        with_nan = StakeGraph(n, holder.astype(np.int32), target.astype(np.int32), share, rank, reference=reference)
        recorded = StakeGraph(n, holder[has], target[has], share[has], rank, reference=reference)
        for name in ("holder", "target", "share", "lo", "hi", "depths"):
            assert np.array_equal(getattr(with_nan, name), getattr(recorded, name)), name
        assert with_nan.holder.dtype == np.int32 and with_nan.target.dtype == np.int32
        sources = rng.random(n) < 0.05
        assert with_nan.interests(sources, False, None).tolist() == recorded.interests(sources, False, None).tolist()


def test_user_story_a_compact_screen_makes_no_dictionary_of_its_entities(parquet_world_2000: Path):
    """The bulk path on a compact Parquet load, with its worst case: every holding's holder and entity found by
    the object, no dictionary of the entities made (neither the index's nor the load's by id)."""
    dataset = load_dataset(parquet_world_2000, LAW, compact=True)
    readings = BulkReadings(dataset, DAY, LAW)
    readings.determine()
    base = readings._base
    assert base is not None and isinstance(base.index, EntityIndex) and base.index._texts is None
    assert getattr(dataset.entities, "_positions", None) is None
    assert readings.worst is not None and readings.worst._base is not None
    assert readings.worst._base.index is base.index


def test_user_story_a_cycle_members_slot_is_found_without_an_array_over_every_entity():
    """The compiled kernel finds whether a holder is a member of the cross-holding it solves by its slot among the
    cycles' members (`kernel.Plan`): a search among the members, giving what the array over every entity gave
    (its position in `members`, -1 for an entity in no cycle)."""
    from feoc.ownership import kernel

    rng = np.random.default_rng(5)
    n, e = 300, 900
    graph = StakeGraph(n, rng.integers(0, n, e), rng.integers(0, n, e), rng.choice([0.1, 0.3, 0.5], e))
    plan = kernel.Plan.of(graph)
    assert len(plan.members) and len(plan.slot_keys) == len(plan.members) < n
    every = np.full(n, -1)
    every[plan.members] = np.arange(len(plan.members))
    slot = (plan.slot_keys, plan.slot_at)
    assert [int(kernel._slot_of(h, slot)) for h in range(n)] == every.tolist()
