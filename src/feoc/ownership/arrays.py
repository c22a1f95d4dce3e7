"""Interests on arrays: one measure's stakes over entity indexes, propagated level by level with numpy,
for the bulk screen (`determine.bulk`).

Bit-identical to `ownership.graph.Graph.interests` (DOE 89 FR 37079 §III.E, interests held directly or
indirectly): each entity's stakes are added one at a time in the same order (holders by id), and
cross-holdings are found and solved by the same module (`ownership.cycles`), so the screen's figures and
the 25 % test never differ from the per-fact path at a rounding tie.

Interests are propagated over the strongly connected components of the stake graph, level by level (a
component's level is the longest chain of components above it), so a level is a few numpy steps.
Cross-holdings that do not converge raise `NotBulk`: the caller falls back to the per-fact path, which
reports them as an input error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from feoc.data.problems import InputError
from feoc.ownership import kernel, kernel_build
from feoc.ownership.above import IndexSet, InEdgeIndex
from feoc.ownership.cycles import array_components, solve_cycle
from feoc.ownership.graph import interest_rule, lookthrough_of
from feoc.ownership.rounding import Packed, pack, py_round, unpack

__all__ = ["InEdgeIndex", "IndexSet", "NotBulk", "Packed", "StakeGraph", "pack", "py_round", "unpack", "warm"]


class NotBulk(Exception):
    """The array path cannot decide this dataset exactly; use the per-fact (durable-rules) path."""


# --- one measure's stake graph, levelled ----------------------------------------------------------

@dataclass
class _Cycle:
    """One strongly connected component of cross-holdings: its nodes (ascending, i.e. by id) and each
    node's in-stakes [(holder, share)] in the order `ownership.graph.in_edges` sorts them."""

    nodes: list[int]
    stakes: dict[int, list[tuple[int, float]]]
    outside: list[int]  # holders outside the component
    holders: list[int]  # every holder of a member


@dataclass
class _Level:
    depth: int  # the level: the longest chain of components above its nodes
    targets: np.ndarray  # this level's acyclic nodes
    ranks: list[tuple[np.ndarray, np.ndarray]]  # per rank r: (edge indexes, target positions) of each node's r-th stake
    cycles: list[_Cycle] = field(default_factory=list)


