"""The holders above some entities on a stake graph's arrays, for `ownership.exact`: each entity's stakes read on
demand (`InEdgeIndex`) and the walk above the asked-for entities (`InEdgeIndex.walk`), compiled where it can be, with
every stake it will read gathered at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from feoc.ownership.exact import EXACT_CYCLE, EXACT_NODES
from feoc.ownership.kernel import jit
from feoc.ownership.kernel_build import components

# Issue 17, time: the walk's marks over every entity, kept from one walk to the next (all False between walks) rather
# than allocated for each: fresh memory is mapped page by page as the walk touches it (at 1M entities ~2 ms a walk)
_SCRATCH: dict[int, tuple[np.ndarray, np.ndarray]] = {}


class Walk(NamedTuple):
    """What `ownership.exact.exact_interests` reads of the graph above its targets."""

    components: list[tuple[list[int], bool, bool]]  # (members, a cycle?, reached?) in topological order
    stakes: dict[int, list[tuple[int, float]]]  # every walked entity's stakes [(holder, share)], holders by id
    sources: set[int]  # the sources among the entities walked and their holders


class InEdgeIndex:
    """The stakes held in each entity, read on demand: `get(entity)` -> [(holder, share)] (the only
    mapping method `ownership.exact` uses), without building a dictionary over every entity. Issue 17, memory: it
    reads the graph's own edges, sorted by target and, for one target, by holder id (`StakeGraph`), through each
    entity's range of them (`lo`, `hi`), with no copy of its own."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, holder: np.ndarray, share: np.ndarray):
        self.lo, self.hi, self.holder, self.share = lo, hi, holder, share

    def get(self, node: int, default: Any = ()) -> Any:
        lo, hi = int(self.lo[node]), int(self.hi[node])
        if lo == hi:
            return default
        return list(zip(self.holder[lo:hi].tolist(), self.share[lo:hi].tolist()))

    def memo(self) -> _Memo:
        """A view that keeps what it read: one exact evaluation reads each entity's stakes three or four times."""
        return _Memo(self)

    def walk(self, sources: Any, targets: list[int]) -> Walk | None:
        """For `ownership.exact.exact_interests`: the targets and every holder above them (not above a source that
        is not a target) as strongly connected components in topological order, members ascending, each with
        whether it is a cycle and whether it is reached (False only for an entity outside any cycle that is no
        source and has no source above it: its interest is 0), and the stakes and sources it will read. None where
        that function gives up for size alone: a holder added past EXACT_NODES entities, or a cycle over
        EXACT_CYCLE members. Issue 17, time: compiled (`_layout`), the stakes gathered in one step, not entity
        by entity, and only for the entities reached (the 77 walks of a 1M screen and the stakes they read
        0.24 s -> 0.055 s of CPU)."""
        mask = sources.mask if isinstance(sources, IndexSet) else np.isin(np.arange(len(self.lo)), list(sources))
        n = len(self.lo)
        scratch = _SCRATCH.pop(n, None) or (np.zeros(n, dtype=np.bool_), np.empty(n, dtype=np.int32))
        nodes, order, label, cyclic, reached, walk, start, edges = _layout(
            self.lo, self.hi, self.holder, np.ascontiguousarray(mask, dtype=np.bool_), np.array(targets, dtype=np.int64),
            EXACT_NODES, *scratch)
        _SCRATCH.clear()  # one pair kept, for the entity count in use
        _SCRATCH[n] = scratch
        if not len(nodes):
            return Walk([], {}, set()) if not targets else None
        if int(np.bincount(label).max()) > EXACT_CYCLE:
            return None
        # only what is reached: the interest of the rest is 0, and neither it nor its stakes is read (issue 17, time:
        # a third of the entities walked at 1M)
        members, comps = nodes[order].tolist(), label[order]
        firsts = np.r_[0, np.flatnonzero(comps[1:] != comps[:-1]) + 1]
        ends = np.r_[firsts[1:], len(members)]
        kept = reached[order[firsts]]
        components = [(members[a:b], c, True) for a, b, c in
                      zip(firsts[kept].tolist(), ends[kept].tolist(), cyclic[comps[firsts[kept]]].tolist())]
        walked = np.flatnonzero(walk & reached)
        lo, counts = start[walked], start[walked + 1] - start[walked]
        ends = np.cumsum(counts)
        at = edges[np.repeat(lo - ends + counts, counts) + np.arange(int(ends[-1]) if len(ends) else 0)]
        pairs = list(zip(self.holder[at].tolist(), self.share[at].tolist()))
        stakes = {n: pairs[a:b] for n, a, b in zip(nodes[walked].tolist(), (ends - counts).tolist(), ends.tolist())}
        return Walk(components, stakes, set(nodes[mask[nodes]].tolist()))


