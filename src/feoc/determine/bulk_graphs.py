"""The bulk path's stake graphs (`determine/bulk.py`): each measure's stakes in force on the date, as arrays read
straight from the holdings' columns, and the holdings in force that record some measures but not all.

Issue 17, memory: no list per field of the holdings in force is made; entity indexes are int32; the worst case of
`determine.doubt` (`_Bulk.with_holdings`) shares the real case's graph of every measure whose columns it did not
change (the very same column objects: `bulk_doubt.worst_columns` replaces only the measures it fills).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from feoc.data.dataset import Dataset
from feoc.data.model import MEASURES
from feoc.determine.bulk_unrecorded import PartStakes
from feoc.ownership.arrays import StakeGraph

_PLACES = ("holder", "entity", "start", "end")  # the columns besides the shares that decide a graph


class Graphs(dict[str, StakeGraph]):
    """Measure -> its stake graph, and `places`: the holdings in force (their positions, holders and entities as
    entity indexes), which the case built next `like` this one (the worst case of `determine.doubt`, or the ranges'
    maxima) reads rather than looks each holding up again when its holdings' columns are these (issue 17: a
    dictionary look-up per holding and field, half of the graphs' build at 1M). Read once, then dropped."""

    places: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


Like = tuple[Dataset, dict[str, StakeGraph]]  # the real case's dataset and its graphs


def stake_graphs(dataset: Dataset, index: dict[str, int], rank: np.ndarray, day: dt.date,
                 like: Like | None = None) -> tuple[Graphs, PartStakes]:
    """Each measure's stakes in force on `day` (`from` inclusive, `until` exclusive) over the entity indexes of
    `index` (`rank`: each index's position in id order), and the holdings with some measures unrecorded
    (`determine.unrecorded`). `like`: a graph whose columns are those of `like`'s dataset is taken from it."""
    col = dataset.column
    n = len(rank)
    same = like is not None and all(col("holdings", f) is like[0].column("holdings", f) for f in _PLACES)
    shared = getattr(like[1], "places", None) if same and like is not None else None
    if shared is not None and like is not None:
        like[1].places = None  # type: ignore[attr-defined]
    keep, holder, target = shared or _places(col, index, day)
    graphs = Graphs()
    graphs.places = keep, holder, target
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


def _places(col: Callable[[str, str], Sequence[Any]], index: dict[str, int],
            day: dt.date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The holdings in force on `day`: their positions, and their holders and entities as entity indexes."""
    keep = _in_force(col("holdings", "start"), col("holdings", "end"), day)
    at = index.__getitem__
    rows = len(col("holdings", "holder"))
    holder, target = (np.fromiter(map(at, col("holdings", f)), dtype=np.int32, count=rows)[keep]
                      for f in ("holder", "entity"))
    return keep, holder, target


def _in_force(starts: Sequence[dt.date | None], ends: Sequence[dt.date | None], day: dt.date) -> np.ndarray:
    """The positions of the holdings in force on `day` (`Dated.in_force`: `from` inclusive, `until` exclusive):
    each distinct date is compared once, then each holding's looked up (a few dates, many holdings)."""
    out = np.ones(len(starts), dtype=bool)
    not_yet: Callable[[dt.date], bool] = lambda d: day < d  # noqa: E731
    no_more: Callable[[dt.date], bool] = lambda d: not day < d  # noqa: E731
    for dates, outside in ((starts, not_yet), (ends, no_more)):
        closed = {d for d in set(dates) if d is not None and outside(d)}
        if closed:
            out &= ~np.fromiter(map(closed.__contains__, dates), dtype=bool, count=len(dates))
    return np.flatnonzero(out).astype(np.int32)
