"""The sweep of `totals._over_100` run for many entities at once on arrays (issue 17, time: a 1M world has ~46,000
entities whose stakes add up past 100 % over their lifetime, handed over on a date, and the sweep of each in Python
took ~0.35 s). It only tells which entities the sweep would clear: the others, and any entity with many stakes,
are swept by `_over_100` itself, which words the problem.

The arrays reproduce the sweep exactly, not approximately: the same events in the same order (by day, removals
before additions on a day, then by position), the same running total built by the same float64 additions and
subtractions from 0.0, compared with the same bound after each addition. An entity whose running total never
passes that bound is one `_over_100` returns None for, since it returns only where the running total passes it.
These are facts of arithmetic, not law.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from feoc.data.columns import Codes, Shares
from feoc.load.holding_scan import EPS

SWEEP_ARRAYS_FROM = 64  # entities to sweep; below it the Python sweep takes a millisecond or two
_MOST_STAKES = 256  # an entity with more stakes is swept in Python: the array sweep steps once per event rank
_BOUND = 1 + EPS / 2  # `_over_100`'s bound on the running total


def swept_clear(starts: Sequence[dt.date | None], ends: Sequence[dt.date | None], shares: Sequence[Any],
                stakes: Mapping[str, list[int]]) -> set[str]:
    """The entities of `stakes` (entity -> positions of its nonzero stakes) whose sweep finds no total over 100 %."""
    import numpy as np

    names = [e for e, ps in stakes.items() if len(ps) <= _MOST_STAKES]
    if not names:
        return set()
    sizes = np.array([len(stakes[e]) for e in names], dtype=np.int64)
    pos = np.fromiter((p for e in names for p in stakes[e]), dtype=np.int64, count=int(sizes.sum()))
    seg = np.repeat(np.arange(len(names)), sizes)
    share = _floats(shares, pos)
    start = _days(starts, pos, dt.date.min.toordinal())
    end = _days(ends, pos, -1)
    ending = end >= 0
    # the events: each stake's addition (kind 1) on its start, its removal (kind 0) on its end, if it has one
    day = np.concatenate([start, end[ending]])
    kind = np.concatenate([np.ones(len(pos), dtype=np.int8), np.zeros(int(ending.sum()), dtype=np.int8)])
    at = np.concatenate([pos, pos[ending]])
    group = np.concatenate([seg, seg[ending]])
    value = np.concatenate([share, -share[ending]])
    order = np.lexsort((at, kind, day, group))
    group, kind, value = group[order], kind[order], value[order]
    first = np.searchsorted(group, np.arange(len(names)))
    rank = np.arange(len(group)) - first[group]
    running = np.zeros(len(names), dtype=np.float64)
    over = np.zeros(len(names), dtype=bool)
    by_rank = np.argsort(rank, kind="stable")
    for events in np.split(by_rank, np.cumsum(np.bincount(rank))[:-1]):  # one event of each entity at a time
        who = group[events]
        running[who] += value[events]  # an entity at most once per rank: no two additions collide
        added = who[kind[events] == 1]
        over[added] |= running[added] > _BOUND
    return {name for name, bad in zip(names, over.tolist()) if not bad}


def _floats(column: Sequence[Any], pos: Any) -> Any:
    """The shares at `pos` as float64 (a range's float is its lower bound, as the sweep adds it)."""
    import numpy as np

    if isinstance(column, Shares):
        return column.array[pos]
    return np.array([float(column[p]) for p in pos.tolist()], dtype=np.float64)


def _days(column: Sequence[dt.date | None], pos: Any, missing: int) -> Any:
    """The dates at `pos` as day ordinals, `missing` where there is none."""
    import numpy as np

    if isinstance(column, Codes):
        days = np.array([d.toordinal() if d is not None else missing for d in column.values], dtype=np.int64)
        return days[column.codes[pos]]
    return np.array([d.toordinal() if d is not None else missing for d in (column[p] for p in pos.tolist())],
                    dtype=np.int64)


__all__ = ["SWEEP_ARRAYS_FROM", "swept_clear"]
