"""What the loader's holding checks need from every holding on the happy path, read once: the ids named,
the entities whose stakes ever add up past 100 % in some measure (whatever the dates), the 100 % stakes,
and whether those can close a cycle.

Two ways of reading, with the same results (tests/test_holding_scan.py holds them equal on every hostile
dataset): record by record for small datasets (no numpy import on the `feoc check` path), and on
arrays from `ARRAYS_FROM` holdings up (a million-entity screen spends seconds in the record loop)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .dataset import Dataset
from .model import MEASURES

EPS = 1e-9
WHOLE = 1 - 1e-12  # a stake this large is a 100 % stake
ARRAYS_FROM = 20_000  # holdings; below it, importing numpy costs more than the loop


@dataclass
class HoldingScan:
    holders: set[str]
    held: set[str]
    # per measure (MEASURES): entity -> positions of its nonzero stakes in that measure, in record
    # order, for the entities whose stakes add up to more than 100 % over their lifetime
    over: tuple[dict[str, list[int]], ...]
    whole: tuple[list[int], ...]  # per measure: positions of the 100 % stakes, in record order
    holder_of: Sequence[str] = field(repr=False, default=())
    entity_of: Sequence[str] = field(repr=False, default=())


def scan_holdings(dataset: Dataset, arrays: bool | None = None) -> HoldingScan:
    holders = dataset.column("holdings", "holder")
    held = dataset.column("holdings", "entity")
    shares = [dataset.column("holdings", m) for m in MEASURES]
    use_arrays = len(held) >= ARRAYS_FROM if arrays is None else arrays
    over, whole = (_by_arrays if use_arrays else _by_records)(held, shares)
    return HoldingScan(set(holders), set(held), over, whole, holders, held)


def _by_records(held: Sequence[str], shares: list[Sequence[float | None]]) -> tuple[tuple, tuple]:
    over, whole = [], []
    for values in shares:
        lifetime: dict[str, float] = defaultdict(float)
        full = []
        for pos, (entity, share) in enumerate(zip(held, values)):
            if share:
                lifetime[entity] += share
                if share >= WHOLE:
                    full.append(pos)
        suspects = {e for e, total in lifetime.items() if total > 1 + EPS}
        stakes: dict[str, list[int]] = defaultdict(list)
        if suspects:
            for pos, (entity, share) in enumerate(zip(held, values)):
                if share and entity in suspects:
                    stakes[entity].append(pos)
        over.append(dict(stakes))
        whole.append(full)
    return tuple(over), tuple(whole)


def _by_arrays(held: Sequence[str], shares: list[Sequence[float | None]]) -> tuple[tuple, tuple]:
    import numpy as np

    n = len(held)
    first: dict[str, int] = {}  # each entity's code: the position where it is first named
    code = np.fromiter(map(first.setdefault, held, itertools.count()), dtype=np.int64, count=n)
    over, whole = [], []
    for values in shares:
        share = np.array(values, dtype=np.float64)  # None reads as NaN
        share[np.isnan(share)] = 0.0
        # bincount adds in record order, as the record loop does: the very same totals
        lifetime = np.bincount(code, weights=share, minlength=n)
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
    if len(positions) < ARRAYS_FROM:
        return True  # the exact search (Kahn's peeling first) is quick on few stakes
    import numpy as np
    from scipy import sparse
    from scipy.sparse import csgraph

    index: dict[str, int] = {}
    holder = np.fromiter((index.setdefault(scan.holder_of[p], len(index)) for p in positions), dtype=np.int64)
    target = np.fromiter((index.setdefault(scan.entity_of[p], len(index)) for p in positions), dtype=np.int64)
    if (holder == target).any():
        return True
    graph = sparse.csr_matrix((np.ones(len(holder)), (holder, target)), shape=(len(index), len(index)))
    count, label = csgraph.connected_components(graph, directed=True, connection="strong")
    return count < len(index)