class _Memo:
    """`InEdgeIndex.get`, each entity read once (for one exact evaluation, then dropped); those its walk gathers
    read in one step."""

    def __init__(self, index: InEdgeIndex):
        self.index = index
        self.seen: dict[int, Any] = {}

    def get(self, node: int, default: Any = ()) -> Any:
        got = self.seen.get(node)
        if got is None:
            got = self.seen[node] = self.index.get(node, None)
        return got if got else default

    def walk(self, sources: Any, targets: list[int]) -> Walk | None:
        found = self.index.walk(sources, targets)
        if found is not None:
            self.seen.update(found.stakes)
        return found


class IndexSet:
    """A boolean mask read as the set of its indexes (membership only, what `ownership.exact` asks)."""

    def __init__(self, mask: np.ndarray):
        self.mask = mask

    def __contains__(self, i: object) -> bool:
        return isinstance(i, int) and bool(self.mask[i])

    def __len__(self) -> int:
        return int(self.mask.sum())

    def __iter__(self) -> Iterator[int]:
        return iter(np.flatnonzero(self.mask).tolist())


@jit
def _upstream(lo: Any, hi: Any, holder: Any, sources: Any, targets: Any, limit: int, seen: Any,
              position: Any) -> tuple[Any, int]:
    """The targets and every holder above them, not above a source that is not a target, breadth first (the set of
    `ownership.exact.upstream`'s walk; none past `limit`: an empty array) and how many of them are targets (the first
    ones), each one's place among them written in `position`. `seen`, all False, is left so."""
    nodes = np.empty(len(targets) + limit + 1, dtype=np.int64)
    k = 0
    for t in targets:
        if not seen[t]:
            seen[t], position[t], nodes[k], k = True, k, t, k + 1
    asked, at = k, 0
    while at < k:
        if at < asked or not sources[nodes[at]]:
            for e in range(lo[nodes[at]], hi[nodes[at]]):
                if not seen[holder[e]]:
                    seen[holder[e]], position[holder[e]], nodes[k], k = True, k, holder[e], k + 1
                    if k > limit:
                        seen[nodes[:k]] = False
                        return nodes[:0], 0
        at += 1
    seen[nodes[:k]] = False
    return nodes[:k], asked


@jit
def _layout(lo: Any, hi: Any, holder: Any, sources: Any, targets: Any, limit: int, seen: Any,
            position: Any) -> tuple[Any, ...]:
    """The walk of `InEdgeIndex.walk`: the entities of `_upstream` (`nodes`; none past `limit`: empty arrays),
    each one's stakes (edge indexes `edges[start[i]:start[i + 1]]` for nodes[i], none for one not walked, `walk`),
    the strongly connected components of those stakes (`kernel_build.components`: labels found a component after
    every one it holds stakes in, so descending labels are a topological order), the positions in that order
    (members by id), and whether each entity is reached (a source, below one, or in a cycle). Issue 17, time: one
    compiled pass where scipy's components, a sparse matrix for the reach and numpy's sorts and searches took some
    thirty calls, each with its own overhead, per walk."""
    nodes, asked = _upstream(lo, hi, holder, sources, targets, limit, seen, position)
    k = len(nodes)
    walk = np.empty(k, dtype=np.bool_)
    for i in range(k):
        walk[i] = i < asked or not sources[nodes[i]]
    start = np.zeros(k + 1, dtype=np.int64)
    for i in range(k):
        start[i + 1] = start[i] + (hi[nodes[i]] - lo[nodes[i]] if walk[i] else 0)
    edges, src, dst = np.empty(start[k], dtype=np.int64), np.empty(start[k], dtype=np.int64), np.empty(start[k], dtype=np.int64)
    for i in range(k):
        if walk[i]:
            for j in range(start[i + 1] - start[i]):
                edges[start[i] + j] = lo[nodes[i]] + j
                src[start[i] + j], dst[start[i] + j] = position[holder[lo[nodes[i]] + j]], i
    ncomp, label, cyclic = components(k, src, dst)
    key = np.empty(k, dtype=np.int64)
    for i in range(k):
        key[i] = (ncomp - 1 - label[i]) * len(lo) + nodes[i]
    order = np.argsort(key)
    below = np.zeros(k, dtype=np.bool_)  # a source or below one (a cycle's members all or none)
    i = 0
    while i < k:
        j, hit = i, False
        while j < k and label[order[j]] == label[order[i]]:
            hit = hit or sources[nodes[order[j]]]
            for e in range(start[order[j]], start[order[j] + 1]):
                hit = hit or below[src[e]]
            j += 1
        for q in range(i, j):
            below[order[q]] = hit
        i = j
    reached = below.copy()
    for i in range(k):
        reached[i] = below[i] or cyclic[label[i]]
    return nodes, order, label, cyclic, reached, walk, start, edges
