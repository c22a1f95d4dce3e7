"""The bulk path's stake graphs (`determine/bulk.py`): each measure's stakes in force on the date, as arrays read
straight from the holdings' columns, and the holdings in force that record some measures but not all.

Issue 17, memory: no list per field of the holdings in force is made; entity indexes are int32; the worst case of
`determine.doubt` (`_Bulk.with_holdings`) shares the real case's graph of every measure whose columns it did not
change (the very same column objects: `bulk_doubt.worst_columns` replaces only the measures it fills). Issue 17, time:
the worst case also reads the real case's holdings in force as entity indexes (`InForce`) when its columns for them
are the real ones, instead of looking every holder and entity up again (~1.5 s of CPU at 1M entities); a large
table's graphs are built two at a time on two threads (`built`: ~0.4 s less of a 1M screen's time before its fork).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from feoc.data.columns import Codes
from feoc.data.dataset import Dataset
from feoc.data.model import MEASURES
from feoc.determine.bulk_index import EntityIndex
from feoc.determine.bulk_unrecorded import PartStakes
from feoc.ownership import kernel
from feoc.ownership.arrays import StakeGraph

THREADS_FROM = 200_000  # stakes in force: below this a graph builds in well under 0.1 s, not worth two threads
_PLACES = ("holder", "entity", "start", "end")  # the columns besides the shares that decide a graph

Like = tuple[Dataset, dict[str, StakeGraph]]  # the real case's dataset and its graphs


@dataclass(frozen=True)
class InForce:
    """The holdings in force on `day`: their positions among the holdings (`keep`), holder and entity as entity
    indexes; and what they were read from (the entity index, and the columns of `_PLACES`: the very objects)."""

    day: dt.date
    index: EntityIndex
    columns: tuple[Any, ...]
    keep: np.ndarray
    holder: np.ndarray
    target: np.ndarray


def in_force(dataset: Dataset, index: EntityIndex, day: dt.date, known: InForce | None = None) -> InForce:
    """The holdings in force on `day` (`from` inclusive, `until` exclusive) over the entity indexes of `index`:
    `known` if it was read from the very same columns on the same day (the worst case's columns are the real
    case's where it fills only shares: `bulk_doubt.worst_columns`)."""
    col = dataset.column
    columns = tuple(col("holdings", f) for f in _PLACES)
    if known is not None and known.day == day and known.index is index and \
            all(a is b for a, b in zip(columns, known.columns, strict=True)):
        return known
    keep = _in_force(col("holdings", "start"), col("holdings", "end"), day)
    holder, target = (index.of(col("holdings", f))[keep] for f in ("holder", "entity"))
    return InForce(day, index, columns, keep.astype(np.int32), holder, target)


def stake_graphs(dataset: Dataset, index: EntityIndex, rank: np.ndarray, day: dt.date,
                 like: Like | None = None, known: InForce | None = None) -> tuple[dict[str, StakeGraph], PartStakes]:
    """Each measure's stakes in force on `day` (`in_force`; `known`, the holdings in force if already read) over
    the entity indexes of `index` (`rank`: each index's position in id order), and the holdings with some measures
    unrecorded (`determine.unrecorded`). `like`: a graph whose columns are those of `like`'s dataset is taken from
    it."""
    col = dataset.column
    n = len(rank)
    places = in_force(dataset, index, day, known)
    keep, holder, target = places.keep, places.holder, places.target
    same = like is not None and all(col("holdings", f) is like[0].column("holdings", f) for f in _PLACES)
    # the holdings with some measures unrecorded first: the shares of every measure are freed before any graph is
    # built (issue 17, memory: ~35 MiB less under the worst case's peak at 1M entities)
    every = np.empty((len(keep), len(MEASURES)))
    for mi, m in enumerate(MEASURES):
        every[:, mi] = np.asarray(col("holdings", m), dtype=np.float64)[keep]  # None (no stake): NaN
    part = PartStakes.of(holder, target, every, [col("holdings", f) for f in ("holder", "entity", *MEASURES)], keep)
    del every
    graphs: dict[str, StakeGraph] = {}
    makers: dict[str, Callable[[], StakeGraph]] = {}
    for m in MEASURES:
        if same and like is not None and m in like[1] and col("holdings", m) is like[0].column("holdings", m):
            graphs[m] = like[1][m]  # read-only once built (its cycle cache is keyed by its inputs)
            continue

        def make(m: str = m) -> StakeGraph:  # NaN (no stake) is not above 0: `StakeGraph` leaves it out, no copy here
            return StakeGraph(n, holder, target, np.asarray(col("holdings", m), dtype=np.float64)[keep], rank)
        makers[m] = make
    graphs.update(built(makers, len(keep)))
    return {m: graphs[m] for m in MEASURES}, part


def built(makers: dict[str, Callable[[], StakeGraph]], stakes: int) -> dict[str, StakeGraph]:
    """Each maker's graph: two at a time on two threads where it pays (`THREADS_FROM` stakes, the compiled build,
    two cores), else one after the other. Issue 17, time: most of a graph's build is the compiled `levelled` and
    numpy's sorts, which run without the GIL (`kernel.jit` is `nogil`); the graphs are independent, so the order
    they are built in changes nothing. The threads end before this returns: a process with a second thread is
    never forked (`forked.can_fork`)."""
    if len(makers) < 2 or stakes < THREADS_FROM or not kernel.AVAILABLE or _cores() < 2:
        return {m: make() for m, make in makers.items()}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="feoc-graph") as pool:
        futures = {m: pool.submit(make) for m, make in makers.items()}
        try:
            return {m: future.result() for m, future in futures.items()}
        except BaseException:  # an error or Ctrl-C: a graph not begun is not built before it is raised
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _in_force(starts: Sequence[dt.date | None], ends: Sequence[dt.date | None], day: dt.date) -> np.ndarray:
    """The positions of the holdings in force on `day` (`Dated.in_force`: `from` inclusive, `until` exclusive):
    each distinct date is compared once, then each holding's looked up (a few dates, many holdings)."""
    out = np.ones(len(starts), dtype=bool)
    not_yet: Callable[[dt.date], bool] = lambda d: day < d  # noqa: E731
    no_more: Callable[[dt.date], bool] = lambda d: not day < d  # noqa: E731
    for dates, outside in ((starts, not_yet), (ends, no_more)):
        if isinstance(dates, Codes):  # a compact load's few dates: each distinct one tested, then the codes read
            out &= ~np.fromiter((d is not None and outside(d) for d in dates.values), dtype=bool)[dates.codes]
            continue
        closed = {d for d in set(dates) if d is not None and outside(d)}
        if closed:
            out &= ~np.fromiter(map(closed.__contains__, dates), dtype=bool, count=len(dates))
    return np.flatnonzero(out).astype(np.int32)
