"""The compiled propagation kernel: the level-by-level sweep of `ownership.arrays.StakeGraph.interests` and the
exact solve of each small cross-holding, in machine code (numba) over integer CSR arrays.

The interests are DOE's cumulative "directly or indirectly" held interests (89 FR 37079 §III.E). The kernel does
the arithmetic of the pure-Python path step for step: each entity's stakes are added one at a time in the same
order, a cycle is solved by the same dense Gaussian elimination (`ownership.cycles._gauss`: partial pivoting,
first largest pivot, the same 1e-15 singularity test, the back substitution summed the way this interpreter's
`sum()` sums: in order before Python 3.12, Neumaier-compensated since), the held set under control tracing is
grown the same way (`cycles.solve_held`), and the same Gauss-Seidel sweeps check the fixed point. Same operations
in the same order give the same floats: numba compiles without fast-math, so nothing is reassociated or fused.
Whatever the kernel cannot do step for step it hands back (a cycle over `cycles.EXACT_LIMIT` nodes, solved by a
sparse LU in scipy): the caller solves those cycles in Python and calls again from the next level.

Compiled code is cached under the user's cache directory (`cache_dir`), never in the package. Without numba, without
a writable cache directory or with FEOC_NO_KERNEL set, the pure-Python path is used (`AVAILABLE` is False).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from feoc.data.compiled import AVAILABLE, cache_dir, jit  # noqa: F401  (the kernel's callers read them here)
from feoc.ownership.cycles import EXACT_LIMIT, MAX_SWEEPS, TOLERANCE

SINGULAR = 1e-15  # the pivot below which `cycles._gauss` calls a system singular
SOLVED, FAILED = 0, 2  # a cycle's outcome in the kernel
NEUMAIER = sys.version_info >= (3, 12)  # Python 3.12's sum() of floats compensates (Neumaier), 3.11's adds in order




@jit
def _weight(v: float, is_source: bool, control: bool, limit: float) -> float:
    """What a holder passes on: 1 for a source or (control tracing) an entity held above the look-through."""
    return 1.0 if is_source or (control and v > limit) else v


@jit
def _compute(lo: int, hi: int, x: Any, sources: Any, holder: Any, share: Any, control: bool, limit: float) -> float:
    """`graph.interest_rule`'s compute: the stakes [lo, hi) added in order, then `min(total, 1.0)`."""
    total = 0.0
    for e in range(lo, hi):
        h = holder[e]
        if sources[h]:
            total += share[e]
        else:
            v = x[h]
            total += share[e] * (1.0 if control and v > limit else v)
    return 1.0 if total > 1.0 else total


@jit
def _gauss(rows: Any, neumaier: bool) -> Any:
    """`cycles._gauss` on an n x (n+1) array: the solution, or an empty array when singular."""
    n = rows.shape[0]
    for col in range(n):
        pivot, best = col, abs(rows[col, col])
        for r in range(col + 1, n):
            if abs(rows[r, col]) > best:
                pivot, best = r, abs(rows[r, col])
        if abs(rows[pivot, col]) < SINGULAR:
            return np.empty(0)
        if pivot != col:
            for c in range(n + 1):
                rows[col, c], rows[pivot, c] = rows[pivot, c], rows[col, c]
        for r in range(col + 1, n):
            factor = rows[r, col] / rows[col, col]
            if factor != 0.0:
                for c in range(col, n + 1):
                    rows[r, c] -= factor * rows[col, c]
    out = np.zeros(n)
    for r in range(n - 1, -1, -1):
        total, comp = 0.0, 0.0  # Python's sum(): int 0 plus the first product, then each in turn
        for c in range(r + 1, n):
            p = rows[r, c] * out[c]
            if not neumaier or c == r + 1:
                total += p
                continue
            t = total + p
            comp += (total - t) + p if abs(total) >= abs(p) else (p - t) + total
            total = t
        if neumaier and comp != 0.0 and np.isfinite(comp):
            total += comp
        out[r] = (rows[r, n] - total) / rows[r, r]
    return out


@jit
def _slot_of(h: int, slot: Any) -> int:
    """Entity `h`'s slot in the cycles' members, or -1 (`Plan.slot_keys`: the members by index, `slot_at`: their slots)."""
    keys, slots = slot
    i = np.searchsorted(keys, h)
    return slots[i] if i < len(keys) and keys[i] == h else -1


