"""Issue 17, memory (second pass): the stake graphs' in-edge index reads the graphs' own edges, the worst case of
the doubt pass shares the real graph of a measure it does not fill, and the rounding of a large array is done a
part at a time — each giving what the copies gave. The figures are in bench/README.md ("Issue 17: memory, second
pass"); no test here weighs anything, and the screens of the columns and of the records are compared by
tests/test_bulk_memory.py and tests/test_bulk.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import numpy as np

from feoc.data.model import MEASURES
from feoc.determine.bulk import BulkReadings
from feoc.determine.bulk_doubt import worst_columns
from feoc.determine.bulk_graphs import stake_graphs
from feoc.determine.doubt import FLOOR
from feoc.law.law import Law
from feoc.load.folder import load_dataset
from feoc.ownership.arrays import StakeGraph
from feoc.ownership.graph import Stake, in_edges
from feoc.ownership.rounding import CHUNK, py_round

ROOT = Path(__file__).resolve().parents[1]
LAW = Law.load()
DAY = dt.date(2024, 6, 1)



def test_user_story_the_in_edge_index_is_the_graphs_own_edges():
    """A random stake graph with cross-holdings: each entity's stakes read through the index are the reference's
    `in_edges` (holders by id), and the index keeps no copy of the edges (it reads the graph's arrays)."""
    rng = random.Random(17)
    n = 300
    stakes = [(rng.randrange(n), rng.randrange(n), rng.choice([0.0, 0.1, 0.25, 0.5, rng.random()])) for _ in range(700)]
    holder, target, share = (np.array(c) for c in zip(*stakes))
    graph = StakeGraph(n, holder, target, share.astype(np.float64))
    index = graph.in_edges()
    names = [f"e{i:04d}" for i in range(n)]  # ids in index order
    reference = in_edges(Stake(names[h], names[t], s) for h, t, s in stakes)
    for t in range(n):
        got = [(names[h], s) for h, s in index.get(t)]
        assert got == reference.get(names[t], []), t
    assert np.shares_memory(index.holder, graph.holder) and np.shares_memory(index.share, graph.share)


def test_user_story_rounding_a_part_at_a_time_is_pythons_round():
    """More than one part's elements, zeros, ties next to the sixth digit and plain floats: every element is what
    Python's round() gives it."""
    rng = np.random.default_rng(17)
    x = rng.random(CHUNK * 2 + 1234)
    x[::7] = 0.0
    x[5::11] = np.round(x[5::11], 6) + 5e-7  # next to a tie
    assert py_round(x, 6).tolist() == [round(v, 6) for v in x.tolist()]


def test_user_story_the_worst_case_shares_the_graphs_it_does_not_change(parquet_world_2000):
    """The doubt pass's worst case fills unrecorded measures: a measure whose column it did not fill is the real
    graph itself (no second copy); a filled one is its own graph, with the filled stakes."""
    dataset = load_dataset(parquet_world_2000, LAW, compact=True)
    readings = BulkReadings(dataset, DAY, LAW)
    readings.determine(None)
    base = readings._base
    assert base is not None
    same, _ = stake_graphs(dataset, base.index, base.rank, DAY, (dataset, base.graphs))
    assert all(same[m] is base.graphs[m] for m in MEASURES)
    found = worst_columns(dataset, float(LAW.param(FLOOR, DAY) or 0.0))
    assert found is not None
    worst = found[0]
    graphs, _ = stake_graphs(worst, base.index, base.rank, DAY, (dataset, base.graphs))
    filled = {m for m in MEASURES if worst.column("holdings", m) is not dataset.column("holdings", m)}
    assert filled  # the generated world has holdings with a measure unrecorded
    for m in MEASURES:
        assert (graphs[m] is base.graphs[m]) == (m not in filled)
        if m in filled:
            assert len(graphs[m].share) > len(base.graphs[m].share)
    one = sorted(filled)[0]  # a worst case that fills one measure only: the other two graphs are the real ones
    kept = dataset.columns["holdings"]
    partial = dataclasses.replace(dataset, columns={**dataset.columns, "holdings": {**kept, one: worst.column("holdings", one)}})
    graphs, _ = stake_graphs(partial, base.index, base.rank, DAY, (dataset, base.graphs))
    assert [m for m in MEASURES if graphs[m] is not base.graphs[m]] == [one]
    assert graphs[one].share.tolist() == stake_graphs(worst, base.index, base.rank, DAY)[0][one].share.tolist()
