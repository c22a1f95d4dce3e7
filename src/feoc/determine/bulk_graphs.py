"""The bulk path's stake graphs (`determine/bulk.py`): each measure's stakes in force on the date, as arrays read
straight from the holdings' columns, and the holdings in force that record some measures but not all.

Issue 17, memory: no list per field of the holdings in force is made; entity indexes are int32; the worst case of
`determine.doubt` (`_Bulk.with_holdings`) shares the real case's graph of every measure whose columns it did not
change (the very same column objects: `bulk_doubt.worst_columns` replaces only the measures it fills).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from feoc.data.dataset import Dataset
from feoc.data.model import MEASURES
from feoc.determine.bulk_unrecorded import PartStakes
from feoc.ownership.arrays import StakeGraph

_PLACES = ("holder", "entity", "start", "end")  # the columns besides the shares that decide a graph

Like = tuple[Dataset, dict[str, StakeGraph]]  # the real case's dataset and its graphs


def stake_graphs(dataset: Dataset, index: dict[str, int], rank: np.ndarray, day: dt.date,
                 like: Like | None = None) -> tuple[dict[str, StakeGraph], PartStakes]:
    """Each measure's stakes in force on `day` (`from` inclusive, `until` exclusive) over the entity indexes of
    `index` (`rank`: each index's position in id order), and the holdings with some measures unrecorded
    (`determine.unrecorded`). `like`: a graph whose columns are those of `like`'s dataset is taken from it."""
    col = dataset.column
    n = len(rank)
    keep = _in_force(col("holdings", "start"), col("holdings", "end"), day)
    at = index.__getitem__
    rows = len(col("holdings", "holder"))
    holder, target = (np.fromiter(map(at, col("holdings", f)), dtype=np.int32, count=rows)[keep]
                      for f in ("holder", "entity"))
    same = like is not None and all(col("holdings", f) is like[0].column("holdings", f) for f in _PLACES)
    graphs: dict[str, StakeGraph] = {}
    every = np.empty((len(keep), len(MEASURES)))
    for mi, m in enumerate(MEASURES):
        shares = every[:, mi] = np.asarray(col("holdings", m), dtype=np.float64)[keep]  # None (no stake): NaN
        if same and like is not None and m in like[1] and col("holdings", m) is like[0].column("holdings", m):
            graphs[m] = like[1][m]  # read-only once built (its cycle cache is keyed by its inputs)
            continue
        has = ~np.isnan(shares)
        graphs[m] = StakeGraph(n, holder[has], target[has], shares[has], rank)
    part = PartStakes.of(holder, target, every, [col("holdings", f) for f in ("holder", "entity", *MEASURES)], keep)
    return graphs, part


def _in_force(starts: Sequence[dt.date | None], ends: Sequence[dt.date | None], day: dt.date) -> np.ndarray:
    """The positions of the holdings in force on `day` (`Dated.in_force`: `from` inclusive, `until` exclusive)."""
    return np.fromiter((i for i, (a, b) in enumerate(zip(starts, ends)) if (a is None or a <= day) and (b is None or day < b)),
                       dtype=np.int64)