@jit
def _solve_held(members: Any, lo: Any, hi: Any, x: Any, sources: Any, holder: Any, share: Any, control: bool,
                limit: float, neumaier: bool) -> None:
    """`cycles.solve_held` with `cycles._dense_system` (a singular system is left to the sweeps, as there, which
    refuse what does not converge). The held members are recomputed in the members' order (by id), as there."""
    k = len(members)
    held = np.zeros(k, dtype=np.bool_)
    for i in range(k):
        held[i] = control and x[members[i]] > limit
    for _ in range(k + 1):
        free = np.flatnonzero(~held)
        nf = len(free)
        for f in free:
            x[members[f]] = 0.0
        rows = np.zeros((nf, nf + 1))
        for a in range(nf):
            rows[a, nf] = _compute(lo[free[a]], hi[free[a]], x, sources, holder, share, control, limit)
        for j in range(nf):
            x[members[free[j]]] = 1.0
            for a in range(nf):
                rows[a, j] = -(_compute(lo[free[a]], hi[free[a]], x, sources, holder, share, control, limit) - rows[a, nf])
            x[members[free[j]]] = 0.0
        for a in range(nf):
            rows[a, a] += 1.0
        solution = _gauss(rows, neumaier)
        if nf and len(solution) == 0:
            return  # singular: the sweeps decide
        for a in range(nf):
            v = solution[a]
            v = 0.0 if v < 0.0 else v
            x[members[free[a]]] = 1.0 if v > 1.0 else v
        for i in range(k):
            if held[i]:
                x[members[i]] = _compute(lo[i], hi[i], x, sources, holder, share, control, limit)
        same = True
        for i in range(k):
            now = control and x[members[i]] > limit
            same = same and now == held[i]
            held[i] = now
        if same:
            return


@jit
def _cycle(first: int, members: Any, lo: Any, hi: Any, x: Any, w: Any, sources: Any, holder: Any, share: Any,
           control: bool, limit: float, slot: Any, neumaier: bool) -> int:
    """One cross-holding as `arrays.StakeGraph._solve_cycle` and `cycles.solve_cycle` (dense case); `first`: its first
    member's slot (`_slot_of`)."""
    reached = False
    for i in range(len(members)):
        reached = reached or sources[members[i]]
        for e in range(lo[i], hi[i]):
            h = holder[e]
            reached = reached or sources[h] or (not first <= _slot_of(h, slot) < first + len(members) and x[h] > 0)
    for m in members:
        x[m] = 0.0  # the reference's value map has no entry for a member yet
    if reached:
        _solve_held(members, lo, hi, x, sources, holder, share, control, limit, neumaier)
        settled = False
        for _ in range(MAX_SWEEPS):
            change = 0.0
            for i in range(len(members)):
                new = _compute(lo[i], hi[i], x, sources, holder, share, control, limit)
                d = abs(new - x[members[i]])
                change = d if d > change else change
                x[members[i]] = new
            if change < TOLERANCE:
                settled = True
                break
        if not settled:
            return FAILED
    for m in members:
        x[m] = x[m] if x[m] > 0 else 0.0
        w[m] = _weight(x[m], sources[m], control, limit)
    return SOLVED


@jit
def weights(x: Any, sources: Any, control: bool, limit: float) -> Any:
    """What every entity passes on (`_weight`), as `arrays._weight` gives it: one pass, not numpy's three."""
    w = np.empty(len(x))
    for i in range(len(x)):
        w[i] = _weight(x[i], sources[i], control, limit)
    return w


@jit
def _cycle_touched(members: Any, m_lo: Any, m_hi: Any, holder: Any, changed: Any) -> bool:
    """Whether a cross-holding is solved again in a chaining round: a member, or a holder of one, changed weight."""
    touched = False
    for i in range(len(members)):
        touched = touched or changed[members[i]]
        for e in range(m_lo[i], m_hi[i]):
            touched = touched or changed[holder[e]]
    return touched


@jit
def _mark(nodes: Any, w: Any, before: Any, changed: Any) -> None:
    """`nodes` whose weight in any set of sources is not `before`'s marked changed."""
    for i in range(len(nodes)):
        for j in range(w.shape[1]):
            if w[nodes[i], j] != before[i, j]:
                changed[nodes[i]] = True