class StakeGraph:
    """The stakes of one measure in force on the date, as arrays over entity indexes 0..n-1 (ascending
    index = ascending id), levelled for propagation.

    Bit-identical to `ownership.graph.Graph.interests`, so that the screen's figures and the 25 % test never
    differ from the durable-rules path at a rounding tie: each entity's stakes are added one at a time in
    the same order (holders by id), and cross-holdings are solved by the same code (`solve_cycle`), or by the
    compiled kernel (`ownership.kernel`), which does the very same arithmetic. `reference=True` keeps the
    pure-Python sweep (the kernel's reference; also used when numba is absent)."""

    def __init__(self, n: int, holder: np.ndarray, target: np.ndarray, share: np.ndarray,
                 rank: np.ndarray | None = None, reference: bool = False):
        """`rank`: each entity's position in id order (default: indexes are already in id order)."""
        self.n = n
        self.rank = np.arange(n) if rank is None else rank
        keep = share > 0  # NaN, an unrecorded share (`bulk_graphs`), is no stake either
        holder, target, share = holder[keep], target[keep], share[keep]
        del keep  # each step's input is let go as soon as it is read (issue 17, memory: the worst case's peak)
        order, label, level, node_cyclic = _levelled(n, holder, target, share, self.rank,
                                                     not reference and kernel.AVAILABLE)
        self.holder = holder[order].astype(np.int32, copy=False)
        del holder
        self.target = target[order].astype(np.int32, copy=False)
        del target
        self.share = np.ascontiguousarray(share[order], dtype=np.float64)
        del share
        # each entity's stakes as a range of these edges (read by the kernel's plan and the in-edge index)
        edges = len(order)
        del order
        first = np.flatnonzero(np.r_[True, self.target[1:] != self.target[:-1]]) if edges else np.zeros(0, np.int64)
        self.lo, self.hi = np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32)
        self.lo[self.target[first]], self.hi[self.target[first]] = first, np.r_[first[1:], edges]
        del first
        self.cache: dict[int, tuple[tuple, dict[int, float]]] = {}  # cycle -> (its inputs, its solution)
        self._in_edges: InEdgeIndex | None = None
        t_level, t_cyc = level[self.target], node_cyclic[self.target]
        del level, node_cyclic
        bounds = np.flatnonzero(np.diff(t_level)) + 1
        self._spans = [(lo, lo + int(np.searchsorted(t_cyc[lo:hi], True)), hi)
                       for lo, hi in zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(self.target)].tolist()) if lo < hi]
        self.depths = np.array([int(t_level[lo]) for lo, _, _ in self._spans], dtype=np.int64)
        self._starts = np.array([lo for lo, _, _ in self._spans], dtype=np.int64)  # each level's first edge
        self.cycles: list[_Cycle] = []  # every cross-holding, level by level
        self._cycles_at = [self._cycles(split, hi, label) for _, split, hi in self._spans]
        self._levels: list[_Level] | None = None
        self.plan = None if reference or not kernel.AVAILABLE else kernel.Plan.of(self)

    @property
    def levels(self) -> list[_Level]:
        """The levels as the pure-Python sweep reads them (built on first use)."""
        if self._levels is None:
            self._levels = []
            for (lo, split, _), depth, cycles in zip(self._spans, self.depths.tolist(), self._cycles_at):
                tg = self.target[lo:split]
                first = np.r_[True, tg[1:] != tg[:-1]] if len(tg) else np.zeros(0, dtype=bool)
                position = np.cumsum(first) - 1  # each edge's target, as a position in `targets`
                rank = np.arange(len(tg)) - np.flatnonzero(first)[position]
                ranks = [(lo + np.flatnonzero(rank == r), position[rank == r]) for r in range(int(rank.max()) + 1)] \
                    if len(tg) else []
                self._levels.append(_Level(depth, tg[first], ranks, cycles))
        return self._levels

    def _cycles(self, lo: int, hi: int, label: np.ndarray) -> list[_Cycle]:
        by_comp: dict[int, _Cycle] = {}
        if lo == hi:
            return []
        for h, t, s, c in zip(self.holder[lo:hi].tolist(), self.target[lo:hi].tolist(), self.share[lo:hi].tolist(),
                              label[self.target[lo:hi]].tolist()):
            comp = by_comp.setdefault(c, _Cycle([], {}, [], []))
            comp.stakes.setdefault(t, []).append((h, s))
        rank = self.rank
        for comp in by_comp.values():
            comp.nodes = sorted(comp.stakes, key=lambda v: rank[v])  # the reference's component order: by id
            members = set(comp.nodes)
            comp.holders = sorted({h for st in comp.stakes.values() for h, _ in st})
            comp.outside = [h for h in comp.holders if h not in members]
        out = list(by_comp.values())  # by their first member's index: whatever the labels, the same order
        self.cycles.extend(out)
        return out

    def in_edges(self) -> InEdgeIndex:
        """entity -> [(holder, share)] over indexes (for `ownership.exact`), indexed once."""
        if self._in_edges is None:
            self._in_edges = InEdgeIndex(self.lo, self.hi, self.holder, self.share)
        return self._in_edges

    def interests(self, sources: np.ndarray, control: bool, lookthrough: float | None,
                  since: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Cumulative interest of the `sources` (a boolean mask) in every entity, as `ownership.graph.Graph.interests`.

        `since` = (earlier sources, their interests) with the earlier sources a subset of these: only the
        levels at and below the shallowest added source are recomputed (the levels above cannot see it), and by
        the kernel only what holds a stake from an entity whose weight changed, which gives the very same array
        as a full computation. `lookthrough` (the law's threshold) is required under control tracing."""
        limit = lookthrough_of("control" if control else "multiply", lookthrough)
        sources = np.ascontiguousarray(sources, dtype=np.bool_)
        start, changed = 0, None
        if since is not None and not (since[0] & ~sources).any():
            added = sources & ~since[0]
            if not added.any():
                return since[1]
            start = self._level_of(np.flatnonzero(added))
            x = np.array(since[1], dtype=np.float64)
            # what the full pass leaves for every node above `start`
            w = _weight(x, sources, control, limit) if self.plan is None else \
                kernel.weights(x, sources, bool(control), float(limit))
            changed = added  # what they hold is computed again, and what that changes (`kernel.propagate`)
        else:
            x = np.zeros(self.n)
            w = sources.astype(np.float64)  # the weight a holder passes on: 1 for a source (or held), else its interest
        if self.plan is not None:
            self._compiled(int(np.searchsorted(self.depths, start)), x.reshape(-1, 1), w.reshape(-1, 1),
                           sources.reshape(-1, 1), control, limit, changed)
            return x
        holder, share = self.holder, self.share
        for lev in self.levels:
            if lev.depth < start:
                continue
            if len(lev.targets):
                total = np.zeros(len(lev.targets))
                for idx, pos in lev.ranks:  # one stake of each entity at a time, in the reference's order
                    total[pos] += share[idx] * w[holder[idx]]
                vals = np.minimum(total, 1.0)
                x[lev.targets] = vals
                w[lev.targets] = _weight(vals, sources[lev.targets], control, limit)
            for cycle in lev.cycles:
                self._python_cycle(cycle, x, w, sources, control, limit)
        return x

    def interests_many(self, sources: list[np.ndarray], control: bool, lookthrough: float | None) -> list[np.ndarray]:
        """`interests` of each set of `sources` (boolean masks), the very arrays, computed together by the kernel: the
        stakes are read once for all the sets (issue 17, time: a covered nation's government bodies each)."""
        if self.plan is None or len(sources) < 2:
            return [self.interests(s, control, lookthrough) for s in sources]
        limit = lookthrough_of("control" if control else "multiply", lookthrough)
        held = np.ascontiguousarray(np.stack(sources, axis=1), dtype=np.bool_)
        x, w = np.zeros(held.shape), held.astype(np.float64)
        self._compiled(0, x, w, held, control, limit)
        del w, held
        return [np.ascontiguousarray(x[:, j]) for j in range(len(sources))]

    def _level_of(self, nodes: np.ndarray) -> int:
        """The shallowest level of `nodes`: a node's level is its stakes' level, 0 for a node that holds none
        (issue 17, memory: read from the edges, no level kept per entity)."""
        lo, hi = self.lo[nodes], self.hi[nodes]
        held = lo < hi
        if not held.all() or not len(self._starts):
            return 0
        return int(self.depths[np.searchsorted(self._starts, lo[held], side="right") - 1].min())

    def _compiled(self, level: int, x: np.ndarray, w: np.ndarray, sources: np.ndarray, control: bool,
                  limit: float, changed: np.ndarray | None = None) -> None:
        """The levels from `level` on by the compiled kernel, for each column of `x`, `w` and `sources` (a set of
        sources each); the cycles it hands back solved in Python. `changed` (the entities whose weight changed since
        `x`, given by a chaining round): only what they reach is computed again."""
        plan = self.plan
        assert plan is not None
        deferred = np.empty(max(1, len(self.cycles)), dtype=np.int64)
        sparse = changed is not None
        marks = changed if changed is not None else np.zeros(1, dtype=np.bool_)
        while level < len(self.depths):
            level, handed, failed = kernel.propagate(level, x, w, sources, bool(control), float(limit), self.holder,
                                                     self.share, *plan.arrays(), deferred, marks, sparse,
                                                     kernel.NEUMAIER)
            if failed >= 0:
                raise NotBulk("cross-holdings that do not converge")
            for c in deferred[:handed].tolist():
                nodes = self.cycles[c].nodes
                before = w[nodes] if sparse else None
                for j in range(x.shape[1]):
                    self._python_cycle(self.cycles[c], x[:, j], w[:, j], sources[:, j], control, limit)
                if before is not None:
                    marks[nodes] |= (w[nodes] != before).any(axis=1)

    def _python_cycle(self, cycle: _Cycle, x: np.ndarray, w: np.ndarray, sources: np.ndarray, control: bool,
                      limit: float) -> None:
        solved = self._solve_cycle(cycle, x, sources, control, limit)
        nodes = cycle.nodes
        vals = np.array([solved[v] for v in nodes]) if solved else np.zeros(len(nodes))
        x[nodes] = vals
        w[nodes] = _weight(vals, sources[nodes], control, limit)

    def _solve_cycle(self, cycle: _Cycle, x: np.ndarray, sources: np.ndarray, control: bool,
                     lookthrough: float) -> dict[int, float] | None:
        """The component's values by `ownership.cycles.solve_cycle`, or None when the sources do not reach it (the
        reference leaves it out; its interests are 0). Cached: a chaining round mostly repeats the inputs."""
        src = sources[cycle.holders].tolist()
        upstream = x[cycle.outside].tolist()
        if not any(src) and not any(v > 0 for v in upstream) and not sources[cycle.nodes].any():
            return None
        key = (control, lookthrough, tuple(src), tuple(upstream), tuple(sources[cycle.nodes].tolist()))
        cached = self.cache.get(id(cycle))
        if cached is not None and cached[0] == key:
            return cached[1]
        source_set = {h for h, is_src in zip(cycle.holders, src) if is_src}
        value: dict[int, float] = {h: v for h, v in zip(cycle.outside, upstream) if v}
        compute, held = interest_rule(cycle.stakes, source_set, value, control, lookthrough)
        try:
            solve_cycle(cycle.nodes, compute, value, held, edges=cycle.stakes)
        except InputError:
            raise NotBulk("cross-holdings that do not converge") from None
        solved = {v: (value[v] if value[v] > 0 else 0.0) for v in cycle.nodes}
        self.cache[id(cycle)] = (key, solved)
        return solved


def _weight(vals: np.ndarray, is_source: np.ndarray, control: bool, lookthrough: float) -> np.ndarray:
    if control:
        return np.where(is_source | (vals > lookthrough), 1.0, vals)
    return np.where(is_source, 1.0, vals)


def _levelled(n: int, holder: np.ndarray, target: np.ndarray, share: np.ndarray, rank: np.ndarray,
              compiled: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The stakes' propagation order (by the target's level, whether it is in a cycle, the target, the holder's id,
    the share) and per node its component's label, its level and whether it is in a cycle: by the compiled build
    (`ownership.kernel_build`, issue 17), or by scipy and numpy (without numba; the reference's build)."""
    if compiled:
        return kernel_build.levelled(n, np.ascontiguousarray(holder, dtype=np.int32),
                                     np.ascontiguousarray(target, dtype=np.int32),
                                     np.ascontiguousarray(share, dtype=np.float64),
                                     np.ascontiguousarray(rank, dtype=np.int32))
    ncomp, label, cyclic = array_components(n, holder, target)
    level = _component_levels(ncomp, label[holder], label[target])[label]
    node_cyclic = cyclic[label]
    return np.lexsort((share, rank[holder], target, node_cyclic[target], level[target])), label, level, node_cyclic


def _component_levels(ncomp: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Longest-chain level of each component of the condensation (Kahn's algorithm, one frontier a step)."""
    between = src != dst
    src, dst = src[between], dst[between]
    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    indptr = np.r_[0, np.cumsum(np.bincount(src, minlength=ncomp))]
    indegree = np.bincount(dst, minlength=ncomp)
    level = np.zeros(ncomp, dtype=np.int64)
    frontier = np.flatnonzero(indegree == 0)
    depth = 0
    while len(frontier):
        level[frontier] = depth
        starts, counts = indptr[frontier], indptr[frontier + 1] - indptr[frontier]
        total = int(counts.sum())
        if not total:
            break
        idx = np.repeat(starts - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(total)
        reached, drops = np.unique(dst[idx], return_counts=True)
        indegree[reached] -= drops
        frontier = reached[indegree[reached] == 0]
        depth += 1
    return level


def warm() -> None:
    """Load the compiled kernel (from the cache, or compile it) on a two-entity cross-holding, so that the screen
    can do it while worker processes parse the files (`cli.screen`)."""
    # any small graph with a cycle compiles every path of the kernel; its shares are arbitrary, not law
    graph = StakeGraph(3, np.array([0, 1, 2]), np.array([1, 0, 0]), np.full(3, 1 / 3))
    sources = np.array([False, False, True])
    graph.interests(sources, False, None)
    graph.in_edges().walk(IndexSet(sources), [0])
    import scipy.sparse.csgraph  # noqa: F401  the cross-checks' cycle test reads it (`load/holding_scan`): imported now
