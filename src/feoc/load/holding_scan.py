"""What the loader's holding checks need from every holding on the happy path, read once: the ids named,
the entities whose stakes ever add up past 100 % in some measure (whatever the dates), the 100 % stakes,
and whether those can close a cycle.

Two ways of reading, with the same results (tests/test_holding_scan.py holds them equal on every hostile
dataset): record by record, and on arrays for a dataset loaded as columns (`feoc screen`, which has numpy
loaded anyway) from `ARRAYS_FROM` holdings up, where a million-entity screen spent seconds in the record
loop. `feoc check` and `feoc validate` never import numpy and scipy for it (at 100k holdings their
import costs more than the loop)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from feoc.data.columns import Refs
from feoc.data.dataset import Dataset
from feoc.data.model import MEASURES

EPS = 1e-9
WHOLE = 1 - 1e-12  # a stake this large is a 100 % stake
ARRAYS_FROM = 20_000  # holdings; below it the record loop takes milliseconds


@dataclass
class HoldingScan:
    # per measure (MEASURES): entity -> positions of its nonzero stakes in that measure, in record
    # order, for the entities whose stakes add up to more than 100 % over their lifetime
    over: tuple[dict[str, list[int]], ...]
    whole: tuple[list[int], ...]  # per measure: positions of the 100 % stakes, in record order
    holder_of: Sequence[str] = field(repr=False, default=())
    entity_of: Sequence[str] = field(repr=False, default=())
    arrays: bool = False  # read on arrays (and so may the cycle question be)
    named: dict[str, set[str]] = field(repr=False, default_factory=dict)  # "holder"/"entity": the ids named

    @property
    def holders(self) -> set[str]:
        """The ids named as a holder (on arrays: read when first asked; a column of `Refs` is seldom asked)."""
        return self._named("holder", self.holder_of)

    @property
    def held(self) -> set[str]:
        """The ids named as the entity held."""
        return self._named("entity", self.entity_of)

    def _named(self, name: str, column: Sequence[str]) -> set[str]:
        if name not in self.named:
            self.named[name] = _distinct(column)
        return self.named[name]


def scan_holdings(dataset: Dataset, arrays: bool | None = None) -> HoldingScan:
    """`arrays`: force one way (tests); by default arrays for a column-kept dataset of ARRAYS_FROM holdings."""
    if arrays is None:
        arrays = "holdings" in dataset.columns and len(dataset.holdings) >= ARRAYS_FROM
    if arrays:
        holders, held, *shares = (dataset.column("holdings", name) for name in ("holder", "entity", *MEASURES))
        over, whole = _by_arrays(held, shares)
        return HoldingScan(over, whole, holders, held, arrays=True)
    rows = list(map(attrgetter("holder", "entity", *MEASURES), dataset.holdings))  # one C loop over the records
    over, whole = _by_records(rows)
    return HoldingScan(over, whole, named={"holder": {r[0] for r in rows}, "entity": {r[1] for r in rows}})


def _by_records(rows: list[tuple]) -> tuple[tuple, tuple]:
    lifetime: tuple[dict[str, float], ...] = tuple(defaultdict(float) for _ in MEASURES)
    whole: tuple[list[int], ...] = tuple([] for _ in MEASURES)
    (equity, voting, board), (whole_e, whole_v, whole_b) = lifetime, whole
    for pos, (_, entity, e, v, b) in enumerate(rows):  # one pass, the three measures at once
        if e:
            equity[entity] += e
            if e >= WHOLE:
                whole_e.append(pos)
        if v:
            voting[entity] += v
            if v >= WHOLE:
                whole_v.append(pos)
        if b:
            board[entity] += b
            if b >= WHOLE:
                whole_b.append(pos)
    over = []
    for i, totals in enumerate(lifetime):
        suspects = {e for e, total in totals.items() if total > 1 + EPS}
        stakes: dict[str, list[int]] = defaultdict(list)
        if suspects:
            for pos, row in enumerate(rows):
                if row[2 + i] and row[1] in suspects:
                    stakes[row[1]].append(pos)
        over.append(dict(stakes))
    return tuple(over), whole


def _distinct(ids: Sequence[str]) -> set[str]:
    """The ids named: an entity's position named many times (`Refs`) read once."""
    if isinstance(ids, Refs):
        import numpy as np

        named = np.flatnonzero(np.bincount(ids.codes, minlength=1))  # a count per entity: no sort, no hash
        return set(map(ids.values.__getitem__, named.tolist()))
    return set(ids)


def _by_arrays(held: Sequence[str], shares: Sequence[Sequence[float | None]]) -> tuple[tuple, tuple]:
    import numpy as np

    n = len(held)
    if isinstance(held, Refs):  # each entity's code: its position among the entities, as loaded
        code = held.codes
    else:  # each entity's code: the position where it is first named
        first: dict[str, int] = {}
        code = np.fromiter(map(first.setdefault, held, itertools.count()), dtype=np.int64, count=n)
    over, whole = [], []
    for values in shares:
        share = np.array(values, dtype=np.float64)  # None reads as NaN
        share[np.isnan(share)] = 0.0
        # bincount adds in record order, as the record loop does: the very same totals
        lifetime = np.bincount(code, weights=share)
        suspects = lifetime > 1 + EPS
        stakes: dict[str, list[int]] = defaultdict(list)
        for pos in np.flatnonzero(suspects[code] & (share != 0)).tolist():
            stakes[held[pos]].append(pos)
        over.append(dict(stakes))
        whole.append(np.flatnonzero(share >= WHOLE).tolist())
    return tuple(over), tuple(whole)


def may_close_a_cycle(scan: HoldingScan, positions: list[int]) -> bool:
    """Could the stakes at `positions` form a cycle? False is certain; True sends them to the exact search.

    On arrays: a strongly connected component of two or more entities (scipy), or a self-holding."""
    if not positions:
        return False
    if not scan.arrays or len(positions) < ARRAYS_FROM:
        return True  # the exact search (Kahn's peeling first) is quick on few stakes
    import numpy as np
    from scipy import sparse
    from scipy.sparse import csgraph

    holder, target, nodes = _stake_ends(scan, positions)
    if (holder == target).any():
        return True
    graph = sparse.csr_matrix((np.ones(len(holder)), (holder, target)), shape=(nodes, nodes))
    count, _ = csgraph.connected_components(graph, directed=True, connection="strong")
    return count < nodes


def _stake_ends(scan: HoldingScan, positions: list[int]) -> tuple[Any, Any, int]:
    """The holder and entity of the stakes at `positions` as node numbers 0..nodes-1: from the entities'
    positions where the load kept them (`Refs`), else each id numbered as met."""
    import numpy as np

    if isinstance(scan.holder_of, Refs) and isinstance(scan.entity_of, Refs) and \
            scan.holder_of.values is scan.entity_of.values:
        at = np.asarray(positions, dtype=np.int64)
        holder, target = scan.holder_of.codes[at], scan.entity_of.codes[at]
        named = np.zeros(len(scan.holder_of.values), dtype=bool)  # a flag per entity: no sort (np.unique), no hash
        named[holder] = named[target] = True
        number = np.cumsum(named) - 1
        return number[holder], number[target], int(named.sum())
    index: dict[str, int] = {}
    holder = np.fromiter((index.setdefault(scan.holder_of[p], len(index)) for p in positions), dtype=np.int64)
    target = np.fromiter((index.setdefault(scan.entity_of[p], len(index)) for p in positions), dtype=np.int64)
    return holder, target, len(index)