@jit
def propagate(first: int, x: Any, w: Any, sources: Any, control: bool, limit: float, holder: Any, share: Any,
              levels: Any, targets: Any, lo: Any, hi: Any, cycles: Any, c_ptr: Any, members: Any, m_lo: Any,
              m_hi: Any, slot_keys: Any, slot_at: Any, large: Any, edge_target: Any, deferred: Any, changed: Any,
              sparse: bool, neumaier: bool) -> Any:
    """Levels `first`.. of a `StakeGraph` (level l: acyclic targets levels[l, 0]..levels[l+1, 0], cycles
    cycles[l]..cycles[l+1]; an entity's stakes: edges lo[entity]..hi[entity]) for k sets of sources at once: `x`,
    `w` and `sources` are (entities, k), column j one set's, each column's arithmetic that of a pass on its own
    (issue 17, time: the stakes are read once for a covered nation's bodies each, four at 1M entities: 0.30 ->
    0.18 s a measure). `sparse`: only an entity or a cycle holding a stake from one whose weight changed
    (`changed`, kept up to date here) is computed again; any other would be given its very value again (the same
    inputs, the same operations: a chaining round adds a few sources to the last one's). Returns (the level to
    continue from, how many cycles of the level just done were handed back into `deferred`, a cycle that does not
    converge or -1)."""
    slot = (slot_keys, slot_at)
    k_sets = x.shape[1]
    total = np.zeros(k_sets)
    for lv in range(first, len(cycles) - 1):
        # a level's acyclic targets hold the stakes from `at` on, one after another (read in order when sparse)
        at = lo[targets[levels[lv]]] if levels[lv] < levels[lv + 1] else 0
        for k in range(levels[lv], levels[lv + 1]):
            t = targets[k]
            if sparse:
                touched = False
                while at < len(edge_target) and edge_target[at] == t:
                    touched = touched or changed[holder[at]]
                    at += 1
                if not touched:
                    continue
            for j in range(k_sets):
                total[j] = 0.0
            for e in range(lo[t], hi[t]):
                s, h = share[e], holder[e]
                for j in range(k_sets):
                    total[j] += s * w[h, j]
            for j in range(k_sets):
                before = w[t, j]
                x[t, j] = 1.0 if total[j] > 1.0 else total[j]
                w[t, j] = _weight(x[t, j], sources[t, j], control, limit)
                if sparse and w[t, j] != before:
                    changed[t] = True
        handed = 0
        for c in range(cycles[lv], cycles[lv + 1]):
            a, b = c_ptr[c], c_ptr[c + 1]
            if large[c]:
                deferred[handed] = c
                handed += 1
                continue
            if sparse and not _cycle_touched(members[a:b], m_lo[a:b], m_hi[a:b], holder, changed):
                continue
            before = w[members[a:b], :]  # a copy (fancy indexing)
            for j in range(k_sets):
                if _cycle(a, members[a:b], m_lo[a:b], m_hi[a:b], x[:, j], w[:, j], sources[:, j], holder, share,
                          control, limit, slot, neumaier) == FAILED:
                    return lv, handed, c
            if sparse:
                _mark(members[a:b], w, before, changed)
        if handed:
            return lv + 1, handed, -1
    return len(cycles) - 1, 0, -1


@dataclass(frozen=True)
class Plan:
    """An `arrays.StakeGraph` laid out for `kernel.propagate` (CSR style, int32 entity ids): per level, its acyclic
    targets and its cycles; per entity (`StakeGraph.lo`, `.hi`, shared with its in-edge index: issue 17, memory)
    and per cycle member, its stakes as a range of the sorted edges."""

    levels: np.ndarray  # level l's acyclic targets: targets[levels[l]:levels[l + 1]]
    targets: np.ndarray
    lo: np.ndarray  # an entity's stakes: edges lo..hi (the graph's own arrays, not a copy)
    hi: np.ndarray
    cycles: np.ndarray  # level l's cycles: cycles[l]..cycles[l + 1] (indexes into StakeGraph.cycles)
    c_ptr: np.ndarray  # a cycle's members: members[c_ptr[c]:c_ptr[c + 1]], by id
    members: np.ndarray
    m_lo: np.ndarray
    m_hi: np.ndarray
    # the cycles' members by entity index, and each one's position in `members` (one lookup for its cycle and its
    # place in it; issue 17, memory: not an array over every entity, -1 for nearly all)
    slot_keys: np.ndarray
    slot_at: np.ndarray
    large: np.ndarray  # cycles over EXACT_LIMIT nodes: solved by scipy's sparse LU, in Python
    edge_target: np.ndarray  # each stake's target (the graph's own array): a chaining round reads it in order

    @staticmethod
    def of(graph: Any) -> Plan:
        target = graph.target  # sorted by level, then cycle or not, then target: each target's stakes one run
        first = np.flatnonzero(np.r_[True, target[1:] != target[:-1]]) if len(target) else np.zeros(0, np.int64)
        acyclic = np.zeros(len(target), dtype=np.bool_)
        for lo, split, _ in graph._spans:
            acyclic[lo:split] = True
        first = first[acyclic[first]]  # each acyclic target's first stake, level by level
        targets = target[first].astype(np.int32)
        sizes = [len(c.nodes) for c in graph.cycles]
        members = np.array([v for c in graph.cycles for v in c.nodes], dtype=np.int32)
        by_index = np.argsort(members, kind="stable").astype(np.int32)
        return Plan(np.r_[np.searchsorted(first, [lo for lo, _, _ in graph._spans]), len(first)].astype(np.int64),
                    targets, graph.lo, graph.hi,
                    np.r_[0, np.cumsum([len(c) for c in graph._cycles_at])].astype(np.int64),
                    np.r_[0, np.cumsum(sizes)].astype(np.int64), members, graph.lo[members], graph.hi[members],
                    members[by_index], by_index,
                    np.array([k > EXACT_LIMIT for k in sizes], dtype=np.bool_), graph.target)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (self.levels, self.targets, self.lo, self.hi, self.cycles, self.c_ptr, self.members, self.m_lo,
                self.m_hi, self.slot_keys, self.slot_at, self.large, self.edge_target)
